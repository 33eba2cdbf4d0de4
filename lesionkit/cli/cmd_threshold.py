"""``lesionkit threshold RUN_DIR``: choose the operating point on validation and freeze it in the run."""

from __future__ import annotations

import argparse

from lesionkit.cli._validation_predictions import (
    add_rule_options,
    add_run_options,
    rule_from_args,
    validation_predictions,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "threshold",
        help="choose a decision threshold on validation (target sensitivity, Youden) and freeze it in the run",
        description=(
            "Chooses the threshold on the run's validation probabilities (after its temperature, if "
            "`lesionkit calibrate` fitted one) and writes it to RUN_DIR/operating_point.json. Test reports "
            "then give sensitivity, specificity, PPV and NPV with Wilson intervals at this frozen threshold; "
            "it is never re-chosen on the split reported."
        ),
    )
    add_run_options(p)
    add_rule_options(p, required=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from lesionkit.evaluation.posthoc.run_calibration import choose_run_operating_point

    rule = rule_from_args(args)
    assert rule is not None  # the option group is required
    trainer, y, probabilities, views = validation_predictions(args, calibrated=True)
    point = choose_run_operating_point(trainer.run, y, probabilities, rule[0], target=rule[1])
    # Its validation figures, for information only: at the threshold chosen there, they flatter.
    predicted = np.asarray(probabilities) > point.threshold
    sensitivity, specificity = float(np.mean(predicted[y == 1])), float(np.mean(~predicted[y == 0]))
    print(
        f"operating point p > {point.threshold:.4g} ({point.rule}"
        + (f" {point.target:g}" if point.target is not None else "")
        + f", validation, TTA x{views}): validation sensitivity {sensitivity:.4f}, specificity {specificity:.4f}"
    )
    print(f"frozen in {trainer.run.operating_point_file}; test reports use it: lesionkit evaluate {args.run_dir}")
    return 0
