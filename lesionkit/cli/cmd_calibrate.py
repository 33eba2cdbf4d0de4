"""``lesionkit calibrate RUN_DIR``: fit temperature scaling on validation (and optionally freeze a threshold)."""

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
        "calibrate",
        help="fit temperature scaling on the validation split and keep it in the run",
        description=(
            "Fits one temperature T on the run's validation probabilities (minimum NLL) and writes it to "
            "RUN_DIR/calibration.json; every later `lesionkit evaluate` and `lesionkit predict` of the run "
            "divides the logits by T, and its reports say so. A frozen operating point is carried over to "
            "the new scale (same decisions). With --target-sensitivity/--youden/--fixed it also chooses and "
            "freezes the operating point on the calibrated validation probabilities."
        ),
    )
    add_run_options(p)
    add_rule_options(p, required=False)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.evaluation.posthoc.run_calibration import (
        choose_run_operating_point,
        fit_run_temperature,
        run_operating_point,
    )
    from lesionkit.evaluation.stats.calibration import expected_calibration_error

    rule = rule_from_args(args)
    trainer, y, raw, views = validation_predictions(args, calibrated=False)
    scaling = fit_run_temperature(trainer.run, y, raw, views=views)
    calibrated = scaling.apply(raw)
    print(
        f"temperature {scaling.temperature:.4f} fitted on validation ({scaling.n_cases} images, TTA x{views}): "
        f"NLL {scaling.nll_before:.4f} -> {scaling.nll_after:.4f}, ECE {expected_calibration_error(y, raw):.4f} -> "
        f"{expected_calibration_error(y, calibrated):.4f}"
    )
    print(f"written to {trainer.run.calibration_file}")
    if rule is not None:
        point = choose_run_operating_point(trainer.run, y, calibrated, rule[0], target=rule[1])
        print(f"operating point p > {point.threshold:.4g} ({point.rule}) frozen in {trainer.run.operating_point_file}")
    elif (moved := run_operating_point(trainer.run)) is not None:
        print(f"the frozen operating point moved to the new scale: p > {moved.threshold:.4g} (same decisions)")
    print(f"evaluate again to see it in the reports: lesionkit evaluate {args.run_dir}")
    return 0
