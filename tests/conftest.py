"""Shared test set-up: quiet TensorFlow, a small thread budget, deterministic seeds."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Tests never touch the user's Keras cache (and never download): point it at an empty folder.
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="lesionkit-keras-home-")
