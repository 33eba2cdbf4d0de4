"""The multi-class tasks (isic2017_3class, dx7, dx8) and the binary tasks on HAM10000 / ISIC 2018 / ISIC 2019."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lesionkit
from lesionkit import diagnoses as dx
from lesionkit.errors import DataError
from lesionkit.task import get_task

ISIC2018_ORDER = ("MEL", "NV", "BCC", "AKIEC", "BKL", "DF", "VASC")
ISIC2019_ORDER = ("MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC")


def test_isic2017_3class_record() -> None:
    task = get_task("isic2017_3class")
    assert task.classes == ("nevus", "melanoma", "seborrheic_keratosis") and task.num_classes == 3
    assert task.primary_metric == "mean_auc" and not task.is_binary
    assert task.labels([dx.NEVUS, dx.MELANOMA, dx.SEBORRHEIC_KERATOSIS]).tolist() == [0, 1, 2]
    with pytest.raises(DataError, match="basal_cell_carcinoma"):
        task.labels([dx.BASAL_CELL_CARCINOMA])


@pytest.mark.parametrize("name, order", [("dx7", ISIC2018_ORDER), ("dx8", ISIC2019_ORDER)])
def test_dx_tasks_follow_the_challenge_column_order(name: str, order: tuple[str, ...]) -> None:
    task = get_task(name)
    assert task.num_classes == len(order) and task.primary_metric == "balanced_accuracy"
    # Column k of the challenge's one-hot files is class k of the task.
    assert task.labels([dx.diagnosis_code(code) for code in order]).tolist() == list(range(len(order)))
    assert task.classes == tuple(dx.DIAGNOSES[dx.diagnosis_code(code)] for code in order)
    with pytest.raises(DataError, match="unknown"):
        task.labels([dx.UNKNOWN])
    if name == "dx7":
        with pytest.raises(DataError, match="squamous_cell_carcinoma"):
            task.labels([dx.SQUAMOUS_CELL_CARCINOMA])


def test_binary_tasks_stay_binary() -> None:
    assert get_task("melanoma").is_binary and get_task("seborrheic_keratosis").is_binary
    assert set(lesionkit.tasks.names()) >= {"melanoma", "seborrheic_keratosis", "isic2017_3class", "dx7", "dx8"}


@pytest.mark.parametrize("fixture", ["ham_dir", "isic2018_dir", "isic2019_dir"])
def test_melanoma_vs_rest_on_the_later_releases(fixture: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    name = {"ham_dir": "ham10000", "isic2018_dir": "isic2018", "isic2019_dir": "isic2019"}[fixture]
    ds = lesionkit.datasets.create(
        name, data_dir=str(request.getfixturevalue(fixture)), cache_dir=str(tmp_path / "c"), progress=False
    )
    seen = 0
    for split_name in ds.split_names():
        split = ds.split(split_name)
        labels = split.labels("melanoma")
        assert labels.tolist() == (split.diagnosis == dx.MELANOMA).astype(int).tolist()
        seen += int(labels.sum())
        if name != "isic2019":  # ISIC 2019 has UNK, which dx8 has no class for
            eight = split.labels("dx8")
            assert np.array_equal(eight == 0, labels == 1)  # melanoma is class 0 of dx7/dx8
    assert seen > 0
