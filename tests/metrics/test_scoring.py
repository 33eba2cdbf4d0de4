"""lesionkit.evaluation.scoring.isic2017 and `lesionkit score`: ISIC 2017 Part 3 CSVs built in tmp_path."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lesionkit.cli import main
from lesionkit.errors import DataNotFoundError
from lesionkit.evaluation.scoring.isic2017 import (
    ScoringError,
    ScoringWarning,
    read_ground_truth,
    read_submission,
    score_submission,
)
from lesionkit.evaluation.stats.metrics import MetricUndefinedWarning, isic_metrics

HEADER = "image_id,melanoma,seborrheic_keratosis"
RNG = np.random.default_rng(7)
N = 40
IDS = [f"ISIC_{i:07d}" for i in range(N)]
DIAG = RNG.integers(0, 3, N)  # 0 nevus, 1 melanoma, 2 SK
DIAG[:3] = [0, 1, 2]
MEL = (DIAG == 1).astype(int)
SK = (DIAG == 2).astype(int)
P_MEL = np.round(np.clip(MEL * 0.4 + RNG.random(N) * 0.6, 0, 1), 6)
P_SK = np.round(np.clip(SK * 0.5 + RNG.random(N) * 0.5, 0, 1), 6)


def write(path, lines, *, newline="\r\n", bom=False):
    text = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


@pytest.fixture
def truth(tmp_path):
    lines = [HEADER] + [f"{i},{float(m)},{float(s)}" for i, m, s in zip(IDS, MEL, SK)]
    return write(tmp_path / "truth.csv", lines)


def submission_lines(order=(0, 1, 2), rows=None):
    cols = ["image_id", "melanoma", "seborrheic_keratosis"]
    header = ",".join(cols[i] for i in order)
    out = [header]
    for k in rows if rows is not None else range(N):
        cells = [IDS[k], repr(float(P_MEL[k])), repr(float(P_SK[k]))]
        out.append(",".join(cells[i] for i in order))
    return out


def test_scores_match_isic_metrics(truth, tmp_path):
    pred = write(tmp_path / "pred.csv", submission_lines(), newline="\n")
    score = score_submission(truth, pred)
    for name, y, p in (("melanoma", MEL, P_MEL), ("seborrheic_keratosis", SK, P_SK)):
        expected = isic_metrics(y, p)
        got = score[name]
        for key, value in expected.items():
            assert getattr(got, key) == pytest.approx(value), (name, key)
        assert got.n_positive == int(y.sum()) and got.n_images == N
    assert score.mean_auc == pytest.approx((score["melanoma"].auc + score["seborrheic_keratosis"].auc) / 2)
    assert score.n_images == N


def test_bom_crlf_column_order_and_row_order_do_not_matter(truth, tmp_path):
    plain = score_submission(truth, write(tmp_path / "a.csv", submission_lines(), newline="\n"))
    rows = list(RNG.permutation(N))
    messy = write(tmp_path / "b.csv", submission_lines(order=(2, 0, 1), rows=rows), bom=True)
    other = score_submission(truth, messy)
    assert other.to_dict()["classes"] == plain.to_dict()["classes"]
    bom_truth = write(tmp_path / "t2.csv", truth.read_text().splitlines(), bom=True)
    assert score_submission(bom_truth, messy).mean_auc == pytest.approx(plain.mean_auc)


def test_table_and_json(truth, tmp_path):
    score = score_submission(truth, write(tmp_path / "p.csv", submission_lines()))
    table = score.table()
    assert table.splitlines()[0].split()[:3] == ["class", "AUC", "AP"]
    assert f"{score['melanoma'].auc:.4f}" in table
    assert f"mean AUC (ISIC 2017 ranking metric): {score.mean_auc:.4f}" in table
    md = score.table(markdown=True)
    assert md.startswith("| class | AUC |") and "| seborrheic_keratosis |" in md
    data = json.loads(score.to_json())
    assert data["mean_auc"] == pytest.approx(score.mean_auc)
    assert set(data["classes"]) == {"melanoma", "seborrheic_keratosis"}


def test_missing_and_extra_ids_are_listed(truth, tmp_path):
    lines = [*submission_lines(rows=range(2, N)), "ISIC_9999999,0.5,0.5"]
    with pytest.raises(ScoringError) as err:
        score_submission(truth, write(tmp_path / "p.csv", lines))
    msg = str(err.value)
    assert "2 ground-truth image(s) missing from the submission: ISIC_0000000, ISIC_0000001" in msg
    assert "1 submission image(s) not in the ground truth: ISIC_9999999" in msg


def test_long_id_lists_are_summarised(truth, tmp_path):
    with pytest.raises(ScoringError, match=r"25 ground-truth image\(s\) missing .* and 15 more"):
        score_submission(truth, write(tmp_path / "p.csv", submission_lines(rows=range(25, N))))


@pytest.mark.parametrize(
    "bad_cell, match",
    [
        ("abc", r"line 4 \(image_id ISIC_0000002\): melanoma value 'abc' is not a number"),
        ("1.5", r"line 4 \(image_id ISIC_0000002\): melanoma value '1.5' is outside \[0, 1\]"),
        ("-0.1", "is outside"),
        ("nan", "is not finite"),
        ("inf", "is not finite"),
        ("", "is not a number"),
    ],
)
def test_bad_values_name_line_and_id(truth, tmp_path, bad_cell, match):
    lines = submission_lines()
    lines[3] = f"{IDS[2]},{bad_cell},0.5"  # line 4 of the file
    with pytest.raises(ScoringError, match=match):
        score_submission(truth, write(tmp_path / "p.csv", lines))


def test_bad_rows(truth, tmp_path):
    lines = submission_lines()
    lines[5] = lines[5] + ",0.3"
    with pytest.raises(ScoringError, match="line 6: 4 fields, the header has 3"):
        read_submission(write(tmp_path / "p.csv", lines))
    lines = submission_lines()
    lines[7] = lines[2]
    with pytest.raises(ScoringError, match=r"line 8: duplicate image_id .ISIC_0000001. \(first on line 3\)"):
        read_submission(write(tmp_path / "p.csv", lines))
    lines = submission_lines()
    lines[1], lines[2] = f"{IDS[0]},x,0.1", f"{IDS[1]},y,0.1"
    with pytest.raises(ScoringError, match=r"line 2 .*\(and 1 more problem"):
        read_submission(write(tmp_path / "p.csv", lines))


def test_header_problems(truth, tmp_path):
    with pytest.raises(ScoringError, match="lacks column.*melanoma, seborrheic_keratosis"):
        read_submission(write(tmp_path / "p.csv", ["image_id,nevus", "ISIC_0000000,0.1"]))
    # One class's column alone is a one-task submission (test_one_task_submissions).
    assert set(read_submission(write(tmp_path / "m.csv", ["image_id,melanoma", "ISIC_0000000,0.1"])).values) == {
        "melanoma"
    }
    with pytest.raises(ScoringError, match="empty"):
        read_submission(write(tmp_path / "e.csv", [""]))
    with pytest.raises(ScoringError, match="no rows"):
        read_submission(write(tmp_path / "h.csv", [HEADER]))
    with pytest.raises(ScoringError, match="more than once"):
        read_submission(write(tmp_path / "d.csv", [HEADER + ",melanoma", "ISIC_0000000,0.1,0.2,0.3"]))
    with pytest.raises(DataNotFoundError, match="does not exist"):
        read_submission(tmp_path / "nope.csv")


def test_extra_columns_warn_or_fail_in_strict_mode(truth, tmp_path):
    lines = [submission_lines()[0] + ",nevus"] + [line + ",0.3" for line in submission_lines()[1:]]
    pred = write(tmp_path / "p.csv", lines)
    with pytest.warns(ScoringWarning, match="extra column.*'nevus'.*ignoring"):
        score = score_submission(truth, pred)
    assert not math.isnan(score.mean_auc)
    with pytest.raises(ScoringError, match="extra column.*'nevus'"):
        score_submission(truth, pred, strict=True)


def test_ground_truth_must_hold_labels(tmp_path):
    # The one ISIC 2017 label reader (lesionkit.data.labels.ground_truth) reads the ground truth.
    with pytest.raises(ScoringError, match=r"line 2: ISIC_0000000 melanoma='0.4' is not 0 or 1"):
        read_ground_truth(write(tmp_path / "t.csv", [HEADER, "ISIC_0000000,0.4,0.0"]))
    with pytest.raises(ScoringError, match="labelled both melanoma and seborrheic_keratosis"):
        read_ground_truth(write(tmp_path / "t.csv", [HEADER, "ISIC_0000000,0.0,0.0", "ISIC_0000001,1.0,1.0"]))
    table = read_ground_truth(write(tmp_path / "t.csv", [HEADER, "ISIC_0000000,1,0", "ISIC_0000001,0.0,1.0"]))
    assert table.ids == ("ISIC_0000000", "ISIC_0000001")
    assert table.values["melanoma"].tolist() == [1.0, 0.0]


def test_cli_prints_table_and_json(truth, tmp_path, capsys):
    pred = write(tmp_path / "p.csv", submission_lines())
    assert main(["score", str(truth), str(pred)]) == 0
    out = capsys.readouterr().out
    assert "melanoma" in out and "mean AUC" in out
    assert main(["score", str(truth), str(pred), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["classes"]["melanoma"]["auc"] == pytest.approx(isic_metrics(MEL, P_MEL)["auc"])


def test_cli_bad_input_exits_2_with_one_line(truth, tmp_path, capsys):
    lines = submission_lines()
    lines[3] = f"{IDS[2]},oops,0.5"
    assert main(["score", str(truth), str(write(tmp_path / "p.csv", lines))]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("lesionkit score: error: submission file") and "line 4" in err and "oops" in err
    assert main(["score", str(truth), str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv does not exist" in capsys.readouterr().err


def test_cli_warns_on_extra_columns(truth, tmp_path, capsys):
    lines = [submission_lines()[0] + ",note"] + [line + ",x" for line in submission_lines()[1:]]
    pred = write(tmp_path / "p.csv", lines)
    assert main(["score", str(truth), str(pred)]) == 0
    assert "warning: submission file" in capsys.readouterr().err
    assert main(["score", "--strict", str(truth), str(pred)]) == 2


def test_class_without_positives_scores_nan_with_a_warning(tmp_path, capsys):
    truth = write(tmp_path / "t.csv", [HEADER, "A,1.0,0.0", "B,0.0,0.0", "C,0.0,0.0"])
    pred = write(tmp_path / "p.csv", [HEADER, "A,0.9,0.1", "B,0.2,0.3", "C,0.1,0.7"])
    assert main(["score", str(truth), str(pred), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["classes"]["melanoma"]["auc"] == 1.0
    assert data["classes"]["seborrheic_keratosis"]["auc"] is None and data["mean_auc"] is None
    assert "warning: roc_auc is undefined (y_true has no positive)" in captured.err
    assert "Warning" not in captured.err  # plain lines, not Python warning tracebacks
    with pytest.warns(MetricUndefinedWarning):
        assert "nan" in score_submission(truth, pred).table()


def test_one_task_submissions_are_scored_and_the_missing_task_named(truth, tmp_path, capsys):
    from lesionkit.evaluation.prediction.predict import write_submission

    files = [tmp_path / f"{i}.jpg" for i in IDS]
    pred = tmp_path / "melanoma_only.csv"  # as `lesionkit predict` writes it for a melanoma run
    assert write_submission(pred, files, {"melanoma": P_MEL}) == (N, 0)
    assert pred.read_text().splitlines()[1] == f"{IDS[0]},{P_MEL[0]:.6f},"
    score = score_submission(truth, pred)
    assert list(score.classes) == ["melanoma"] and score.missing == ("seborrheic_keratosis",)
    assert score["melanoma"].auc == pytest.approx(isic_metrics(MEL, np.round(P_MEL, 6))["auc"])
    assert math.isnan(score.mean_auc) and "not scored: seborrheic_keratosis" in score.table()
    assert main(["score", str(truth), str(pred), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["missing"] == ["seborrheic_keratosis"] and data["mean_auc"] is None
    assert "no seborrheic_keratosis predictions; scored melanoma only" in captured.err
    sk_only = write_submission(tmp_path / "sk.csv", files, {"seborrheic_keratosis": P_SK})
    assert sk_only == (N, 0) and score_submission(truth, tmp_path / "sk.csv").missing == ("melanoma",)
    # Empty in some rows only is a broken submission, not a missing task.
    lines = submission_lines()
    lines[2] = f"{IDS[1]},{P_MEL[1]},"
    with pytest.raises(ScoringError, match="line 3 .*seborrheic_keratosis value '' is not a number"):
        score_submission(truth, write(tmp_path / "p.csv", lines))
    with pytest.raises(ScoringError, match="empty in every row"):
        score_submission(truth, write(tmp_path / "e.csv", [HEADER] + [f"{i},," for i in IDS]))
