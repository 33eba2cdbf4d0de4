"""Default settings of the clinical statistics, importable without numpy.

The ``lesionkit`` command reads them to show its options' defaults, and ``lesionkit --help``
must work where only lesionkit itself is installed.
"""

from __future__ import annotations

#: Resamples of every stratified-bootstrap interval (0 turns the intervals off).
DEFAULT_RESAMPLES = 2000
#: The specificity at which ``lesionkit compare`` compares sensitivities.
DEFAULT_SPECIFICITY = 0.9
