"""``lesionkit calibrate RUN_DIR``: fit temperature scaling on validation (and optionally freeze a threshold
or, for a multi-class run, a decision rule for balanced accuracy)."""

from __future__ import annotations

import argparse
from typing import Any

from lesionkit.cli import CommandError
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
            "freezes the operating point on the calibrated validation probabilities. For a multi-class run, "
            "--decision-rule fits per-class offsets for balanced accuracy; it is kept only if, cross-fitted over "
            "lesion-grouped folds of validation, it beats the arg-max in every fold seed (--keep-rule keeps it anyway)."
        ),
    )
    add_run_options(p)
    add_rule_options(p, required=False)
    multi = p.add_argument_group("multi-class decisions")
    multi.add_argument(
        "--decision-rule",
        choices=("prior", "per_class"),
        help="fit a decision rule on validation: prior (one scale of -log(class frequency)) or per_class (K offsets)",
    )
    multi.add_argument("--folds", type=int, default=5, help="cross-fitting folds for --decision-rule (default 5)")
    multi.add_argument("--repeats", type=int, default=5, help="cross-fitting fold seeds (default 5)")
    multi.add_argument("--keep-rule", action="store_true", help="keep the rule even if it does not beat the arg-max")
    p.set_defaults(func=run)


def _check_decision_options(args: argparse.Namespace) -> None:
    """Refuse --folds/--repeats/--keep-rule without --decision-rule, and impossible counts, before any work."""
    if args.decision_rule is None:
        if args.keep_rule or args.folds != 5 or args.repeats != 5:
            raise CommandError("--folds, --repeats and --keep-rule go with --decision-rule prior|per_class")
        return
    if args.folds < 2 or args.repeats < 1:
        raise CommandError(f"--folds {args.folds} --repeats {args.repeats}: give at least 2 folds and 1 repeat")
    if rule_from_args(args) is not None:
        raise CommandError(
            "--decision-rule is for multi-class runs; --target-sensitivity/--youden/--fixed for binary ones: give one"
        )


def _is_binary_run(run_dir: str) -> bool:
    """Whether the run's task is binary, from its config alone (before any model is built)."""
    from lesionkit.runs import RunDir
    from lesionkit.task import get_task

    return get_task(RunDir(run_dir).read_config().task).is_binary


def run(args: argparse.Namespace) -> int:
    from lesionkit.evaluation.posthoc.run_calibration import (
        choose_run_operating_point,
        fit_run_temperature,
        run_decision_rule,
        run_operating_point,
    )
    from lesionkit.evaluation.stats.calibration import expected_calibration_error

    rule = rule_from_args(args)
    _check_decision_options(args)
    if args.decision_rule is not None and _is_binary_run(args.run_dir):
        raise CommandError(
            f"{args.run_dir}: a binary run decides at a threshold; use --target-sensitivity/--youden/--fixed"
        )
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
    if args.decision_rule is not None:
        _fit_decision_rule(args, trainer, y, calibrated)
    elif run_decision_rule(trainer.run) is not None:  # fit_run_temperature moved it
        print("the kept decision rule moved to the new scale (same decisions)")
    print(f"evaluate again to see it in the reports: lesionkit evaluate {args.run_dir}")
    return 0


def _fit_decision_rule(args: argparse.Namespace, trainer: Any, y: Any, calibrated: Any) -> None:
    """Cross-fit the rule on validation; keep it (fitted on all of validation) only if it wins, or --keep-rule."""
    from lesionkit.evaluation.stats.cross_fit import cross_fit_rule

    classes = trainer.task.classes
    lesions = trainer.split("validation").metadata.get("lesion_id")
    # An image without a lesion id is a lesion of its own.
    groups = [lesion or f"image:{i}" for i, lesion in enumerate(lesions)] if lesions else None
    result = cross_fit_rule(
        y, calibrated, classes, kind=args.decision_rule, folds=args.folds, repeats=args.repeats, groups=groups
    )
    grouping = "lesion-grouped" if groups else "image"
    print(f"{result.describe()}; {grouping} folds of validation")
    if not (result.rule_wins or args.keep_rule):
        removed = trainer.run.decision_rule_file.is_file()
        trainer.run.decision_rule_file.unlink(missing_ok=True)
        print(
            "the rule did not beat the arg-max in every fold seed: not kept"
            + (" (the earlier rule was removed)" if removed else "")
            + "; decisions stay the most probable class (--keep-rule keeps it anyway)"
        )
        return
    rule = result.rule
    trainer.run.write_decision_rule(rule.to_dict())
    offsets = ", ".join(f"{name} {offset:+.2f}" for name, offset in zip(rule.class_names, rule.offsets))
    print(
        f"decision rule ({args.decision_rule}) fitted on all validation images, kept in {trainer.run.decision_rule_file}"
    )
    print(f"  log-probability offsets: {offsets}")
