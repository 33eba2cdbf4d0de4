"""The ham10000 dataset: layout, lesion-grouped splits, metadata, subsets and stray files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from release_layouts import HAM_ROWS, ham_image_id, make_ham_layout

import lesionkit
from lesionkit import diagnoses as dx
from lesionkit.data.loading.images import load_image
from lesionkit.data.sources.ham10000 import HAM10000
from lesionkit.data.splitting.grouped_split import SplitFractionsError, shared_groups
from lesionkit.errors import DataNotFoundError, DataProblems, DataWarning


def _all(ds: HAM10000) -> dict[str, tuple]:
    """Every split's ids and lesion ids, concatenated."""
    ids, lesions, split = [], [], []
    for name in ds.split_names():
        part = ds.split(name)
        ids += part.ids
        lesions += part.metadata["lesion_id"]
        split += [name] * len(part)
    return {"ids": tuple(ids), "lesions": tuple(lesions), "split": tuple(split)}


def test_registered_reads_layout_and_both_part_folders(ham_dir: Path, tmp_path: Path) -> None:
    ds = lesionkit.datasets.create("ham10000", data_dir=str(ham_dir), cache_dir=str(tmp_path / "c"), progress=False)
    assert isinstance(ds, HAM10000)
    assert ds.split_names() == ("train", "validation", "test")
    got = _all(ds)
    assert sorted(got["ids"]) == sorted(ham_image_id(k) for k in range(len(HAM_ROWS)))
    assert shared_groups(got["lesions"], got["split"]) == {}
    by_id = {}
    for name in ds.split_names():
        part = ds.split(name)
        by_id.update(zip(part.ids, part.diagnosis.tolist()))
    assert by_id[ham_image_id(2)] == dx.MELANOMA and by_id[ham_image_id(7)] == dx.ACTINIC_KERATOSIS
    assert by_id[ham_image_id(9)] == dx.VASCULAR_LESION and by_id[ham_image_id(0)] == dx.NEVUS
    images = ds.split("train").load_images(32)
    assert images.shape == (len(ds.split("train")), 32, 32, 3) and images.dtype == np.uint8
    assert len(list((tmp_path / "c").glob("ham10000-32px-*"))) == 1
    other = HAM10000(ham_dir, tmp_path / "c", seed=9, progress=False)  # another split: the same cache entry
    test = other.split("test")
    assert np.array_equal(test.load_images(32), np.stack([load_image(p, 32) for p in test.paths]))  # id order kept
    assert len(list((tmp_path / "c").glob("ham10000-32px-*"))) == 1


def test_metadata_normalised_and_dx_type_kept_out(ham_dir: Path) -> None:
    ds = HAM10000(ham_dir, fractions={"train": 1.0}, progress=False)
    train = ds.split("train")
    meta = dict(zip(train.ids, zip(train.metadata["age"], train.metadata["sex"], train.metadata["site"])))
    assert meta[ham_image_id(0)] == (45.0, "male", "back")
    assert meta[ham_image_id(2)] == (None, "female", "face")  # empty age
    assert meta[ham_image_id(3)] == (60.0, None, None)  # "unknown" sex and localization
    assert set(train.metadata) == {"age", "sex", "site", "lesion_id"}
    assert not any("histo" in v for v in train.metadata.values())  # dx_type is no model input
    confirmation = dict(zip(train.ids, ds.diagnosis_confirmation("train")))
    assert confirmation[ham_image_id(0)] == "follow_up" and confirmation[ham_image_id(2)] == "histo"


def test_split_assignment_is_recordable_and_seeded(ham_dir: Path) -> None:
    ds = HAM10000(ham_dir, seed=4, progress=False)
    assignment = ds.split_assignment()
    assert set(assignment) == set(_all(ds)["ids"])
    for name in ds.split_names():
        assert all(assignment[i] == name for i in ds.split(name).ids)
    assert HAM10000(ham_dir, seed=4, progress=False).split_assignment() == assignment
    draws = {tuple(sorted(HAM10000(ham_dir, seed=s, progress=False).split_assignment().items())) for s in range(6)}
    assert len(draws) > 1  # the seed matters


def test_subset_rows_without_images_are_counted_not_fatal(tmp_path: Path) -> None:
    root = make_ham_layout(tmp_path / "subset", without_images=(1, 4, 12))
    with pytest.warns(DataWarning, match=r"HAM10000_metadata.csv: 3 row\(s\) have no image.*ISIC_0029307 \(line 3\)"):
        ds = HAM10000(root, progress=False)
    assert len(ds.split_assignment()) == len(HAM_ROWS) - 3
    assert ham_image_id(4) not in ds.split_assignment()


def test_images_without_rows_and_stray_files_are_warnings(ham_dir: Path, jpeg_writer) -> None:
    jpeg_writer(ham_dir / "HAM10000_images_part_2" / "ISIC_0099999.jpg", 1, (32, 32))
    (ham_dir / "labels.csv").write_text("image_id,diagnosis\n")
    with pytest.warns(DataWarning) as caught:
        ds = HAM10000(ham_dir, progress=False)
    messages = [str(w.message) for w in caught]
    assert any("1 image(s) have no row in HAM10000_metadata.csv" in m and "ISIC_0099999" in m for m in messages)
    assert any(f"{ham_dir / 'labels.csv'}: not part of the layout; ignored" in m for m in messages)
    assert "ISIC_0099999" not in ds.split_assignment()


def test_bad_rows_are_all_listed(ham_dir: Path) -> None:
    csv = ham_dir / "HAM10000_metadata.csv"
    csv.write_text(
        csv.read_text() + f"HAM_1,{ham_image_id(0)},nv,histo,1,male,back\nHAM_2,ISIC_0024999,wart,histo,,,\n"
    )
    with pytest.raises(DataProblems) as info:
        HAM10000(ham_dir, progress=False)
    problems = "\n".join(info.value.problems)
    assert f"line 16: duplicate image_id '{ham_image_id(0)}'" in problems
    assert "line 17: ISIC_0024999 dx='wart'; HAM10000 uses akiec, bcc" in problems


def test_same_image_in_both_parts_is_a_problem(ham_dir: Path) -> None:
    first = ham_dir / "HAM10000_images_part_1" / f"{ham_image_id(0)}.jpg"
    (ham_dir / "HAM10000_images_part_2" / first.name).write_bytes(first.read_bytes())
    with pytest.raises(DataProblems, match="repeats"):
        HAM10000(ham_dir, progress=False)


def test_missing_data_says_where_and_how(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"(?s)missing: .*HAM10000_metadata.csv.*lesionkit download ham10000"):
        HAM10000(tmp_path / "nowhere")
    (tmp_path / "only_csv").mkdir()
    (tmp_path / "only_csv" / "HAM10000_metadata.csv").write_text("lesion_id,image_id,dx\n")
    with pytest.raises(DataNotFoundError, match="neither image folder"):
        HAM10000(tmp_path / "only_csv")


def test_bad_fractions_refused(ham_dir: Path) -> None:
    with pytest.raises(SplitFractionsError, match="sum to"):
        lesionkit.datasets.create("ham10000", data_dir=str(ham_dir), fractions={"train": 0.5}, progress=False)


def test_unknown_split(ham_dir: Path) -> None:
    ds = HAM10000(ham_dir, progress=False)
    with pytest.raises(KeyError, match="train, validation, test"):
        ds.split("training")
    with pytest.raises(KeyError):
        ds.diagnosis_confirmation("training")
