"""Datasets as sources: what every dataset read from disk says about itself, asked instead of branched on.

A :class:`DatasetSource` is the entry a dataset registers in ``lesionkit.datasets``: calling
it builds the dataset (the registry contract, ``source(data_dir=..., **params) -> Dataset``),
and it also answers what ``lesionkit validate`` and ``lesionkit download`` need — whether a
folder holds its layout (:meth:`~DatasetSource.recognises`), a check of every file and row
(:meth:`~DatasetSource.validate`), and its published release
(:meth:`~DatasetSource.describe_release`, :meth:`~DatasetSource.download`). Each dataset's
module holds its source beside its reader, so adding a dataset is one new file (and a line
in :mod:`lesionkit.data.sources.builtins` that imports it).

:func:`detect_dataset` asks the sources by name, the published releases before the
``folder`` dataset (:attr:`~DatasetSource.catch_all`), so a stray ``labels.csv`` never turns an ISIC root into a folder
dataset); a folder none of them recognises is an :class:`UnknownLayoutError` that names
what each looked for and what the folder holds.

Example:
    >>> [s.name for s in sources()]
    ['ham10000', 'isic2017', 'isic2018', 'isic2019', 'folder']
    >>> get_source("ham10000").looks_for
    'HAM10000_metadata.csv'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from lesionkit import registries
from lesionkit.errors import DataNotFoundError

if TYPE_CHECKING:
    from lesionkit.data.checks.validate import ValidationReport
    from lesionkit.data.splitting.split import Dataset


@attrs.frozen
class ValidateOptions:
    """What ``lesionkit validate`` asks of a source's check.

    Attributes:
        splits: only these splits (``None``: all).
        seed: the seed of drawn splits (the datasets' default is 0).
        labels: the label CSV of a folder dataset.
        decode: decode every image (the slow part); ``False`` checks names and CSVs only.
        progress: show progress bars.
    """

    splits: tuple[str, ...] | None = None
    seed: int = 0
    labels: str = "labels.csv"
    decode: bool = True
    progress: bool = True


@runtime_checkable
class DatasetSource(Protocol):
    """A dataset on disk: how to build it, recognise it, check it and download it."""

    #: The registry name (``lesionkit.datasets.create(name)``, ``lesionkit download NAME``).
    name: str
    #: What it is, for messages: ``"ISIC 2017 Part 3"``.
    title: str
    #: The files or folders that make its layout, for "looked for" messages.
    looks_for: str
    #: Whether it takes almost any folder (the ``folder`` dataset): asked after the others.
    catch_all: bool

    def __call__(self, data_dir: Any = None, cache_dir: Any = None, **params: Any) -> Dataset:
        """The dataset under ``data_dir`` (the registry's factory contract)."""
        ...

    def recognises(self, root: Path, labels: str = "labels.csv") -> bool:
        """Whether ``root`` holds this dataset's layout (by its file names; nothing is read)."""
        ...

    def validate(self, root: Path, options: ValidateOptions) -> ValidationReport:
        """Every problem of the folder, each naming its file or CSV line (never raises for bad data)."""
        ...

    def audit_params(self, options: ValidateOptions) -> dict[str, Any]:
        """The parameters that build the same splits :meth:`validate` counted (for the leakage audit)."""
        ...

    def describe_release(self, base_url: str | None = None) -> str | None:
        """The published files and what checks each, one a line; ``None``: nothing to download."""
        ...

    def download(self, to: Path, *, base_url: str | None, keep_archives: bool, progress: bool) -> Path:
        """Download, check and extract the release into ``to``; returns the dataset root."""
        ...


class UnknownLayoutError(DataNotFoundError):
    """A folder that holds no layout a source recognises; the message says what each looked for."""


def sources() -> list[DatasetSource]:
    """The registered datasets that are sources (read from disk), by name, the catch-all ones last."""
    found = []
    for name in registries.datasets.names():
        entry = registries.datasets.get(name)
        if isinstance(entry, DatasetSource):
            found.append(entry)
    return sorted(found, key=lambda source: source.catch_all)


def get_source(name: str) -> DatasetSource:
    """The source registered as ``name``.

    Raises:
        KeyError: no dataset of that name reads a layout from disk (the message lists those that do).
    """
    for source in sources():
        if source.name == name:
            return source
    raise KeyError(f"no dataset source {name!r}; sources: {', '.join(s.name for s in sources())}")


def detect_dataset(root: str | Path, labels: str = "labels.csv") -> str:
    """Which dataset ``root`` holds: the first source that recognises its layout.

    Raises:
        UnknownLayoutError: none does; the message names what each looked for and what ``root`` holds.

    Example:
        >>> import pathlib, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "HAM10000_metadata.csv").write_text("lesion_id,image_id,dx")
        >>> _ = (root / "labels.csv").write_text("image_id,diagnosis")
        >>> detect_dataset(root)
        'ham10000'
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataNotFoundError(
            f"{root}: no such folder; check the path, or get a dataset with `lesionkit download NAME --to {root}`"
        )
    known = sources()
    for source in known:
        if source.recognises(root, labels):
            return source.name
    entries = sorted(p.name + ("/" if p.is_dir() else "") for p in root.iterdir() if not p.name.startswith("."))
    shown = ", ".join(entries[:8]) + (f" and {len(entries) - 8} more" if len(entries) > 8 else "")
    looked = "\n".join(f"  {s.name}: {s.looks_for}" for s in known)
    raise UnknownLayoutError(
        f"{root}: no dataset layout recognised. Looked for:\n{looked}\n"
        f"It holds {shown or 'nothing'}. Pass --dataset NAME to check it as one of them"
    )


def validate_dataset(root: str | Path, kind: str | None = None, **options: Any) -> ValidationReport:
    """Check the dataset under ``root`` with its source (``kind``, else :func:`detect_dataset`'s).

    ``options`` are :class:`ValidateOptions` fields (``splits``, ``seed``, ``labels``, ``decode``,
    ``progress``).

    Raises:
        UnknownLayoutError: ``kind`` not given and no source recognises ``root``.
        KeyError: ``kind`` is no source.
    """
    opts = ValidateOptions(**options)
    root = Path(root).expanduser()
    return get_source(kind or detect_dataset(root, opts.labels)).validate(root, opts)
