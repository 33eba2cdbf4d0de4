"""One line per run directory: what was trained, how far it got, and how well it did.

Reads only the small JSON files a run keeps (``config.json``, ``state.json``,
``reports/<split>/metrics.json``), so listing hundreds of runs takes no
TensorFlow and no time. ``lesionkit runs`` prints the table.

Example:
    >>> import json, pathlib, tempfile
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "mel-1"
    >>> run.mkdir()
    >>> _ = (run / "config.json").write_text(json.dumps({"name": "melanoma_conv5", "task": "melanoma", "epochs": 10}))
    >>> _ = (run / "state.json").write_text(json.dumps({"epoch": 4, "best_score": 0.81}))
    >>> summary = summarize_run(run)
    >>> summary.status, summary.best_val_auc
    ('stopped at 4/10', 0.81)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from lesionkit.runs import RunDir


@attrs.frozen
class RunSummary:
    """What a run directory says about itself; ``nan`` where it does not say.

    Attributes:
        path: the run directory.
        name: the experiment (preset) name.
        task: ``"melanoma"`` or ``"seborrheic_keratosis"``.
        epochs_done: completed (checkpointed) epochs.
        epochs: epochs the config asks for.
        best_val_auc: the best validation ROC AUC seen while training.
        test_auc: ROC AUC in ``reports/test`` (no test-time augmentation).
        test_auc_ci: its 95 % bootstrap interval, where the report has one.
        test_auc_tta: the best ROC AUC among ``reports/test-tta<N>``, and its N.
        problem: why the directory could not be read, if it could not.
    """

    path: Path
    name: str = "?"
    task: str = "?"
    epochs_done: int = 0
    epochs: int = 0
    best_val_auc: float = math.nan
    test_auc: float = math.nan
    test_auc_ci: tuple[float, float] | None = None
    test_auc_tta: float = math.nan
    tta: int = 1
    problem: str | None = None

    @property
    def status(self) -> str:
        """``done``, ``stopped at N/M``, ``no checkpoint`` or ``unreadable``."""
        if self.problem:
            return "unreadable"
        if self.epochs_done == 0:
            return "no checkpoint"
        if self.epochs_done >= self.epochs:
            return "done"
        return f"stopped at {self.epochs_done}/{self.epochs}"


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _auc(metrics_file: Path) -> float:
    try:
        return float(_read_json(metrics_file)["metrics"]["roc_auc"])
    except (OSError, ValueError, KeyError, TypeError):
        return math.nan


def _auc_ci(metrics_file: Path) -> tuple[float, float] | None:
    try:
        low, high = _read_json(metrics_file)["intervals"]["roc_auc_ci"]
        return float(low), float(high)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def summarize_run(run_dir: str | Path) -> RunSummary:
    """Summarise one run directory; a broken one gives a summary with ``problem`` set (never raises)."""
    run = RunDir(run_dir)
    path = run.path
    try:
        config = _read_json(run.config_file)
        state = _read_json(run.state_file) if run.state_file.is_file() else {}
    except (OSError, ValueError) as exc:
        return RunSummary(path, problem=f"{type(exc).__name__}: {exc}")
    # Without a validation split the checkpoint callback ranks epochs by training AUC: not shown as validation.
    best = state.get("best_score") if state.get("monitor", "val_auc") == "val_auc" else None
    tta_reports = {}
    for folder in run.reports_dir.glob("test-tta*"):
        views = folder.name.removeprefix("test-tta")
        if views.isdigit():
            tta_reports[int(views)] = _auc(folder / "metrics.json")
    best_tta = max(tta_reports, key=lambda n: (not math.isnan(tta_reports[n]), tta_reports[n]), default=1)
    return RunSummary(
        path=path,
        name=str(config.get("name", "?")),
        task=str(config.get("task", "?")),
        epochs_done=int(state.get("epoch", 0)),
        epochs=int(config.get("epochs", 0)),
        best_val_auc=math.nan if best is None else float(best),
        test_auc=_auc(run.report_dir("test") / "metrics.json"),
        test_auc_ci=_auc_ci(run.report_dir("test") / "metrics.json"),
        test_auc_tta=tta_reports.get(best_tta, math.nan),
        tta=best_tta,
    )


def find_runs(roots: Iterable[str | Path]) -> list[RunSummary]:
    """Every run directory (one holding ``config.json``) that is, or is directly under, a root."""
    found: list[RunSummary] = []
    for root in map(Path, roots):
        candidates = [root] if RunDir(root).is_run() else sorted(p for p in root.glob("*") if p.is_dir())
        found += [summarize_run(p) for p in candidates if RunDir(p).is_run()]
    return found


def runs_table(summaries: list[RunSummary]) -> str:
    """The summaries as an aligned text table."""
    head = ["run", "name", "task", "status", "best val AUC", "test AUC (95% CI)", "test AUC (TTA)"]
    rows = [
        [
            s.path.name,
            s.name,
            s.task,
            s.status if not s.problem else f"unreadable ({s.problem})",
            _fmt(s.best_val_auc),
            _fmt(s.test_auc) + (f" ({s.test_auc_ci[0]:.3f}-{s.test_auc_ci[1]:.3f})" if s.test_auc_ci else ""),
            _fmt(s.test_auc_tta) + (f" ×{s.tta}" if not math.isnan(s.test_auc_tta) else ""),
        ]
        for s in summaries
    ]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(c.rjust(w) if i >= 4 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
        for r in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.4f}"
