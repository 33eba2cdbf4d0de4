"""Shared test set-up: quiet TensorFlow, a small thread budget, deterministic seeds."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Tests never touch the user's Keras cache (and never download): point it at an empty folder.
os.environ["KERAS_HOME"] = tempfile.mkdtemp(prefix="lesionkit-keras-home-")
# ...nor the user's image cache: datasets built by the tests cache into a throwaway folder.
os.environ["LESIONKIT_CACHE"] = tempfile.mkdtemp(prefix="lesionkit-cache-")

# Hypothesis: the default profile is derandomized (the same examples on every machine, so a
# run that passed here passes in CI) and has no per-example deadline (2-core machines are
# slow and uneven). HYPOTHESIS_PROFILE=explore draws fresh random examples (500 where a test
# does not set its own count).
from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Tests run the way the lesionkit command does: runtime settings in force before any test
# imports TensorFlow (the empty cache above means the documented defaults, no profile).
from lesionkit.runtime_env import configure_runtime  # noqa: E402

configure_runtime("train")
