"""Listing, describing and validating, and constructing a Trainer, never import TensorFlow."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import lesionkit
from lesionkit import registries
from lesionkit.config import ExperimentConfig

described = 0
for kind, registry in registries.ALL.items():
    for name in registry.names():
        registry.describe(name)
        described += 1
configs = []
for name in registries.presets.names():
    preset = registries.presets.get(name)
    if hasattr(preset, "config"):
        configs.append(preset.config)
assert len(configs) >= 8, configs
for config in configs:
    config.validate_components()
    ExperimentConfig.from_dict(config.to_dict()).validate_components()
# what the CLI and tests/conftest.py import before TensorFlow (multi_worker/throughput are TensorFlow's)
from lesionkit.runtime import cluster, precision, settings, strategy, tuning
from lesionkit import Trainer
for config in configs:
    # own_data's task comes from its data: the Trainer reads the class list (synthetic here) at once
    Trainer(config.evolve(dataset="synthetic") if config.task == "from_dataset" else config)
heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
print(described, len(configs), ",".join(heavy) or "none")
"""


def test_registries_configs_and_trainer_construction_import_no_tensorflow() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    described, configs, heavy = out.stdout.split()
    assert int(described) >= 25 and int(configs) >= 8
    assert heavy == "none", f"imported {heavy}"


BAD_PARAMS = """
import sys
import lesionkit
from lesionkit.training.optimization.losses import LossError
from lesionkit.training.optimization.optimizers import OptimizerError
from lesionkit.training.optimization.schedules import ScheduleError

failures = 0
for error, call in [
    (ScheduleError, lambda: lesionkit.schedules.create("step_decay", learning_rate=-1.0, steps_per_epoch=3)),
    (ScheduleError, lambda: lesionkit.schedules.create("cosine", learning_rate=1.0, steps_per_epoch=3, epochs=2, alpha=2.0)),
    (LossError, lambda: lesionkit.losses.create("focal", gamma=-1.0)),
    (OptimizerError, lambda: lesionkit.optimizers.create("sgd", momentum=1.5)),
]:
    try:
        call()
    except error:
        failures += 1
print(failures, "tensorflow" in sys.modules)
"""


def test_bad_component_parameters_fail_before_tensorflow_is_imported() -> None:
    out = subprocess.run([sys.executable, "-c", BAD_PARAMS], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["4", "False"]
