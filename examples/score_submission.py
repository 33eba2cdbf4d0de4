"""Score an ISIC 2017 Part 3 submission, choose a threshold for a target sensitivity, plot it.

Usage:
    python examples/score_submission.py TRUTH.csv PRED.csv [--out DIR]
    python examples/score_submission.py --demo [--out DIR]     # made-up files, runs anywhere

With ``--demo`` the script writes a small made-up ground truth and submission
(no ISIC data needed) and scores those.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from lesionkit.evaluation.reports.plots import plot_metrics_bar, plot_precision_recall, plot_roc
from lesionkit.evaluation.scoring.isic2017 import CLASSES, read_ground_truth, read_submission, score_tables
from lesionkit.evaluation.stats.metrics import binary_metrics, threshold_for_sensitivity


def write_demo_files(folder: Path, n: int = 120, seed: int = 0) -> tuple[Path, Path]:
    """A made-up ground truth (ISIC 2017 test-set class mix) and a fair-to-good submission."""
    rng = np.random.default_rng(seed)
    diagnosis = rng.choice(3, size=n, p=[0.655, 0.195, 0.15])  # nevus, melanoma, SK
    truth_lines = ["image_id,melanoma,seborrheic_keratosis"]
    pred_lines = ["image_id,melanoma,seborrheic_keratosis"]
    for i, d in enumerate(diagnosis):
        image_id = f"ISIC_{9000000 + i:07d}"
        mel, sk = float(d == 1), float(d == 2)
        truth_lines.append(f"{image_id},{mel},{sk}")
        p_mel = np.clip(0.25 + 0.35 * mel + rng.normal(0, 0.18), 0, 1)
        p_sk = np.clip(0.2 + 0.45 * sk + rng.normal(0, 0.15), 0, 1)
        pred_lines.append(f"{image_id},{p_mel:.6f},{p_sk:.6f}")
    truth, pred = folder / "truth.csv", folder / "predictions.csv"
    truth.write_bytes(("\r\n".join(truth_lines) + "\r\n").encode())  # the official files use CRLF
    pred.write_text("\n".join(pred_lines) + "\n")
    return truth, pred


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth", nargs="?", help="ground-truth CSV")
    parser.add_argument("submission", nargs="?", help="submission CSV")
    parser.add_argument("--demo", action="store_true", help="score made-up files instead")
    parser.add_argument("--out", type=Path, default=None, help="folder for the plots (default: a temp folder)")
    parser.add_argument("--sensitivity", type=float, default=0.89, help="target sensitivity for the threshold")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="lesionkit-score-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.demo:
        truth_csv, pred_csv = write_demo_files(out)
    elif args.truth and args.submission:
        truth_csv, pred_csv = Path(args.truth), Path(args.submission)
    else:
        parser.error("give TRUTH.csv and PRED.csv, or --demo")

    truth, submission = read_ground_truth(truth_csv), read_submission(pred_csv)
    score = score_tables(truth, submission)
    print(score.table())
    print()

    bars = {}
    for name in CLASSES:
        y = truth.column(name)
        p = submission.column(name, order=truth.ids)  # submissions may list images in any order
        t = threshold_for_sensitivity(y, p, args.sensitivity)
        at_half, at_t = binary_metrics(y, p, 0.5), binary_metrics(y, p, t)
        print(
            f"{name}: threshold {t:.4f} reaches sensitivity {at_t['recall']:.3f} "
            f"(target {args.sensitivity:.2f}) with specificity {at_t['specificity']:.3f}; "
            f"at 0.5: sensitivity {at_half['recall']:.3f}, specificity {at_half['specificity']:.3f}"
        )
        plot_roc(y, p, out / f"roc_{name}.png", label=name, title=f"ROC: {name}")
        plot_precision_recall(y, p, out / f"pr_{name}.png", label=name, title=f"Precision-recall: {name}")
        bars[name] = {k: at_half[k] for k in ("accuracy", "recall", "precision", "f1", "roc_auc")}
    plot_metrics_bar(bars, out / "metrics.png", title="Metrics at threshold 0.5")
    print(f"\nplots written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
