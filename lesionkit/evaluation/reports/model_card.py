"""The model card of a run: ``model_card.md`` and ``model_card.json``, rebuilt after every evaluation.

It says what the model is for and not for, what data it was trained and evaluated on
(images per split), its metrics with confidence intervals, its calibration, its frozen
operating point, its metrics by subgroup, and its known limitations, all read from the
run directory (config, state, the run's temperature and operating point, and its reports
through :class:`~lesionkit.evaluation.reports.report_files.ReportFiles`). Nothing in it is typed in by hand, so it cannot drift from
the run.

Example:
    >>> import tempfile
    >>> from lesionkit.config import ExperimentConfig
    >>> from lesionkit.runs import RunDir
    >>> run = RunDir(tempfile.mkdtemp())
    >>> run.create(ExperimentConfig(name="demo", dataset="synthetic"), {})
    >>> card = model_card(run)
    >>> card["task"], card["operating_point"]
    ('melanoma', None)
    >>> md, js = write_model_card(run)
    >>> md.name, js.name
    ('model_card.md', 'model_card.json')
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lesionkit.evaluation.posthoc.chain import PostHoc
from lesionkit.evaluation.reports.report_files import ReportFiles, SavedReport
from lesionkit.evaluation.text import interval, markdown_table, with_interval
from lesionkit.io import atomic_write_text
from lesionkit.runs import RunDir

__all__ = ["INTENDED_USE", "model_card", "model_card_markdown", "write_model_card"]

#: What a lesionkit model is for, and what it is not for.
INTENDED_USE = (
    "Research on automated classification of dermoscopy images of skin lesions: ranking images by the "
    "probability of the task's positive class, for study and for comparison with published results. "
    "It is not a medical device, has not been validated prospectively or on the population it would be "
    "used on, and must not be used to diagnose, or to decide the care of, any patient."
)
#: Limitations that hold for every lesionkit model (a card adds the ones its own figures show).
GENERAL_LIMITATIONS = (
    "Dermoscopy images only; clinical (non-dermoscopic) photographs and other devices are outside its data.",
    "Public archives over-represent light skin types; performance on darker skin is unmeasured.",
    "Labels come from the dataset (histopathology for some images, expert consensus or follow-up for others).",
    "Metrics are from retrospective splits of the same archive; an external test set will usually score lower.",
)
#: A test split smaller than this gives wide intervals; the card says so.
SMALL_TEST = 200


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _reports(run: RunDir) -> dict[str, SavedReport]:
    """``{folder: SavedReport}`` of every report of the run (unreadable ones left out)."""
    read = {name: files.read() for name, files in ReportFiles.in_run(run).items()}
    return {name: saved for name, saved in read.items() if saved is not None}


def _primary(reports: Mapping[str, SavedReport]) -> str | None:
    """The report the card's headline comes from: ``test``, else another test report, else any."""
    if "test" in reports:
        return "test"
    tests = [k for k, v in reports.items() if v.split == "test"]
    return tests[0] if tests else next(iter(reports), None)


def _report_summary(saved: SavedReport) -> dict[str, Any]:
    metrics, intervals, point = saved.metrics, saved.intervals, saved.operating_point
    out: dict[str, Any] = {
        "folder": saved.folder,
        "split": saved.split,
        "tta": saved.tta,
        "n_cases": saved.n_cases,
        "n_positive": saved.n_positive,
        "roc_auc": metrics.get("roc_auc"),
        "roc_auc_ci": intervals.get("roc_auc_ci"),
        "roc_auc_delong_ci": intervals.get("roc_auc_delong_ci"),
        "average_precision": saved.isic2017.get("average_precision"),
        "average_precision_ci": intervals.get("average_precision_ci"),
        "balanced_accuracy": saved.bootstrap.get("balanced_accuracy", metrics.get("balanced_accuracy")),
        "balanced_accuracy_ci": intervals.get("balanced_accuracy_ci"),
        "ci_level": intervals.get("ci_level"),
        "n_resamples": intervals.get("n_resamples"),
    }
    if point:
        for name in ("sensitivity", "specificity", "ppv", "npv"):
            out[name] = point.get(name)
            out[f"{name}_ci"] = point.get(f"{name}_ci")
        out["threshold"] = (point.get("operating_point") or {}).get("threshold")
    calibration = saved.calibration
    out["calibration"] = {k: calibration.get(k) for k in ("ece", "ece_equal_mass", "brier", "temperature")}
    return out


def model_card(run: RunDir, *, split_counts: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The model card of ``run`` as data (what ``model_card.json`` holds).

    Args:
        split_counts: images per split of the dataset; without it, the counts of the
            card written before are kept.
    """
    config = run.read_config()
    state = run.read_state() if run.state_file.is_file() else None
    previous = _read_json(run.model_card_json_file) or {}
    counts = dict(split_counts) if split_counts is not None else (previous.get("data") or {}).get("splits")
    reports = _reports(run)
    primary = _primary(reports)
    summaries = [_report_summary(saved) for saved in reports.values()]
    headline = next((s for s in summaries if s["folder"] == primary), None)
    subgroups = (reports[primary].subgroups if primary else None) or None
    chain = PostHoc.from_run(run, config)
    card: dict[str, Any] = {
        "name": config.name,
        "task": config.task,
        "model": {
            "backbone": config.backbone.name,
            "head": config.head.name,
            "weights": config.weights,
            "trainable": config.trainable,
            "image_size": config.image_size,
            "epochs_trained": int(state["epoch"]) if state else 0,
            "epochs_planned": config.epochs,
        },
        "intended_use": INTENDED_USE,
        "data": {"dataset": config.dataset.name, "splits": counts, "split_seed": config.seed},
        "metrics": headline,
        "reports": summaries,
        "calibration": chain.temperature.to_dict() if chain.temperature else None,
        "operating_point": chain.operating_point.to_dict() if chain.operating_point else None,
        "subgroups": subgroups,
        "limitations": _limitations(chain, headline, subgroups),
    }
    return card


def _limitations(chain: PostHoc, headline: Mapping[str, Any] | None, subgroups: Mapping[str, Any] | None) -> list[str]:
    out = list(GENERAL_LIMITATIONS)
    if headline is None:
        out.append("Not evaluated yet: run `lesionkit evaluate RUN` for its test metrics.")
    else:
        n = headline.get("n_cases")
        if isinstance(n, int) and n < SMALL_TEST:
            out.append(f"The test split has {n} images: its intervals are wide.")
    if chain.temperature is None:
        out.append("Probabilities are not calibrated (no temperature fitted on validation).")
    if chain.operating_point is None:
        out.append("No operating point was chosen on validation; thresholded metrics use p > 0.5.")
    if subgroups:
        flagged = [f"{r['column']}={r['group']} (n={r['n']})" for r in subgroups.get("rows", []) if r.get("flag")]
        if flagged:
            out.append(f"Subgroups too small or without both classes to judge: {', '.join(flagged)}.")
    return out


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _roc_auc(row: Mapping[str, Any]) -> str:
    return _with_ci(row.get("roc_auc"), row.get("roc_auc_ci"))


def _delong(ci: Any) -> str:
    return interval(*ci) if isinstance(ci, list) and len(ci) == 2 and None not in ci else "n/a"


def _with_ci(value: Any, ci: Any) -> str:
    return with_interval(value, ci if isinstance(ci, list) else None) if isinstance(value, float) else _fmt(value)


def model_card_markdown(card: Mapping[str, Any]) -> str:
    """``model_card.md`` from :func:`model_card`'s data."""
    model, data = card["model"], card["data"]
    lines = [f"# Model card: {card['name']} ({card['task']})", "", "## Intended use", "", card["intended_use"], ""]
    lines += ["## Model", ""]
    lines += [f"- {key.replace('_', ' ')}: {value}" for key, value in model.items()]
    lines += ["", "## Data and splits", "", f"- dataset: {data['dataset']} (split seed {data['split_seed']})"]
    if data.get("splits"):
        lines += [f"- {name}: {n} images" for name, n in data["splits"].items()]
    lines += ["", "## Metrics", ""]
    if card["reports"]:
        head = ["report", "split", "images", "positives", "ROC AUC (bootstrap CI)", "DeLong CI", "AP (CI)"]
        rows = [
            [
                r["folder"],
                r["split"],
                _fmt(r["n_cases"]),
                _fmt(r["n_positive"]),
                _with_ci(r["roc_auc"], r["roc_auc_ci"]),
                _delong(r.get("roc_auc_delong_ci")),
                _with_ci(r["average_precision"], r["average_precision_ci"]),
                _with_ci(r["balanced_accuracy"], r["balanced_accuracy_ci"]),
            ]
            for r in card["reports"]
        ]
        lines.append(markdown_table([*head, "balanced accuracy (CI)"], rows))
        level = next((r["ci_level"] for r in card["reports"] if r.get("ci_level")), 0.95)
        lines += [
            "",
            f"Intervals at {level:.0%}: stratified bootstrap (AUC, AP, balanced accuracy at the operating point) "
            "and DeLong (logit scale).",
        ]
    else:
        lines.append("Not evaluated yet.")
    lines += ["", "## Operating point", ""]
    point, headline = card["operating_point"], card["metrics"]
    if point:
        how = f"sensitivity >= {point.get('target')}" if point.get("rule") == "sensitivity" else point.get("rule")
        lines.append(f"p > {point['threshold']:.4g}, chosen by {how} on {point['chosen_on']} and frozen.")
    else:
        lines.append("None chosen on validation: thresholded figures use p > 0.5.")
    if headline and headline.get("sensitivity") is not None:
        lines.append("")
        lines.append(f"On {headline['folder']} (Wilson intervals):")
        lines += [
            f"- {n}: {_with_ci(headline.get(n), headline.get(n + '_ci'))}"
            for n in ("sensitivity", "specificity", "ppv", "npv")
        ]
    lines += ["", "## Calibration", ""]
    temperature = card["calibration"]
    if temperature:
        lines.append(
            f"Temperature {temperature['temperature']:.4g} fitted on {temperature['chosen_on']} "
            f"({temperature.get('n_cases')} images); applied to every evaluation and prediction."
        )
    else:
        lines.append("No temperature fitted: probabilities are the network's own.")
    if headline:
        c = headline["calibration"]
        lines.append(
            f"On {headline['folder']}: ECE {_fmt(c.get('ece'))} (equal-width), {_fmt(c.get('ece_equal_mass'))} "
            f"(equal-mass), Brier {_fmt(c.get('brier'))}."
        )
    lines += ["", "## Subgroups", ""]
    subgroups = card["subgroups"]
    if subgroups and subgroups.get("rows"):
        head = ["column", "group", "images", "positives", "ROC AUC (CI)", "flag"]
        rows = [
            [r["column"], r["group"], str(r["n"]), str(r["positives"]), _roc_auc(r), r.get("flag") or ""]
            for r in subgroups["rows"]
        ]
        lines.append(markdown_table(head, rows))
    else:
        lines.append("The evaluated split has no age, sex or site metadata.")
    lines += ["", "## Known limitations", ""]
    lines += [f"- {item}" for item in card["limitations"]]
    return "\n".join(lines) + "\n"


def write_model_card(
    run: RunDir | str | Path, dest: str | Path | None = None, *, split_counts: Mapping[str, int] | None = None
) -> tuple[Path, Path]:
    """Write ``model_card.md`` and ``model_card.json`` into the run directory (and copy them into ``dest``).

    Args:
        run: the run (a :class:`RunDir` or its path).
        dest: a folder to copy both files into as well (e.g. beside an exported ``.keras`` file).
        split_counts: images per split of the dataset (kept from the previous card when None).

    Returns:
        the paths of ``model_card.md`` and ``model_card.json`` (in ``dest`` when given).
    """
    run = run if isinstance(run, RunDir) else RunDir(run)
    card = model_card(run, split_counts=split_counts)
    atomic_write_text(run.model_card_json_file, json.dumps(card, indent=2, default=float) + "\n")
    atomic_write_text(run.model_card_file, model_card_markdown(card))
    if dest is None:
        return run.model_card_file, run.model_card_json_file
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / run.model_card_file.name, folder / run.model_card_json_file.name
    atomic_write_text(md, run.model_card_file.read_text(encoding="utf-8"))
    atomic_write_text(js, run.model_card_json_file.read_text(encoding="utf-8"))
    return md, js
