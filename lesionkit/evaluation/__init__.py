"""Evaluation: predictions, test-time augmentation, metrics, reports, plots and submission scoring.

Importing this package imports nothing else: import its modules
(``lesionkit.evaluation.metrics``, ``.report``, ``.inference``...) by name.
"""

from __future__ import annotations
