"""Speed of lesionkit's ISIC 2017 per-class metrics beside a scikit-learn reference.

The reference computes the same eight numbers the obvious way: scikit-learn's
``roc_auc_score``, ``average_precision_score``, confusion counts at ``p > 0.5``, and
``roc_curve(drop_intermediate=False)`` + first point reaching each sensitivity.
With ``isic-challenge-scoring`` installed, its per-class scoring (which computes a
different, partly overlapping set) is timed as well. Ratios > 1 mean lesionkit is faster.

    python benchmarks/bench_scoring.py                 # 600 and 100 000 images (seconds)
    python benchmarks/bench_scoring.py --sizes 600 1000000 --repeats 5
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sklearn.metrics as skm

from lesionkit.evaluation.stats.metrics import isic_metrics


def reference(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    pred = p > 0.5
    tp, tn = np.sum(pred & (y == 1)), np.sum(~pred & (y == 0))
    fpr, tpr, _ = skm.roc_curve(y, p, drop_intermediate=False)
    out = {
        "auc": skm.roc_auc_score(y, p),
        "average_precision": skm.average_precision_score(y, p),
        "accuracy": (tp + tn) / len(y),
        "sensitivity": tp / np.sum(y == 1),
        "specificity": tn / np.sum(y == 0),
    }
    for key, level in (("spec_at_sens_82", 0.82), ("spec_at_sens_89", 0.89), ("spec_at_sens_95", 0.95)):
        out[key] = 1 - fpr[np.argmax(tpr >= level)]
    return out


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[600, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import pandas as pd
        from isic_challenge_scoring.classification import ClassificationScore
    except ImportError:
        ClassificationScore = None
    rng = np.random.default_rng(0)
    print(
        f"{'images':>9}  {'lesionkit s':>11}  {'sklearn ref s':>13}  {'ratio':>6}  {'isic-scoring s':>14}  {'ratio':>6}"
    )
    for n in args.sizes:
        y = (rng.random(n) < 0.2).astype(int)
        p = np.round(np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1), 4)  # rounded: realistic ties
        ours, ref = isic_metrics(y, p), reference(y, p)
        assert all(abs(ours[k] - ref[k]) < 1e-12 for k in ref), "lesionkit and the reference disagree"
        t_ours = best_of(lambda y=y, p=p: isic_metrics(y, p), args.repeats)
        t_ref = best_of(lambda y=y, p=p: reference(y, p), args.repeats)
        row = f"{n:>9}  {t_ours:>11.4f}  {t_ref:>13.4f}  {t_ref / t_ours:>6.2f}"
        if ClassificationScore is not None:
            truth = pd.Series(y.astype(float))
            pred = pd.Series(p)
            w = pd.Series(np.ones(n))
            t_isic = best_of(
                lambda truth=truth, pred=pred, w=w: ClassificationScore._category_score(truth, pred, w, "c"),
                args.repeats,
            )
            row += f"  {t_isic:>14.4f}  {t_isic / t_ours:>6.2f}"
        print(row)


if __name__ == "__main__":
    main()
