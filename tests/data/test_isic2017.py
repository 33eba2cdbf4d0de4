"""The isic2017 dataset: layout, labels, metadata, missing data, the cache behind load_images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lesionkit
from lesionkit.data.sources.isic2017 import ISIC2017, DataWarning
from lesionkit.errors import DataError, DataNotFoundError


def test_registered_and_reads_layout(isic_dir: Path, tmp_path: Path) -> None:
    ds = lesionkit.datasets.create(
        "isic2017", data_dir=str(isic_dir), cache_dir=str(tmp_path / "cache"), progress=False
    )
    assert ds.split_names() == ("train", "validation", "test")
    train = ds.split("train")
    assert train.ids[:2] == ("ISIC_0000000", "ISIC_0000001")
    assert train.diagnosis.tolist() == [0, 1, 2, 0, 1, 0]
    assert train.labels("melanoma").tolist() == [0, 1, 0, 0, 1, 0]
    assert train.labels("seborrheic_keratosis").tolist() == [0, 0, 1, 0, 0, 0]
    assert train.metadata["age_approximate"][:3] == (None, 31.0, 32.0)
    assert train.metadata["sex"][:2] == ("male", "female")
    images = train.load_images(32)
    assert images.shape == (6, 32, 32, 3) and images.dtype == np.uint8
    assert len(list((tmp_path / "cache").glob("isic2017-train-32px-*"))) == 1


def test_missing_data_says_where_and_how(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESIONKIT_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError) as info:
        lesionkit.datasets.create("isic2017")
    message = str(info.value)
    assert str(tmp_path / "nowhere" / "ISIC-2017_Training_Part3_GroundTruth.csv") in message
    assert "$LESIONKIT_DATA" in message
    assert "lesionkit download isic2017 --to" in message
    assert 'dataset="synthetic"' in message


def test_env_var_is_used(isic_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LESIONKIT_DATA", str(isic_dir))
    assert ISIC2017().root == isic_dir


def test_missing_image_is_named(isic_dir: Path) -> None:
    (isic_dir / "ISIC-2017_Test_v2_Data" / "ISIC_0000010.jpg").unlink()
    with pytest.raises(DataError, match=r"ISIC_0000010\.jpg \(CSV line 3\)"):
        ISIC2017(isic_dir).split("test")


def test_unlabelled_images_are_reported(isic_dir: Path) -> None:
    extra = isic_dir / "ISIC-2017_Validation_Data" / "ISIC_9999999.jpg"
    extra.write_bytes((isic_dir / "ISIC-2017_Validation_Data" / "ISIC_0000006.jpg").read_bytes())
    with pytest.warns(DataWarning, match="1 image"):
        split = ISIC2017(isic_dir).split("validation")
    assert "ISIC_9999999" not in split.ids


def test_unknown_split(isic_dir: Path) -> None:
    with pytest.raises(KeyError, match="train, validation, test"):
        ISIC2017(isic_dir).split("training")


def test_bad_image_stops_before_training(isic_dir: Path, tmp_path: Path) -> None:
    bad = isic_dir / "ISIC-2017_Training_Data" / "ISIC_0000004.jpg"
    bad.write_bytes(bad.read_bytes()[:60])
    split = ISIC2017(isic_dir, cache_dir=tmp_path / "c", progress=False).split("train")
    with pytest.raises(DataError, match=r"1 image\(s\) of isic2017-train could not be decoded[\s\S]*ISIC_0000004\.jpg"):
        split.load_images(32)


def test_trainer_passes_data_and_cache_dir(isic_dir: Path, tmp_path: Path) -> None:
    from lesionkit import presets

    trainer = presets.melanoma_conv5(data_dir=str(isic_dir), cache_dir=str(tmp_path / "c"), weights=None, image_size=32)
    assert isinstance(trainer.dataset, ISIC2017)
    assert trainer.dataset.root == isic_dir and str(trainer.dataset.cache_dir) == str(tmp_path / "c")


def test_a_root_without_a_test_split_loads_the_splits_it_has(isic_layout, tmp_path: Path) -> None:
    root = isic_layout(tmp_path / "no_test", {"train": [0, 1, 2, 0], "validation": [0, 1, 2]})
    ds = lesionkit.datasets.create("isic2017", data_dir=str(root), cache_dir=str(tmp_path / "c"), progress=False)
    assert ds.split_names() == ("train", "validation")
    assert ds.split("validation").class_counts("isic2017_3class") == {
        "nevus": 1,
        "melanoma": 1,
        "seborrheic_keratosis": 1,
    }
    with pytest.raises(
        DataNotFoundError,
        match=r"no labelled ISIC 2017 test split .*Test_v2_Part3_GroundTruth.csv.*holds train, validation",
    ):
        ds.split("test")
    # Images without their ground truth are not a labelled split.
    (root / "ISIC-2017_Test_v2_Data").mkdir()
    assert ISIC2017(root, progress=False).split_names() == ("train", "validation")
