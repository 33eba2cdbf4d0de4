"""Runtime: dtype policies (mixed precision), XLA compilation, tf.distribute strategies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lesionkit
from lesionkit.runtime.errors import RuntimeConfigError
from lesionkit.runtime.precision import precision_policy
from lesionkit.runtime.strategy import distribution_strategy

ROOT = Path(__file__).resolve().parents[2]


def _policy() -> str:
    """The Keras global dtype policy now in force."""
    import keras

    return str(keras.config.dtype_policy().name)


def _classifier(backbone_name: str, size: int = 32) -> Any:
    from lesionkit.models.assemble import build_classifier
    from lesionkit.models.freeze import apply_freeze_policy

    backbone = lesionkit.backbones.create(backbone_name, input_shape=(size, size, 3))
    apply_freeze_policy(backbone, "conv5")
    head = lesionkit.heads.create("softmax", num_classes=2)
    return build_classifier(backbone, head, image_size=size)


def _data(n: int = 8, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (n, size, size, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[rng.integers(0, 2, n)]
    return x, y


def test_precision_policy_sets_and_restores() -> None:
    assert _policy() == "float32"
    with precision_policy("mixed_float16") as name:
        assert name == _policy() == "mixed_float16"
    assert _policy() == "float32"
    with pytest.raises(ZeroDivisionError), precision_policy("mixed_bfloat16"):
        1 / 0
    assert _policy() == "float32"
    with pytest.raises(RuntimeConfigError, match="Did you mean 'mixed_float16'"), precision_policy("mixed_float61"):
        pass


def test_precision_policy_nests() -> None:
    with precision_policy("mixed_bfloat16"):
        with precision_policy("float32"):
            assert _policy() == "float32"
        assert _policy() == "mixed_bfloat16"
    assert _policy() == "float32"


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_model_computes_low_outputs_float32(precision: str, tiny_registered: str) -> None:
    import keras

    with precision_policy(precision):
        model = _classifier(tiny_registered)
        model.compile(
            optimizer=lesionkit.optimizers.create("sgd", learning_rate=0.01),
            loss=lesionkit.losses.create("crossentropy"),
        )
    low = precision.split("_")[1]
    conv = model.get_layer("tiny").get_layer("conv5_conv")
    assert conv.compute_dtype == low and conv.variable_dtype == "float32"
    assert model.get_layer("probabilities").compute_dtype == "float32"
    assert model.get_layer(index=1).compute_dtype == "float32"  # preprocessing of 0–255 values
    x, y = _data()
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32
    if precision == "mixed_float16":
        # Keras wraps the optimizer so small float16 gradients are not flushed to zero.
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_xla_compiled_training_step(tiny_registered: str) -> None:
    model = _classifier(tiny_registered)
    model.compile(
        optimizer=lesionkit.optimizers.create("adam", learning_rate=0.01),
        loss=lesionkit.losses.create("weighted_categorical_crossentropy", positive_weight=2.0),
        jit_compile=True,
    )
    x, y = _data()
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert model.jit_compile is True
    assert model.evaluate(x, y, verbose=0) < first


def test_default_strategy_and_errors() -> None:
    import tensorflow as tf

    assert distribution_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(RuntimeConfigError, match="Did you mean 'mirrored'"):
        distribution_strategy("mirored")
    with pytest.raises(RuntimeConfigError, match="only applies"):
        distribution_strategy("default", devices=["/cpu:0"])


def test_multi_worker_rejects_bad_tf_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(RuntimeConfigError, match="TF_CONFIG is not valid JSON"):
        distribution_strategy("multi_worker_mirrored")


# Two logical CPU devices must be configured before TensorFlow first touches its devices,
# hence a fresh interpreter.
MIRRORED_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import lesionkit
    from lesionkit.runtime.precision import precision_policy
    from lesionkit.runtime.strategy import distribution_strategy

    keras.utils.set_random_seed(0)
    strategy = distribution_strategy("mirrored", devices=["/cpu:0", "/cpu:1"])
    with precision_policy("float32"), strategy.scope():
        inputs = keras.Input((8, 8, 3))
        x = keras.layers.Conv2D(4, 3)(inputs)
        x = keras.layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, lesionkit.heads.create("softmax")(x))
        model.compile(optimizer=lesionkit.optimizers.create("sgd", learning_rate=0.1),
                      loss=lesionkit.losses.create("weighted_categorical_crossentropy", positive_weight=2.0))
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (16, 8, 8, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[rng.integers(0, 2, 16)]
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    var = model.trainable_variables[0]
    print(json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "devices": list(strategy.extended.worker_devices),
        "variable": type(getattr(var, "value", var)).__name__,
        "losses": [float(v) for v in history.history["loss"]],
    }))
    """
)


def _run(script: str, timeout: int = 120) -> dict[str, Any]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_mirrored_strategy_on_two_logical_cpus() -> None:
    result = _run(MIRRORED_SCRIPT)
    assert result["replicas"] == 2
    assert len(result["devices"]) == 2 and result["devices"][0] != result["devices"][1]
    assert "Mirrored" in result["variable"]
    assert all(np.isfinite(result["losses"]))
    assert min(result["losses"][1:]) < result["losses"][0]  # gradients from both replicas are applied
