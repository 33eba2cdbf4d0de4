"""``lesionkit fit PRESET``: train a preset (or a saved config) and report on the test split."""

from __future__ import annotations

import argparse

from lesionkit.cli._options import add_override_options, extra_data_dirs_override, overrides_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fit", help="train a preset or a config file, then evaluate")
    p.add_argument("preset", help="preset name (see `lesionkit presets`) or a config .json file")
    add_override_options(p)
    p.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its last checkpoint")
    p.add_argument("--evaluate", default="test", help="split to evaluate after training ('' to skip)")
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
    print(f"lesionkit: {trainer.config.name}: {trainer.config.description}")
    if args.evaluate and args.evaluate not in (names := trainer.dataset.split_names()):
        # Said before training, not after it: the run would be finished and the report lost.
        from lesionkit.cli import CommandError

        raise CommandError(
            f"--evaluate {args.evaluate}: the dataset has no {args.evaluate!r} split (it has {', '.join(names)}); "
            f"give one of those, or --evaluate '' to skip the evaluation"
        )
    trainer.fit(resume=args.resume)
    if args.evaluate:
        # The best checkpoint, as `lesionkit evaluate RUN` and the run's later reports use.
        trainer.load_checkpoint("best")
        report = trainer.evaluate(args.evaluate)
        print(report.table())
    return 0


def _preset_dataset(name: str) -> object:
    """The dataset of preset ``name``'s config (a plugin preset that is a bare factory has none to show)."""
    from lesionkit import registries
    from lesionkit.cli import CommandError

    config = getattr(registries.presets.get(name), "config", None)
    if config is None:
        raise CommandError(f"preset {name!r} is a factory without a config; give its extra folders in its own params")
    return config.dataset
