"""What the published records datasets (HAM10000, ISIC 2018 Task 3, ISIC 2019) share as sources.

Each of them reads a :class:`~lesionkit.data.labels.records.LayoutReading`, splits it, is checked
by :func:`~lesionkit.data.checks.validate.validate_records` and downloads a
:class:`~lesionkit.data.fetch.releases.Release`; a subclass names the dataset and says how it
recognises, reads and splits its layout (:meth:`RecordsSource.read_splits`).

Example:
    >>> from lesionkit.data.sources.base import get_source
    >>> get_source("isic2019").describe_release().splitlines()[0]
    'isic2019: ISIC 2019 training data (about 9 GB) from https://isic-challenge-data.s3.amazonaws.com/2019/'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lesionkit.data.checks.validate import SplitReading, ValidationReport, validate_records
from lesionkit.data.fetch.releases import RELEASES, download_release
from lesionkit.data.sources.base import ValidateOptions


class RecordsSource:
    """A records dataset's source; subclasses set the names and :meth:`read_splits` (and ``__call__``)."""

    name = ""
    title = ""
    looks_for = ""
    catch_all = False

    def recognises(self, root: Path, labels: str = "labels.csv") -> bool:
        raise NotImplementedError

    def read_splits(self, root: Path, seed: int) -> SplitReading:
        """The layout read, each record's split from ``seed``, and a line saying how the splits were made."""
        raise NotImplementedError

    def validate(self, root: Path, options: ValidateOptions) -> ValidationReport:
        return validate_records(
            root,
            self.name,
            lambda at: self.read_splits(at, options.seed),
            splits=options.splits,
            decode=options.decode,
            progress=options.progress,
        )

    def audit_params(self, options: ValidateOptions) -> dict[str, Any]:
        return {"seed": options.seed}

    def describe_release(self, base_url: str | None = None) -> str:
        return RELEASES[self.name].describe()

    def download(self, to: Path, *, base_url: str | None, keep_archives: bool, progress: bool) -> Path:
        return download_release(self.name, to, base_url=base_url, keep_archives=keep_archives, progress=progress)
