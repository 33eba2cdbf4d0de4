"""The joint dataset: extra images join train only, relabelled, with the dropped ones counted."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from release_layouts import make_ham_layout

import lesionkit
from lesionkit.config import ComponentSpec, ExperimentConfig
from lesionkit.data.labels.records import DataWarning
from lesionkit.data.sources.joint import JointDataset, JointDatasetError
from lesionkit.data.sources.synthetic import SyntheticLesions
from lesionkit.data.splitting.split import Split
from lesionkit.diagnoses import BENIGN_KERATOSIS, MELANOMA, NEVUS, SEBORRHEIC_KERATOSIS


class _Coded:
    """A one-split dataset with given diagnosis codes; image i is filled with the value i."""

    name = "coded"

    def __init__(self, codes: list[int], splits: tuple[str, ...] = ("train",)) -> None:
        self.codes, self.splits = np.asarray(codes), splits

    def split_names(self) -> tuple[str, ...]:
        return self.splits

    def split(self, name: str) -> Split:
        n = len(self.codes)
        return Split(
            name,
            tuple(f"{name}{i}" for i in range(n)),
            self.codes,
            load_images=lambda size: np.stack([np.full((size, size, 3), i, np.uint8) for i in range(n)]),
        )


def test_extra_images_join_train_only() -> None:
    primary = SyntheticLesions(seed=0, sizes={"train": 12, "validation": 6, "test": 4})
    extra = SyntheticLesions(seed=1, sizes={"train": 5, "validation": 3, "test": 2})
    data = JointDataset(primary, [extra])
    train = data.split("train")
    assert len(train) == 12 + 10 and data.extra_count() == 10
    assert train.ids[:12] == primary.split("train").ids
    assert data.split("validation").ids == primary.split("validation").ids
    assert data.split("test").ids == primary.split("test").ids
    images = train.load_images(16)
    np.testing.assert_array_equal(images[:12], primary.split("train").load_images(16))
    np.testing.assert_array_equal(images[12:17], extra.split("train").load_images(16))
    only_train = JointDataset(primary, [extra], extra_splits=["train"])
    assert only_train.extra_count() == 5


def test_relabel_and_drop_are_counted() -> None:
    primary = _Coded([NEVUS, MELANOMA, SEBORRHEIC_KERATOSIS])
    extra = _Coded([BENIGN_KERATOSIS, MELANOMA, 3, 3, 6])  # bkl, mel, bcc, bcc, df
    with pytest.warns(
        DataWarning, match=r"3 extra image\(s\) dropped.*basal_cell_carcinoma \(2\), dermatofibroma \(1\)"
    ):
        data = JointDataset(primary, [extra], relabel={"bkl": "seborrheic_keratosis"})
    train = data.split("train")
    assert train.diagnosis.tolist() == [NEVUS, MELANOMA, SEBORRHEIC_KERATOSIS, SEBORRHEIC_KERATOSIS, MELANOMA]
    assert data.dropped == {"basal_cell_carcinoma": 2, "dermatofibroma": 1}
    assert train.load_images(4)[3:, 0, 0, 0].tolist() == [0, 1]  # the kept extra images, in order
    assert train.labels("isic2017_3class").tolist() == [0, 1, 2, 2, 1]
    with pytest.warns(DataWarning, match="benign_keratosis"):
        kept = JointDataset(primary, [extra], keep=["bcc", "mel"])
    assert kept.split("train").diagnosis.tolist()[3:] == [MELANOMA, 3, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra_splits": ["test"]}, "has no test split"),
        ({"relabel": {"wart": "nevus"}}, "relabel 'wart' -> 'nevus'"),
        ({"keep": ["wart"]}, "keep: unknown diagnosis 'wart'"),
        ({"keep": ["vasc"]}, "every extra image was dropped"),
    ],
)
def test_impossible_joins_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(JointDatasetError, match=message), warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        JointDataset(_Coded([NEVUS]), [_Coded([NEVUS])], **kwargs)
    with pytest.raises(JointDatasetError, match="at least one extra dataset"):
        JointDataset(_Coded([NEVUS]), [])


def test_joint_dataset_from_a_config(isic_dir: Path, tmp_path: Path) -> None:
    """ISIC 2017 + a HAM10000 layout by config: the extra's data_dir travels in its params."""
    from lesionkit.training.assembly import dataset_from_config

    ham = make_ham_layout(tmp_path / "ham")
    spec = ComponentSpec(
        "joint",
        {
            "extra": [{"name": "ham10000", "params": {"data_dir": str(ham), "progress": False}}],
            "relabel": {"bkl": "sk"},
        },
    )
    config = ExperimentConfig(task="isic2017_3class", dataset=spec, data_dir=str(isic_dir), weights=None)
    with pytest.warns(DataWarning, match="extra image"):
        data = dataset_from_config(config)
    primary = lesionkit.datasets.create("isic2017", data_dir=str(isic_dir), progress=False)
    assert data.split("validation").ids == primary.split("validation").ids
    train = data.split("train")
    assert len(train) == len(primary.split("train")) + data.extra_count() and data.extra_count() > 0
    assert set(train.labels("isic2017_3class").tolist()) <= {0, 1, 2}
    assert train.load_images(8).shape == (len(train), 8, 8, 3)
    # Metadata travels with the images: ISIC 2017's age_approximate for its rows, HAM10000's age for its own.
    n = len(primary.split("train"))
    assert train.metadata["age_approximate"][:n] == primary.split("train").metadata["age_approximate"]
    assert set(train.metadata["age_approximate"][n:]) == {None}
    assert set(train.metadata["age"][:n]) == {None} and len(train.metadata["age"]) == len(train)
