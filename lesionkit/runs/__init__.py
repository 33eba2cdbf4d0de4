"""Run directories: every path and file of one training run, owned by :class:`RunDir`.

Importing this package is cheap (no TensorFlow, no numpy).

Example:
    >>> from lesionkit.runs import RunDir
    >>> RunDir("runs/mel").history_file.as_posix()
    'runs/mel/history.csv'
"""

from __future__ import annotations

from lesionkit.runs.checkpoint import CheckpointError
from lesionkit.runs.run_dir import ResumePoint, RunDir, RunDirError, default_run_dir

__all__ = ["CheckpointError", "ResumePoint", "RunDir", "RunDirError", "default_run_dir"]
