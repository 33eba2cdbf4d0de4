"""Re-running the paper's four methods on one task and printing its results table beside ours.

Example:
    >>> from lesionkit.presets.reproduce import reproduce
    >>> table = reproduce("melanoma", root="runs/paper",
    ...                   dataset="synthetic", weights=None, image_size=32, epochs=1)  # doctest: +SKIP
    >>> print(table.markdown())                                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from lesionkit.evaluation.reports.report import COLUMN_TITLES, PAPER_COLUMNS, Report
from lesionkit.evaluation.text import number as _fmt
from lesionkit.presets.paper import PAPER_METHODS

METHODS = PAPER_METHODS
METHOD_TITLES = {
    "resnet50_scratch": "ResNet-50 scratch",
    "resnet101_scratch": "ResNet-101 scratch",
    "conv5": "ResNet-50 conv5",
    "conv4_conv5": "ResNet-50 conv4+conv5",
}


@attrs.frozen
class Reproduction:
    """Our test reports for the paper's methods on one task, with the paper's rows."""

    task: str
    reports: Mapping[str, Report]

    def markdown(self) -> str:
        """The paper's results table with our row under each of its rows."""
        head = ["model", "source", *[COLUMN_TITLES[c] for c in PAPER_COLUMNS]]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for method, report in self.reports.items():
            ours = [_fmt(report.metrics.get(c, float("nan"))) for c in PAPER_COLUMNS]
            lines.append("| " + " | ".join([METHOD_TITLES[method], "lesionkit", *ours]) + " |")
            if report.reference:
                paper = [_fmt(report.reference.get(c, float("nan"))) for c in PAPER_COLUMNS]
                lines.append("| " + " | ".join([METHOD_TITLES[method], "paper", *paper]) + " |")
        return "\n".join(lines)

    def save(self, directory: str | Path) -> Path:
        """Write ``paper_table_<task>.md`` and a ROC AUC bar chart into ``directory``."""
        from lesionkit.evaluation.reports.plots import plot_metrics_bar
        from lesionkit.io import atomic_write_text

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"paper_table_{self.task}.md"
        atomic_write_text(path, f"# The paper's experiments, {self.task}\n\n{self.markdown()}\n")
        bars: dict[str, dict[str, float]] = {"lesionkit": {}, "paper": {}}
        for method, report in self.reports.items():
            bars["lesionkit"][METHOD_TITLES[method]] = report.metrics["roc_auc"]
            if report.reference:
                bars["paper"][METHOD_TITLES[method]] = report.reference["roc_auc"]
        plot_metrics_bar(bars, out / f"paper_auc_{self.task}.png", title=f"ROC AUC, {self.task}")
        return path


def reproduce(
    task: str,
    *,
    root: str | Path = "runs/reproduce",
    methods: tuple[str, ...] = METHODS,
    resume: bool = True,
    verbose: int | str = 2,
    **overrides: Any,
) -> Reproduction:
    """Train and test the paper's ``methods`` on ``task``; one run directory each under ``root``.

    With ``resume`` (default) a method whose run directory exists continues from
    its checkpoint instead of starting again, so an interrupted reproduction
    picks up where it stopped.
    """
    from lesionkit.config import ConfigError
    from lesionkit.runs import RunDir
    from lesionkit.training.trainer import Trainer

    unknown = [m for m in methods if m not in METHODS]
    if unknown:  # before anything trains, not after the first three methods did
        raise ConfigError(f"unknown method(s) {', '.join(unknown)}; the paper's are {', '.join(METHODS)}")
    reports: dict[str, Report] = {}
    for method in methods:
        run = RunDir(Path(root) / f"{task}_{method}")
        trainer = Trainer.from_preset(f"{task}_{method}", run_dir=str(run.path), **overrides)
        # A run killed in its first epoch has a config but no checkpoint; fit(resume=True) starts it over.
        trainer.fit(resume=resume and run.is_run(), verbose=verbose)
        reports[method] = trainer.evaluate("test")
    result = Reproduction(task, reports)
    result.save(root)
    return result
