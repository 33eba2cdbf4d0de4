"""Pure statistics of a classifier's scores: numpy in, numbers out, no files, no TensorFlow.

Example:
    >>> from lesionkit.evaluation.stats.metrics import binary_metrics
    >>> binary_metrics([0, 1], [0.2, 0.9])["accuracy"]
    1.0
"""

from __future__ import annotations
