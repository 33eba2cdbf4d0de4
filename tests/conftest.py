"""Shared test set-up: quiet TensorFlow, a small thread budget, deterministic seeds, shared tiny runs."""

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

# Under pytest-xdist (-n N) each worker is a process of its own on the same cores: one intra-op
# and one inter-op thread each, so that N workers do not oversubscribe the CPU (an explicit
# TF_NUM_*_THREADS in your environment still wins). Without -n nothing changes.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

# Tests run the way the lesionkit command does: runtime settings in force before any test
# imports TensorFlow (the empty cache above means the documented defaults, no profile).
from lesionkit.runtime.settings import configure_runtime  # noqa: E402

configure_runtime("train")


# Finished tiny runs, trained once per test session (tests/tiny_runs.py says what they hold).
# Tests that need *a* trained run, not a particular recipe, share these instead of each module
# training its own: a fit is the dearest thing the suite does. Usage:
#
#     def test_something(binary_run):                    # read-only: read files, Trainer.from_run
#         trainer = binary_run.trainer()
#
#     def test_that_writes(binary_run, tmp_path):        # evaluate(save=True), resume, calibrate...
#         run = binary_run.copy_to(tmp_path)             # a private copy; the shared one stays as is
#
# The configs are importable (tests/ is on sys.path): `from tiny_runs import BINARY_OVERRIDES`.
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from tiny_runs import BINARY_OVERRIDES, THREE_CLASS_CONFIG, TinyRun, train_tiny_run  # noqa: E402


@pytest.fixture(scope="session")
def binary_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyRun]:
    """``melanoma_conv5`` with ResNet-18 at 32 px, 2 epochs on 24 synthetic images; test report saved.

    Read-only; ``binary_run.copy_to(tmp_path)`` before a test writes into it (the session's end
    checks that no file of it was added, removed or rewritten).
    """
    run = train_tiny_run(tmp_path_factory.mktemp("shared-runs") / "binary", "melanoma_conv5", BINARY_OVERRIDES)
    before = run.listing()
    yield run
    assert run.listing() == before, "a test wrote into the shared binary_run: give it binary_run.copy_to(tmp_path)"


@pytest.fixture(scope="session")
def three_class_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TinyRun]:
    """Task ``isic2017_3class``, frozen ResNet-18 at 32 px, 1 epoch on 24 synthetic images; test report saved.

    Read-only; ``three_class_run.copy_to(tmp_path)`` before a test writes into it (checked at the end).
    """
    run = train_tiny_run(tmp_path_factory.mktemp("shared-runs") / "three", "", THREE_CLASS_CONFIG)
    before = run.listing()
    yield run
    assert run.listing() == before, (
        "a test wrote into the shared three_class_run: give it three_class_run.copy_to(tmp_path)"
    )
