"""Speed of lesionkit's vectorised bootstrap intervals beside a plain resampling loop scored by scikit-learn.

Both sides draw the same stratified resamples (one stratum at a time, as
``lesionkit.evaluation.stats.confidence.resample_counts`` documents) and compute the five binary
metrics of ``bootstrap_ci`` on each: ROC AUC, average precision, sensitivity, specificity and
balanced accuracy at ``p > 0.5``. The loop scores each resample with scikit-learn, the way one
would write it by hand; it runs fewer resamples (``--loop-resamples``) and its time is scaled to
the same count. The intervals of the common resamples are checked to agree first. Ratios > 1
mean lesionkit is faster.

    python benchmarks/bootstrap_speed.py                          # 600 cases, 2,000 resamples (seconds)
    python benchmarks/bootstrap_speed.py --cases 600 5000 --repeats 5
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import sklearn.metrics as skm

from lesionkit.evaluation.stats.confidence import bootstrap_ci


def draws(y: np.ndarray, n_resamples: int, seed: int) -> list[np.ndarray]:
    """The resampled case indices of ``bootstrap_ci(..., seed=seed)``, drawn one stratum at a time."""
    rng = np.random.default_rng(seed)
    per_stratum = []
    for value in np.unique(y):
        members = np.flatnonzero(y == value)
        per_stratum.append(members[rng.integers(0, len(members), size=(n_resamples, len(members)))])
    return [np.concatenate([d[b] for d in per_stratum]) for b in range(n_resamples)]


def loop_intervals(y: np.ndarray, s: np.ndarray, n_resamples: int, seed: int) -> dict[str, tuple[float, float]]:
    """The five metrics' 95 % percentile intervals, one scikit-learn call per metric and resample."""
    values: dict[str, list[float]] = {
        k: [] for k in ("roc_auc", "average_precision", "sensitivity", "specificity", "balanced_accuracy")
    }
    for idx in draws(y, n_resamples, seed):
        yb, sb = y[idx], s[idx]
        pred = (sb > 0.5).astype(int)
        values["roc_auc"].append(skm.roc_auc_score(yb, sb))
        values["average_precision"].append(skm.average_precision_score(yb, sb))
        values["sensitivity"].append(skm.recall_score(yb, pred))
        values["specificity"].append(skm.recall_score(yb, pred, pos_label=0))
        values["balanced_accuracy"].append(skm.balanced_accuracy_score(yb, pred))
    return {k: tuple(float(q) for q in np.quantile(v, [0.025, 0.975])) for k, v in values.items()}


def best_of(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[600])
    parser.add_argument("--resamples", type=int, default=2000, help="resamples of bootstrap_ci (its default)")
    parser.add_argument("--loop-resamples", type=int, default=200, help="resamples the sklearn loop times")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'cases':>7}  {'resamples':>9}  {'lesionkit s':>11}  {'sklearn loop s':>14}  {'ratio':>7}")
    for n in args.cases:
        y = (rng.random(n) < 0.3).astype(int)
        y[:2], y[2:4] = 1, 0
        s = np.round(1 / (1 + np.exp(-(rng.normal(size=n) + y))), 2)  # rounded: realistic ties
        # Same draws, same intervals: the comparison is of two ways to compute one thing.
        ours = bootstrap_ci(y, s, n_resamples=args.loop_resamples, seed=1)
        for name, (low, high) in loop_intervals(y, s, args.loop_resamples, seed=1).items():
            assert abs(ours[name].low - low) < 1e-9 and abs(ours[name].high - high) < 1e-9, name
        t_ours = best_of(lambda y=y, s=s: bootstrap_ci(y, s, n_resamples=args.resamples), args.repeats)
        t_loop = best_of(
            lambda y=y, s=s: loop_intervals(y, s, args.loop_resamples, seed=0), max(1, args.repeats // 3)
        ) * (args.resamples / args.loop_resamples)
        print(f"{n:>7}  {args.resamples:>9}  {t_ours:>11.3f}  {t_loop:>14.3f}  {t_loop / t_ours:>6.1f}x")


if __name__ == "__main__":
    main()
