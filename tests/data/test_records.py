"""Edge cases shared by the HAM10000, ISIC 2018 and ISIC 2019 readers: odd CSVs, empty layouts, reprs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from release_layouts import make_ham_layout, make_isic2018_layout, make_isic2019_layout

from lesionkit.data.labels.records import ImageRecords, RecordsDataset, parse_age
from lesionkit.data.sources.base import validate_dataset
from lesionkit.data.sources.ham10000 import HAM10000
from lesionkit.data.sources.isic2018 import ISIC2018, read_isic2018
from lesionkit.data.sources.isic2019 import ISIC2019, read_isic2019
from lesionkit.errors import DataError, DataWarning


def test_parse_age_and_split_length() -> None:
    assert parse_age("about 40") is None and parse_age(" 40 ") == 40.0
    records = ImageRecords(("a",), ("a.jpg",), np.array([0]), (None,), {})
    assert records.groups() == ("image:a",)
    with pytest.raises(ValueError, match="1 records but 2 split names"):
        RecordsDataset("demo", records, ("train", "test"))


def test_no_usable_image_is_an_error(tmp_path: Path) -> None:
    root = make_ham_layout(tmp_path / "h", without_images=tuple(range(14)))
    with pytest.raises(DataError, match="no labelled image with a file"), pytest.warns(DataWarning):
        HAM10000(root)


def test_extra_columns_are_noted(tmp_path: Path) -> None:
    root = make_ham_layout(tmp_path / "h")
    csv = root / "HAM10000_metadata.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join([lines[0] + ",dataset"] + [line + ",vidir" for line in lines[1:]]) + "\n")
    report = validate_dataset(root, "ham10000", decode=False, progress=False)
    assert report.ok and any("extra column(s) ignored: dataset" in n for n in report.notes)
    assert "HAM10000(data_dir=" in repr(HAM10000(root, progress=False))


def test_isic2018_odd_groupings(tmp_path: Path, jpeg_writer) -> None:
    root = make_isic2018_layout(tmp_path / "g")
    groups = root / "ISIC2018_Task3_Training_LesionGroupings.csv"
    rows = groups.read_text().splitlines()
    groups.write_text("\n".join([*rows[:-2], rows[1], "too,many,fields,here"]) + "\n")  # last two images ungrouped
    reading = read_isic2018(root)
    text = "\n".join(reading.warnings)
    assert "row(s) skipped" in text and "2 image(s) have no row; each is its own lesion group" in text
    groups.write_text("")
    assert any("is empty" in w and "grouped by image id" in w for w in read_isic2018(root).warnings)
    jpeg_writer(root / "ISIC2018_Task3_Test_Input" / "ISIC_0034524.jpg", 0, (32, 32))
    report = validate_dataset(root, "isic2018", decode=False, progress=False)
    assert any("ISIC2018_Task3_Test_Input: no ground truth" in n for n in report.notes)
    with pytest.warns(DataWarning, match="grouped by image id"):
        assert "ISIC2018(data_dir=" in repr(ISIC2018(root, progress=False))


def test_isic2018_extra_ground_truth_column_noted(tmp_path: Path) -> None:
    root = make_isic2018_layout(tmp_path / "x", {"Training": [("NV", "a"), ("MEL", "b")]})
    gt = root / "ISIC2018_Task3_Training_GroundTruth" / "ISIC2018_Task3_Training_GroundTruth.csv"
    lines = gt.read_text().splitlines()
    gt.write_text("\n".join([lines[0] + ",score"] + [line + ",0.5" for line in lines[1:]]) + "\n")
    assert any("extra column(s) ignored: score" in n for n in read_isic2018(root).notes)


def test_isic2019_odd_metadata(tmp_path: Path) -> None:
    root = make_isic2019_layout(tmp_path / "m")
    meta = root / "ISIC_2019_Training_Metadata.csv"
    rows = meta.read_text().splitlines()
    meta.write_text("\n".join([*rows[:-2], "ISIC_0000001,1,2"]) + "\n")  # two images without a row, one bad row
    text = "\n".join(read_isic2019(root).warnings)
    assert "1 metadata row(s) skipped" in text and "2 image(s) have no row; their metadata is None" in text
    meta.write_text("age\n")
    assert any("lacks column(s) image" in w for w in read_isic2019(root).warnings)
    with pytest.warns(DataWarning, match="metadata not used"):
        assert "ISIC2019(data_dir=" in repr(ISIC2019(root, progress=False))
