"""The build-once image cache: every source image decoded and resized once, reused by every run.

A cache entry is a folder ``<cache_dir>/<name>-<size>px-<key>/`` holding uint8
``.npy`` shards (``(n, size, size, 3)``, at most ``shard_size`` images each) and
an ``index.json`` naming them. The key hashes the target size, the decoder
version and each source file's identity (name, byte size, modification time),
so that changing any image, the size or the decoder builds a new entry and
nothing else does. An entry is built in a temporary folder and renamed into
place, so an interrupted build never looks complete; older entries of the same
name and size are removed once the new one is in place.

Every image is decoded while building, so a bad file is reported (with every
other bad file) before training starts, never half-way through an epoch.

The default cache directory is ``$LESIONKIT_CACHE``, else
``$XDG_CACHE_HOME/lesionkit``, else ``~/.cache/lesionkit``.

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> Image.fromarray(np.full((50, 70, 3), 90, np.uint8)).save(root / "a.jpg")
    >>> cached_images([root / "a.jpg"], 32, root / "cache", name="demo", progress=False).shape
    (1, 32, 32, 3)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from lesionkit.data.labels.csvtable import format_problems
from lesionkit.data.loading.images import DECODER_VERSION, ImageDecodeError, load_image
from lesionkit.data.loading.progress import progress_bar
from lesionkit.errors import DataError
from lesionkit.io import atomic_write_text

CACHE_FORMAT = 1
INDEX = "index.json"


def default_cache_dir() -> Path:
    """``$LESIONKIT_CACHE``, else ``$XDG_CACHE_HOME/lesionkit``, else ``~/.cache/lesionkit``."""
    if os.environ.get("LESIONKIT_CACHE"):
        return Path(os.environ["LESIONKIT_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "lesionkit"


def cache_key(paths: Sequence[str | Path], size: int) -> str:
    """Hash of the target size, decoder version and each file's name, byte size and mtime."""
    h = hashlib.sha256(f"lesionkit-cache/{CACHE_FORMAT}/{DECODER_VERSION}/{int(size)}".encode())
    for p in paths:
        p = Path(p)
        try:
            st = p.stat()
        except OSError as exc:
            raise DataError(f"{p}: image listed for the cache cannot be read ({exc.strerror or exc})") from exc
        h.update(f"\0{p.name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "images"


def cache_entry(
    paths: Sequence[str | Path], size: int, cache_dir: str | os.PathLike[str] | None = None, *, name: str
) -> Path:
    """The folder where the cache of these files at this size lives (built or not)."""
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return root / f"{_safe_name(name)}-{int(size)}px-{cache_key(paths, size)}"


def is_built(entry: Path) -> bool:
    """Whether ``entry`` is a complete cache folder (its index was written last)."""
    return (entry / INDEX).is_file()


def _decode_all(
    paths: Sequence[Path], size: int, workers: int, desc: str, progress: bool
) -> tuple[np.ndarray, list[str]]:
    out = np.empty((len(paths), size, size, 3), dtype=np.uint8)
    problems: list[str] = []

    def one(i: int) -> None:
        try:
            out[i] = load_image(paths[i], size)
        except ImageDecodeError as exc:
            problems.append(str(exc))

    # Pillow releases the GIL while decoding and resizing, so threads scale across cores.
    with progress_bar(len(paths), desc, enabled=progress) as bar, ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(one, range(len(paths))):
            bar.update(1)
    return out, sorted(problems)


def build_cache(
    paths: Sequence[str | Path],
    size: int,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    name: str,
    shard_size: int = 1024,
    workers: int | None = None,
    progress: bool = True,
) -> Path:
    """Build (if needed) the cache entry for ``paths`` at ``size`` px; returns its folder.

    Raises:
        DataError: listing every file that could not be decoded (nothing is cached then).
    """
    files = [Path(p) for p in paths]
    entry = cache_entry(files, size, cache_dir, name=name)
    if is_built(entry):
        return entry
    started = time.perf_counter()
    images, problems = _decode_all(
        files, int(size), workers or os.cpu_count() or 1, f"caching {name} at {size}px", progress
    )
    if problems:
        raise DataError(
            format_problems(f"{len(problems)} image(s) of {name} could not be decoded; nothing was cached", problems)
        )
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".tmp", dir=entry.parent))
    try:
        shards = []
        for k, start in enumerate(range(0, max(len(files), 1), shard_size)):
            shard = f"shard-{k:05d}.npy"
            np.save(tmp / shard, images[start : start + shard_size])
            shards.append(shard)
        index = {
            "format": CACHE_FORMAT,
            "decoder": DECODER_VERSION,
            "name": name,
            "size": int(size),
            "count": len(files),
            "files": [p.name for p in files],
            "shards": shards,
        }
        atomic_write_text(tmp / INDEX, json.dumps(index, indent=1))
        try:
            os.replace(tmp, entry)
        except OSError:
            # Another process finished the same entry first: theirs is as good as ours.
            if not is_built(entry):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale(entry)
    if progress:  # the bar clears itself; say once what was built and where it lives
        print(
            f"cached {len(files)} images of {name} at {size}px in {time.perf_counter() - started:.1f} s "
            f"({images.nbytes / 2**20:.0f} MiB): {entry}",
            file=sys.stderr,
        )
    return entry


def _remove_stale(entry: Path) -> None:
    prefix = entry.name.rsplit("-", 1)[0] + "-"
    for sibling in entry.parent.glob(prefix + "*"):
        if sibling != entry and sibling.is_dir() and not sibling.name.startswith("."):
            shutil.rmtree(sibling, ignore_errors=True)


def load_cache(entry: str | Path, *, mmap: bool = False) -> np.ndarray:
    """All images of a built cache entry, ``(N, size, size, 3)`` uint8."""
    entry = Path(entry)
    try:
        index = json.loads((entry / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{entry}: not a complete lesionkit cache ({exc}); delete the folder to rebuild it") from exc
    shards = [np.load(entry / s, mmap_mode="r" if mmap else None) for s in index["shards"]]
    images = shards[0] if len(shards) == 1 else np.concatenate(shards)
    if len(images) != index["count"]:
        raise DataError(
            f"{entry}: cache holds {len(images)} images, index says {index['count']}; delete the folder to rebuild it"
        )
    return images


def cached_images(
    paths: Sequence[str | Path],
    size: int,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    name: str,
    progress: bool = True,
    workers: int | None = None,
) -> np.ndarray:
    """Images of ``paths`` at ``size``×``size``, from the cache (built on first use)."""
    return load_cache(build_cache(paths, size, cache_dir, name=name, progress=progress, workers=workers))
