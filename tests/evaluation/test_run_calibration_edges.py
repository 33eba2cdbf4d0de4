"""The refusals and edge cases of a run's temperature and frozen threshold (no TensorFlow)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lesionkit.errors import DataError
from lesionkit.evaluation.posthoc.run_calibration import (
    choose_run_operating_point,
    fit_run_temperature,
    run_operating_point,
    run_temperature,
)
from lesionkit.runs import RunDir, RunDirError

Y = np.array([0, 0, 0, 0, 1, 1, 1, 0, 1, 0])
P = np.array([0.1, 0.2, 0.3, 0.45, 0.55, 0.7, 0.9, 0.6, 0.4, 0.05])


@pytest.fixture()
def run(tmp_path) -> RunDir:
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    return run


def test_an_uncalibrated_run_has_no_temperature_and_no_threshold(run: RunDir) -> None:
    assert run_temperature(run) is None and run_operating_point(run) is None


def test_an_incomplete_temperature_record_names_the_file_and_the_command(run: RunDir) -> None:
    run.calibration_file.write_text(json.dumps({"temperature": 1.5}))  # the rest of the record is missing
    with pytest.raises(RunDirError, match=r"calibration\.json.*lesionkit calibrate"):
        run_temperature(run)


def test_an_incomplete_operating_point_names_the_file_and_the_command(run: RunDir) -> None:
    run.operating_point_file.write_text(json.dumps({"threshold": 0.3}))
    with pytest.raises(RunDirError, match=r"operating_point\.json.*lesionkit threshold"):
        run_operating_point(run)


def test_a_fixed_threshold_needs_its_value_and_is_kept_as_given(run: RunDir) -> None:
    with pytest.raises(DataError, match="needs the threshold"):
        choose_run_operating_point(run, Y, P, "fixed")
    point = choose_run_operating_point(run, Y, P, "fixed", target=0.3)
    assert point.threshold == 0.3 and run_operating_point(run).threshold == 0.3


def test_multiclass_probabilities_have_no_operating_point(run: RunDir) -> None:
    three = np.tile([[0.2, 0.3, 0.5]], (len(Y), 1))
    with pytest.raises(DataError, match="binary tasks only"):
        choose_run_operating_point(run, Y, three, "youden")


def test_a_threshold_of_zero_stays_zero_under_a_new_temperature(run: RunDir) -> None:
    # 0 means "every image positive" at any temperature: it must not be rescaled into something else.
    choose_run_operating_point(run, Y, P, "fixed", target=0.0)
    fit_run_temperature(run, Y, P)
    assert run_operating_point(run).threshold == 0.0


def test_predictions_files_that_cannot_be_compared_say_why(tmp_path) -> None:
    from lesionkit.evaluation.reports.compare import read_predictions

    with pytest.raises(DataError, match="does not exist"):
        read_predictions(tmp_path / "none.csv")
    multi = tmp_path / "multi.csv"
    multi.write_text("image_id,label,nevus,melanoma\na,0,0.9,0.1\n")
    with pytest.raises(DataError, match=r"no column\(s\) \['probability'\].*a binary report"):
        read_predictions(multi)
    broken = tmp_path / "broken.csv"
    broken.write_text("image_id,label,probability\na,0,0.2\nb,one,0.7\n")
    with pytest.raises(DataError, match="line 3: .* does not parse"):
        read_predictions(broken)
