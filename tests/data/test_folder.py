"""The folder dataset: your own images plus a CSV."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import lesionkit
from lesionkit.errors import DataError, DataNotFoundError


@pytest.fixture
def folder(tmp_path: Path, jpeg_writer) -> Path:
    root = tmp_path / "mine"
    for i in range(12):
        jpeg_writer(root / "images" / f"lesion_{i:03d}.{'png' if i == 5 else 'jpg'}", i)
    return root


def test_diagnosis_names_and_split_column(folder: Path, tmp_path: Path) -> None:
    rows = ["image_id,diagnosis,split,site"] + [
        f"lesion_{i:03d}{'.png' if i == 5 else ''},{['nevus', 'melanoma', 'seborrheic_keratosis'][i % 3]},"
        f"{'train' if i < 8 else 'test'},arm"
        for i in range(12)
    ]
    (folder / "labels.csv").write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode())
    ds = lesionkit.datasets.create("folder", data_dir=str(folder), cache_dir=str(tmp_path / "c"), progress=False)
    assert ds.split_names() == ("train", "test")
    train = ds.split("train")
    assert train.ids[:2] == ("lesion_000", "lesion_001") and train.ids[5] == "lesion_005"
    assert train.diagnosis.tolist() == [0, 1, 2, 0, 1, 2, 0, 1]
    assert train.metadata["site"][0] == "arm"
    assert train.load_images(32).shape == (8, 32, 32, 3)


def test_isic_columns_and_stratified_split(folder: Path) -> None:
    rows = ["image_id,melanoma,seborrheic_keratosis"] + [
        f"lesion_{i:03d},{int(i % 4 == 1)}.0,{int(i % 4 == 2)}.0" for i in range(12)
    ]
    (folder / "labels.csv").write_text("\n".join(rows))
    ds = lesionkit.datasets.create("folder", data_dir=str(folder), validation_fraction=0.25, test_fraction=0.25, seed=1)
    sizes = {s: len(ds.split(s)) for s in ds.split_names()}
    assert (
        sum(sizes.values()) == 12 and sizes["test"] == 4 and sizes["validation"] == 4
    )  # per class: 1 mel, 1 SK, 2 nevus
    all_ids = sorted(i for s in ds.split_names() for i in ds.split(s).ids)
    assert all_ids == sorted(f"lesion_{i:03d}" for i in range(12))
    assert np.sum(ds.split("test").diagnosis == 1) == 1  # stratified: one melanoma of three


def test_bad_rows_all_listed(folder: Path) -> None:
    rows = ["image_id,diagnosis", "lesion_000,nevus", "lesion_000,nevus", "lesion_001,benign:other", "missing_9,nevus"]
    (folder / "labels.csv").write_text("\n".join(rows))
    with pytest.raises(DataError) as info:
        lesionkit.datasets.create("folder", data_dir=str(folder))
    text = str(info.value)
    assert "line 3: duplicate image_id 'lesion_000'" in text
    assert "line 4: lesion_001 diagnosis='benign:other': class name 'benign:other'" in text
    assert "line 5: no image 'missing_9'" in text


def test_missing_csv(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="labels.csv not found"):
        lesionkit.datasets.create("folder", data_dir=str(tmp_path))


def test_class_folders_label_the_images(tmp_path: Path, jpeg_writer) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "by_class"
    for i in range(12):
        folder = ["nevus", "Melanoma", "sk"][i % 3]
        jpeg_writer(root / folder / f"lesion_{i:03d}.{'png' if i == 4 else 'jpg'}", i)
    ds = lesionkit.datasets.create("folder", data_dir=str(root), validation_fraction=0.25, test_fraction=0.25)
    labelled = {i: int(d) for s in ds.split_names() for i, d in zip(ds.split(s).ids, ds.split(s).diagnosis)}
    assert labelled == {f"lesion_{i:03d}": [0, 1, 2][i % 3] for i in range(12)}
    assert {s: len(ds.split(s)) for s in ds.split_names()} == {"train": 6, "validation": 3, "test": 3}


def test_class_folders_with_split_folders(tmp_path: Path, jpeg_writer) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "by_split"
    for i, (split, cls) in enumerate([("train", "nevus"), ("train", "melanoma"), ("test", "melanoma")]):
        jpeg_writer(root / split / cls / f"x{i}.jpg", i)
    ds = lesionkit.datasets.create("folder", data_dir=str(root), cache_dir=str(tmp_path / "c"), progress=False)
    assert ds.split_names() == ("train", "test")
    assert ds.split("train").ids == ("x1", "x0") and ds.split("train").diagnosis.tolist() == [1, 0]
    assert ds.split("test").load_images(32).shape == (1, 32, 32, 3)


def test_class_folder_problems_are_all_listed(tmp_path: Path, jpeg_writer) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "messy"
    jpeg_writer(root / "melanoma" / "a.jpg", 0)
    jpeg_writer(root / "nevus" / "a.png", 1)  # same id in another class
    (root / "empty").mkdir()
    jpeg_writer(root / "stray.jpg", 3)
    with pytest.raises(DataError) as info:
        lesionkit.datasets.create("folder", data_dir=str(root))
    text = str(info.value)
    assert "3 problem(s) in the class-folder layout" in text
    assert "stray.jpg: image outside a class folder" in text
    assert "empty: class folder without images" in text
    assert "a.png: image id 'a' repeats" in text


def test_any_taxonomy_in_the_diagnosis_column(folder: Path) -> None:
    from lesionkit.diagnoses import BASAL_CELL_CARCINOMA, NEVUS, class_code

    names = ["Naevus", "BCC", "other benign", "basal cell carcinoma"]
    rows = ["image_id,diagnosis"] + [f"lesion_{i:03d},{names[i % 4]}" for i in range(12)]
    (folder / "labels.csv").write_text("\n".join(rows))
    ds = lesionkit.datasets.create("folder", data_dir=str(folder), validation_fraction=0.0, test_fraction=0.0)
    assert ds.classes == ("nevus", "basal_cell_carcinoma", "other_benign")
    codes = [NEVUS, BASAL_CELL_CARCINOMA, class_code("other_benign"), BASAL_CELL_CARCINOMA]
    assert ds.split("train").diagnosis.tolist() == [codes[i % 4] for i in range(12)]


def test_a_misspelt_diagnosis_is_its_own_class_with_a_warning(tmp_path: Path, jpeg_writer) -> None:  # type: ignore[no-untyped-def]
    for i, name in enumerate(["melanomma", "melanomma", "nevus", "nevus"]):
        jpeg_writer(tmp_path / "d" / name / f"x{i}.jpg", i)
    with pytest.warns(UserWarning, match="class 'melanomma' is no known diagnosis.*Did you mean 'melanoma'"):
        ds = lesionkit.datasets.create("folder", data_dir=str(tmp_path / "d"))
    assert ds.classes == ("nevus", "melanomma")
    for i, name in enumerate(["benign", "malignant", "other_benign"]):  # names of their own: no warning
        jpeg_writer(tmp_path / "own" / name / f"x{i}.jpg", i)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lesionkit.datasets.create("folder", data_dir=str(tmp_path / "own")).classes == (
            "benign",
            "malignant",
            "other_benign",
        )


def test_one_folder_of_images_is_not_a_class_layout(tmp_path: Path, jpeg_writer) -> None:  # type: ignore[no-untyped-def]
    jpeg_writer(tmp_path / "d" / "images" / "a.jpg", 0)
    with pytest.raises(DataNotFoundError, match="two or more class folders"):
        lesionkit.datasets.create("folder", data_dir=str(tmp_path / "d"))


def test_a_grouping_of_the_folders_classes_labels_their_images(tmp_path: Path, jpeg_writer) -> None:  # type: ignore[no-untyped-def]
    from lesionkit.data.splitting.split import dataset_task
    from lesionkit.task import Task

    for i, folder in enumerate(["naevus", "melanoma", "bcc", "other_benign", "benign"]):
        jpeg_writer(tmp_path / "d" / "train" / folder / f"x{i}.jpg", i)
    ds = lesionkit.datasets.create("folder", data_dir=str(tmp_path / "d"))
    assert dataset_task(ds).classes == ("nevus", "melanoma", "basal_cell_carcinoma", "benign", "other_benign")
    grouped = Task.from_classes({"benign": ["nevus", "benign", "other_benign"], "malignant": ["melanoma", "bcc"]})
    train = ds.split("train")
    assert dict(zip(train.ids, train.labels(grouped).tolist())) == {"x0": 0, "x1": 1, "x2": 1, "x3": 0, "x4": 0}
    with pytest.raises(DataError, match=r"no class for 1 image\(s\): benign \(1 image\)"):
        train.labels(Task.from_classes(["nevus", "melanoma", "bcc", "other_benign"]))
