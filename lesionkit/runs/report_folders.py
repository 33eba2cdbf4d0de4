"""The names of a run's report folders: ``reports/<name>/``, built and parsed in this one place.

A report folder is named after the split it evaluates, the test-time augmentation views it
averaged and, for a run evaluated on other data than it was trained on, a prefix naming that
data: ``test``, ``test-tta8``, ``folder-ph2-test``, ``folder-ph2-test-tta4``.

Example:
    >>> ReportFolder("test", tta=8).name
    'test-tta8'
    >>> ReportFolder.parse("folder-ph2-test-tta4")
    ReportFolder(split='test', tta=4, prefix='folder-ph2')
    >>> ReportFolder.parse("validation")
    ReportFolder(split='validation', tta=1, prefix='')
"""

from __future__ import annotations

import attrs

__all__ = ["SPLITS", "ReportFolder"]

#: The splits a report folder may be named after (a prefix is whatever comes before them).
SPLITS = ("train", "validation", "test")
_TTA = "-tta"


@attrs.frozen
class ReportFolder:
    """Where one evaluation's report goes under ``reports/``.

    Attributes:
        split: the split evaluated (``"test"``...).
        tta: test-time augmentation views averaged (1 = none).
        prefix: the external data the run was evaluated on (``"folder-ph2"``), else empty.
    """

    split: str
    tta: int = 1
    prefix: str = ""

    @property
    def name(self) -> str:
        """The folder's name: ``[<prefix>-]<split>[-tta<N>]``."""
        name = self.split if self.tta <= 1 else f"{self.split}{_TTA}{self.tta}"
        return f"{self.prefix}-{name}" if self.prefix else name

    @property
    def evaluate_command_options(self) -> str:
        """The ``lesionkit evaluate`` options that write this folder (``--split test --tta 8``)."""
        return f"--split {self.split}" + (f" --tta {self.tta}" if self.tta > 1 else "")

    @classmethod
    def parse(cls, name: str) -> ReportFolder:
        """The folder a name stands for; a name that follows no known split is all split.

        Example:
            >>> ReportFolder.parse("test-tta8").tta, ReportFolder.parse("holdout").split
            (8, 'holdout')
        """
        base, tta = name, 1
        head, sep, views = name.rpartition(_TTA)
        if sep and views.isdigit() and head:
            base, tta = head, int(views)
        for split in SPLITS:
            if base == split:
                return cls(split, tta)
            if base.endswith(f"-{split}"):
                return cls(split, tta, base.removesuffix(f"-{split}"))
        return cls(base, tta)
