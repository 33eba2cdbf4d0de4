"""``lesionkit fit PRESET``: train a preset (or a saved config) and report on the test split."""

from __future__ import annotations

import argparse

from lesionkit.cli._options import add_override_options, overrides_from_args


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
        trainer = Trainer(ExperimentConfig.load(args.preset).evolve(**overrides))
    else:
        trainer = Trainer.from_preset(args.preset, **overrides)
    print(f"lesionkit: {trainer.config.name}: {trainer.config.description}")
    trainer.fit(resume=args.resume)
    if args.evaluate:
        report = trainer.evaluate(args.evaluate)
        print(report.table())
    return 0
