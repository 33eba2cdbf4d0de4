"""ISIC 2018 Task 3 files that are almost right: extra columns, other spellings, no rows."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from lesionkit.evaluation.scoring.isic2017 import ScoringError
from lesionkit.evaluation.scoring.isic2018 import TASK3_COLUMNS, ScoringWarning, read_task3, score_task3

HEADER = "image," + ",".join(TASK3_COLUMNS)
ONE_HOT = [",".join("1.0" if c == k else "0.0" for c in range(7)) for k in range(7)]


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.fixture()
def truth(tmp_path: Path) -> Path:
    return _write(tmp_path / "truth.csv", HEADER, [f"ISIC_{k:07d},{ONE_HOT[k]}" for k in range(7)])


def test_extra_columns_warn_and_strict_mode_refuses_them(tmp_path: Path, truth: Path) -> None:
    rows = [f"ISIC_{k:07d},{ONE_HOT[k]},x" for k in range(7)]
    submission = _write(tmp_path / "sub.csv", HEADER + ",notes", rows)
    with pytest.warns(ScoringWarning, match="'notes'"):
        score = score_task3(truth, submission)
    assert score.balanced_accuracy == 1.0
    with pytest.raises(ScoringError, match="extra column.*'notes'.*strict"):
        score_task3(truth, submission, strict=True)


def test_columns_in_any_spelling_and_order_and_unknown_ones_skipped(tmp_path: Path, truth: Path) -> None:
    # Long diagnosis names, another order, and the challenge's weight column: still the same scores.
    names = ["nevus", "melanoma", "basal_cell_carcinoma", "actinic_keratosis", "benign_keratosis"]
    names += ["dermatofibroma", "vascular_lesion"]
    order = [1, 0, 2, 3, 4, 5, 6]  # column i of the file holds TASK3_COLUMNS[order[i]]
    header = "image_id," + ",".join(names) + ",score_weight"
    rows = [f"ISIC_{k:07d}," + ",".join("0.9" if order[i] == k else "0.0" for i in range(7)) + ",1" for k in range(7)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the weight column is known: no warning
        score = score_task3(truth, _write(tmp_path / "sub.csv", header, rows))
    assert score.balanced_accuracy == 1.0


def test_a_header_without_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScoringError, match="header but no rows"):
        read_task3(_write(tmp_path / "empty.csv", HEADER, []), labels=False)


def test_the_score_as_markdown(tmp_path: Path, truth: Path) -> None:
    rows = [f"ISIC_{k:07d},{ONE_HOT[(k + 1) % 7 if k == 0 else k]}" for k in range(7)]
    text = score_task3(truth, _write(tmp_path / "sub.csv", HEADER, rows)).table(markdown=True)
    assert text.startswith("| ") and "|---|" in text and "balanced multiclass accuracy" in text
    assert "| MEL | 0 | 1 |" in text  # the one melanoma was called a nevus
