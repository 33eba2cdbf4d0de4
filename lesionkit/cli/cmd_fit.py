"""``lesionkit fit PRESET``: train a preset (or a saved config) and report on the test split."""

from __future__ import annotations

import argparse
from typing import Any

from lesionkit.cli._options import add_override_options, extra_data_dirs_override, overrides_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="train a preset or a config file, then evaluate")
    p.add_argument("preset", help="preset name (see `lesionkit presets`) or a config .json file")
    add_override_options(p)
    p.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its last checkpoint")
    p.add_argument("--evaluate", default="test", help="split to evaluate after training ('' to skip)")
    p.add_argument(
        "--minutes",
        type=float,
        help="train within this many minutes: epochs planned from a throughput probe (at most the config's), "
        "stopped cleanly if they run long",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lesionkit.config import ExperimentConfig
    from lesionkit.training.trainer import Trainer

    overrides = overrides_from_args(args)
    if args.preset.endswith(".json"):
        # A run's own config.json: fit(resume=True) takes the reference row from its run directory.
        base = ExperimentConfig.load(args.preset)
        if args.extra_data_dir:
            overrides["dataset"] = extra_data_dirs_override(overrides.get("dataset", base.dataset), args.extra_data_dir)
        trainer = Trainer(base.evolve(**overrides))
    else:
        if args.extra_data_dir:
            overrides["dataset"] = extra_data_dirs_override(
                overrides.get("dataset", _preset_dataset(args.preset)), args.extra_data_dir
            )
        trainer = Trainer.from_preset(args.preset, **overrides)
    from lesionkit.training.preflight import check_before_fit

    if trainer.role.is_multi_worker:
        # Collective ops are configured when TensorFlow's runtime starts, and the checks build Keras
        # objects (which start it): the strategy comes first, as in Trainer.fit.
        trainer.strategy  # noqa: B018
    check_before_fit(trainer.config)  # before anything is printed, cached or created
    print(f"lesionkit: {trainer.config.name}: {trainer.config.description}")
    if args.evaluate and args.evaluate not in (names := trainer.dataset.split_names()):
        # Said before training, not after it: the run would be finished and the report lost.
        from lesionkit.cli import CommandError

        raise CommandError(
            f"--evaluate {args.evaluate}: the dataset has no {args.evaluate!r} split (it has {', '.join(names)}); "
            f"give one of those, or --evaluate '' to skip the evaluation"
        )
    budget = None
    if args.minutes is not None:
        trainer, budget = _plan_for_minutes(trainer, args.minutes, resume=args.resume)
    existed = trainer.run_dir.is_dir()
    fresh = not args.resume and not (existed and any(trainer.run_dir.iterdir()))
    try:
        trainer.fit(resume=args.resume, callbacks=[budget] if budget else [])
    except BaseException:
        if fresh:
            _remove_unstarted_run(trainer, keep_folder=existed)
        raise
    if budget is not None and budget.stopped_early:
        epochs = len(trainer.history.get("loss", []))
        print(
            f"lesionkit: --minutes {args.minutes:g} stopped training after {epochs} epoch(s); the best checkpoint is kept"
        )
    if args.evaluate:
        # The best checkpoint, as `lesionkit evaluate RUN` and the run's later reports use.
        trainer.load_checkpoint("best")
        report = trainer.evaluate(args.evaluate)
        print(report.table())
    return 0


def _plan_for_minutes(trainer: Any, minutes: float, *, resume: bool) -> tuple[Any, Any]:
    """The Trainer to fit within ``minutes`` (its epochs planned, unless resuming) and its time budget."""
    from lesionkit.cli import CommandError
    from lesionkit.training.time_budget import TimeBudget
    from lesionkit.training.time_plan import plan_for_budget

    if not minutes > 0:
        raise CommandError(f"--minutes {minutes:g}: give a positive number of minutes")
    if resume:  # the run's epochs (and schedule) were fixed when it started
        print(f"lesionkit: --resume with --minutes {minutes:g}: the run keeps its epochs and stops when time is up")
        return trainer, TimeBudget(minutes=minutes)
    plan = plan_for_budget(trainer, minutes * 60)
    print(f"lesionkit: --minutes {minutes:g}: {plan.describe()}")
    return plan.trainer(), plan.budget()


def _remove_unstarted_run(trainer: Any, *, keep_folder: bool) -> None:
    """Remove what this fit wrote into its run directory if it failed before any checkpoint.

    Left behind, ``runs`` would list it and ``fit --weights`` or ``--resume`` would take it for a
    run, then say it has no checkpoint. A directory with a checkpoint is kept: it can be resumed.
    ``keep_folder``: the (empty) folder was there before the fit; only its new contents go.
    """
    import shutil
    import sys

    from lesionkit.runs import RunDirError

    run = trainer.run
    if not run.path.is_dir() or trainer.role.is_multi_worker:  # another worker may still be writing
        return
    try:
        run.weights_file("last")
        return  # an epoch finished: `fit --resume` continues it
    except RunDirError:
        pass
    for item in list(run.path.iterdir()) if keep_folder else [run.path]:
        if item.is_dir():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)
    print(
        f"lesionkit: the fit stopped before its first checkpoint; "
        f"{'emptied' if keep_folder else 'removed'} {run.path} (nothing to resume)",
        file=sys.stderr,
    )


def _preset_dataset(name: str) -> object:
    """The dataset of preset ``name``'s config (a plugin preset that is a bare factory has none to show)."""
    from lesionkit import registries
    from lesionkit.cli import CommandError

    config = getattr(registries.presets.get(name), "config", None)
    if config is None:
        raise CommandError(f"preset {name!r} is a factory without a config; give its extra folders in its own params")
    return config.dataset
