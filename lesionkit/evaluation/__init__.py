"""Evaluation: predictions, test-time augmentation, metrics, reports, plots, submission scoring and
the statistics of a clinical evaluation (confidence intervals, calibration, operating points, subgroups).

Importing this package imports nothing else: import its modules
(``lesionkit.evaluation.metrics``, ``.report``, ``.inference``, ``.confidence``...) by name.
"""

from __future__ import annotations
