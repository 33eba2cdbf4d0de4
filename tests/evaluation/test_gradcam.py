"""Grad-CAM: the map falls on what the model responds to (a bright blob, a synthetic lesion), overlays and galleries."""

from __future__ import annotations

import numpy as np
import pytest

from lesionkit.data.sources.synthetic import _rng, draw_lesion_with_mask
from lesionkit.evaluation.prediction.gradcam import GradCAMError, gradcam, target_layer

SIZE = 32


def _detector(weights: list[float], bias: float) -> object:
    """A classifier shaped like lesionkit's (input → preprocessing → nested backbone → head).

    The "backbone" maps each pixel to relu(weights · rgb/255 + bias) and pools 4×4 (an 8×8
    map); the head's class 1 grows with the map's mean. So the model responds to where
    that pixel detector fires, and nowhere else.
    """
    import keras

    image = keras.Input((SIZE, SIZE, 3))
    inner_in = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(1, 1, activation="relu", name="detect")(inner_in)
    x = keras.layers.AveragePooling2D(4, name="stage_out")(x)
    backbone = keras.Model(inner_in, x, name="tiny_backbone")
    backbone.get_layer("detect").set_weights([np.array(weights, np.float32).reshape(1, 1, 3, 1), np.array([bias])])
    features = backbone(keras.layers.Rescaling(1 / 255, name="raw_preprocess")(image))
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    dense = keras.layers.Dense(2, activation="softmax", name="probabilities")
    model = keras.Model(image, dense(pooled), name="detector")
    dense.set_weights([np.array([[-20.0, 20.0]], np.float32), np.array([1.0, -1.0], np.float32)])
    model.gradcam_layer = "tiny_backbone/stage_out"
    return model


@pytest.fixture(scope="module")
def bright_blob_model() -> object:
    return _detector([1.0, 1.0, 1.0], -2.4)  # fires where the mean channel value is above 0.8 (204/255)


@pytest.fixture(scope="module")
def dark_spot_model() -> object:
    return _detector([-1.0, -1.0, -1.0], 1.8)  # fires where the mean channel value is below 0.6 (153/255)


def _disc(center: tuple[int, int], radius: float) -> np.ndarray:
    yy, xx = np.mgrid[:SIZE, :SIZE]
    return (yy - center[0]) ** 2 + (xx - center[1]) ** 2 <= radius**2


def _blob_images() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = [(8, 22), (24, 7), (10, 10), (22, 24)]
    images = np.clip(rng.normal(120, 12, (len(centres), SIZE, SIZE, 3)), 0, 255)
    masks = np.stack([_disc(c, 5) for c in centres])
    images[masks] = 245
    return images.astype(np.uint8), masks


def mass_inside(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """The share of each map's total that falls inside the boolean ``masks`` (NaN for an all-zero map)."""
    maps = np.asarray(maps, dtype=np.float64)
    total = maps.sum(axis=(1, 2))
    inside = np.where(np.asarray(masks, bool), maps, 0.0).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / total, np.nan)


def test_mass_inside_counts_the_share_in_the_mask() -> None:
    m = np.zeros((2, 4, 4))
    m[0, :2, :2] = 1.0
    mask = np.zeros((2, 4, 4), bool)
    mask[:, :2, :] = True
    assert mass_inside(m, mask)[0] == 1.0 and np.isnan(mass_inside(m, mask)[1])


def test_map_mass_falls_on_an_off_centre_bright_blob(bright_blob_model: object) -> None:
    images, _ = _blob_images()
    maps = gradcam(bright_blob_model, images, class_index=1)
    assert maps.shape == (4, SIZE, SIZE) and maps.min() >= 0 and maps.max() == pytest.approx(1.0)
    # The blob covers 8 % of the image; bilinear upsampling of the 8×8 map spreads a few pixels.
    near_blob = np.stack([_disc(c, 8) for c in [(8, 22), (24, 7), (10, 10), (22, 24)]])
    assert np.all(mass_inside(maps, near_blob) > 0.8), mass_inside(maps, near_blob)
    # A map mirrored or transposed by mistake would put its mass on the mirrored place instead.
    mirrored = near_blob[:, ::-1, :] & ~near_blob
    assert np.all(mass_inside(maps, mirrored) < 0.1)


def test_map_mass_falls_on_synthetic_lesions_not_on_skin(dark_spot_model: object) -> None:
    drawn = [draw_lesion_with_mask(d, SIZE, _rng(3, "gradcam", i)) for i, d in enumerate([0, 1, 2, 0, 1, 2])]
    images = np.stack([image for image, _ in drawn])
    masks = np.stack([mask for _, mask in drawn])
    assert np.all(masks.mean(axis=(1, 2)) < 0.4)  # the lesion is a minority of the picture
    maps = gradcam(dark_spot_model, images, class_index=1)
    inside = mass_inside(maps, masks)
    assert np.all(inside > 0.75), inside
    # Explaining the other class ("no lesion") points elsewhere, or nowhere.
    other = gradcam(dark_spot_model, images, class_index=0)
    assert np.all(np.nan_to_num(mass_inside(other, masks), nan=0.0) < 0.5)


def test_default_class_is_the_predicted_one(bright_blob_model: object) -> None:
    images, _ = _blob_images()
    predicted = np.argmax(bright_blob_model.predict(images.astype(np.float32), verbose=0), axis=1)
    np.testing.assert_allclose(
        gradcam(bright_blob_model, images), gradcam(bright_blob_model, images, class_index=predicted)
    )


def test_target_layer_and_errors(bright_blob_model: object) -> None:
    assert target_layer(bright_blob_model) == "tiny_backbone/stage_out"
    with pytest.raises(GradCAMError, match="no layer 'tiny_backbone/nope'"):
        gradcam(bright_blob_model, np.zeros((1, SIZE, SIZE, 3)), layer="tiny_backbone/nope")
    with pytest.raises(GradCAMError, match="out of range for 2 classes"):
        gradcam(bright_blob_model, np.zeros((1, SIZE, SIZE, 3)), class_index=2)


def test_the_last_named_stage_of_any_backbone_is_explained() -> None:
    from types import SimpleNamespace

    from lesionkit.models.assemble import last_stage_layer
    from lesionkit.models.backbone import Backbone

    plugin = Backbone(model=SimpleNamespace(name="effnet"), preprocess=None, stages={"s1": ["a"], "s2": ["b", "c"]})
    assert last_stage_layer(plugin) == "effnet/c"
    assert last_stage_layer(Backbone(model=SimpleNamespace(name="x"), preprocess=None, stages={})) is None
