"""Checksummed, resumable download of ISIC 2017 Part 3, and safe extraction.

:func:`download_isic2017` fetches the six official files (three image zips,
three ground-truth CSVs) from ``base_url`` (default the ISIC S3 bucket;
``$LESIONKIT_ISIC_URL`` or the ``base_url`` argument point it at a mirror):

- each transfer goes to ``<name>.part`` and resumes from its size with an HTTP
  ``Range`` request after an interruption (a server that ignores ``Range`` just
  restarts it);
- the MD5 is checked before the file is renamed to its real name; a mismatch
  deletes the partial file and raises :class:`~lesionkit.errors.DataError`, so
  nothing that looks complete is left behind;
- zips are checked entry by entry before anything is written: absolute paths,
  ``..`` components and symbolic links are refused; the JPEGs and CSVs (the
  metadata) are kept, ``*_superpixels.png`` skipped; each image folder is extracted
  into a temporary folder and renamed into place, then marked complete;
- a second run over a complete directory does nothing.

Example:
    >>> from lesionkit.data.fetch.download import download_isic2017
    >>> download_isic2017("~/data/isic2017")        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import stat
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from lesionkit.data.loading.progress import progress_bar
from lesionkit.errors import DataError
from lesionkit.io import atomic_write_text

DEFAULT_BASE_URL = "https://isic-challenge-data.s3.amazonaws.com/2017/"
ENV_BASE_URL = "LESIONKIT_ISIC_URL"
# The official files and their MD5s.
ISIC2017_FILES: dict[str, str] = {
    "ISIC-2017_Training_Data.zip": "a14a7e622c67a358797ae59abb8a0b0c",
    "ISIC-2017_Validation_Data.zip": "8d6419d942112f709894c0d82f6c9038",
    "ISIC-2017_Test_v2_Data.zip": "5f6a0b5e1f2972bd1f5ea02680489f09",
    "ISIC-2017_Training_Part3_GroundTruth.csv": "0cb4add57c65c22ca1a1cb469ad1f0c5",
    "ISIC-2017_Validation_Part3_GroundTruth.csv": "8d4826a76adcd8fb928ca52a23ebae4c",
    "ISIC-2017_Test_v2_Part3_GroundTruth.csv": "9e957b72a0c4f9e0d924889fd03b36ed",
}
COMPLETE_MARKER = ".lesionkit-complete"
CHUNK = 1 << 20


class ChecksumError(DataError):
    """A downloaded file whose MD5 is not the expected one (the file was deleted)."""


class UnsafeArchiveError(DataError):
    """A zip entry that would land outside the target folder or is a link."""


def md5sum(path: str | Path) -> str:
    """Hex MD5 of a file, read in 1 MiB chunks."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def resolve_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$LESIONKIT_ISIC_URL``, else the ISIC bucket; always ends with ``/``."""
    url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"


def fetch(url: str, dest: str | Path, md5: str | None, *, progress: bool = True, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` via ``dest.part`` (resumed if present), verifying ``md5``.

    ``md5=None`` where the publisher gives no checksum: nothing is verified (see
    :mod:`lesionkit.data.fetch.releases`, which records the SHA-256 of what it got instead).

    Raises:
        ChecksumError: the finished transfer has another MD5 (the partial file is removed).
        DataError: the server answered with an error or the connection failed.
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            response = None  # the partial file is already whole: just verify it
        else:
            raise DataError(
                f"{url}: HTTP {exc.code} {exc.reason}; check the URL or mirror (--base-url / ${ENV_BASE_URL})"
            ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(
            f"{url}: cannot connect ({getattr(exc, 'reason', exc)}); check your network and re-run to resume"
        ) from exc
    if response is not None:
        with response:
            resumed = have and response.status == 206
            if not resumed:
                have = 0  # the server sent the whole file
            length = response.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            try:
                with (
                    open(part, "ab" if resumed else "wb") as out,
                    progress_bar(total, dest.name, enabled=progress, unit="B", unit_scale=True) as bar,
                ):
                    bar.update(have)
                    for block in iter(lambda: response.read(CHUNK), b""):
                        out.write(block)
                        bar.update(len(block))
            except (OSError, http.client.HTTPException) as exc:
                raise DataError(
                    f"{url}: transfer interrupted ({exc}); re-run to resume from {part.stat().st_size} bytes"
                ) from exc
            # A dropped connection can look like a clean end of stream: compare with the promised length.
            if total is not None and part.stat().st_size < total:
                raise DataError(
                    f"{url}: transfer interrupted at {part.stat().st_size} of {total} bytes; re-run to resume"
                )
    got = md5sum(part) if md5 is not None else None
    if got != md5:
        part.unlink()
        raise ChecksumError(
            f"{dest.name}: MD5 {got} does not match the expected {md5}; the download was deleted. "
            "Re-run to download it again; if it keeps failing the mirror serves a different file."
        )
    os.replace(part, dest)
    return dest


def _keep(name: str) -> bool:
    # JPEGs and CSVs (metadata; ISIC 2018's ground truth is zipped); not superpixels, licences or macOS litter.
    pure = PurePosixPath(name)
    if "__MACOSX" in pure.parts:
        return False
    return (pure.suffix.lower() in (".jpg", ".jpeg") and not pure.stem.endswith("_superpixels")) or (
        pure.suffix.lower() == ".csv"
    )


def check_archive(archive: zipfile.ZipFile, source: str | Path) -> list[zipfile.ZipInfo]:
    """The entries to extract; raises :class:`UnsafeArchiveError` naming the first unsafe one."""
    keep = []
    for info in archive.infolist():
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if (
            pure.is_absolute()
            or name.startswith(("/", "\\"))
            or (len(name) > 1 and name[1] == ":")
            or ".." in pure.parts
        ):
            raise UnsafeArchiveError(
                f"{source}: entry {name!r} would be written outside the target folder; refusing the archive"
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeArchiveError(f"{source}: entry {name!r} is a symbolic link; refusing the archive")
        if not info.is_dir() and _keep(name):
            keep.append(info)
    return keep


def extract(zip_path: str | Path, to: str | Path, *, progress: bool = True, top: str | None = None) -> list[Path]:
    """Extract the JPEGs and CSVs of ``zip_path`` into ``to`` safely; returns top folders.

    The whole archive is checked first; top-level folders are built in a
    temporary folder beside them and renamed into place. With ``top``, an
    archive whose entries are not all inside ``top/`` is extracted into ``to/top/``
    (some releases zip their images without a folder).
    """
    zip_path, to = Path(zip_path), Path(to)
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{zip_path}: not a valid zip ({exc}); delete it and download again") from exc
    with archive:
        entries = check_archive(archive, zip_path)
        prefix: tuple[str, ...] = ()
        if top is not None and not all(PurePosixPath(e.filename.replace("\\", "/")).parts[0] == top for e in entries):
            prefix = (top,)
        to.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{zip_path.stem}.", suffix=".tmp", dir=to))
        try:
            with progress_bar(len(entries), f"extracting {zip_path.name}", enabled=progress, unit="file") as bar:
                for info in entries:
                    target = tmp.joinpath(*prefix, *PurePosixPath(info.filename.replace("\\", "/")).parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, CHUNK)
                    bar.update(1)
            tops = []
            for child in sorted(tmp.iterdir()):
                final = to / child.name
                if final.exists():
                    shutil.rmtree(final) if final.is_dir() else final.unlink()
                os.replace(child, final)
                tops.append(final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return tops


def marker_path(to: Path, zip_name: str) -> Path:
    """Where the completion marker of archive ``zip_name`` extracted into ``to`` lies (inside its top folder)."""
    return to / zip_name[: -len(".zip")] / COMPLETE_MARKER


def sha256sum(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def sidecar_path(to: Path, name: str) -> Path:
    """``NAME.sha256`` beside a file whose publisher gives no checksum: the SHA-256 recorded when it came."""
    return to / f"{name}.sha256"


def is_complete(to: Path, name: str, md5: str | None) -> bool:
    """Whether file ``name`` is already in ``to``, whole: an archive by its completion marker, a file by its
    published MD5, or, with none published, by the SHA-256 recorded beside it."""
    if name.endswith(".zip"):
        try:
            marker = json.loads(marker_path(to, name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return marker.get("md5") == md5 if md5 else bool(marker.get("sha256"))
    path = to / name
    if not path.is_file():
        return False
    if md5:
        return md5sum(path) == md5
    sidecar = sidecar_path(to, name)
    return sidecar.is_file() and sidecar.read_text(encoding="utf-8").split()[0] == sha256sum(path)


def download_isic2017(
    to: str | Path,
    *,
    base_url: str | None = None,
    files: Mapping[str, str] | None = None,
    keep_archives: bool = False,
    progress: bool = True,
) -> Path:
    """Download, verify and extract ISIC 2017 Part 3 into ``to``; returns ``to``.

    Args:
        to: target folder (created); afterwards usable as ``data_dir``.
        base_url: where the files are; default ``$LESIONKIT_ISIC_URL`` or the ISIC bucket.
        files: ``{file name: md5}`` to fetch (default :data:`ISIC2017_FILES`).
        keep_archives: keep the zips after extraction (they are deleted otherwise).

    Raises:
        ChecksumError, UnsafeArchiveError, DataError: with the file and what to do.
    """
    to = Path(to).expanduser()
    to.mkdir(parents=True, exist_ok=True)
    url = resolve_base_url(base_url)
    for name, md5 in (files or ISIC2017_FILES).items():
        if is_complete(to, name, md5):
            continue
        dest = to / name
        if not (dest.is_file() and md5sum(dest) == md5):
            fetch(url + name, dest, md5, progress=progress)
        if name.endswith(".zip"):
            extract(dest, to, progress=progress)
            marker = marker_path(to, name)
            if not marker.parent.is_dir():
                raise DataError(f"{dest}: has no top folder {marker.parent.name}/; is this the right archive?")
            atomic_write_text(marker, json.dumps({"archive": name, "md5": md5}))
            if not keep_archives:
                dest.unlink()
    return to
