"""The isic2018 dataset (Task 3): one-hot ground truth, lesion groupings, official or carved validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from release_layouts import make_isic2018_layout

import lesionkit
from lesionkit import diagnoses as dx
from lesionkit.data.sources.isic2018 import ISIC2018, ISIC2018FractionsError
from lesionkit.data.splitting.grouped_split import shared_groups
from lesionkit.errors import DataNotFoundError, DataProblems, DataWarning


def test_validation_carved_from_training_by_lesion(isic2018_dir: Path, tmp_path: Path) -> None:
    ds = lesionkit.datasets.create(
        "isic2018", data_dir=str(isic2018_dir), cache_dir=str(tmp_path / "c"), progress=False
    )
    assert isinstance(ds, ISIC2018)
    assert ds.split_names() == ("train", "validation")
    train, val = ds.split("train"), ds.split("validation")
    assert len(train) + len(val) == 16 and len(val) >= 2
    lesions = train.metadata["lesion_id"] + val.metadata["lesion_id"]
    assert shared_groups(lesions, ["train"] * len(train) + ["validation"] * len(val)) == {}
    codes = set(train.diagnosis.tolist()) | set(val.diagnosis.tolist())
    assert codes == {dx.NEVUS, dx.MELANOMA, dx.BENIGN_KERATOSIS}
    assert set(ds.diagnosis_confirmation("train")) <= {"histo", "follow_up"}
    assert "diagnosis_confirm_type" not in train.metadata and set(train.metadata) == {"lesion_id"}
    assert val.load_images(32).shape == (len(val), 32, 32, 3)
    again = ISIC2018(isic2018_dir, progress=False).split_assignment()
    assert again == ds.split_assignment()
    other = ISIC2018(isic2018_dir, fractions={"train": 0.5, "validation": 0.5}, progress=False)
    assert sum(v == "validation" for v in other.split_assignment().values()) == 8


def test_official_validation_and_test_are_used(tmp_path: Path) -> None:
    root = make_isic2018_layout(
        tmp_path / "full",
        {
            "Training": [("NV", "a"), ("MEL", "b"), ("DF", "c")],
            "Validation": [("VASC", "d"), ("AKIEC", "e")],
            "Test": [("BCC", "f")],
        },
        gt_in_folder=False,  # the CSVs directly in the root are found too
    )
    ds = ISIC2018(root, progress=False)
    assert ds.split_names() == ("train", "validation", "test")
    assert ds.split("validation").diagnosis.tolist() == [dx.VASCULAR_LESION, dx.ACTINIC_KERATOSIS]
    assert ds.split("test").diagnosis.tolist() == [dx.BASAL_CELL_CARCINOMA]
    assert ds.split("train").diagnosis.tolist() == [dx.NEVUS, dx.MELANOMA, dx.DERMATOFIBROMA]
    with pytest.raises(ISIC2018FractionsError, match="official validation split"):
        ISIC2018(root, fractions={"train": 0.8, "validation": 0.2}, progress=False)


def test_carving_a_test_split_that_exists_is_refused(tmp_path: Path) -> None:
    training = [("NV", f"n{k}") for k in range(8)]
    root = make_isic2018_layout(tmp_path / "t", {"Training": training, "Test": [("BCC", "f")]})
    assert ISIC2018(root, progress=False).split_names() == ("train", "validation", "test")
    with pytest.raises(ISIC2018FractionsError, match="test exists officially"):
        ISIC2018(root, fractions=(0.6, 0.2, 0.2), progress=False)


def test_bad_one_hot_rows_are_all_listed(isic2018_dir: Path) -> None:
    gt = isic2018_dir / "ISIC2018_Task3_Training_GroundTruth" / "ISIC2018_Task3_Training_GroundTruth.csv"
    gt.write_bytes(gt.read_bytes() + b"ISIC_0034000,1.0,1.0,0.0,0.0,0.0,0.0,0.0\r\nISIC_0039999,2,0,0,0,0,0,0\r\n")
    with pytest.raises(DataProblems) as info:
        ISIC2018(isic2018_dir, progress=False)
    text = "\n".join(info.value.problems)
    assert "line 18: duplicate image 'ISIC_0034000'" in text
    assert "line 19: ISIC_0039999 MEL='2' is not 0 or 1" in text


def test_two_labels_in_one_row(tmp_path: Path) -> None:
    root = make_isic2018_layout(tmp_path / "r", {"Training": [("NV", "a")]})
    gt = root / "ISIC2018_Task3_Training_GroundTruth" / "ISIC2018_Task3_Training_GroundTruth.csv"
    gt.write_text(gt.read_text().replace("0.0,1.0,0.0", "1.0,1.0,0.0"))
    with pytest.raises(DataProblems, match="is labelled MEL, NV; exactly one"):
        ISIC2018(root, progress=False)


def test_missing_groupings_and_test_without_ground_truth(tmp_path: Path, jpeg_writer) -> None:
    root = make_isic2018_layout(tmp_path / "g", groupings=False)
    jpeg_writer(root / "ISIC2018_Task3_Test_Input" / "ISIC_0034524.jpg", 0, (32, 32))
    with pytest.warns(DataWarning, match="LesionGroupings.csv: missing; the validation split .* grouped by image"):
        ds = ISIC2018(root, progress=False)
    assert ds.split_names() == ("train", "validation")  # test images without ground truth are not a split
    assert "ISIC_0034524" not in ds.split_assignment()


def test_missing_training_ground_truth(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"(?s)ISIC2018_Task3_Training_GroundTruth.csv.*download isic2018"):
        ISIC2018(tmp_path)
