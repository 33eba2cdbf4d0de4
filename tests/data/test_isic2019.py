"""The isic2019 dataset: 9 one-hot columns (UNK included), metadata, splits grouped by lesion_id."""

from __future__ import annotations

from pathlib import Path

import pytest
from release_layouts import make_isic2019_layout

import lesionkit
from lesionkit import diagnoses as dx
from lesionkit.data.sources.isic2019 import ISIC2019
from lesionkit.data.splitting.grouped_split import shared_groups
from lesionkit.errors import DataNotFoundError, DataWarning


def _by_id(ds: ISIC2019) -> dict[str, tuple]:
    out = {}
    for name in ds.split_names():
        part = ds.split(name)
        for k, image_id in enumerate(part.ids):
            out[image_id] = (name, int(part.diagnosis[k]), *(part.metadata[c][k] for c in ("age", "site", "lesion_id")))
    return out


def test_reads_layout_unk_and_metadata(isic2019_dir: Path, tmp_path: Path) -> None:
    ds = lesionkit.datasets.create(
        "isic2019", data_dir=str(isic2019_dir), cache_dir=str(tmp_path / "c"), progress=False
    )
    got = _by_id(ds)
    assert len(got) == 16
    assert got["ISIC_0000014"][1] == dx.UNKNOWN
    assert got["ISIC_0000012"][1] == dx.ACTINIC_KERATOSIS and got["ISIC_0000010"][1] == dx.SQUAMOUS_CELL_CARCINOMA
    assert got["ISIC_0000003_downsampled"][1] == dx.NEVUS
    assert got["ISIC_0000001"][2:] == (31.0, "anterior torso", "BCN_L0")
    assert got["ISIC_0000000"][2:] == (None, None, "BCN_L0")  # empty age and site
    assert got["ISIC_0000013"][4] is None  # no lesion_id: its own group
    assert shared_groups([v[4] for v in got.values()], [v[0] for v in got.values()]) == {}
    assert ds.split(ds.split_names()[0]).load_images(32).shape[1:] == (32, 32, 3)
    assert ISIC2019(isic2019_dir, progress=False).split_assignment() == ds.split_assignment()
    draws = {tuple(sorted(ISIC2019(isic2019_dir, seed=s, progress=False).split_assignment().items())) for s in range(6)}
    assert len(draws) > 1  # the seed matters
    assert ds.diagnosis_confirmation("train") == (None,) * len(ds.split("train"))


def test_missing_metadata_is_a_warning(tmp_path: Path) -> None:
    root = make_isic2019_layout(tmp_path / "m", metadata=False)
    with pytest.warns(DataWarning, match="Metadata.csv: missing; no age/sex/site metadata"):
        ds = ISIC2019(root, fractions=(0.5, 0.25, 0.25), progress=False)
    assert len(ds.split_assignment()) == 16
    assert all(v is None for v in ds.split("train").metadata["age"])


def test_subset_and_unlisted_images(isic2019_dir: Path, jpeg_writer) -> None:
    (isic2019_dir / "ISIC_2019_Training_Input" / "ISIC_0000005.jpg").unlink()
    jpeg_writer(isic2019_dir / "ISIC_2019_Training_Input" / "ISIC_0099999.jpg", 0, (32, 32))
    with pytest.warns(DataWarning) as caught:
        ds = ISIC2019(isic2019_dir, progress=False)
    text = "\n".join(str(w.message) for w in caught)
    assert "1 row(s) have no image and are not used (e.g. ISIC_0000005 (line 7))" in text
    assert "1 image(s) have no row in ISIC_2019_Training_GroundTruth.csv" in text
    assert len(ds.split_assignment()) == 15


def test_missing_data(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"(?s)ISIC_2019_Training_GroundTruth.csv.*download isic2019"):
        ISIC2019(tmp_path)
