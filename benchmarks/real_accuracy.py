"""Accuracy of lesionkit's recipes on real ISIC 2017 data, each trained within a time budget.

Trains each recipe named in ``--recipes`` within ``--minutes`` of training (pretraining
included), then scores melanoma and seborrheic keratosis ROC AUC on every labelled split
of the ISIC 2017 folder other than training (validation, and test when it is there), beside
the paper's test-set rows:

- ``paper``: the paper's ``melanoma_resnet50_scratch`` and its seborrheic keratosis twin,
  half the budget each;
- ``best``: ``isic2017_3class_joint_long`` (needs ``--ham10000``), one three-class ResNet-18
  from scratch for both tasks on ISIC 2017 + HAM10000 training images, 40 epochs at 64 px, the
  whole budget: the best recipe measured;
- ``scratch``: ``isic2017_3class_scratch``, the same kind of model on ISIC 2017's images alone;
- ``dermo``: ``ham10000_dx7`` (HAM10000 pretraining, needs ``--ham10000``), then
  ``isic2017_3class_dermo`` fine-tuned from it;
- ``joint``: ``isic2017_3class_joint`` (ISIC 2017 + HAM10000 training images, 64 px, 30 % of
  the budget), then ``isic2017_3class_joint_finetune`` continued from it at 128 px (70 %);
  validation and test stay ISIC 2017's. ``--size`` sets every stage's size;
- ``ensemble``: ``isic2017_3class_joint`` trained three times (seeds 0, 1, 2; a third of the
  budget each), scored as the average of the three runs' probabilities
  (:class:`lesionkit.Ensemble`).

The joint presets fit a metadata prior (age, sex) on the training split, so ``best``,
``joint`` and ``ensemble`` are scored on image and metadata together.

Each stage gets a share of the budget, plus whatever earlier stages left unused (an overrun
is taken from it instead, so the recipe keeps to ``--minutes``). Its epochs are planned from a
throughput probe (a few training steps of the same model on its training pipeline, counted in the
minutes), or, for a later run of a preset the recipe already trained (another seed or fold),
from the seconds per epoch that run took; capped at
the preset's own epochs, and a :class:`~lesionkit.training.time_budget.TimeBudget` stops it
cleanly if it runs long; evaluation uses the best checkpoint with the preset's test-time
augmentation. ``--folds K`` scores each recipe by stratified K-fold cross-validation of
training + validation instead (HAM10000-only pretraining done once, every other stage once
per fold, the budget split over the folds; HAM10000 images are never validation images).

    python benchmarks/real_accuracy.py --isic2017 ISIC_DIR --ham10000 HAM_DIR --minutes 60 --json out.json
    python benchmarks/real_accuracy.py --isic2017 ISIC_DIR --recipes scratch --minutes 10 --folds 5

The JSON is ``{"recipes": [{"name", "minutes", "metrics": {SPLIT: {"melanoma_auc",
"seborrheic_keratosis_auc", "mean_auc"}}}], ...}`` (plus the paper rows and the settings).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

RECIPES = ("paper", "best", "scratch", "dermo", "joint", "ensemble")
TASK_KEYS = ("melanoma_auc", "seborrheic_keratosis_auc")
#: Written beside each stage's run: the minutes it took, probe included (read back by ``--reuse``).
MINUTES_FILE = "benchmark_minutes.txt"


@attrs.frozen
class Stage:
    """One training run of a recipe: a preset on ISIC 2017 or HAM10000, with its share of the budget."""

    preset: str
    data: str  # "isic2017", "ham10000", or "joint" (ISIC 2017 with HAM10000's images added to train)
    share: float
    scores: tuple[str, ...] = ()  # which of TASK_KEYS its model scores
    weights_from: int | None = None  # index of the earlier stage whose run is weights=
    seed: int | None = None  # the config's seed (None: the preset's)
    member: bool = False  # scored with the recipe's other members, probabilities averaged


STAGES: dict[str, tuple[Stage, ...]] = {
    "paper": (
        Stage("melanoma_resnet50_scratch", "isic2017", 0.5, ("melanoma_auc",)),
        Stage("seborrheic_keratosis_resnet50_scratch", "isic2017", 0.5, ("seborrheic_keratosis_auc",)),
    ),
    "best": (Stage("isic2017_3class_joint_long", "joint", 1.0, TASK_KEYS),),
    "scratch": (Stage("isic2017_3class_scratch", "isic2017", 1.0, TASK_KEYS),),
    "dermo": (
        Stage("ham10000_dx7", "ham10000", 0.45),
        Stage("isic2017_3class_dermo", "isic2017", 0.55, TASK_KEYS, weights_from=0),
    ),
    "joint": (
        Stage("isic2017_3class_joint", "joint", 0.3),
        Stage("isic2017_3class_joint_finetune", "joint", 0.7, TASK_KEYS, weights_from=0),
    ),
    "ensemble": tuple(Stage("isic2017_3class_joint", "joint", 1 / 3, seed=s, member=True) for s in range(3)),
}


def stage_dataset(stage: Stage, ham10000: str | None, folds: int, fold: int) -> dict[str, Any] | None:
    """The ``dataset`` override of ``stage`` (``None``: the preset's own), fold ``fold`` of ``folds`` if any.

    Example:
        >>> stage_dataset(Stage("p", "joint", 1.0), "/ham", 0, 0)["params"]["extra"]
        [{'name': 'ham10000', 'params': {'data_dir': '/ham'}}]
    """
    from lesionkit.data.splitting.folds import fold_dataset_spec
    from lesionkit.presets.dermoscopy import JOINT_DATASET

    if stage.data == "joint":
        params = {**JOINT_DATASET.params, "extra": [{"name": "ham10000", "params": {"data_dir": ham10000}}]}
        if folds:  # folds of ISIC 2017 only: HAM10000 images never become validation images
            params["dataset"] = fold_dataset_spec("isic2017", folds, fold)
        return {"name": "joint", "params": params}
    if stage.data == "isic2017" and folds:
        return fold_dataset_spec("isic2017", folds, fold)
    return None


def paper_rows() -> list[dict[str, Any]]:
    """The paper's test-set AUCs per method (ISIC 2017 test, 600 images, 224 px)."""
    from lesionkit.presets import PAPER_METHODS, PAPER_RESULTS

    rows = []
    for method in PAPER_METHODS:
        mel = PAPER_RESULTS[f"melanoma_{method}"]["roc_auc"]
        sk = PAPER_RESULTS[f"seborrheic_keratosis_{method}"]["roc_auc"]
        rows.append(
            {
                "name": f"paper {method}",
                "split": "test",
                "melanoma_auc": mel,
                "seborrheic_keratosis_auc": sk,
                "mean_auc": (mel + sk) / 2,
            }
        )
    return rows


def reused_minutes(run_dir: Path, stage: Stage, log: Any = print) -> float:
    """Training minutes of a finished stage run: as recorded, else from its files' times (probe not included)."""
    recorded = run_dir / MINUTES_FILE
    if recorded.is_file():
        minutes = float(recorded.read_text())
        log(f"  {stage.preset}: reusing {run_dir} ({minutes:.1f} min, as recorded)")
    else:
        minutes = ((run_dir / "state.json").stat().st_mtime - (run_dir / "config.json").stat().st_mtime) / 60
        log(
            f"  {stage.preset}: reusing {run_dir} ({minutes:.1f} min from its file times, throughput probe not included)"
        )
    return minutes


def train_stage(
    stage: Stage,
    overrides: dict[str, Any],
    seconds: float,
    run_dir: Path,
    log: Any = print,
    *,
    reuse: bool = False,
    seconds_per_epoch: float | None = None,
) -> tuple[Any, float]:
    """Train one stage within ``seconds``; returns the Trainer of its best checkpoint and the minutes used.

    With ``reuse``, a run already finished in ``run_dir`` (by an earlier, interrupted benchmark) is
    scored as it is. With ``seconds_per_epoch`` (what an earlier run of the same preset took,
    set-up included) the epochs are planned from it instead of from a throughput probe.
    """
    from lesionkit import Trainer
    from lesionkit.training.time_plan import plan_for_budget

    if reuse and (run_dir / "state.json").is_file():
        return Trainer.from_run(run_dir), reused_minutes(run_dir, stage, log)
    start = time.perf_counter()
    plan = plan_for_budget(
        Trainer.from_preset(stage.preset, run_dir=str(run_dir), **overrides),
        seconds,
        seconds_per_epoch=seconds_per_epoch,
    )
    log(f"  {stage.preset}: {plan.describe()}")
    trainer = plan.trainer()
    budget = plan.budget()
    trainer.fit(callbacks=[budget], verbose=0)
    minutes = (time.perf_counter() - start) / 60
    (run_dir / MINUTES_FILE).write_text(f"{minutes:.3f}\n")
    if budget.stopped_early:
        log(f"  {stage.preset}: stopped by the time budget after {len(trainer.history.get('loss', []))} epoch(s)")
    return Trainer.from_run(run_dir), minutes


def epochs_run(run_dir: Path) -> int:
    """Epochs in a run's ``history.csv`` (0 when there is none)."""
    history = run_dir / "history.csv"
    if not history.is_file():
        return 0
    return max(sum(1 for line in history.read_text().splitlines() if line.strip()) - 1, 0)


def split_scores(trainer: Any, split: str, scores: Sequence[str]) -> dict[str, float]:
    """Melanoma and/or seborrheic keratosis ROC AUC of ``trainer``'s model on ``split`` (with its TTA and prior)."""
    data = trainer.split(split)
    images = data.load_images(trainer.config.image_size)
    probs = np.asarray(trainer.predict(images, tta=trainer.config.tta, metadata=data.metadata))
    return probability_scores(probs, data.diagnosis, trainer.config.task, scores)


def ensemble_scores(run_dirs: Sequence[Path], scores: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per split other than train, the scores of the runs' averaged probabilities (:class:`lesionkit.Ensemble`)."""
    from lesionkit import Ensemble

    ensemble = Ensemble.from_runs(run_dirs)
    first = ensemble.members[0]
    return {
        split: probability_scores(ensemble.predict_split(split), first.split(split).diagnosis, ensemble.task, scores)
        for split in first.dataset.split_names()
        if split != "train"
    }


def probability_scores(
    probs: np.ndarray, diagnosis: np.ndarray, task_name: str, scores: Sequence[str]
) -> dict[str, float]:
    """Melanoma and/or seborrheic keratosis ROC AUC of probabilities ``probs`` for ISIC 2017 ``diagnosis`` codes."""
    from lesionkit.diagnoses import MELANOMA, SEBORRHEIC_KERATOSIS
    from lesionkit.evaluation.stats.metrics import binary_metrics
    from lesionkit.task import get_task

    task = get_task(task_name)
    out = {}
    for key, code, name in (
        ("melanoma_auc", MELANOMA, "melanoma"),
        ("seborrheic_keratosis_auc", SEBORRHEIC_KERATOSIS, "seborrheic_keratosis"),
    ):
        if key not in scores:
            continue
        column = probs if probs.ndim == 1 else probs[:, task.classes.index(name)]
        out[key] = float(binary_metrics((diagnosis == code).astype(int), column)["roc_auc"])
    return out


def run_recipe(
    name: str,
    *,
    isic2017: str,
    ham10000: str | None,
    minutes: float,
    size: int | None,
    out_dir: Path,
    folds: int = 0,
    max_epochs: int | None = None,
    reuse: bool = False,
    log: Any = print,
) -> dict[str, Any]:
    """Train recipe ``name`` within ``minutes`` and score it; one entry of the JSON's ``recipes``."""
    stages = STAGES[name]
    if any(s.data in ("ham10000", "joint") for s in stages) and not ham10000:
        raise SystemExit(f"recipe {name!r} trains on HAM10000 images: pass --ham10000 DIR")
    used = 0.0
    # runs[stage][fold]: a stage on ISIC 2017 trains once per fold, so a later stage continues
    # from the same fold's run (a HAM10000-only stage has one run, shared by every fold).
    runs: list[list[Path]] = []
    # metrics[split][key] -> list over folds
    collected: dict[str, dict[str, list[float]]] = {}
    members: dict[int, list[Path]] = {}  # fold -> runs of the member stages

    def collect(split: str, values: dict[str, float]) -> None:
        label = f"cv{folds}" if folds and split == "validation" else split
        for key, value in values.items():
            collected.setdefault(label, {}).setdefault(key, []).append(value)

    budget_end = 0.0  # minutes of the budget that the runs so far were entitled to
    # Seconds per epoch that a finished run of a (preset, data) took, set-up included: a later run
    # of the same preset (another seed, another fold) plans from it. A probe of a few training
    # steps misses validation, checkpoints and set-up (the plan can only estimate them).
    pace: dict[tuple[str, str], float] = {}
    for stage in stages:
        overrides: dict[str, Any] = {"data_dir": ham10000 if stage.data == "ham10000" else isic2017}
        if size:
            overrides["image_size"] = size
        if max_epochs:
            overrides["epochs"] = max_epochs
        if stage.seed is not None:
            overrides["seed"] = stage.seed
        per_fold = bool(folds) and stage.data != "ham10000"
        repeats = folds if per_fold else 1
        runs.append([])
        for fold in range(repeats):
            fold_overrides = dict(overrides)
            dataset = stage_dataset(stage, ham10000, folds if per_fold else 0, fold)
            if dataset is not None:
                fold_overrides["dataset"] = dataset
            if stage.weights_from is not None:
                earlier = runs[stage.weights_from]
                fold_overrides["weights"] = str(earlier[fold] if len(earlier) > 1 else earlier[0])
            suffix = (f"-seed{stage.seed}" if stage.seed is not None else "") + (f"-fold{fold}" if per_fold else "")
            run_dir = out_dir / name / (stage.preset + suffix)
            # Each run may use what its share leaves of the budget so far: minutes an earlier run
            # left unused carry over, and an earlier overrun is taken back, so the recipe as a
            # whole keeps to ``minutes``.
            budget_end += minutes * stage.share / repeats
            seconds = max(budget_end - used, 0.0) * 60
            key = (stage.preset, stage.data)
            trainer, spent = train_stage(
                stage, fold_overrides, seconds, run_dir, log, reuse=reuse, seconds_per_epoch=pace.get(key)
            )
            used += spent
            if (done := epochs_run(run_dir)) > 0:
                pace[key] = spent * 60 / done
            runs[-1].append(run_dir)
            if stage.member:
                members.setdefault(fold, []).append(run_dir)
            if not stage.scores:
                continue
            for split in trainer.dataset.split_names():
                if split != "train":
                    collect(split, split_scores(trainer, split, stage.scores))
    for _, run_dirs in sorted(members.items()):
        for split, values in ensemble_scores(run_dirs, TASK_KEYS).items():
            collect(split, values)
    metrics: dict[str, dict[str, float]] = {}
    for split, values in collected.items():
        row = {key: float(np.mean(v)) for key, v in values.items()}
        if all(k in row for k in TASK_KEYS):
            row["mean_auc"] = (row["melanoma_auc"] + row["seborrheic_keratosis_auc"]) / 2
        if folds and split.startswith("cv"):
            row.update({f"{k}_sd": float(np.std(v)) for k, v in values.items()})
        metrics[split] = row
    return {"name": name, "minutes": round(used, 2), "metrics": metrics}


def run_benchmark(
    isic2017: str,
    *,
    ham10000: str | None = None,
    recipes: Sequence[str] = RECIPES,
    minutes: float = 60.0,
    size: int | None = None,
    out_dir: str | Path | None = None,
    folds: int = 0,
    max_epochs: int | None = None,
    reuse: bool = False,
    json_path: str | Path | None = None,
    log: Any = print,
) -> dict[str, Any]:
    """Train and score every recipe; the data the JSON holds (written to ``json_path`` after each recipe)."""
    unknown = [r for r in recipes if r not in STAGES]
    if unknown:
        raise SystemExit(f"unknown recipe(s) {', '.join(unknown)}; choose from {', '.join(RECIPES)}")
    root = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="lesionkit-real-accuracy-"))
    results: list[dict[str, Any]] = []
    for name in recipes:
        log(f"{name}: training within {minutes:g} min")
        results.append(
            run_recipe(
                name,
                isic2017=isic2017,
                ham10000=ham10000,
                minutes=minutes,
                size=size,
                out_dir=root,
                folds=folds,
                max_epochs=max_epochs,
                reuse=reuse,
                log=log,
            )
        )
        if json_path:  # a later recipe that fails leaves the earlier ones on disk
            from lesionkit.io import atomic_write_text

            text = json.dumps(_result(results, minutes, size, folds, root), indent=2) + "\n"
            atomic_write_text(Path(json_path), text)
    return _result(results, minutes, size, folds, root)


def _result(results: list[dict[str, Any]], minutes: float, size: int | None, folds: int, root: Path) -> dict[str, Any]:
    return {
        "recipes": results,
        "paper": paper_rows(),
        "settings": {
            "minutes_per_recipe": minutes,
            "size": size,
            "folds": folds,
            "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
            "runs": str(root),
        },
    }


def table(result: dict[str, Any]) -> str:
    """One Markdown table: every recipe's splits, then the paper's rows."""
    lines = ["| recipe | minutes | split | melanoma AUC | SK AUC | mean AUC |", "|---|---|---|---|---|---|"]

    def cell(row: dict[str, Any], key: str) -> str:
        value = row.get(key)
        if value is None:
            return "–"
        sd = row.get(f"{key}_sd")
        return f"{value:.3f}" + (f" ± {sd:.3f}" if sd is not None else "")

    for recipe in result["recipes"]:
        for split, row in recipe["metrics"].items():
            lines.append(
                f"| {recipe['name']} | {recipe['minutes']:.1f} | {split} | {cell(row, 'melanoma_auc')} | "
                f"{cell(row, 'seborrheic_keratosis_auc')} | {cell(row, 'mean_auc')} |"
            )
    for row in result["paper"]:
        lines.append(
            f"| {row['name']} (published) | – | {row['split']} | {row['melanoma_auc']:.3f} | "
            f"{row['seborrheic_keratosis_auc']:.3f} | {row['mean_auc']:.3f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isic2017", required=True, help="ISIC 2017 folder (official layout)")
    parser.add_argument(
        "--ham10000", help="HAM10000 folder (official layout); needed by the best, dermo, joint and ensemble recipes"
    )
    parser.add_argument("--size", type=int, help="input size of every recipe (default: each preset's own)")
    parser.add_argument(
        "--minutes", type=float, default=60.0, help="training minutes per recipe (pretraining included)"
    )
    parser.add_argument("--recipes", default=",".join(RECIPES), help=f"comma-separated, from {', '.join(RECIPES)}")
    parser.add_argument("--folds", type=int, default=0, help="score by K-fold cross-validation of training+validation")
    parser.add_argument("--max-epochs", type=int, help="cap every stage's epochs (quick checks)")
    parser.add_argument("--runs", help="where the run directories go (default: a new temporary folder)")
    parser.add_argument("--json", help="write the results here (after each recipe)")
    parser.add_argument("--reuse", action="store_true", help="score stage runs already finished under --runs")
    args = parser.parse_args(argv)
    from lesionkit.runtime.settings import ensure_runtime

    # Before the throughput probe imports Keras: the settings `lesionkit fit` would train with.
    ensure_runtime("train")
    recipes = [r.strip() for r in args.recipes.split(",") if r.strip()]
    result = run_benchmark(
        args.isic2017,
        ham10000=args.ham10000,
        recipes=recipes,
        minutes=args.minutes,
        size=args.size,
        out_dir=args.runs,
        folds=args.folds,
        max_epochs=args.max_epochs,
        reuse=args.reuse,
        json_path=args.json,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
