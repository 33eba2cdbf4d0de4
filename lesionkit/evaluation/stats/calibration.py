"""Calibration: do the probabilities mean what they say? ECE, Brier score, reliability diagrams, temperature scaling.

Two readings of "calibrated", chosen by the shape of the probabilities:

- **binary** (1-D positive-class probabilities, or an (N, 2) softmax): among images
  given probability ≈ p of being positive, a share ≈ p is positive;
- **multi-class** ((N, K) with K > 2): top-label (confidence) calibration: among
  images whose top class has probability ≈ c, a share ≈ c has that class right.

The expected calibration error (ECE) bins the probabilities, then averages
|observed share − mean probability| over the bins, weighted by the bins' sizes. Bins
are ``"equal_width"`` (``n_bins`` intervals of [0, 1]; the last one closed) or
``"equal_mass"`` (the cases sorted by probability, stably, and cut into ``n_bins``
groups of sizes differing by at most one; tied probabilities may straddle a cut).

Temperature scaling (Guo et al. 2017) divides the logits by one number T fitted on
validation data; T > 1 softens over-confident probabilities. It is monotone, so
ranking metrics such as ROC AUC do not change.

Example:
    >>> y = [0, 0, 1, 1]
    >>> p = [0.1, 0.3, 0.6, 0.9]
    >>> round(expected_calibration_error(y, p, n_bins=2), 4)
    0.225
    >>> round(brier_score(y, p), 4)
    0.0675
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import attrs
import numpy as np

from lesionkit.errors import DataError
from lesionkit.evaluation.stats.metrics import MetricInputError, _as_binary_inputs
from lesionkit.warn import warn

__all__ = [
    "CalibrationBins",
    "CalibrationWarning",
    "TemperatureScaling",
    "apply_temperature",
    "brier_score",
    "calibration_bins",
    "expected_calibration_error",
    "fit_temperature",
]

Strategy = Literal["equal_width", "equal_mass"]
#: Probabilities are clipped to [EPS, 1 − EPS] before taking logs, so 0 and 1 stay finite.
EPS = 1e-12
#: Default search range of the temperature.
DEFAULT_BOUNDS = (0.05, 20.0)


class CalibrationWarning(UserWarning):
    """A calibration result to look at twice (e.g. a temperature at the edge of its search range)."""


def _is_multiclass(p: np.ndarray) -> bool:
    return p.ndim == 2 and p.shape[1] > 2


def _check_probabilities(p: np.ndarray) -> None:
    bad = np.flatnonzero(~np.all((p >= 0) & (p <= 1), axis=-1) if p.ndim == 2 else ~((p >= 0) & (p <= 1)))
    if bad.size:
        raise MetricInputError(
            f"probabilities must lie in [0, 1]; case {bad[0]} is {p[bad[0]].tolist()!r} "
            "(pass logits with logits=..., or apply a softmax/sigmoid first)"
        )


def _multiclass_inputs(y_true: Any, probs: Any) -> tuple[np.ndarray, np.ndarray]:
    from lesionkit.evaluation.stats.confidence import _as_multiclass_inputs

    return _as_multiclass_inputs(y_true, probs)


def _confidence_and_outcome(y_true: Any, probs: Any) -> tuple[np.ndarray, np.ndarray, str]:
    """(probability, 0/1 outcome, kind): positive-class reading (binary) or top-label (multi-class)."""
    p = np.asarray(probs, dtype=np.float64)
    if _is_multiclass(p):
        y, p = _multiclass_inputs(y_true, p)
        _check_probabilities(p)
        return p.max(axis=1), (p.argmax(axis=1) == y).astype(np.float64), "multiclass"
    y, s = _as_binary_inputs(y_true, p)
    _check_probabilities(s)
    return s, y.astype(np.float64), "binary"


@attrs.frozen
class CalibrationBins:
    """Per-bin calibration of a set of probabilities (what a reliability diagram draws).

    Attributes:
        lower, upper: each bin's range (equal-mass: its lowest and highest probability).
        count: cases per bin. mean_probability: their mean probability (confidence).
        observed: their share positive (binary) or correct (multi-class); nan when empty.
        strategy: ``"equal_width"`` or ``"equal_mass"``. kind: ``"binary"`` or ``"multiclass"``.
    """

    lower: np.ndarray
    upper: np.ndarray
    count: np.ndarray
    mean_probability: np.ndarray
    observed: np.ndarray
    strategy: str
    kind: str

    @property
    def ece(self) -> float:
        """Expected calibration error: Σ (count / N) · |observed − mean probability| over non-empty bins."""
        full = self.count > 0
        gaps = np.abs(self.observed[full] - self.mean_probability[full])
        return float(np.sum(self.count[full] * gaps) / np.sum(self.count))


def calibration_bins(y_true: Any, probs: Any, n_bins: int = 15, strategy: Strategy = "equal_width") -> CalibrationBins:
    """Bin the probabilities and compare each bin's mean probability with what happened.

    Equal-width bin ``i`` holds probabilities in [i/n, (i+1)/n) (the last bin includes 1).
    Equal-mass bins cut the sorted probabilities into ``min(n_bins, N)`` near-equal groups.

    Example:
        >>> b = calibration_bins([0, 1, 1, 1], [0.2, 0.4, 0.7, 0.9], n_bins=2)
        >>> b.count.tolist(), b.observed.tolist()
        ([2, 2], [0.5, 1.0])
    """
    if int(n_bins) != n_bins or n_bins < 1:
        raise MetricInputError(f"n_bins must be a positive integer; got {n_bins!r}")
    conf, outcome, kind = _confidence_and_outcome(y_true, probs)
    if strategy == "equal_width":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        index = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins - 1)
        lower, upper = edges[:-1], edges[1:]
        groups = [np.flatnonzero(index == i) for i in range(n_bins)]
    elif strategy == "equal_mass":
        order = np.argsort(conf, kind="stable")
        groups = [g for g in np.array_split(order, min(n_bins, len(conf))) if g.size]
        lower = np.array([conf[g].min() for g in groups])
        upper = np.array([conf[g].max() for g in groups])
    else:
        raise MetricInputError(f"strategy must be 'equal_width' or 'equal_mass'; got {strategy!r}")
    count = np.array([g.size for g in groups])
    with np.errstate(invalid="ignore"):
        mean_p = np.array([conf[g].mean() if g.size else math.nan for g in groups])
        observed = np.array([outcome[g].mean() if g.size else math.nan for g in groups])
    return CalibrationBins(lower, upper, count, mean_p, observed, strategy, kind)


def expected_calibration_error(y_true: Any, probs: Any, n_bins: int = 15, strategy: Strategy = "equal_width") -> float:
    """Expected calibration error in [0, 1] (binary: positive class; multi-class: top label).

    Example:
        >>> expected_calibration_error([0, 1], [0.0, 1.0])
        0.0
    """
    return calibration_bins(y_true, probs, n_bins, strategy).ece


def brier_score(y_true: Any, probs: Any) -> float:
    """Mean squared error of the probabilities against the one-hot truth.

    Binary: mean (p − y)², in [0, 1]. Multi-class: mean over cases of Σ_k (p_k − [y = k])²
    (Brier's original definition), in [0, 2]; a two-column softmax counts as binary.

    Example:
        >>> brier_score([0, 1, 2], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        0.0
    """
    p = np.asarray(probs, dtype=np.float64)
    if _is_multiclass(p):
        y, p = _multiclass_inputs(y_true, p)
        _check_probabilities(p)
        return float(np.mean(np.sum((p - np.eye(p.shape[1])[y]) ** 2, axis=1)))
    y, s = _as_binary_inputs(y_true, p)
    _check_probabilities(s)
    return float(np.mean((s - y) ** 2))


# ---------------------------------------------------------------------------- temperature scaling


def _to_logits(probs: np.ndarray) -> np.ndarray:
    """Binary: log-odds of the positive class; multi-class: log-probabilities (softmax-equivalent logits)."""
    p = np.clip(probs, EPS, 1.0 - EPS)
    return np.log(p) if _is_multiclass(p) else np.log(p) - np.log1p(-p)


def _from_logits(z: np.ndarray) -> np.ndarray:
    if z.ndim == 2:
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _nll(z: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of labels ``y`` under logits ``z`` (stable forms)."""
    if z.ndim == 2:
        top = z.max(axis=1)
        lse = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
        return float(np.mean(lse - z[np.arange(len(y)), y]))
    return float(np.mean(np.logaddexp(0.0, -(2.0 * y - 1.0) * z)))


@attrs.frozen
class TemperatureScaling:
    """A fitted temperature and where it came from.

    Attributes:
        temperature: T; calibrated probabilities are sigmoid(z / T) or softmax(z / T).
        kind: ``"binary"`` (positive-class probabilities) or ``"multiclass"``.
        chosen_on: the split T was fitted on (never the split it is reported on).
        n_cases: cases it was fitted on. nll_before, nll_after: mean NLL there at T = 1 and T.

    Example:
        >>> t = TemperatureScaling(2.0, "binary", "validation", 100, 0.7, 0.5)
        >>> round(float(t.apply([0.9])[0]), 4)
        0.75
        >>> TemperatureScaling.from_dict(t.to_dict()) == t
        True
    """

    temperature: float
    kind: str
    chosen_on: str
    n_cases: int
    nll_before: float
    nll_after: float

    def apply(self, probs: Any) -> np.ndarray:
        """Calibrated probabilities (same shape as ``probs``)."""
        p = np.asarray(probs, dtype=np.float64)
        if ("multiclass" if _is_multiclass(p) else "binary") != self.kind:
            raise MetricInputError(f"this temperature was fitted on {self.kind} probabilities; got shape {p.shape}")
        return apply_temperature(p, self.temperature)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (see :meth:`from_dict`)."""
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TemperatureScaling:
        """Read :meth:`to_dict`'s output back.

        Raises:
            DataError: a missing key or a temperature that is not a positive number.
        """
        names = [f.name for f in attrs.fields(cls)]
        missing = [n for n in names if n not in data]
        if missing:
            raise DataError(f"temperature scaling record lacks {missing}; expected keys {names}")
        temperature = data["temperature"]
        if not isinstance(temperature, (int, float)) or not temperature > 0 or not math.isfinite(temperature):
            raise DataError(f"temperature must be a positive number; got {temperature!r}")
        return cls(
            temperature=float(temperature),
            kind=str(data["kind"]),
            chosen_on=str(data["chosen_on"]),
            n_cases=int(data["n_cases"]),
            nll_before=float(data["nll_before"]),
            nll_after=float(data["nll_after"]),
        )


def apply_temperature(probs: Any, temperature: float) -> np.ndarray:
    """Probabilities with their logits divided by ``temperature`` (T = 1 is the identity, up to clipping at 1e-12).

    Example:
        >>> apply_temperature([[0.7, 0.2, 0.1]], 1.0).round(6).tolist()
        [[0.7, 0.2, 0.1]]
    """
    if not temperature > 0:
        raise MetricInputError(f"temperature must be > 0; got {temperature!r}")
    p = np.asarray(probs, dtype=np.float64)
    _check_probabilities(p)
    return _from_logits(_to_logits(p) / float(temperature))


def fit_temperature(
    y_true: Any,
    probs: Any = None,
    *,
    logits: Any = None,
    chosen_on: str = "validation",
    bounds: tuple[float, float] = DEFAULT_BOUNDS,
) -> TemperatureScaling:
    """Fit T by minimising the mean NLL of ``y_true`` on validation data.

    Give ``probs`` (binary positive-class probabilities, whose log-odds are the logits,
    or an (N, K) softmax, whose log-probabilities are: softmax(log p / T) is the
    temperature-scaled softmax) or raw ``logits`` (1-D log-odds or (N, K)). The search
    is over log T in log(bounds) (scipy's bounded Brent method), so T stays positive and
    the search is symmetric in "sharpen" and "soften". A T at the edge of ``bounds``
    gives a :class:`CalibrationWarning`.

    Example:
        >>> y = [0, 0, 1, 1, 0, 1]
        >>> t = fit_temperature(y, [0.01, 0.6, 0.4, 0.99, 0.02, 0.97])
        >>> t.temperature > 1, t.nll_after < t.nll_before
        (True, True)
    """
    from scipy.optimize import minimize_scalar

    if (probs is None) == (logits is None):
        raise MetricInputError("give either probs or logits")
    if probs is not None:
        p = np.asarray(probs, dtype=np.float64)
        _check_probabilities(p)
        z = _to_logits(p if p.ndim == 1 or _is_multiclass(p) else p[:, 1])
    else:
        z = np.asarray(logits, dtype=np.float64)
        if z.ndim == 2 and z.shape[1] == 2:
            z = z[:, 1] - z[:, 0]  # two-class logits: the log-odds of class 1
    if z.ndim == 2:
        y, z = _multiclass_inputs(y_true, z)
        kind = "multiclass"
    else:
        y, z = _as_binary_inputs(y_true, z)
        kind = "binary"
    low, high = float(bounds[0]), float(bounds[1])
    if not 0 < low < 1 < high:
        raise MetricInputError(f"bounds must satisfy 0 < low < 1 < high; got {bounds!r}")
    yv = y.astype(np.float64) if kind == "binary" else y
    result = minimize_scalar(
        lambda log_t: _nll(z / math.exp(log_t), yv),
        bounds=(math.log(low), math.log(high)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    temperature = math.exp(float(result.x))
    if min(temperature / low, high / temperature) < 1.001:
        warn(
            f"the fitted temperature {temperature:.4g} is at the edge of its search range {bounds}; "
            "widen bounds=..., or check the probabilities (constant? labels inverted?)",
            CalibrationWarning,
        )
    return TemperatureScaling(temperature, kind, chosen_on, len(y), _nll(z, yv), _nll(z / temperature, yv))
