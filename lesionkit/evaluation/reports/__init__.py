"""Reports: a split's metrics and plots, the clinical section, a run's model card and summary, comparisons.

Importing this package imports nothing else: import its modules by name, e.g.
``from lesionkit.evaluation.reports.report import Report``.
"""

from __future__ import annotations
