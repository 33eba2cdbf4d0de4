"""Command-line flags that no other test exercises, each checked for what it changes.

``compare --specificity``, ``score --markdown/--digits``, ``presets --describe``,
``tune --dry-run``, ``info --measure`` and ``export --saved-model``. Runs come from the
session's shared tiny binary run (tests/tiny_runs.py); made-up values are worked out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lesionkit import presets
from lesionkit.cli import main


def best_sensitivity(y: np.ndarray, p: np.ndarray, specificity: float) -> float:
    """Brute force: the best sensitivity over every threshold (p > t) whose specificity reaches the level."""
    best = 0.0
    for t in np.r_[np.unique(p), -np.inf]:
        if np.mean(p[y == 0] <= t) >= specificity - 1e-12:
            best = max(best, float(np.mean(p[y == 1] > t)))
    return best


def read_predictions(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    rows = [line.split(",") for line in path.read_text().splitlines()[1:]]
    return [r[0] for r in rows], np.array([int(r[1]) for r in rows]), np.array([float(r[2]) for r in rows])


def test_compare_specificity_sets_the_level_of_delta_sensitivity(binary_run, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    a = binary_run.copy_to(tmp_path, "a")
    b = binary_run.copy_to(tmp_path, "b")
    ids, y, p_a = read_predictions(a / "reports" / "test" / "predictions.csv")
    # B: another model's probabilities on the same images, made up so that the level matters. The
    # negatives get 0.05, 0.15, ..., the positives 0.6 and 0.99: at specificity 0.5 (t = 0.45) both
    # positives are above the threshold, at 0.9 (t = 0.85) only one.
    assert (int(y.sum()), len(y)) == (2, 12)
    p_b = np.empty(len(y))
    p_b[y == 0] = 0.05 + 0.1 * np.arange(10)
    p_b[y == 1] = [0.6, 0.99]
    by_hand = {0.5: 1.0, 0.9: 0.5}
    lines = ["image_id,label,probability"] + [f"{i},{label},{v:.6f}" for i, label, v in zip(ids, y, p_b)]
    (b / "reports" / "test" / "predictions.csv").write_text("\n".join(lines) + "\n")
    found: dict[float, float] = {}
    for level in (0.5, 0.9):
        out = tmp_path / f"compare{level}.json"
        argv = ["compare", str(a), str(b), "--specificity", str(level), "--bootstrap", "20", "--json", str(out)]
        assert main(argv) == 0
        assert f"sensitivity at specificity {level}:" in capsys.readouterr().out
        result = json.loads(out.read_text())["sensitivity_at_specificity"]
        assert result["specificity"] == level
        assert result["a"] == pytest.approx(best_sensitivity(y, p_a, level))
        assert result["b"] == pytest.approx(by_hand[level]) == pytest.approx(best_sensitivity(y, p_b, level))
        assert result["difference"] == pytest.approx(result["a"] - result["b"])
        found[level] = result["a"]
    assert found[0.5] >= found[0.9]  # a looser specificity never gives a lower sensitivity
    assert main(["compare", str(a), str(b), "--specificity", "90"]) == 2
    assert "--specificity in (0, 1), e.g. 0.9" in capsys.readouterr().err


TRUTH = """image_id,melanoma,seborrheic_keratosis
ISIC_0000000,1.0,0.0
ISIC_0000001,0.0,1.0
ISIC_0000002,0.0,0.0
ISIC_0000003,1.0,0.0
ISIC_0000004,0.0,0.0
ISIC_0000005,0.0,1.0
"""
SUBMISSION = """image_id,melanoma,seborrheic_keratosis
ISIC_0000000,0.9,0.1
ISIC_0000001,0.2,0.8
ISIC_0000002,0.35,0.3
ISIC_0000003,0.3,0.2
ISIC_0000004,0.6,0.1
ISIC_0000005,0.1,0.4
"""


def test_score_markdown_and_digits(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """By hand. Melanoma: positives 0.9, 0.3 over negatives 0.2, 0.35, 0.6, 0.1 → AUC 6/8; at p > 0.5
    sensitivity 1/2, specificity 3/4, accuracy 4/6; the first ROC point reaching 82 % sensitivity is
    0.3's, with 2 of 4 negatives below it (specificity 1/2). Keratosis: 0.8, 0.4 over 0.1, 0.3, 0.2, 0.1
    → AUC 1; sensitivity 1/2, specificity 1, accuracy 5/6. Mean AUC 0.875.
    """
    truth, submission = tmp_path / "truth.csv", tmp_path / "submission.csv"
    truth.write_text(TRUTH)
    submission.write_text(SUBMISSION)
    assert main(["score", str(truth), str(submission), "--markdown", "--digits", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:4] == [
        "| class | AUC | AP | accuracy | sensitivity | specificity | spec@82 | spec@89 | spec@95 |",
        "|---|---|---|---|---|---|---|---|---|",
        "| melanoma | 0.75 | 0.75 | 0.67 | 0.50 | 0.75 | 0.50 | 0.50 | 0.50 |",
        "| seborrheic_keratosis | 1.00 | 1.00 | 0.83 | 0.50 | 1.00 | 1.00 | 1.00 | 1.00 |",
    ]
    assert "mean AUC (ISIC 2017 ranking metric): 0.88  (6 images)" in out
    assert main(["score", str(truth), str(submission), "--digits", "5"]) == 0
    plain = capsys.readouterr().out
    assert "|" not in plain and "0.66667" in plain and "0.83333" in plain and "0.87500" in plain


def test_presets_describe_prints_the_presets_own_config_and_reference_row(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["presets", "--describe", "melanoma_conv5"]) == 0
    out = capsys.readouterr().out
    trainer = presets.melanoma_conv5()
    assert out.startswith("presets.melanoma_conv5(**overrides) -> Trainer")
    config = json.loads(out[out.index("config:") + len("config:") :].strip().split("\n\n")[0])
    assert config == trainer.config.to_dict()
    row = ", ".join(f"{k} {v:.4f}" for k, v in trainer.reference.items())
    assert f"reference row: {row}" in out
    assert main(["presets", "--describe", "melanoma_conv6"]) != 0
    assert "melanoma_conv5" in capsys.readouterr().err  # did you mean


def fake_rates(candidate: dict[str, object], *, xla: bool = False, **sizes: object) -> dict[str, float]:
    if xla:
        return {"train_xla": 10.0}
    return {"train": 30.0 if candidate["onednn"] else 15.0, "infer": 90.0 if candidate["onednn"] else 60.0}


def test_tune_dry_run_measures_but_leaves_the_host_profile_alone(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """Made-up rates instead of minutes of measuring: what is under test is what the command writes."""
    from lesionkit.runtime import tuning
    from lesionkit.runtime.host import detect_host
    from lesionkit.runtime.profile import load_profile, profile_path

    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(tuning, "measure_settings", fake_rates)
    profile = profile_path(detect_host())
    argv = ["tune", "--seconds", "0.1", "--no-precision"]
    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "measuring" in out and " 30.0 " in out  # it measured and printed
    assert not profile.exists() and list(tmp_path.iterdir()) == []
    # Without --dry-run the same measurements are written...
    assert main(argv) == 0
    written = profile.read_bytes()
    assert load_profile() is not None
    # ...and a later dry run with other rates leaves that profile byte for byte.
    monkeypatch.setattr(tuning, "measure_settings", lambda c, **kw: {"train": 1.0, "infer": 1.0})
    assert main([*argv, "--dry-run"]) == 0
    assert profile.read_bytes() == written


def test_info_measure_reports_the_measured_rates(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The real measurement, shortened (batch 2, 0.05 s per rate) and recorded, at the asked size."""
    import lesionkit.runtime.throughput as throughput

    real, calls, results = throughput.measure, [], []

    def shortened(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        if not results:  # measured once (a ResNet-50 is built); later calls report the same rates
            results.append(real(size=kwargs["size"], batch=2, seconds=0.05, jit=kwargs["jit"]))
        return results[0]

    monkeypatch.setattr(throughput, "measure", shortened)
    assert main(["info", "--measure", "--image-size", "32", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert calls[0]["size"] == 32 and calls[0]["jit"] == (False,)
    assert info["measured"] == {"image_size": 32, **results[0]}
    assert results[0]["train"] > 0 and results[0]["infer"] > 0
    assert main(["info", "--measure", "--image-size", "32"]) == 0
    text = capsys.readouterr().out
    assert (
        f"measured at 32 px (ResNet-50, conv5_x trainable, batch 32): train {results[0]['train']:.1f} img/s, "
        f"inference {results[0]['infer']:.1f} img/s" in text
    )
    assert main(["info"]) == 0 and len(calls) == 2  # no --measure: nothing measured
    assert "measured at" not in capsys.readouterr().out


def test_export_saved_model_serves_the_runs_probabilities(binary_run, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import tensorflow as tf

    out, saved = tmp_path / "model.keras", tmp_path / "served"
    assert main(["export", str(binary_run.path), "-o", str(out), "--saved-model", str(saved)]) == 0
    assert f"wrote {out} and the SavedModel {saved}" in capsys.readouterr().out
    assert (saved / "saved_model.pb").is_file()
    trainer = binary_run.trainer()
    images = trainer.split("test").load_images(trainer.config.image_size)
    loaded = tf.saved_model.load(str(saved))  # kept: its variables live as long as it does
    served = np.asarray(loaded.serve(tf.constant(images, tf.float32)))
    # 0-255 images in, class probabilities out: preprocessing is inside, as in the .keras file.
    assert served.shape == (len(images), 2)
    np.testing.assert_allclose(served[:, -1], trainer.predict(images), rtol=1e-5, atol=1e-6)
