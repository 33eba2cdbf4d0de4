"""Evaluation, one subpackage per job.

- ``stats/``: pure statistics, numpy in and numbers out (metrics, bootstrap and DeLong
  intervals, paired tests, calibration maths, operating points, subgroups).
- ``reports/``: a split's :class:`~lesionkit.evaluation.reports.report.Report`, its clinical
  section, plots, a run's model card and summary, two runs compared.
- ``scoring/``: scoring ISIC 2017 and ISIC 2018 Task 3 submission files.
- ``prediction/``: inference and test-time augmentation, predicting image files, exported
  models and their self-description, Grad-CAM.
- ``posthoc/``: what a run learned after training (metadata prior, temperature, threshold).

Importing this package (or any subpackage) imports nothing else: import modules by name, e.g.
``lesionkit.evaluation.stats.metrics`` or ``lesionkit.evaluation.reports.report``.
"""

from __future__ import annotations
