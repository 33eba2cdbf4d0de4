"""lesionkit's warnings name the caller's line, however deep inside lesionkit they are raised."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from lesionkit.data.labels.ground_truth import read_metadata
from lesionkit.errors import DataWarning
from lesionkit.evaluation.stats.metrics import MetricUndefinedWarning, binary_metrics


def test_a_metric_warning_points_at_the_caller() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        binary_metrics(np.array([1, 1, 1]), np.array([0.2, 0.5, 0.9]))  # no negative: undefined
    assert caught and {w.category for w in caught} == {MetricUndefinedWarning}
    assert {w.filename for w in caught} == {__file__}


def test_a_data_warning_points_at_the_caller(tmp_path: Path) -> None:
    empty = tmp_path / "meta.csv"
    empty.write_text("")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_metadata(empty, ("ISIC_1",)) == {}
    assert [w.category for w in caught] == [DataWarning]
    assert caught[0].filename == __file__ and "metadata not used" in str(caught[0].message)


def test_a_warning_raised_through_the_registry_points_at_the_caller() -> None:
    # datasets.create -> the joint factory -> JointDataset.__init__: a fixed stacklevel=2 named
    # the factory's line in lesionkit/data/sources/builtins.py.
    import lesionkit
    from lesionkit.diagnoses import DIAGNOSES

    primary = {"name": "synthetic", "params": {"sizes": {"train": 4, "validation": 2, "test": 2}}}
    extra = {"name": "synthetic", "params": {"seed": 1, "sizes": {"train": 4, "validation": 2, "test": 2}}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lesionkit.datasets.create("joint", dataset=primary, extra=[extra], keep=[DIAGNOSES[0]])
    dropped = [w for w in caught if "dropped" in str(w.message)]
    assert dropped and {w.filename for w in dropped} == {__file__}


def test_every_warning_goes_through_warn() -> None:
    package = Path(lesionkit_root())
    offenders = [
        str(path.relative_to(package.parent))
        for path in package.rglob("*.py")
        if path.name != "warn.py" and "warnings.warn(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], "use lesionkit.warn.warn, which names the caller's line"


def lesionkit_root() -> str:
    import lesionkit

    return str(Path(lesionkit.__file__).parent)


def test_standard_library_frames_between_are_passed_over() -> None:
    # Trainer.dataset is a functools.cached_property: the first frame outside lesionkit is
    # functools.py's, which is not where the user's code is.
    from lesionkit import Trainer
    from lesionkit.diagnoses import DIAGNOSES

    primary = {"name": "synthetic", "params": {"sizes": {"train": 4, "validation": 2, "test": 2}}}
    extra = {"name": "synthetic", "params": {"seed": 1, "sizes": {"train": 4, "validation": 2, "test": 2}}}
    joint = {"name": "joint", "params": {"dataset": primary, "extra": [extra], "keep": [DIAGNOSES[0]]}}
    trainer = Trainer({"name": "w", "dataset": joint, "backbone": "resnet18", "weights": None})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert trainer.dataset is not None
    dropped = [w for w in caught if "dropped" in str(w.message)]
    assert dropped and {w.filename for w in dropped} == {__file__}
