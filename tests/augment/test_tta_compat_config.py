"""Test-time views, the numpy-2 compatibility patch, configs and errors."""

from __future__ import annotations

import numpy as np
import pytest

import lesionkit
from lesionkit.augment import _imgaug_compat
from lesionkit.augment.base import Compose
from lesionkit.augment.primitives import AugmentError
from lesionkit.augment.tta import dihedral_views, tta_views
from lesionkit.config import ExperimentConfig
from lesionkit.registry.errors import InvalidParameterError


@pytest.mark.parametrize("backend", ("tf", "imgaug"))
def test_tta_views_shape_original_first_and_seeded(backend: str, lesion64: np.ndarray) -> None:
    aug = lesionkit.augmenters.create("tta_default", backend=backend)
    views = tta_views(aug, lesion64, n=6, seed=2)
    assert views.shape == (6, *lesion64.shape) and views.dtype == np.uint8
    np.testing.assert_array_equal(views[0], lesion64)
    # every view is one of the 8 flips/rotations of its image
    d4 = dihedral_views(lesion64)
    for view in views:
        for i, image in enumerate(view):
            assert any(np.array_equal(image, d4[k, i]) for k in range(8))
    assert len({v.tobytes() for v in views}) > 2


def test_tta_views_of_a_tensor_stay_a_tensor(lesion64: np.ndarray) -> None:
    import tensorflow as tf

    aug = lesionkit.augmenters.create("paper_table1", backend="tf")
    views = tta_views(aug, tf.constant(lesion64), n=3, seed=1, include_original=False)
    assert isinstance(views, tf.Tensor) and tuple(views.shape) == (3, *lesion64.shape)
    np.testing.assert_array_equal(views.numpy(), tta_views(aug, lesion64, n=3, seed=1, include_original=False))


def test_tta_and_dihedral_errors(lesion64: np.ndarray) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        tta_views(lesionkit.augmenters.create("flip"), lesion64, n=0)
    with pytest.raises(ValueError, match="square"):
        dihedral_views(lesion64[:, :, :10])
    assert dihedral_views(lesion64).shape == (8, *lesion64.shape)


def test_compat_patches_only_what_numpy_lacks() -> None:
    ia, iaa = _imgaug_compat.import_imgaug()
    assert hasattr(np, "sctypes") and np.complex is complex
    assert np.bool is np.bool_  # numpy 2 has it: left alone
    added = _imgaug_compat.patch_numpy()
    assert added == _imgaug_compat.patch_numpy()  # idempotent
    assert set(added) <= {"sctypes", "complex", "bool"}
    # imgaug paths that use the restored names
    assert np.uint8 in ia.NP_UINT_TYPES
    img = np.full((8, 8, 3), 100, np.uint8)
    assert iaa.Sequential([iaa.Fliplr(1.0)], random_order=True)(image=img).shape == img.shape


def test_config_specs_build_a_pipeline(lesion64: np.ndarray) -> None:
    cfg = ExperimentConfig(
        task="melanoma",
        augmenters=[
            {"name": "crop_percent", "params": {"percent": [0.0, 0.1], "backend": "imgaug"}},
            {"name": "paper_table1", "params": {"backend": "imgaug"}},
        ],
    )
    cfg = ExperimentConfig.from_json(cfg.to_json())
    steps = [lesionkit.augmenters.create(s.name, **s.params) for s in cfg.augmenters]
    pipe = Compose(steps)
    assert pipe.backend == "numpy"
    assert pipe(lesion64, seed=1).shape == lesion64.shape


def test_bad_parameters_say_what_is_wrong() -> None:
    with pytest.raises(AugmentError, match="backend='torch'"):
        lesionkit.augmenters.create("flip", backend="torch")
    with pytest.raises(AugmentError, match=r"factor=\(1.3, 0.7\)"):
        lesionkit.augmenters.create("brightness", factor=(1.3, 0.7))
    with pytest.raises(AugmentError, match="fill='mirror'"):
        lesionkit.augmenters.create("affine", fill="mirror")
    with pytest.raises(AugmentError, match="not both"):
        lesionkit.augmenters.create("saturation", delta=0.1, factor=1.2)
    with pytest.raises(AugmentError, match="probability"):
        lesionkit.augmenters.create("flip", horizontal=2)
    with pytest.raises(InvalidParameterError) as info:
        lesionkit.augmenters.create("affine", rotation=10)  # did-you-mean from the registry
    assert type(info.value) is InvalidParameterError
    assert str(info.value) == (
        "augmenter 'affine' has no parameter 'rotation'. Did you mean 'rotate'? "
        "Accepted: rotate, shear, scale, fill, backend"
    )
    with pytest.raises(ValueError, match="cannot mix"):
        Compose([lesionkit.augmenters.create("flip"), lesionkit.augmenters.create("flip", backend="imgaug")])
