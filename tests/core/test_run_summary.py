"""`lesionkit runs`: one line per run from its JSON files; broken runs are listed, not fatal."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from lesionkit.cli import main
from lesionkit.evaluation.reports.run_summary import find_runs, summarize_run


def make_run(
    root: Path,
    name: str,
    *,
    epochs: int,
    done: int | None,
    best: float | None = None,
    test: dict | None = None,
    monitor: str = "val_auc",
) -> Path:
    run = root / name
    (run / "reports").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"name": "melanoma_conv5", "task": "melanoma", "epochs": epochs}))
    if done is not None:
        (run / "state.json").write_text(json.dumps({"epoch": done, "best_score": best, "monitor": monitor}))
    for folder, auc in (test or {}).items():
        (run / "reports" / folder).mkdir()
        (run / "reports" / folder / "metrics.json").write_text(json.dumps({"metrics": {"roc_auc": auc}}))
    return run


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    make_run(tmp_path, "a-done", epochs=3, done=3, best=0.8, test={"test": 0.7, "test-tta4": 0.74, "test-tta8": 0.78})
    (tmp_path / "a-done" / "reports" / "test-tta16").mkdir()
    (tmp_path / "a-done" / "reports" / "test-tta16" / "metrics.json").write_text("{broken")  # nan, never best
    make_run(tmp_path, "b-stopped", epochs=10, done=4, best=0.9)
    make_run(tmp_path, "c-fresh", epochs=10, done=None)
    broken = tmp_path / "d-broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    (tmp_path / "not-a-run").mkdir()
    return tmp_path


def test_summaries(runs: Path) -> None:
    by_name = {s.path.name: s for s in find_runs([runs])}
    assert set(by_name) == {"a-done", "b-stopped", "c-fresh", "d-broken"}
    done = by_name["a-done"]
    assert (done.status, done.best_validation, done.test, done.test_tta, done.tta) == ("done", 0.8, 0.7, 0.78, 8)
    assert by_name["b-stopped"].status == "stopped at 4/10" and math.isnan(by_name["b-stopped"].test)
    assert by_name["c-fresh"].status == "no checkpoint"
    assert by_name["d-broken"].status == "unreadable" and "JSONDecodeError" in (by_name["d-broken"].problem or "")
    assert summarize_run(runs / "a-done") == done  # a run directory itself, not only its parent
    assert [s.path.name for s in find_runs([runs / "b-stopped"])] == ["b-stopped"]


def test_a_training_auc_is_not_shown_as_validation_auc(tmp_path: Path) -> None:
    run = make_run(tmp_path, "no-val", epochs=2, done=2, best=0.99, monitor="auc")  # no validation split
    assert math.isnan(summarize_run(run).best_validation)


def test_runs_command_sorts_and_shows_everything(runs: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["runs", str(runs), "--sort", "best-val-auc"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["run", "name", "task", "status"]
    order = [line.split()[0] for line in lines[2:]]
    assert order[:2] == ["b-stopped", "a-done"]  # best validation AUC first, runs without one last
    a_done = next(line for line in lines if line.startswith("a-done"))
    assert "0.8000" in a_done and "0.7000" in a_done and "0.7800 ×8" in a_done
    assert any("unreadable (JSONDecodeError" in line for line in lines)
    assert main(["runs", str(runs / "not-a-run")]) == 2
    assert "no run directories" in capsys.readouterr().err


def test_multiclass_runs_show_their_primary_metric(runs: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run = runs / "e-dx7"
    (run / "reports" / "test").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"name": "dx7_run", "task": "dx7", "epochs": 2}))
    (run / "state.json").write_text(json.dumps({"epoch": 2, "best_score": 0.61, "monitor": "val_balanced_accuracy"}))
    metrics = {"metrics": {"balanced_accuracy": 0.55, "macro_auc": 0.9, "accuracy": 0.8}}
    (run / "reports" / "test" / "metrics.json").write_text(json.dumps(metrics))
    summary = summarize_run(run)
    assert (summary.metric, summary.best_validation, summary.test) == ("balanced_accuracy", 0.61, 0.55)
    assert main(["runs", str(runs)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[4] == "metric"
    dx7 = next(line for line in lines if line.startswith("e-dx7")).split()
    assert dx7[4:7] == ["balanced_accuracy", "0.6100", "0.5500"]
    assert next(line for line in lines if line.startswith("a-done")).split()[4:6] == ["roc_auc", "0.8000"]
