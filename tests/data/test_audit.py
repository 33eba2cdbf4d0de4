"""Leakage audit: planted exact and near-duplicates and shared lesions are found; clean data gives nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lesionkit.data.checks.audit import (
    LeakageError,
    _close_pairs,
    audit_splits,
    content_hash,
    dhash,
    hamming,
    phash,
)
from lesionkit.data.sources.synthetic import draw_lesion
from lesionkit.errors import DataError, LesionkitError

SIZE = 96


def lesion(index: int) -> np.ndarray:
    """A distinct synthetic lesion image per index (classes cycle)."""
    return draw_lesion(index % 3, SIZE, np.random.default_rng(1000 + index))


@pytest.fixture(scope="module")
def clean_splits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, Path, str | None]]]:
    """24 / 12 / 12 distinct lesion images, one lesion each, saved as PNG and JPEG."""
    root = tmp_path_factory.mktemp("audit")
    splits: dict[str, list[tuple[str, Path, str | None]]] = {}
    index = 0
    for split, n in (("train", 24), ("validation", 12), ("test", 12)):
        splits[split] = []
        for _ in range(n):
            path = root / split / f"img_{index:03d}.{'png' if index % 2 else 'jpg'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(lesion(index)).save(path, **({} if index % 2 else {"quality": 92}))
            splits[split].append((f"img_{index:03d}", path, f"lesion_{index:03d}"))
            index += 1
    return splits


def test_distinct_images_give_no_finding(clean_splits: dict) -> None:
    result = audit_splits(clean_splits)
    assert result.clean and result.findings == () and result.problems() == []
    assert result.counts() == {
        "images": 48,
        "exact_duplicates": 0,
        "near_duplicates": 0,
        "shared_lesions": 0,
        "skipped": 0,
    }
    assert audit_splits(clean_splits, strict=True) == result


def test_planted_exact_near_and_lesion_leaks_are_found(clean_splits: dict, tmp_path: Path) -> None:
    train = clean_splits["train"]
    # Exact: the same pixels in another file: a PNG re-saved with other compression, other name.
    png_id, png_path, _ = next(e for e in train if str(e[1]).endswith(".png"))
    copy = tmp_path / "renamed_copy.png"
    Image.open(png_path).save(copy, compress_level=1)
    assert copy.read_bytes() != Path(png_path).read_bytes()  # the file bytes differ; the pixels do not
    # Near: a train image brightened, downsized and re-encoded as JPEG.
    near_id, near_path, _ = train[4]
    edited = np.clip(np.asarray(Image.open(near_path)).astype(float) * 1.06 + 4, 0, 255).astype(np.uint8)
    near = tmp_path / "edited.jpg"
    Image.fromarray(edited).resize((80, 80), Image.Resampling.BILINEAR).save(near, quality=75)
    splits = {
        "train": train,
        "validation": [*clean_splits["validation"], ("val_near", near, None)],
        "test": [
            *clean_splits["test"],
            ("test_copy", copy, None),
            ("test_lesion", clean_splits["test"][0][1], train[7][2]),
        ],
    }
    result = audit_splits(splits)
    exact, near_found, shared = (
        result.of_kind("exact_duplicate"),
        result.of_kind("near_duplicate"),
        result.of_kind("shared_lesion"),
    )
    assert [(f.split_a, f.image_a, f.split_b, f.image_b) for f in exact] == [("train", png_id, "test", "test_copy")]
    assert [(f.split_a, f.image_a, f.split_b, f.image_b) for f in near_found] == [
        ("train", near_id, "validation", "val_near")
    ]
    assert [(f.image_a, f.image_b, f.detail) for f in shared] == [(train[7][0], "test_lesion", f"lesion {train[7][2]}")]
    line = near_found[0].line()
    assert str(near_path) in line and str(near) in line and "train/" in line and "validation/val_near" in line
    assert "pHash distance" in line and "dHash distance" in line
    assert result.counts()["exact_duplicates"] == 1 and len(result.problems()) == 3
    json.dumps(result.to_dict())

    with pytest.raises(LeakageError) as info:
        audit_splits(splits, strict=True)
    assert isinstance(info.value, LesionkitError)
    assert "1 exact duplicate(s), 1 near-duplicate(s), 1 shared lesion(s)" in str(info.value)
    assert str(copy) in str(info.value) and len(info.value.problems) == 3


def test_copies_within_one_split_are_not_leakage(clean_splits: dict) -> None:
    train = clean_splits["train"]
    result = audit_splits({"train": [*train, ("again", train[0][1], train[0][2])], "test": clean_splits["test"]})
    assert result.clean


def test_without_confirmation_look_alike_pairs_appear_at_loose_thresholds(clean_splits: dict) -> None:
    """The thresholds matter: loosened far enough, distinct lesions pair up (so the clean result is not vacuous)."""
    loose = audit_splits(clean_splits, near_threshold=20, confirm_threshold=None)
    assert loose.counts()["near_duplicates"] > 0
    # ... and the dHash confirmation is what rejects them.
    assert audit_splits(clean_splits, near_threshold=20).counts()["near_duplicates"] < loose.counts()["near_duplicates"]
    with pytest.raises(DataError, match="0..64"):
        audit_splits(clean_splits, near_threshold=65)


def test_unreadable_images_are_skipped_counted_and_listed(tmp_path: Path, clean_splits: dict) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    result = audit_splits(
        {"train": clean_splits["train"][:3], "test": [("bad", broken, None), ("gone", tmp_path / "x.png", None)]}
    )
    assert result.counts()["skipped"] == 2 and result.images == {"train": 3, "test": 0}
    assert not result.clean
    assert (
        result.problems()[0].startswith("not audited (unreadable): test/bad: ") and str(broken) in result.problems()[0]
    )
    with pytest.raises(LeakageError, match="2 unreadable"):
        result.raise_for_problems()
    with pytest.raises(DataError, match="split 'test' entry 0: expected"):
        audit_splits({"test": [("only_id", broken)]})  # type: ignore[list-item]


def test_hashes_are_stable_under_small_edits_and_differ_between_images() -> None:
    a, b = lesion(0), lesion(3)
    brighter = np.clip(a.astype(int) + 10, 0, 255).astype(np.uint8)
    assert hamming(phash(a), phash(brighter)) <= 2 and hamming(dhash(a), dhash(brighter)) <= 2
    assert hamming(phash(a), phash(b)) > 4
    assert content_hash(a) != content_hash(brighter)
    assert 0 <= phash(a) < 2**64 and 0 <= dhash(a) < 2**64


def test_vectorised_hamming_matches_python_bit_counts() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2**63, 40, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, 40, dtype=np.uint64)
    b = np.r_[a[:5] ^ np.uint64(0b1011), rng.integers(0, 2**63, 30, dtype=np.uint64) | np.uint64(2**63)]
    expected = {
        (i, j, hamming(int(x), int(y)))
        for i, x in enumerate(a)
        for j, y in enumerate(b)
        if hamming(int(x), int(y)) <= 30
    }
    assert set(_close_pairs(a, b, 30)) == expected
    assert {(i, j) for i, j, d in _close_pairs(a, b, 3)} >= {(i, i) for i in range(5)}
