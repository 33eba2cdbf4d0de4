"""``lesionkit score TRUTH.csv PRED.csv``: ISIC 2017 Part 3 or ISIC 2018 Task 3 metrics of a submission.

ISIC 2017: prints the per-class table (AUC, AP, accuracy, sensitivity, specificity,
specificity at 82/89/95 % sensitivity) and the mean AUC; a submission holding one
task is scored for it, and the missing one named. ISIC 2018 Task 3 (a ground truth
with ``MEL,NV,BCC,AKIEC,BKL,DF,VASC`` columns): the per-diagnosis table, the confusion
matrix and the balanced multiclass accuracy. ``--json`` prints the same as JSON for
scripts. Bad input exits with code 2 and one line naming the file, line and image id.
"""

from __future__ import annotations

import argparse
import sys
import warnings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score an ISIC 2017 Part 3 or ISIC 2018 Task 3 submission CSV against the ground truth",
        description=(
            "Score an ISIC 2017 Part 3 submission (image_id,melanoma,seborrheic_keratosis "
            "probabilities) against a ground-truth CSV with the 2017 rules: threshold > 0.5, "
            "specificity at the first ROC point reaching 82/89/95 % sensitivity, ranked by mean AUC; "
            "a submission with one task's column empty is scored for the other. A ground truth with "
            "ISIC 2018 Task 3 columns (image,MEL,NV,BCC,AKIEC,BKL,DF,VASC) is scored by balanced "
            "multiclass accuracy, per-diagnosis AUC, macro AUC and the confusion matrix."
        ),
    )
    parser.add_argument("truth", metavar="TRUTH.csv", help="ground truth: image_id,melanoma,seborrheic_keratosis (0/1)")
    parser.add_argument("submission", metavar="PRED.csv", help="submission: the same columns, probabilities in [0, 1]")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the scores as JSON")
    out.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--digits", type=int, default=4, help="decimals in the table (default 4)")
    parser.add_argument("--strict", action="store_true", help="extra submission columns are an error, not a warning")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.evaluation.scoring.isic2017 import ScoringWarning, SubmissionScore, score_submission
    from lesionkit.evaluation.scoring.isic2018 import is_task3_file, score_task3
    from lesionkit.evaluation.stats.metrics import MetricUndefinedWarning

    shown = (ScoringWarning, MetricUndefinedWarning)
    with warnings.catch_warnings(record=True) as caught:
        for category in shown:
            warnings.simplefilter("always", category)
        scorer = score_task3 if is_task3_file(args.truth) else score_submission
        score = scorer(args.truth, args.submission, strict=args.strict)
    # One plain line per distinct warning (e.g. AUC undefined when a class has no positive).
    for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, shown)):
        print(f"lesionkit score: warning: {message}", file=sys.stderr)
    if isinstance(score, SubmissionScore) and score.missing:
        print(
            f"lesionkit score: note: the submission holds no {' or '.join(score.missing)} predictions; "
            f"scored {', '.join(score.classes)} only",
            file=sys.stderr,
        )
    if args.json:
        print(score.to_json())
    else:
        print(score.table(digits=args.digits, markdown=args.markdown))
    return 0
