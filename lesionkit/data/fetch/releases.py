"""Downloading HAM10000, ISIC 2018 Task 3 and ISIC 2019 as published, with what each publisher gives to check them.

Each :class:`Release` names its files and where they come from:

- ``isic2018``: the Task 3 files on ``https://isic-challenge-data.s3.amazonaws.com/2018/``
  (training, validation and test images and ground truth, and the training lesion
  groupings);
- ``isic2019``: the training images, ground truth and metadata on
  ``https://isic-challenge-data.s3.amazonaws.com/2019/``;
- ``ham10000``: the two image archives and the metadata on the Harvard Dataverse
  (doi:10.7910/DVN/DBW86T). The file ids and checksums are read at run time from the
  Dataverse's own catalog of the dataset (its datasets API), not written down here.

Checksums: the ISIC challenge bucket publishes none for 2018 or 2019, so those files are
not verified. The Dataverse publishes an MD5 for each file; the image archives are
verified against it. The metadata is stored by the Dataverse as an ingested table and
downloaded in its original format, whose published checksum does not always describe the
bytes served, so it is not verified either. For every file that is not verified, the
SHA-256 of what was downloaded is written next to it as ``NAME.sha256`` (``sha256sum``
format), so a later download, or someone else's, can be compared with it.

Transfers resume, zips are checked before extraction and extracted atomically, and a
second run over a complete folder does nothing, as for ISIC 2017
(:mod:`lesionkit.data.fetch.download`).

Example:
    >>> print(RELEASES["isic2019"].describe())  # doctest: +NORMALIZE_WHITESPACE
    isic2019: ISIC 2019 training data (about 9 GB) from https://isic-challenge-data.s3.amazonaws.com/2019/
      ISIC_2019_Training_Input.zip  no published checksum (SHA-256 recorded)
      ISIC_2019_Training_GroundTruth.csv  no published checksum (SHA-256 recorded)
      ISIC_2019_Training_Metadata.csv  no published checksum (SHA-256 recorded)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import attrs

from lesionkit.data.fetch.download import extract, fetch, is_complete, marker_path, md5sum, sha256sum, sidecar_path
from lesionkit.errors import DataError
from lesionkit.io import atomic_write_text

DATAVERSE = "https://dataverse.harvard.edu"
HAM10000_DOI = "doi:10.7910/DVN/DBW86T"
NOT_PUBLISHED = "no published checksum (SHA-256 recorded)"


@attrs.frozen
class Release:
    """A dataset's published files.

    Attributes:
        name: the dataset name (as in ``lesionkit download NAME``).
        title: what it is, with its size.
        base_url: where the files are (a URL folder; for a Dataverse release, the server).
        files: ``{file name: MD5}``, ``None`` where no checksum is published.
        doi: a Dataverse dataset whose catalog gives file ids and checksums at run time.
    """

    name: str
    title: str
    base_url: str
    files: Mapping[str, str | None]
    doi: str | None = None

    def describe(self) -> str:
        """The files and what checks each, one a line."""
        source = f"{self.base_url} ({self.doi})" if self.doi else self.base_url
        lines = [f"{self.name}: {self.title} from {source}"]
        for name, md5 in self.files.items():
            check = f"MD5 {md5}" if md5 else NOT_PUBLISHED
            if self.doi:
                check = "MD5 from the Dataverse catalog" if name.endswith(".zip") else NOT_PUBLISHED
            lines.append(f"  {name}  {check}")
        return "\n".join(lines)


def _isic2018_files() -> dict[str, str | None]:
    files: dict[str, str | None] = {}
    for infix in ("Training", "Validation", "Test"):
        files[f"ISIC2018_Task3_{infix}_Input.zip"] = None
        files[f"ISIC2018_Task3_{infix}_GroundTruth.zip"] = None
        if infix == "Training":
            files["ISIC2018_Task3_Training_LesionGroupings.csv"] = None
    return files


RELEASES: dict[str, Release] = {
    "ham10000": Release(
        "ham10000",
        "HAM10000 (about 3 GB)",
        DATAVERSE,
        dict.fromkeys(("HAM10000_images_part_1.zip", "HAM10000_images_part_2.zip", "HAM10000_metadata.csv")),
        doi=HAM10000_DOI,
    ),
    "isic2018": Release(
        "isic2018",
        "ISIC 2018 Task 3 (about 3 GB)",
        "https://isic-challenge-data.s3.amazonaws.com/2018/",
        _isic2018_files(),
    ),
    "isic2019": Release(
        "isic2019",
        "ISIC 2019 training data (about 9 GB)",
        "https://isic-challenge-data.s3.amazonaws.com/2019/",
        dict.fromkeys(
            ("ISIC_2019_Training_Input.zip", "ISIC_2019_Training_GroundTruth.csv", "ISIC_2019_Training_Metadata.csv")
        ),
    ),
}


def dataverse_files(
    server: str, doi: str, names: list[str], *, timeout: float = 60.0
) -> dict[str, tuple[str, str | None]]:
    """``{name: (download URL, MD5 or None)}`` for ``names`` from a Dataverse dataset's catalog.

    A name matches a catalog file by its name or, for a table the Dataverse ingested
    (stored as ``.tab``), by its original name or stem; such a table is fetched in its
    original format and gets no MD5 (see module docs).

    Raises:
        DataError: the catalog cannot be fetched or read, or lacks one of ``names``.
    """
    server = server.rstrip("/")
    url = f"{server}/api/datasets/:persistentId/?persistentId={doi}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            catalog = json.loads(response.read().decode("utf-8"))
        files = catalog["data"]["latestVersion"]["files"]
    except urllib.error.HTTPError as exc:
        raise DataError(f"{url}: HTTP {exc.code} {exc.reason}; check the server (--base-url)") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DataError(f"{url}: cannot connect ({getattr(exc, 'reason', exc)}); check your network") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{url}: not a Dataverse dataset catalog ({exc!r}); check the server (--base-url)") from exc
    out: dict[str, tuple[str, str | None]] = {}
    for entry in files:
        data = entry.get("dataFile", {})
        ingested = "originalFileFormat" in data or str(data.get("filename", "")).endswith(".tab")
        candidates = {data.get("filename"), data.get("originalFileName"), Path(str(data.get("filename", ""))).stem}
        for name in names:
            if name in candidates or Path(name).stem in candidates:
                md5 = None if ingested else data.get("md5") or (data.get("checksum") or {}).get("value")
                link = f"{server}/api/access/datafile/{data['id']}" + ("?format=original" if ingested else "")
                out.setdefault(name, (link, md5))
    missing = [n for n in names if n not in out]
    if missing:
        raise DataError(f"{url}: the catalog lists no {', '.join(missing)}; has the dataset changed?")
    return out


def _changed(to: Path, name: str) -> bool:
    sidecar = sidecar_path(to, name)
    return sidecar.is_file() and sidecar.read_text(encoding="utf-8").split()[0] != sha256sum(to / name)


def download_release(
    name: str,
    to: str | Path,
    *,
    base_url: str | None = None,
    keep_archives: bool = False,
    progress: bool = True,
) -> Path:
    """Download, check and extract release ``name`` (a key of :data:`RELEASES`) into ``to``; returns ``to``.

    Args:
        base_url: a mirror (for ``ham10000``, another Dataverse server holding the same DOI).
        keep_archives: keep the zips after extraction (deleted otherwise).

    Raises:
        KeyError: unknown release. ChecksumError, UnsafeArchiveError, DataError: with the file and what to do.
    """
    if name not in RELEASES:
        raise KeyError(f"no release {name!r}; releases: {', '.join(RELEASES)}")
    release = RELEASES[name]
    to = Path(to).expanduser()
    to.mkdir(parents=True, exist_ok=True)
    base = base_url or release.base_url
    if release.doi:
        entries = dataverse_files(base, release.doi, list(release.files))
    else:
        folder = base if base.endswith("/") else base + "/"
        entries = {f: (folder + f, md5) for f, md5 in release.files.items()}
    for file, (url, md5) in entries.items():
        if is_complete(to, file, md5):
            continue
        dest = to / file
        # A file under its real name is a finished transfer (fetch renames only then): kept unless it fails its
        # published MD5 or, without one, no longer matches the SHA-256 recorded when it was downloaded.
        if not dest.is_file() or (md5 and md5sum(dest) != md5) or (not md5 and _changed(to, file)):
            fetch(url, dest, md5, progress=progress)
        sha256 = sha256sum(dest)
        if not md5:  # nothing published to check it against: record what we got
            atomic_write_text(sidecar_path(to, file), f"{sha256}  {file}\n")
        if file.endswith(".zip"):
            stem = file[: -len(".zip")]
            extract(dest, to, progress=progress, top=stem)
            marker = marker_path(to, file)
            if not marker.parent.is_dir():
                raise DataError(f"{dest}: has no top folder {marker.parent.name}/; is this the right archive?")
            atomic_write_text(marker, json.dumps({"archive": file, "md5": md5, "sha256": sha256}))
            if not keep_archives:
                dest.unlink()
    return to
