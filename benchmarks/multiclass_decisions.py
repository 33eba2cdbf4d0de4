"""Balanced accuracy of a multi-class model: its arg-max vs a decision rule fitted on other images.

Reads a run's validation predictions (``reports/<folder>/predictions.csv``:
``image_id,label,<one column per class>``) and cross-fits
:func:`lesionkit.evaluation.stats.decision_rule.fit_decision_rule`: the images are dealt into
``--folds`` folds, whole lesions at a time and stratified by class (``--groups`` names a CSV
with ``image_id`` and ``lesion_id`` columns, e.g. HAM10000's metadata; without it each image is
its own lesion); the rule is fitted on all folds but one and decides the held-out fold, so every
image's decision comes from a rule that never saw it. That is repeated ``--repeats`` times with
other fold seeds. It prints:

- balanced accuracy of the arg-max and of the cross-fitted rule, each with a stratified
  bootstrap 95 % interval (first repeat), the mean and range over the repeats, and the paired
  bootstrap interval of their difference;
- each class's recall under both;
- the offsets of a rule fitted on all the images (what a run would keep for its test split;
  their balanced accuracy on these same images is not a result and is not printed).

    python benchmarks/multiclass_decisions.py RUN_DIR --groups HAM/HAM10000_metadata.csv
    python benchmarks/multiclass_decisions.py RUN_DIR/reports/validation/predictions.csv --folds 2 --json out.json
    python benchmarks/multiclass_decisions.py RUN_DIR --rule prior      # fit_prior_rule: one scale, not K offsets

No TensorFlow; a few seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from lesionkit.evaluation.stats.cross_fit import cross_fitted_decisions, fit_rule, grouped_folds
from lesionkit.evaluation.stats.decision_rule import DEFAULT_PENALTY, balanced_accuracy_of, recall_per_class


def find_predictions(path: Path, split: str) -> Path:
    """``path`` itself, or the run directory's ``reports/*<split>*/predictions.csv``."""
    if path.is_file():
        return path
    found = sorted(path.glob(f"reports/*{split}*/predictions.csv")) or sorted(path.glob("reports/*/predictions.csv"))
    if not found:
        sys.exit(f"{path}: no reports/*/predictions.csv; run `lesionkit evaluate {path} --split {split}` first")
    return found[0]


def read_predictions(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, tuple[str, ...]]:
    """Image ids, label indices, probabilities ``(N, K)`` and class names of a multi-class predictions.csv."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header[:2] != ["image_id", "label"] or len(header) < 4:
            sys.exit(f"{path}: header {header!r} is not image_id,label,<one column per class> (a multi-class report)")
        ids, labels, probs = [], [], []
        for line, row in enumerate(reader, start=2):
            try:
                ids.append(row[0])
                labels.append(int(row[1]))
                probs.append([float(v) for v in row[2:]])
            except (ValueError, IndexError):
                sys.exit(f"{path}, line {line}: {row!r} does not parse")
    return ids, np.asarray(labels), np.asarray(probs), tuple(header[2:])


def read_groups(path: Path | None, ids: list[str]) -> np.ndarray:
    """One group (lesion) per image: ``lesion_id`` from ``path`` by ``image_id``, else the image id itself."""
    if path is None:
        return np.asarray(ids)
    with path.open(newline="", encoding="utf-8") as handle:
        lesion = {row["image_id"]: row["lesion_id"] for row in csv.DictReader(handle)}
    missing = [i for i in ids if i not in lesion]
    if missing:
        sys.exit(f"{path}: no lesion_id for {len(missing)} image(s), e.g. {missing[0]!r}")
    return np.asarray([lesion[i] for i in ids])


def bootstrap(labels: np.ndarray, a: np.ndarray, b: np.ndarray, k: int, n: int, seed: int) -> dict[str, list[float]]:
    """Stratified percentile bootstrap 95 % intervals of BA(a), BA(b) and BA(b) - BA(a), same resamples."""
    rng = np.random.default_rng(seed)
    by_class = [np.flatnonzero(labels == c) for c in range(k) if (labels == c).any()]
    stats = np.empty((n, 3))
    for r in range(n):
        rows = np.concatenate([rng.choice(m, size=len(m), replace=True) for m in by_class])
        ba_a = balanced_accuracy_of(labels[rows], a[rows], k)
        ba_b = balanced_accuracy_of(labels[rows], b[rows], k)
        stats[r] = ba_a, ba_b, ba_b - ba_a
    low, high = np.percentile(stats, [2.5, 97.5], axis=0)
    return {key: [float(low[i]), float(high[i])] for i, key in enumerate(("argmax", "rule", "difference"))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="a run directory or a multi-class predictions.csv")
    parser.add_argument("--split", default="validation", help="report folder to read in a run directory")
    parser.add_argument("--groups", type=Path, help="CSV with image_id,lesion_id (HAM10000_metadata.csv)")
    parser.add_argument("--folds", type=int, default=5, help="cross-fitting folds (default 5)")
    parser.add_argument("--repeats", type=int, default=5, help="fold seeds (default 5)")
    parser.add_argument(
        "--rule",
        choices=("per_class", "prior"),
        default="per_class",
        help="per_class: fit_decision_rule (one offset per class); prior: fit_prior_rule (one scale)",
    )
    parser.add_argument("--penalty", type=float, default=DEFAULT_PENALTY, help="the per_class rule's penalty")
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    path = find_predictions(args.source, args.split)
    ids, labels, probs, names = read_predictions(path)
    groups = read_groups(args.groups, ids)
    k = len(names)
    argmax = probs.argmax(axis=1)
    runs = [
        cross_fitted_decisions(
            labels, probs, names, grouped_folds(labels, groups, args.folds, s), kind=args.rule, penalty=args.penalty
        )
        for s in range(args.repeats)
    ]
    ba_runs = [balanced_accuracy_of(labels, d, k) for d in runs]
    ci = bootstrap(labels, argmax, runs[0], k, args.resamples, seed=0)
    full = fit_rule(labels, probs, names, kind=args.rule, fitted_on=str(path), penalty=args.penalty)
    result = {
        "predictions": str(path),
        "images": len(labels),
        "lesions": len(set(groups.tolist())),
        "class_counts": dict(zip(names, np.bincount(labels, minlength=k).tolist())),
        "folds": args.folds,
        "repeats": args.repeats,
        "rule_family": args.rule,
        "penalty": args.penalty if args.rule == "per_class" else None,
        "argmax": {"balanced_accuracy": balanced_accuracy_of(labels, argmax, k), "ci95": ci["argmax"]},
        "rule": {
            "balanced_accuracy": ba_runs[0],
            "ci95": ci["rule"],
            "mean_over_repeats": float(np.mean(ba_runs)),
            "range_over_repeats": [float(min(ba_runs)), float(max(ba_runs))],
        },
        "difference_ci95": ci["difference"],
        "recall": {
            "argmax": dict(zip(names, recall_per_class(labels, argmax, k).tolist())),
            "rule": dict(zip(names, recall_per_class(labels, runs[0], k).tolist())),
        },
        "offsets_fitted_on_all": dict(zip(names, full.offsets)),
    }
    print(f"{path}: {len(labels)} images, {result['lesions']} lesions; {result['class_counts']}")
    how = f"penalty {args.penalty:g}" if args.rule == "per_class" else "one scale of -log(class frequency)"
    print(f"{args.rule} rule ({how}) cross-fitted over {args.folds} lesion-grouped folds, {args.repeats} fold seeds")
    a, r = result["argmax"], result["rule"]
    print(f"balanced accuracy  arg-max {a['balanced_accuracy']:.3f} (95 % {a['ci95'][0]:.3f}-{a['ci95'][1]:.3f})")
    print(
        f"                   rule    {r['balanced_accuracy']:.3f} (95 % {r['ci95'][0]:.3f}-{r['ci95'][1]:.3f}); "
        f"mean over seeds {r['mean_over_repeats']:.3f} ({r['range_over_repeats'][0]:.3f}-{r['range_over_repeats'][1]:.3f})"
    )
    d = result["difference_ci95"]
    print(
        f"rule - arg-max     {r['balanced_accuracy'] - a['balanced_accuracy']:+.3f} (95 % {d[0]:+.3f} to {d[1]:+.3f})"
    )
    width = max(5, *(len(n) for n in names))
    print(f"{'class':>{width}} {'n':>5} {'arg-max':>8} {'rule':>8} {'offset':>8}")
    for c, name in enumerate(names):
        print(
            f"{name:>{width}} {result['class_counts'][name]:>5} {result['recall']['argmax'][name]:>8.3f} "
            f"{result['recall']['rule'][name]:>8.3f} {full.offsets[c]:>+8.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
