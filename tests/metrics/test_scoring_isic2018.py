"""ISIC 2018 Task 3 scoring against the challenge's own scorer (isic-challenge-scoring), CSVs built in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lesionkit.cli import main
from lesionkit.evaluation.scoring.isic2017 import ScoringError
from lesionkit.evaluation.scoring.isic2018 import TASK3_COLUMNS, is_task3_file, score_task3

HEADER = "image," + ",".join(TASK3_COLUMNS)


def make_files(tmp_path: Path, seed: int, n: int = 60) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.arange(7), rng.choice(7, n - 7, p=[0.15, 0.5, 0.08, 0.07, 0.12, 0.04, 0.04])])
    scores = rng.random((n, 7)) + rng.uniform(0, 1.5) * np.eye(7)[labels]
    probabilities = np.round(scores / scores.sum(axis=1, keepdims=True), 6)
    ids = [f"ISIC_{24306 + i:07d}" for i in range(n)]
    truth = tmp_path / f"truth{seed}.csv"
    truth.write_text(
        "\n".join(
            [HEADER] + [f"{i}," + ",".join("1.0" if c == y else "0.0" for c in range(7)) for i, y in zip(ids, labels)]
        )
        + "\n"
    )
    order = rng.permutation(n)  # rows in another order than the truth's
    pred = tmp_path / f"pred{seed}.csv"
    pred.write_text(
        "\n".join([HEADER] + [f"{ids[k]}," + ",".join(f"{v:.6f}" for v in probabilities[k]) for k in order]) + "\n"
    )
    return truth, pred, labels, probabilities


@pytest.fixture
def isic_scoring():  # type: ignore[no-untyped-def]
    """The official scorer's module; without it only the cross-check skips (tests/meta/test_test_requirements.py fails)."""
    return pytest.importorskip("isic_challenge_scoring.classification")


def challenge_score(isic_scoring, truth: Path, pred: Path):  # type: ignore[no-untyped-def]
    """The challenge scorer on our files (its CSV loader calls DataFrame.applymap, gone in pandas 3: read them here)."""
    import pandas as pd

    truth_df = pd.read_csv(truth).set_index("image").sort_index()
    pred_df = pd.read_csv(pred).set_index("image").sort_index()
    weights = pd.DataFrame({"score_weight": 1.0, "validation_weight": 1.0}, index=truth_df.index)
    return isic_scoring.ClassificationScore(
        truth_df, pred_df, weights, isic_scoring.ClassificationMetric.BALANCED_ACCURACY
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_challenge_scorer(tmp_path: Path, seed: int, isic_scoring) -> None:  # type: ignore[no-untyped-def]
    truth, pred, labels, _ = make_files(tmp_path, seed)
    ours = score_task3(truth, pred)
    theirs = challenge_score(isic_scoring, truth, pred)
    assert ours.balanced_accuracy == pytest.approx(theirs.overall)
    assert ours.balanced_accuracy == pytest.approx(theirs.aggregate["balanced_accuracy"])
    for name in TASK3_COLUMNS:
        assert ours.per_class[name]["auc"] == pytest.approx(theirs.per_category.loc[name, "auc"])
        assert ours.per_class[name]["average_precision"] == pytest.approx(theirs.per_category.loc[name, "ap"])
    assert ours.macro_auc == pytest.approx(theirs.macro_average["auc"])
    assert ours.confusion_matrix.sum() == len(labels) and ours.confusion_matrix.trace() == round(
        ours.accuracy * len(labels)
    )
    assert [v["images"] for v in ours.per_class.values()] == np.bincount(labels, minlength=7).tolist()


def test_lesionkit_class_names_and_image_id_are_accepted(tmp_path: Path) -> None:
    truth, pred, _, _ = make_files(tmp_path, 3)
    from lesionkit.task import get_task

    lines = pred.read_text().splitlines()
    renamed = tmp_path / "dx7_run.csv"  # as `lesionkit predict` writes for a dx7 run
    renamed.write_text("\n".join(["image_id," + ",".join(get_task("dx7").classes), *lines[1:]]) + "\n")
    assert score_task3(truth, renamed).to_dict() | {"submission": None} == score_task3(truth, pred).to_dict() | {
        "submission": None
    }


def test_bad_files_name_the_line(tmp_path: Path) -> None:
    truth, pred, _, _ = make_files(tmp_path, 4, n=10)
    lines = truth.read_text().splitlines()
    lines[3] = lines[3].split(",")[0] + ",1.0,1.0,0.0,0.0,0.0,0.0,0.0"  # two diagnoses on line 4
    bad_truth = tmp_path / "bad_truth.csv"
    bad_truth.write_text("\n".join(lines) + "\n")
    with pytest.raises(ScoringError, match=r"line 4 .*exactly one diagnosis column must be 1"):
        score_task3(bad_truth, pred)
    p_lines = pred.read_text().splitlines()
    p_lines[2] = p_lines[2].split(",")[0] + ",1.5,0,0,0,0,0,0"
    bad_pred = tmp_path / "bad_pred.csv"
    bad_pred.write_text("\n".join(p_lines) + "\n")
    with pytest.raises(ScoringError, match=r"line 3 .*MEL value '1.5' is not a probability"):
        score_task3(truth, bad_pred)
    short = tmp_path / "short.csv"
    short.write_text("\n".join(pred.read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(ScoringError, match="1 ground-truth image.s. missing from the submission"):
        score_task3(truth, short)
    no_vasc = tmp_path / "no_vasc.csv"
    no_vasc.write_text("image,MEL,NV,BCC,AKIEC,BKL,DF\nA,1,0,0,0,0,0\n")
    with pytest.raises(ScoringError, match="lacks column.s. VASC"):
        score_task3(truth, no_vasc)


def test_score_command_detects_task3(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    truth, pred, _, _ = make_files(tmp_path, 5)
    assert is_task3_file(truth) and not is_task3_file(tmp_path / "nope.csv")
    assert main(["score", str(truth), str(pred)]) == 0
    out = capsys.readouterr().out
    assert "balanced multiclass accuracy (ISIC 2018 ranking metric)" in out and "true \\ predicted" in out
    assert main(["score", str(truth), str(pred), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["balanced_accuracy"] == pytest.approx(score_task3(truth, pred).balanced_accuracy)
    assert len(data["confusion_matrix"]) == 7 and data["classes"][0] == "MEL"
