"""Weights from a run or an exported model: the backbone arrives intact, the wrong ones are refused."""

from __future__ import annotations

import numpy as np
import pytest

from lesionkit import Trainer
from lesionkit.config import ExperimentConfig
from lesionkit.training.transfer import TransferError, resolve_backbone_weights, source_preprocessing

TINY = {"name": "synthetic", "params": {"sizes": {"train": 16, "validation": 8, "test": 8}}}
SOURCE = dict(
    name="source",
    dataset=TINY,
    task="melanoma",
    backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
    weights=None,
    trainable="none",
    image_size=32,
    batch_size=8,
    epochs=1,
    balance="none",
)


def _backbone_of(model):  # the nested feature extractor of an assembled classifier
    (nested,) = [layer for layer in model.layers if hasattr(layer, "layers")]
    return nested


@pytest.fixture(scope="module")
def source_run(binary_run) -> Trainer:  # type: ignore[no-untyped-def]
    """The session's finished ResNet-18 run ("tf" preprocessing), read-only: transfer only reads it."""
    return binary_run.trainer()  # the best checkpoint's weights, as transfer reads them


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 3)).astype("float32")


def _fine_tune_config(source: Trainer, tmp_path, **changes) -> ExperimentConfig:
    base = {**SOURCE, "backbone": {"name": "resnet18"}, "name": "target", "task": "seborrheic_keratosis"}
    return ExperimentConfig(**{**base, "weights": str(source.run_dir), "cache_dir": str(tmp_path), **changes})


def test_backbone_from_a_run_reproduces_the_source_features(source_run, images, tmp_path) -> None:
    target = Trainer(_fine_tune_config(source_run, tmp_path))
    src, dst = _backbone_of(source_run.model), _backbone_of(target.model)
    # Same preprocessed input into both feature extractors: bit-identical features.
    x = source_run.model.layers[1](images).numpy()
    assert target.model.layers[1].preprocessing == "tf"  # the source's preprocessing came along
    np.testing.assert_array_equal(src.predict(x, verbose=0), dst.predict(x, verbose=0))
    # The head is new (sized for the target's task), not copied.
    assert target.model.layers[-1].get_weights()[0].shape == source_run.model.layers[-1].get_weights()[0].shape


def test_backbone_from_an_exported_model(source_run, images, tmp_path) -> None:
    path = source_run.export(tmp_path / "source.keras")
    target = Trainer(_fine_tune_config(source_run, tmp_path, weights=str(path)))
    x = source_run.model.layers[1](images).numpy()
    src, dst = _backbone_of(source_run.model), _backbone_of(target.model)
    np.testing.assert_array_equal(src.predict(x, verbose=0), dst.predict(x, verbose=0))


def test_another_architecture_is_refused(source_run, tmp_path) -> None:
    cfg = _fine_tune_config(source_run, tmp_path, backbone={"name": "resnet34"})
    with pytest.raises(TransferError, match="'resnet18' backbone, but this config's backbone is 'resnet34'"):
        resolve_backbone_weights(cfg)


def test_explicit_preprocessing_that_differs_is_refused(source_run, tmp_path) -> None:
    cfg = _fine_tune_config(source_run, tmp_path, backbone={"name": "resnet18", "params": {"preprocessing": "caffe"}})
    with pytest.raises(TransferError, match="trained with 'tf'"):
        resolve_backbone_weights(cfg)
    assert source_preprocessing(_fine_tune_config(source_run, tmp_path)) == "tf"


def test_missing_and_unfinished_runs_say_so(source_run, tmp_path) -> None:
    with pytest.raises(TransferError, match="no run directory there"):
        resolve_backbone_weights(_fine_tune_config(source_run, tmp_path, weights=str(tmp_path / "nope")))
    (tmp_path / "empty").mkdir()
    with pytest.raises(TransferError, match="not a lesionkit run directory"):
        resolve_backbone_weights(_fine_tune_config(source_run, tmp_path, weights=str(tmp_path / "empty")))
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    ExperimentConfig(**SOURCE).save(unfinished / "config.json")  # started, no epoch finished
    with pytest.raises(TransferError, match="no checkpoint to start from"):
        resolve_backbone_weights(_fine_tune_config(source_run, tmp_path, weights=str(unfinished)))


def test_the_extracted_backbone_is_reused_and_still_checked(source_run, tmp_path) -> None:
    cfg = _fine_tune_config(source_run, tmp_path)
    first = resolve_backbone_weights(cfg)
    assert resolve_backbone_weights(cfg) == first  # the cached file, not a second extraction
    other = _fine_tune_config(source_run, tmp_path, backbone={"name": "resnet18", "params": {"preprocessing": "caffe"}})
    with pytest.raises(TransferError, match="trained with 'tf'"):
        resolve_backbone_weights(other)  # the cached file's sidecar is checked like a fresh extraction


def test_a_missing_model_file_and_runs_that_refer_to_each_other(source_run, tmp_path) -> None:
    with pytest.raises(TransferError, match="no exported model file there"):
        resolve_backbone_weights(_fine_tune_config(source_run, tmp_path, weights=str(tmp_path / "gone.keras")))
    a, b = tmp_path / "a", tmp_path / "b"
    for here, there in ((a, b), (b, a)):
        here.mkdir()
        ExperimentConfig(**{**SOURCE, "weights": str(there)}).save(here / "config.json")
    with pytest.raises(TransferError, match="refer to each other in a circle"):
        source_preprocessing(_fine_tune_config(source_run, tmp_path, weights=str(a)))
