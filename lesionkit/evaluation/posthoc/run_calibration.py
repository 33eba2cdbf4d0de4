"""A run's fitted temperature, frozen operating point and metadata prior: kept in the run, read back.

``lesionkit calibrate RUN`` and ``lesionkit threshold RUN`` call these with the run's
validation labels and probabilities; :meth:`lesionkit.evaluation.posthoc.chain.PostHoc.from_run`
reads them back (:func:`run_temperature`, :func:`run_operating_point`, :func:`run_metadata_prior`)
for every later evaluation, prediction and export. :class:`~lesionkit.runs.RunDir` names the files.

The threshold applies to the probabilities **after** the run's temperature, and the
operating point records that temperature. Fitting a new temperature carries the
threshold over to the new scale exactly (temperature scaling is monotone, so the same
images stay above it): the frozen decisions do not change when the run is calibrated.

Example:
    >>> import tempfile
    >>> from lesionkit.runs import RunDir
    >>> run = RunDir(tempfile.mkdtemp())
    >>> y = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> p = [0.01, 0.2, 0.6, 0.05, 0.4, 0.97, 0.99, 0.9]
    >>> point = choose_run_operating_point(run, y, p, "sensitivity", target=0.75)
    >>> point.threshold, point.chosen_on
    (0.75, 'validation')
    >>> scaling = fit_run_temperature(run, y, p)
    >>> moved = run_operating_point(run)
    >>> moved.threshold != 0.75, (scaling.apply(p) > moved.threshold).tolist() == (np.asarray(p) > 0.75).tolist()
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from lesionkit.errors import DataError
from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior
from lesionkit.evaluation.stats.calibration import TemperatureScaling, apply_temperature, fit_temperature
from lesionkit.evaluation.stats.cross_fit import fit_rule
from lesionkit.evaluation.stats.decision_rule import DecisionRule
from lesionkit.evaluation.stats.operating_point import OperatingPoint, choose_threshold
from lesionkit.runs import RunDir, RunDirError

__all__ = [
    "choose_run_operating_point",
    "fit_run_decision_rule",
    "fit_run_temperature",
    "run_decision_rule",
    "run_metadata_prior",
    "run_operating_point",
    "run_temperature",
]


def run_temperature(run: RunDir) -> TemperatureScaling | None:
    """The temperature kept in ``run`` (None: never calibrated).

    Raises:
        RunDirError: ``calibration.json`` is unreadable or incomplete.
    """
    record = run.read_calibration()
    if record is None:
        return None
    try:
        return TemperatureScaling.from_dict(record)
    except DataError as exc:
        raise RunDirError(f"{run.calibration_file}: {exc}; run `lesionkit calibrate {run.path}` again") from None


def run_operating_point(run: RunDir) -> OperatingPoint | None:
    """The frozen operating point kept in ``run`` (None: none chosen).

    Raises:
        RunDirError: ``operating_point.json`` is unreadable or incomplete.
    """
    record = run.read_operating_point()
    if record is None:
        return None
    try:
        return OperatingPoint.from_dict(record)
    except DataError as exc:
        raise RunDirError(f"{run.operating_point_file}: {exc}; run `lesionkit threshold {run.path}` again") from None


def run_decision_rule(run: RunDir) -> DecisionRule | None:
    """The multi-class decision rule kept in ``run`` (None: decisions go to the most probable class).

    Raises:
        RunDirError: ``decision_rule.json`` is unreadable or not a rule.
    """
    record = run.read_decision_rule()
    if record is None:
        return None
    try:
        return DecisionRule.from_dict(record)
    except DataError as exc:
        raise RunDirError(f"{run.decision_rule_file}: {exc}; fit the rule again (fit_run_decision_rule)") from None


def fit_run_decision_rule(
    run: RunDir,
    y_true: Any,
    probabilities: Any,
    class_names: Sequence[str],
    *,
    split: str = "validation",
    kind: str = "per_class",
) -> DecisionRule:
    """Fit the multi-class decision rule on ``split``'s labels and (calibrated) probabilities; keep it in ``run``.

    ``kind``: ``per_class`` (one offset per class) or ``prior`` (one scale of -log(class frequency));
    :func:`~lesionkit.evaluation.stats.cross_fit.cross_fit_rule` tells whether either is worth keeping.

    Raises:
        DataError: ``split`` is the test or training split (a rule fitted where it is reported flatters it).
    """
    if split in ("test", "train"):
        raise DataError(f"a decision rule is fitted on validation data, not on {split!r}: it would flatter the model")
    rule = fit_rule(y_true, probabilities, class_names, kind=kind, fitted_on=split)
    run.write_decision_rule(rule.to_dict())
    return rule


def run_metadata_prior(run: RunDir) -> MetadataPrior | None:
    """The metadata prior kept in ``run`` (None: the run has none; ``lesionkit metadata-prior RUN`` fits one)."""
    return MetadataPrior.load(run.metadata_prior_file) if run.metadata_prior_file.is_file() else None


def fit_run_temperature(
    run: RunDir, y_true: Any, raw_probabilities: Any, *, split: str = "validation", views: int = 1
) -> TemperatureScaling:
    """Fit the temperature on ``split``'s **uncalibrated** probabilities and keep it in ``run``.

    ``views``: the test-time augmentation views the probabilities averaged (recorded as ``tta``).

    A frozen operating point or decision rule of the run is carried over to the new
    temperature (same decisions on every image): offsets ``o`` on ``log p / T_old`` decide as
    ``o * T_old / T_new`` on ``log p / T_new``, each row's log-sum-exp cancelling.
    """
    scaling = fit_temperature(y_true, raw_probabilities, chosen_on=split)
    old = run_temperature(run)
    record = run.read_operating_point()
    run.write_calibration({**scaling.to_dict(), "tta": int(views)})
    if record is not None:
        old_t = float(record.get("temperature", old.temperature if old else 1.0))
        moved = _rescale(float(record["threshold"]), old_t, scaling.temperature)
        run.write_operating_point({**record, "threshold": moved, "temperature": scaling.temperature})
    if (rule := run_decision_rule(run)) is not None:
        factor = (old.temperature if old else 1.0) / scaling.temperature
        run.write_decision_rule(attrs.evolve(rule, offsets=tuple(o * factor for o in rule.offsets)).to_dict())
    return scaling


def choose_run_operating_point(
    run: RunDir,
    y_true: Any,
    probabilities: Any,
    rule: str,
    *,
    target: float | None = None,
    split: str = "validation",
) -> OperatingPoint:
    """Choose the threshold on ``split``'s probabilities (after the run's temperature) and freeze it in ``run``.

    Args:
        rule: ``"sensitivity"`` (with ``target``), ``"youden"`` or ``"fixed"`` (``target`` is the threshold).

    Raises:
        DataError: ``split`` is not a validation split: a threshold chosen on the test split would
            flatter every test report after it.
    """
    if split in ("test", "train"):
        raise DataError(
            f"an operating point is chosen on validation data, not on {split!r}: a threshold chosen on "
            "the split it is reported on flatters the model (and training data flatters it more)"
        )
    if np.ndim(probabilities) == 2 and np.shape(probabilities)[1] > 2:
        raise DataError(
            "an operating point is a threshold on one class's probability: binary tasks only "
            "(a multi-class run predicts the most probable class)"
        )
    if rule == "fixed":
        if target is None:
            raise DataError("rule='fixed' needs the threshold as target=..., e.g. 0.3")
        point = OperatingPoint(float(target), "fixed", "given")
    else:
        point = choose_threshold(y_true, probabilities, rule, target=target, chosen_on=split)  # type: ignore[arg-type]
    scaling = run_temperature(run)
    run.write_operating_point({**point.to_dict(), "temperature": scaling.temperature if scaling else 1.0})
    return point


def _rescale(threshold: float, old_temperature: float, new_temperature: float) -> float:
    # The same logit boundary z = T_old * logit(threshold), read at the new temperature.
    if not 0.0 < threshold < 1.0:
        return threshold  # 0 or 1 (every or no image positive) mean the same at any temperature
    logit = math.log(threshold / (1 - threshold)) * old_temperature
    return float(apply_temperature(np.array([1 / (1 + math.exp(-logit))]), new_temperature)[0])
