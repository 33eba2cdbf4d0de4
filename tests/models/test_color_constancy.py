"""Colour constancy inside the model: the shades-of-grey arithmetic, and that every path applies it."""

from __future__ import annotations

import numpy as np
import pytest

from lesionkit import Trainer
from lesionkit.config import ConfigError, ExperimentConfig
from lesionkit.models.color_constancy import ColorConstancy, ColorConstancyError, color_constancy_layer

CONFIG = dict(
    name="cc",
    dataset={"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 4, "test": 4}}},
    task="melanoma",
    backbone="resnet18",
    weights=None,
    trainable="none",
    image_size=32,
    batch_size=4,
    epochs=1,
    balance="none",
    color_constancy="shades_of_gray",
)


def _reference(images: np.ndarray, power: float) -> np.ndarray:
    """Shades of grey as published implementations write it, in float64 numpy."""
    x = images.astype(np.float64) / 255.0
    illuminant = np.maximum(np.mean(x**power, axis=(1, 2), keepdims=True) ** (1.0 / power), 1e-6)
    norm = np.sqrt(np.sum(illuminant**2, axis=-1, keepdims=True))
    return np.clip(x * norm / (illuminant * np.sqrt(3.0)), 0.0, 1.0) * 255.0


@pytest.mark.parametrize("power", [6.0, 1.0, 2.5])
def test_the_layer_matches_the_numpy_reference(power: float) -> None:
    images = np.random.default_rng(1).uniform(0, 255, (3, 9, 7, 3)).astype("float32")
    images[1] *= np.array([1.0, 0.6, 0.3], "float32")  # a strong cast
    out = np.asarray(ColorConstancy(power=power)(images))
    np.testing.assert_allclose(out, _reference(images, power), rtol=2e-4, atol=2e-3)


def test_neutral_images_pass_and_black_ones_stay_finite() -> None:
    grey = np.random.default_rng(2).uniform(0, 200, (2, 5, 5, 1)).astype("float32").repeat(3, axis=-1)
    np.testing.assert_allclose(np.asarray(ColorConstancy()(grey)), grey, rtol=1e-4, atol=1e-3)
    black = np.zeros((1, 4, 4, 3), "float32")
    np.testing.assert_array_equal(np.asarray(ColorConstancy()(black)), black)


def test_bad_methods_and_powers_are_refused() -> None:
    with pytest.raises(ConfigError, match="color_constancy = 'retinex': choose among"):
        ExperimentConfig(color_constancy="retinex")
    with pytest.raises(ColorConstancyError, match="must be a number >= 1"):
        ColorConstancy(power=0.5)
    with pytest.raises(ColorConstancyError, match="choose among"):
        color_constancy_layer("retinex")
    cfg = ExperimentConfig(**CONFIG)
    assert ExperimentConfig.from_dict(cfg.to_dict()).color_constancy == "shades_of_gray"
    assert (
        ExperimentConfig.from_dict({k: v for k, v in cfg.to_dict().items() if k != "color_constancy"}).color_constancy
        is None
    )


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    return Trainer(ExperimentConfig(**CONFIG))


def test_the_model_ignores_a_colour_cast(trainer: Trainer) -> None:
    assert any(isinstance(layer, ColorConstancy) for layer in trainer.model.layers)
    images = np.random.default_rng(3).uniform(0, 150, (4, 32, 32, 3)).astype("float64")
    cast = images * np.array([1.5, 1.0, 0.7])
    # Shades of grey keeps each image's brightness (the illuminant's norm): give the cast image
    # the original's, so that only the cast differs. No value reaches 255 (no clipping).
    norm = lambda x: np.linalg.norm(np.mean((x / 255) ** 6, axis=(1, 2)) ** (1 / 6), axis=-1)  # noqa: E731
    cast = (cast * (norm(images) / norm(cast))[:, None, None, None]).astype("float32")
    images = images.astype("float32")
    assert cast.max() < 255
    np.testing.assert_allclose(trainer.predict(cast), trainer.predict(images), atol=1e-4)
    plain = Trainer(ExperimentConfig(**{**CONFIG, "color_constancy": None}))
    assert not any(isinstance(layer, ColorConstancy) for layer in plain.model.layers)
    assert not np.allclose(plain.predict(cast), plain.predict(images), atol=1e-4)  # without it, the cast shows


def test_a_saved_model_keeps_the_layer_and_transfer_checks_it(trainer: Trainer, tmp_path) -> None:
    from lesionkit import load_model
    from lesionkit.training.transfer import TransferError, _keras_file_color_constancy, resolve_backbone_weights

    path = tmp_path / "cc.keras"
    trainer.model.save(path)
    loaded = load_model(path)
    (layer,) = [x for x in loaded.layers if isinstance(x, ColorConstancy)]
    assert layer.power == 6.0 and _keras_file_color_constancy(path) == "shades_of_gray"
    images = np.random.default_rng(4).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), trainer.model.predict(images, verbose=0), atol=1e-6)

    target = ExperimentConfig(**{**CONFIG, "color_constancy": None, "weights": str(path), "cache_dir": str(tmp_path)})
    with pytest.raises(
        TransferError, match="trained with color_constancy = 'shades_of_gray', but this config has None"
    ):
        resolve_backbone_weights(target)
