"""benchmarks/real_accuracy.py on a generated ISIC 2017 folder: a few seconds, real numbers in the JSON."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("real_accuracy", ROOT / "benchmarks" / "real_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_best_recipe_json(bench, isic_layout, tmp_path) -> None:
    codes = [0, 1, 2] * 4
    isic = isic_layout(
        tmp_path / "isic", {"train": codes, "validation": [0, 1, 2, 0, 1, 2], "test": [0, 1, 2, 2, 1, 0]}
    )
    out = tmp_path / "out.json"
    assert (
        bench.main(
            [
                "--isic2017",
                str(isic),
                "--recipes",
                "best",
                "--size",
                "32",
                "--minutes",
                "0.5",
                "--max-epochs",
                "1",
                "--runs",
                str(tmp_path / "runs"),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())
    (recipe,) = result["recipes"]
    assert recipe["name"] == "best" and recipe["minutes"] > 0 and math.isfinite(recipe["minutes"])
    assert set(recipe["metrics"]) == {"validation", "test"}
    for row in recipe["metrics"].values():
        assert set(row) == {"melanoma_auc", "seborrheic_keratosis_auc", "mean_auc"}
        assert all(0.0 <= v <= 1.0 and math.isfinite(v) for v in row.values())
        assert row["mean_auc"] == pytest.approx((row["melanoma_auc"] + row["seborrheic_keratosis_auc"]) / 2)
    assert (tmp_path / "runs" / "best" / "isic2017_3class_best" / "checkpoints" / "best").is_dir()
    assert {r["name"] for r in result["paper"]} >= {"paper conv5", "paper resnet50_scratch"}


def test_time_budget_stops_training_and_keeps_a_checkpoint(bench) -> None:
    from lesionkit.training.time_budget import TimeBudget

    budget = TimeBudget(seconds=1e-6)
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    x, y = np.zeros((64, 2), "float32"), np.eye(2, dtype="float32")[np.arange(64) % 2]
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[budget])
    assert budget.stopped_early and len(history.history["loss"]) == 1
