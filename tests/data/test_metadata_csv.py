"""read_metadata_csv: any release's metadata CSV, lined up with the images to predict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lesionkit.data.labels.metadata_csv import read_metadata_csv
from lesionkit.errors import DataError, DataWarning
from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior


def test_ham10000_columns_feed_a_prior(tmp_path: Path) -> None:
    csv = tmp_path / "HAM10000_metadata.csv"
    csv.write_text(
        "lesion_id,image_id,dx,dx_type,age,sex,localization\n"
        "HAM_1,ISIC_1,mel,histo,70.0,male,back\n"
        "HAM_2,ISIC_2,nv,follow_up,,female,unknown\n"
    )
    columns, match = read_metadata_csv(csv, ["ISIC_2", "ISIC_1"])
    assert columns["age"] == (None, 70.0) and columns["sex"] == ("female", "male")
    assert columns["localization"] == (None, "back")
    assert (match.matched, match.missing, match.unmatched_rows) == (2, 0, 0)
    assert match.describe() == "metadata for 2 of 2 images"
    prior = MetadataPrior.fit(
        {"age": (20, 25, 30, 70, 75, 80), "sex": ("female", "male") * 3},
        np.array([0, 0, 0, 1, 1, 1]),
        classes=("a", "b"),
    )
    assert prior.known_rows(columns, ("age", "sex"), 2).tolist() == [True, True]


def test_isic2019_id_column_and_ages(tmp_path: Path) -> None:
    csv = tmp_path / "ISIC_2019_Training_Metadata.csv"
    csv.write_text("image,age_approx,anatom_site_general,lesion_id,sex\nISIC_1,85.0,head/neck,L1,male\n")
    columns, _ = read_metadata_csv(csv, ["ISIC_1"])
    assert columns["age_approx"] == (85.0,) and columns["anatom_site_general"] == ("head/neck",)
    assert "image" not in columns


def test_malformed_rows_are_skipped_with_a_count(tmp_path: Path) -> None:
    csv = tmp_path / "meta.csv"
    csv.write_text("image_id,age_approximate,sex\nISIC_1,40,male\nISIC_1,50,female\nISIC_2,60\n")
    with pytest.warns(DataWarning, match=r"meta.csv: 2 metadata row\(s\) skipped"):
        columns, match = read_metadata_csv(csv, ["ISIC_1", "ISIC_2"])
    assert columns["age_approximate"] == (40.0, None) and match.missing == 1


def test_missing_file_and_missing_id_column_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such metadata CSV"):
        read_metadata_csv(tmp_path / "absent.csv", ["ISIC_1"])
    csv = tmp_path / "odd.csv"
    csv.write_text("file,age\nISIC_1,3\n")
    with pytest.raises(DataError, match=r"odd.csv: no image id column .* the header is file,age"):
        read_metadata_csv(csv, ["ISIC_1"])
