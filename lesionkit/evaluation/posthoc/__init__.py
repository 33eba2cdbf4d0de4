"""What a run learns after training and applies to every prediction: metadata prior, temperature, threshold.

Importing this package imports nothing else: import its modules by name.
"""

from __future__ import annotations
