"""The Trainer builds under the precision this host's profile measured faster, unless the config says one."""

from __future__ import annotations

from pathlib import Path

import pytest

from lesionkit.config import ComponentSpec, ExperimentConfig
from lesionkit.runtime.host import detect_host
from lesionkit.runtime.profile import profile_from_measurements, save_profile
from lesionkit.runtime.variables import PURPOSES

SETTINGS = {p: {"onednn": True, "intra_op_threads": 2, "inter_op_threads": 2, "jit_compile": False} for p in PURPOSES}


def test_trainer_builds_under_the_measured_precision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_registered: str
) -> None:
    from lesionkit.training.trainer import Trainer

    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path / "cache"))
    measured = {"tiny_test_backbone@32": "mixed_bfloat16"}
    save_profile(profile_from_measurements(detect_host(), SETTINGS, [], measured))
    cfg = ExperimentConfig(
        dataset=ComponentSpec("synthetic", {"sizes": {"train": 8, "validation": 4, "test": 4}}),
        image_size=32,
        backbone=ComponentSpec("tiny_test_backbone"),
        weights=None,
        run_dir=str(tmp_path / "run"),
    )
    model = Trainer(cfg).build()
    assert model.get_layer("tiny").get_layer("conv5_conv").compute_dtype == "bfloat16"
    model = Trainer(cfg.evolve(precision="float32")).build()  # yours wins
    assert model.get_layer("tiny").get_layer("conv5_conv").compute_dtype == "float32"
