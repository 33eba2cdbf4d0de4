"""The Trainer honours the config's precision, XLA and distribution flags (lesionkit/runtime/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from lesionkit.config import ComponentSpec, ExperimentConfig

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent

# Until lesionkit/trainer.py builds and compiles inside
# `with precision_policy(cfg.precision), distribution_strategy(cfg.distribute).scope():`
# these fail; strict, so they flag the moment it does and the marker can go.


def _config(tmp_path: Path, **changes: Any) -> ExperimentConfig:
    return ExperimentConfig(
        dataset=ComponentSpec("synthetic", {"sizes": {"train": 16, "validation": 8, "test": 8}}),
        image_size=32,
        backbone=ComponentSpec("tiny_test_backbone"),
        weights=None,
        trainable="none",
        schedule=ComponentSpec("constant"),
        epochs=1,
        batch_size=8,
        run_dir=str(tmp_path / "run"),
    ).evolve(**changes)


def test_trainer_builds_under_the_configured_precision(tmp_path: Path, tiny_registered: str) -> None:
    import keras

    from lesionkit.training.trainer import Trainer

    trainer = Trainer(_config(tmp_path, precision="mixed_bfloat16"))
    model = trainer.build()
    assert keras.config.dtype_policy().name == "float32"  # restored after building
    assert model.get_layer("tiny").get_layer("conv5_conv").compute_dtype == "bfloat16"
    assert model.get_layer("probabilities").compute_dtype == "float32"


def test_trainer_compiles_with_xla(tmp_path: Path, tiny_registered: str) -> None:
    from lesionkit.training.trainer import Trainer

    trainer = Trainer(_config(tmp_path, jit_compile=True))
    trainer.fit(verbose=0)
    assert trainer.model.jit_compile is True


TRAINER_SCRIPT = textwrap.dedent(
    """
    import json, sys, tempfile
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    sys.path.insert(0, sys.argv[1])
    import lesionkit
    from conftest import tiny_backbone
    lesionkit.backbones.register("tiny_test_backbone", tiny_backbone)
    from lesionkit.config import ExperimentConfig
    from lesionkit.training.trainer import Trainer

    cfg = ExperimentConfig.from_json(sys.argv[2])
    trainer = Trainer(cfg)
    history = trainer.fit(verbose=0)
    var = trainer.model.trainable_variables[0]
    print(json.dumps({"variable": type(getattr(var, "value", var)).__name__,
                      "loss": history.get("loss", [])}))
    """
)


def test_trainer_fits_mirrored_on_two_logical_cpus(tmp_path: Path) -> None:
    cfg = _config(tmp_path, distribute="mirrored", epochs=2)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", TRAINER_SCRIPT, str(TESTS), cfg.to_json()],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "Mirrored" in result["variable"]
    assert len(result["loss"]) == 2
