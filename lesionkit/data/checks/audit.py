"""Leakage audit across splits: the same image, a near copy of it, or the same lesion in two splits.

A test image that also sits in training (perhaps re-encoded or resized, as happens when
ISIC archives are merged), or another photograph of a lesion seen in training, makes
test metrics optimistic. :func:`audit_splits` looks for three kinds of finding between
images of *different* splits (within one split a copy is harmless to the estimate and
is not reported):

- **exact duplicates**: equal SHA-256 of the *decoded pixels* (and their shape), so a
  copy with other metadata, another container (PNG ↔ lossless) or another file name is
  still the same image; a lossy re-encode changes the pixels and is a near-duplicate;
- **near-duplicates**: a 64-bit DCT perceptual hash (pHash: grayscale, 32×32 Lanczos
  downscale, the 8×8 lowest DCT frequencies, each bit = coefficient > their median,
  the DC term excluded from the median) within ``near_threshold`` bits (default 4),
  **confirmed** by a 64-bit difference hash (dHash: 9×8 grayscale, each bit = a pixel
  brighter than its left neighbour) within ``confirm_threshold`` bits (default 8);
- **shared lesions**: the same non-empty lesion id (HAM10000's ``lesion_id``) in two splits.

Why these thresholds: measured on 150 synthetic lesion images (128 px, drawn by
:mod:`lesionkit.data.sources.synthetic`, which look far more alike than real dermoscopy
images: centred round lesions on skin) and five edits of each (JPEG quality 75,
resize to 96 px, +12 brightness, ×1.08 brightness, and all of them with JPEG quality
70 at 100 px): pHash ≤ 4 kept 749 of the 750 edited copies but also paired 7 of the
11,175 distinct pairs; requiring dHash ≤ 8 as well paired none of them and kept 749
(99.9 %). A second draw, 300 images at each of 64, 96 and 128 px (44,850 distinct pairs
each) and one edit per image (×1.06 + 4 brightness, 83 % size, JPEG quality 75): pHash
alone paired 5–11 distinct pairs, pHash and dHash together none, and 299 of the 300
copies were found. pHash distances here are even (the DC bit is constant), so 4 and 5 agree.
Lower the thresholds to be stricter about what counts as a copy; raise them (or pass
``confirm_threshold=None``) to catch heavier edits at the cost of look-alike pairs.

Example:
    >>> import numpy as np, tempfile, pathlib
    >>> from PIL import Image
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> rng = np.random.default_rng(0)
    >>> for name in ("a", "b"):
    ...     Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(root / f"{name}.png")
    >>> _ = (root / "copy.png").write_bytes((root / "a.png").read_bytes())
    >>> result = audit_splits({"train": [("a", root / "a.png", None), ("b", root / "b.png", "L1")],
    ...                        "test": [("c", root / "copy.png", "L1")]})
    >>> result.counts()
    {'images': 3, 'exact_duplicates': 1, 'near_duplicates': 0, 'shared_lesions': 1, 'skipped': 0}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from lesionkit.data.loading.images import ImageDecodeError, load_image
from lesionkit.errors import DataError, DataProblems

__all__ = [
    "DEFAULT_CONFIRM_THRESHOLD",
    "DEFAULT_NEAR_THRESHOLD",
    "AuditResult",
    "Finding",
    "LeakageError",
    "audit_splits",
    "content_hash",
    "dhash",
    "hamming",
    "phash",
    "split_entries",
]

#: Largest pHash Hamming distance (of 64 bits) that makes a near-duplicate candidate.
DEFAULT_NEAR_THRESHOLD = 4
#: Largest dHash distance that confirms a candidate (None: no confirmation).
DEFAULT_CONFIRM_THRESHOLD = 8

# Set bits of every byte value: popcounts of XORed uint64 hashes, without numpy >= 2's bitwise_count.
_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

Entry = tuple[str, "str | Path", "str | None"]


class LeakageError(DataProblems):
    """Images shared between splits (``strict=True``); lists every finding."""


def content_hash(pixels: np.ndarray) -> str:
    """SHA-256 (hex) of an image's decoded pixels and shape: equal for the same picture in any file.

    Example:
        >>> a = np.zeros((2, 2, 3), np.uint8)
        >>> len(content_hash(a)), content_hash(a) == content_hash(a.copy()), content_hash(a) == content_hash(a[:1])
        (64, True, False)
    """
    arr = np.ascontiguousarray(pixels, dtype=np.uint8)
    digest = hashlib.sha256(repr(arr.shape).encode())
    digest.update(arr.tobytes())
    return digest.hexdigest()


def _gray(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).convert("L")
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS), dtype=np.float64)


def _pack(bits: np.ndarray) -> int:
    return int(np.packbits(bits.ravel().astype(np.uint8)).view(">u8")[0])


def phash(pixels: np.ndarray) -> int:
    """64-bit DCT perceptual hash of an RGB (or grayscale) uint8 image.

    Example:
        >>> blocks = np.kron(np.random.default_rng(0).integers(0, 200, (8, 8)), np.ones((8, 8))).astype(np.uint8)
        >>> hamming(phash(blocks), phash(blocks + 30))  # brighter: the same hash
        0
    """
    from scipy.fft import dctn

    low = dctn(_gray(pixels, (32, 32)), norm="ortho")[:8, :8]
    median = np.median(low.ravel()[1:])  # the DC term (overall brightness) would skew the median
    return _pack(low > median)


def dhash(pixels: np.ndarray) -> int:
    """64-bit difference hash: bit = pixel brighter than its left neighbour on a 9×8 grayscale image.

    Example:
        >>> dhash(np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))) == 2**64 - 1  # brightening left to right
        True
    """
    g = _gray(pixels, (9, 8))
    return _pack(g[:, 1:] > g[:, :-1])


def hamming(a: int, b: int) -> int:
    """Bits in which two 64-bit hashes differ.

    Example:
        >>> hamming(0b1011, 0b0001)
        2
    """
    return (a ^ b).bit_count()


@attrs.frozen
class Finding:
    """Two images in different splits that should not be.

    Attributes:
        kind: ``"exact_duplicate"``, ``"near_duplicate"`` or ``"shared_lesion"``.
        split_a, image_a, path_a: the first image (the split listed first in the input).
        split_b, image_b, path_b: the second.
        detail: the evidence (hash prefix, Hamming distances, lesion id).
    """

    kind: str
    split_a: str
    image_a: str
    path_a: str
    split_b: str
    image_b: str
    path_b: str
    detail: str

    def line(self) -> str:
        """One line naming both images, their splits and paths."""
        return (
            f"{self.kind.replace('_', ' ')}: {self.split_a}/{self.image_a} ({self.path_a}) and "
            f"{self.split_b}/{self.image_b} ({self.path_b}); {self.detail}"
        )


@attrs.frozen
class AuditResult:
    """Everything :func:`audit_splits` found.

    Attributes:
        findings: every cross-split pair found, exact duplicates first.
        images: images audited per split. skipped: ``"split/image: reason"`` for unreadable images.
        near_threshold, confirm_threshold: the Hamming thresholds used.
    """

    findings: tuple[Finding, ...]
    images: Mapping[str, int]
    skipped: tuple[str, ...]
    near_threshold: int
    confirm_threshold: int | None

    def of_kind(self, kind: str) -> list[Finding]:
        """The findings of one kind."""
        return [f for f in self.findings if f.kind == kind]

    def counts(self) -> dict[str, int]:
        """Images audited and findings of each kind."""
        return {
            "images": sum(self.images.values()),
            "exact_duplicates": len(self.of_kind("exact_duplicate")),
            "near_duplicates": len(self.of_kind("near_duplicate")),
            "shared_lesions": len(self.of_kind("shared_lesion")),
            "skipped": len(self.skipped),
        }

    def problems(self) -> list[str]:
        """One line per finding, then one per unreadable image (which the audit could not check)."""
        return [f.line() for f in self.findings] + [f"not audited (unreadable): {s}" for s in self.skipped]

    @property
    def clean(self) -> bool:
        """No finding and nothing skipped."""
        return not self.findings and not self.skipped

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: counts, images per split, thresholds and the problem lines."""
        return {
            **self.counts(),
            "images_per_split": dict(self.images),
            "near_threshold": self.near_threshold,
            "confirm_threshold": self.confirm_threshold,
            "problems": self.problems(),
        }

    def raise_for_problems(self) -> AuditResult:
        """Return self when clean, else raise :class:`LeakageError` listing every problem."""
        if not self.clean:
            c = self.counts()
            raise LeakageError(
                f"leakage audit of {c['images']} images: {c['exact_duplicates']} exact duplicate(s), "
                f"{c['near_duplicates']} near-duplicate(s), {c['shared_lesions']} shared lesion(s) across splits, "
                f"{c['skipped']} unreadable; move or drop one image of each pair (keep each lesion in one split)",
                self.problems(),
            )
        return self


@attrs.frozen
class _Image:
    split: str
    image_id: str
    path: str
    lesion: str | None
    sha: str
    phash: int
    dhash: int


def _read_entries(splits: Mapping[str, Sequence[Entry]]) -> tuple[list[_Image], dict[str, int], list[str]]:
    images: list[_Image] = []
    counts: dict[str, int] = {}
    skipped: list[str] = []
    for split, entries in splits.items():
        counts[split] = 0
        for row, entry in enumerate(entries):
            if not isinstance(entry, (tuple, list)) or len(entry) != 3:
                raise DataError(
                    f"split {split!r} entry {row}: expected (image_id, path, lesion_id or None); got {entry!r}"
                )
            image_id, path, lesion = entry
            try:
                pixels = load_image(path)
            except ImageDecodeError as exc:
                skipped.append(f"{split}/{image_id}: {exc}")
                continue
            counts[split] += 1
            lesion_id = None if lesion is None or str(lesion).strip() == "" else str(lesion).strip()
            images.append(
                _Image(split, str(image_id), str(path), lesion_id, content_hash(pixels), phash(pixels), dhash(pixels))
            )
    return images, counts, skipped


def _close_pairs(a: np.ndarray, b: np.ndarray, threshold: int) -> list[tuple[int, int, int]]:
    """(i, j, distance) for every hash pair within ``threshold`` bits, in row chunks to bound memory."""
    out: list[tuple[int, int, int]] = []
    rows = max(1, 4_000_000 // max(len(b), 1))
    for start in range(0, len(a), rows):
        xor = a[start : start + rows, None] ^ b[None, :]
        dist = _POPCOUNT[xor.view(np.uint8)].reshape(*xor.shape, 8).sum(axis=-1)
        for i, j in zip(*np.nonzero(dist <= threshold)):
            out.append((start + int(i), int(j), int(dist[i, j])))
    return out


def _finding(kind: str, x: _Image, y: _Image, detail: str) -> Finding:
    return Finding(kind, x.split, x.image_id, x.path, y.split, y.image_id, y.path, detail)


def audit_splits(
    splits: Mapping[str, Sequence[Entry]],
    *,
    near_threshold: int = DEFAULT_NEAR_THRESHOLD,
    confirm_threshold: int | None = DEFAULT_CONFIRM_THRESHOLD,
    strict: bool = False,
) -> AuditResult:
    """Audit images for leakage between splits.

    Args:
        splits: split name -> (image_id, path, lesion_id or None) per image.
        near_threshold: largest pHash distance of a near-duplicate (0–64).
        confirm_threshold: largest dHash distance confirming it (None: pHash alone).
        strict: raise :class:`LeakageError` (a :class:`~lesionkit.errors.LesionkitError`)
            on any finding or unreadable image instead of returning them.

    Every image is decoded once (:func:`lesionkit.data.loading.images.load_image`); an
    unreadable one is skipped, counted and listed. Pairs are compared across splits
    only, each pair of splits in the order given.
    """
    if not 0 <= near_threshold <= 64 or (confirm_threshold is not None and not 0 <= confirm_threshold <= 64):
        raise DataError(
            f"Hamming thresholds are bit counts in 0..64; got near_threshold={near_threshold}, "
            f"confirm_threshold={confirm_threshold}"
        )
    images, counts, skipped = _read_entries(splits)
    by_split = {name: [im for im in images if im.split == name] for name in splits}
    findings: list[Finding] = []
    near: list[Finding] = []
    lesions: list[Finding] = []
    for split_a, split_b in combinations(by_split, 2):
        a, b = by_split[split_a], by_split[split_b]
        sha_b: dict[str, list[_Image]] = {}
        for im in b:
            sha_b.setdefault(im.sha, []).append(im)
        for x in a:
            for y in sha_b.get(x.sha, []):
                findings.append(_finding("exact_duplicate", x, y, f"same pixels (sha256 {x.sha[:12]})"))
        ha = np.array([im.phash for im in a], dtype=np.uint64)
        hb = np.array([im.phash for im in b], dtype=np.uint64)
        for i, j, dist in _close_pairs(ha, hb, near_threshold):
            x, y = a[i], b[j]
            if x.sha == y.sha:
                continue  # already an exact duplicate
            d_dist = hamming(x.dhash, y.dhash)
            if confirm_threshold is None or d_dist <= confirm_threshold:
                near.append(_finding("near_duplicate", x, y, f"pHash distance {dist}, dHash distance {d_dist}"))
        lesion_b: dict[str, list[_Image]] = {}
        for im in b:
            if im.lesion is not None:
                lesion_b.setdefault(im.lesion, []).append(im)
        for x in a:
            for y in lesion_b.get(x.lesion, []) if x.lesion is not None else []:
                lesions.append(_finding("shared_lesion", x, y, f"lesion {x.lesion}"))
    result = AuditResult(tuple(findings + near + lesions), counts, tuple(skipped), near_threshold, confirm_threshold)
    return result.raise_for_problems() if strict else result


def split_entries(dataset: Any, names: Sequence[str] | None = None) -> dict[str, list[Entry]]:
    """``{split: [(image_id, path, lesion_id), ...]}`` of a file-backed dataset, for :func:`audit_splits`.

    The lesion id is the split's ``lesion_id`` metadata where the dataset has it (HAM10000,
    ISIC 2019), else None. Splits without files (synthetic data) are left out.

    Example:
        >>> from lesionkit.data.sources.synthetic import SyntheticLesions
        >>> split_entries(SyntheticLesions(sizes={"train": 2, "validation": 2, "test": 2}))
        {}
    """
    out: dict[str, list[Entry]] = {}
    for name in names or dataset.split_names():
        split = dataset.split(name)
        if split.paths is None:
            continue
        lesions = split.metadata.get("lesion_id") or (None,) * len(split.ids)
        out[name] = [
            (image_id, path, None if lesion is None else str(lesion))
            for image_id, path, lesion in zip(split.ids, split.paths, lesions)
        ]
    return out
