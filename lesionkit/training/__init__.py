"""Training: the Trainer facade, its assembly from a config, callbacks and model export.

Importing this package is cheap; its modules import TensorFlow only when used.
"""

from __future__ import annotations
