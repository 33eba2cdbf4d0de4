"""Backbones: shapes, stages, equality with keras.applications, weights sources and their errors."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lesionkit
from lesionkit.errors import LesionkitError
from lesionkit.models import weights as weights_mod
from lesionkit.models.backbones import BackboneError
from lesionkit.models.weights import WeightsError, keras_cache_dir, save_backbone_weights

SIZE = 32
# Same weights, same input, float32 on CPU: only summation order may differ.
ATOL = 1e-4
RTOL = 1e-4
# Weight files and their errors are the same for every backbone: the smallest one is built there.
SMALL = "resnet18"


def _images(n: int = 2, size: int = SIZE, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, size, size, 3)).astype("float32")


@pytest.fixture(scope="module", params=["resnet50", "resnet101"])
def saved(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, resnets: Any
) -> tuple[str, Path, object]:
    """A randomly initialised backbone and its weights saved to a file."""
    name = request.param
    bb = resnets(name)
    path = save_backbone_weights(bb, tmp_path_factory.mktemp(name) / f"{name}.weights.h5")
    return name, path, bb


def test_registered_and_described() -> None:
    assert {"resnet50", "resnet101"} <= set(lesionkit.backbones.names("resnet*"))
    assert "weights" in lesionkit.backbones.describe("resnet50")


def test_output_shape_and_stages(saved: tuple[str, Path, object]) -> None:
    name, _, bb = saved
    assert bb.name == name and bb.weights is None
    assert tuple(bb.model.output.shape) == (None, 1, 1, 2048)
    assert list(bb.stages) == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    staged = {layer for layers in bb.stages.values() for layer in layers}
    unstaged = [layer.name for layer in bb.model.layers if layer.name not in staged]
    assert unstaged == [bb.model.layers[0].name]  # only the input layer
    blocks = {"resnet50": 6, "resnet101": 23}[name]
    assert bb.stages["conv4"][-1] == f"conv4_block{blocks}_out"


@pytest.mark.slow
def test_same_outputs_as_keras_applications(saved: tuple[str, Path, object]) -> None:
    """Loaded from one file, lesionkit's backbone and Keras's reference agree (atol/rtol 1e-4)."""
    import keras

    name, path, bb = saved
    constructor = {"resnet50": keras.applications.ResNet50, "resnet101": keras.applications.ResNet101}[name]
    reference = constructor(include_top=False, weights=str(path), input_shape=(SIZE, SIZE, 3))
    loaded = lesionkit.backbones.create(name, input_shape=(SIZE, SIZE, 3), weights=str(path))
    x = _images()
    expected = reference(keras.applications.resnet.preprocess_input(x.copy()), training=False)
    ours = loaded.model(loaded.preprocess(x), training=False)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(expected), atol=ATOL, rtol=RTOL)
    # ...and the reloaded backbone equals the one the file was saved from.
    original = bb.model(bb.preprocess(x), training=False)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(original), atol=1e-6)


def test_local_weights_roundtrip_keeps_values_and_preprocessing(saved: tuple[str, Path, object]) -> None:
    name, path, bb = saved
    loaded = lesionkit.backbones.create(name, input_shape=(64, 64, 3), weights=str(path))  # any size fits
    assert loaded.weights == str(path)
    assert type(loaded.preprocess).__name__ == "CaffePreprocess"
    for a, b in zip(bb.model.weights, loaded.model.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_sidecar_preprocessing_travels_with_the_file(tmp_path: Path) -> None:
    bb = lesionkit.backbones.create(SMALL, input_shape=(SIZE, SIZE, 3), weights=None, preprocessing="tf")
    path = save_backbone_weights(bb, tmp_path / "tf.weights.h5")
    loaded = lesionkit.backbones.create(SMALL, input_shape=(SIZE, SIZE, 3), weights=path)
    assert type(loaded.preprocess).__name__ == "ScalePreprocess"
    with pytest.raises(WeightsError, match="preprocessing='caffe' does not match"):
        lesionkit.backbones.create(SMALL, input_shape=(SIZE, SIZE, 3), weights=path, preprocessing="caffe")


def test_file_from_another_backbone_is_refused(saved: tuple[str, Path, object], tmp_path: Path) -> None:
    name, path, _ = saved
    other = "resnet101" if name == "resnet50" else "resnet50"
    with pytest.raises(WeightsError, match=f"saved from backbone '{name}'"):
        lesionkit.backbones.create(other, input_shape=(SIZE, SIZE, 3), weights=str(path))
    # Without the sidecar, the variable check still refuses it: no partial load either way.
    bare = tmp_path / "bare.weights.h5"
    bare.write_bytes(path.read_bytes())
    with pytest.raises(WeightsError, match=r"does not fit this backbone: it holds \d+ variables, the model has"):
        lesionkit.backbones.create(other, input_shape=(SIZE, SIZE, 3), weights=str(bare))


def test_missing_and_unsupported_weight_files(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist"):
        lesionkit.backbones.create(SMALL, input_shape=(SIZE, SIZE, 3), weights=str(tmp_path / "nope.weights.h5"))
    other = tmp_path / "weights.ckpt"
    other.write_text("x")
    with pytest.raises(WeightsError, match=r"\.weights\.h5"):
        lesionkit.backbones.create(SMALL, input_shape=(SIZE, SIZE, 3), weights=str(other))
    garbage = tmp_path / "garbage.weights.h5"
    garbage.write_bytes(b"not hdf5")
    with pytest.raises(WeightsError, match="not a readable HDF5"):
        lesionkit.backbones.create(SMALL, input_shape=(SIZE, SIZE, 3), weights=str(garbage))


@pytest.mark.parametrize("shape", [(31, 64, 3), (64, 64, 1), (64, 64), ("a", 2, 3)])
def test_bad_input_shapes(shape: tuple) -> None:
    with pytest.raises(BackboneError, match="input_shape"):
        lesionkit.backbones.create("resnet50", input_shape=shape, weights=None)


def test_unknown_preprocessing() -> None:
    with pytest.raises(LesionkitError, match="'caffe'"):
        lesionkit.backbones.create("resnet50", input_shape=(SIZE, SIZE, 3), weights=None, preprocessing="bgr")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on exit: connections are refused


def test_imagenet_offline_error_names_file_and_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weights_mod, "KERAS_WEIGHTS_URL", f"http://127.0.0.1:{_closed_port()}/resnet/")
    with pytest.raises(WeightsError) as info:
        lesionkit.backbones.create("resnet50", input_shape=(SIZE, SIZE, 3), weights="imagenet")
    message = str(info.value)
    assert "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert str(keras_cache_dir()) in message
    assert not (keras_cache_dir() / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5").exists()


def test_imagenet_damaged_cache_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cached = tmp_path / "models" / "resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5"
    cached.parent.mkdir()
    cached.write_bytes(b"half a download")
    with pytest.raises(WeightsError, match="damaged or incomplete"):
        lesionkit.backbones.create("resnet101", input_shape=(SIZE, SIZE, 3), weights="imagenet")


def test_imagenet_weights_always_bring_caffe_preprocessing() -> None:
    # Checked before any download is tried.
    with pytest.raises(WeightsError, match="trained with 'caffe'"):
        lesionkit.backbones.create("resnet50", input_shape=(SIZE, SIZE, 3), weights="imagenet", preprocessing="tf")


def test_preprocessing_matches_keras_caffe() -> None:
    import keras

    from lesionkit.models.preprocessing import preprocessing_layer

    x = _images(3, 8)
    np.testing.assert_allclose(
        np.asarray(preprocessing_layer("caffe")(x)), keras.applications.resnet.preprocess_input(x.copy()), atol=1e-4
    )
    np.testing.assert_allclose(np.asarray(preprocessing_layer("tf")(x)), x / 127.5 - 1, atol=1e-6)


def test_imagenet_from_the_keras_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, resnets: Any) -> None:
    """A file in Keras's legacy .h5 layout, cached under the ImageNet name, loads with caffe preprocessing."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    source = resnets("resnet50")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cached = tmp_path / "models" / weights_mod.IMAGENET_FILES["resnet50"]
    cached.parent.mkdir()
    with h5py.File(cached, "w") as fh:
        legacy_h5_format.save_weights_to_hdf5_group(fh, source.model)
    monkeypatch.setitem(weights_mod.IMAGENET_MD5, "resnet50", weights_mod._md5(cached))
    monkeypatch.setattr(weights_mod, "KERAS_WEIGHTS_URL", f"http://127.0.0.1:{_closed_port()}/resnet/")
    bb = lesionkit.backbones.create("resnet50", input_shape=(SIZE, SIZE, 3), weights="imagenet")
    assert bb.weights == "imagenet" and type(bb.preprocess).__name__ == "CaffePreprocess"
    x = _images()
    np.testing.assert_allclose(
        np.asarray(bb.model(bb.preprocess(x), training=False)),
        np.asarray(source.model(source.preprocess(x), training=False)),
        atol=1e-6,
    )
