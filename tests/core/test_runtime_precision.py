"""Precision chosen by measurement: tune's choice, the profile's table, and precision="auto" resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lesionkit.config import ExperimentConfig
from lesionkit.runtime.errors import RuntimeProfileWarning, RuntimeSettingsError
from lesionkit.runtime.host import Host, detect_host
from lesionkit.runtime.precision import PrecisionChoice, config_precision, resolve_precision
from lesionkit.runtime.profile import Profile, load_profile, profile_from_measurements, save_profile
from lesionkit.runtime.tuning import choose_precision
from lesionkit.runtime.variables import PURPOSES

HOST = Host(cpu="Test CPU 9000", flags=("avx512f", "avx512_bf16"), cores=2, machine="x86_64")
SETTINGS = {p: {"onednn": True, "intra_op_threads": 2, "inter_op_threads": 2, "jit_compile": False} for p in PURPOSES}


def row(backbone: str, size: int, precision: str, train: float | None, loss: float = 0.69) -> dict[str, object]:
    measured = {} if train is None else {"train": train, "loss": loss}
    return {"backbone": backbone, "image_size": size, "precision": precision, **measured}


def test_choose_precision_needs_a_clear_gain_and_a_finite_loss() -> None:
    rows = [
        row("resnet50", 128, "float32", 10.0),
        row("resnet50", 128, "mixed_bfloat16", 13.0),  # 1.3x: chosen
        row("resnet18", 64, "float32", 90.0),
        row("resnet18", 64, "mixed_bfloat16", 93.0),  # within the noise margin
        row("resnet34", 64, "float32", 40.0),
        row("resnet34", 64, "mixed_bfloat16", 80.0, loss=float("nan")),  # fast but diverged
        row("resnet50", 64, "float32", None),  # float32 failed: nothing to compare with
        row("resnet50", 64, "mixed_bfloat16", 30.0),
        row("resnet101", 64, "float32", 5.0),
        row("resnet101", 64, "mixed_bfloat16", None),  # bfloat16 failed
    ]
    assert choose_precision(rows) == {
        "resnet101@64": "float32",
        "resnet18@64": "float32",
        "resnet34@64": "float32",
        "resnet50@128": "mixed_bfloat16",
        "resnet50@64": "float32",
    }


def test_auto_takes_the_measured_entry_and_a_setting_of_yours_wins() -> None:
    p = Profile(HOST, SETTINGS, precision={"resnet50@128": "mixed_bfloat16", "resnet50@224": "float32"})
    assert resolve_precision("auto", "resnet50", 128, profile=p) == PrecisionChoice(
        "mixed_bfloat16", "profile", "resnet50@128"
    )
    # the nearest measured size of the same backbone (the smaller on a tie: 176 is 48 from both)
    assert resolve_precision("auto", "resnet50", 200, profile=p).entry == "resnet50@224"
    assert resolve_precision("auto", "resnet50", 176, profile=p).entry == "resnet50@128"
    assert resolve_precision("auto", "resnet18", 128, profile=p) == PrecisionChoice("float32", "default")
    assert resolve_precision("auto", "resnet50", 128, profile=None).source == "default"
    assert resolve_precision("float32", "resnet50", 128, profile=p) == PrecisionChoice("float32", "config")


def test_config_defaults_to_auto_resolved_from_the_cached_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    cfg = ExperimentConfig(backbone="resnet18", image_size=64)
    assert cfg.precision == "auto" and config_precision(cfg) == "float32"  # no profile yet
    host = detect_host()
    save_profile(profile_from_measurements(host, SETTINGS, [], {"resnet18@64": "mixed_bfloat16"}))
    assert config_precision(cfg) == "mixed_bfloat16"
    assert config_precision(cfg.evolve(precision="float32")) == "float32"
    with pytest.raises(ValueError, match="auto"):
        ExperimentConfig(precision="bfloat16")


def test_precision_table_round_trips_and_a_bad_entry_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    saved = profile_from_measurements(HOST, SETTINGS, [], {"resnet18@64": "mixed_bfloat16"})
    path = save_profile(saved)
    assert load_profile(HOST) == saved
    data = json.loads(path.read_text())
    data["precision"] = {"resnet18": "mixed_bfloat16"}
    path.write_text(json.dumps(data))
    with pytest.warns(RuntimeProfileWarning, match="'resnet18' should look like 'resnet18@64'"):
        assert load_profile(HOST) is None
    with pytest.raises(RuntimeSettingsError, match="bfloat16"):
        save_profile(profile_from_measurements(HOST, SETTINGS, [], {"resnet18@64": "bfloat16"}))
    # profiles written before precision was measured still load, with an empty table
    del data["precision"]
    path.write_text(json.dumps(data))
    assert load_profile(HOST).precision == {}  # type: ignore[union-attr]


def test_tune_records_the_faster_precision_from_stub_measurements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lesionkit.cli import main
    from lesionkit.runtime import tuning

    calls: list[tuple[dict[str, object], str, str]] = []

    def settings(candidate: dict[str, object], *, xla: bool = False, **sizes: object) -> dict[str, float]:
        return {"train_xla": 1.0} if xla else {"train": 30.0 if candidate["onednn"] else 15.0, "infer": 50.0}

    def precision(candidate: dict[str, object], model: str, policy: str, **sizes: object) -> dict[str, float]:
        calls.append((candidate, model, policy))
        fast = {"resnet50@128": 1.4, "resnet18@64": 1.01}[model]  # bfloat16 / float32
        return {"train": 20.0 * (fast if policy == "mixed_bfloat16" else 1.0), "loss": 0.7}

    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(tuning, "measure_settings", settings)
    monkeypatch.setattr(tuning, "measure_precision", precision)
    assert main(["tune", "--seconds", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "precision for resnet50@128: mixed_bfloat16" in out and "precision for resnet18@64: float32" in out
    saved = load_profile()
    assert saved is not None and saved.precision == {"resnet18@64": "float32", "resnet50@128": "mixed_bfloat16"}
    # measured with the training setting tune chose, both policies per model
    assert {c[0]["onednn"] for c in calls} == {True} and len(calls) == 4
    assert sum(1 for r in saved.measurements if "precision" in r) == 4

    calls.clear()
    assert main(["tune", "--seconds", "0.1", "--no-precision"]) == 0
    assert calls == [] and load_profile().precision == {}  # type: ignore[union-attr]


def test_tune_refuses_a_model_without_a_size(capsys: pytest.CaptureFixture[str]) -> None:
    from lesionkit.cli import main

    with pytest.raises(SystemExit):
        main(["tune", "--precision-models", "resnet18"])
    assert "e.g. resnet18@64" in capsys.readouterr().err


def test_precision_child_gets_the_backbone_size_and_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from lesionkit.runtime import tuning

    seen: list[list[str]] = []

    def fake_run(cmd: list[str], *, env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, '{"train": 12.5, "loss": NaN}\n', "")

    monkeypatch.setattr(tuning.subprocess, "run", fake_run)
    got = tuning.measure_precision({"onednn": True}, "resnet50@128", "mixed_bfloat16", batch_size=8, seconds=0.1)
    assert got["train"] == 12.5 and got["loss"] != got["loss"]  # NaN read back: choose_precision refuses it
    assert seen[0][-10:] == [
        "--backbone",
        "resnet50",
        "--size",
        "128",
        "--precision",
        "mixed_bfloat16",
        "--batch",
        "8",
        "--seconds",
        "0.1",
    ]


def test_environment_json_records_the_precision_and_where_it_came_from() -> None:
    from lesionkit.runs.environment import environment

    recorded = environment(0, ExperimentConfig(precision="mixed_bfloat16"))["precision"]
    assert recorded == {"value": "mixed_bfloat16", "source": "config", "entry": None}
    assert environment(0)["precision"] is None


def test_info_shows_the_measured_precision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lesionkit.cli import main

    monkeypatch.setenv("LESIONKIT_CACHE", str(tmp_path))
    assert main(["info"]) == 0
    assert 'precision="auto" (the default): float32 (`lesionkit tune` measures it)' in capsys.readouterr().out
    save_profile(profile_from_measurements(detect_host(), SETTINGS, [], {"resnet18@64": "mixed_bfloat16"}))
    assert main(["info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["precision"] == {"resnet18@64": "mixed_bfloat16"}
    assert main(["info"]) == 0
    assert "resnet18@64 mixed_bfloat16; float32 for other backbones" in capsys.readouterr().out
