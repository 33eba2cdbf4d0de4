"""Scoring challenge submission files: ISIC 2017 (``isic2017``) and ISIC 2018 Task 3 (``isic2018``).

Importing this package imports nothing else: import its modules by name, e.g.
``from lesionkit.evaluation.scoring.isic2017 import score_submission``.
"""

from __future__ import annotations
