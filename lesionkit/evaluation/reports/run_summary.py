"""One line per run directory: what was trained, how far it got, and how well it did.

Reads only the small JSON files a run keeps (``config.json``, ``state.json``,
``reports/<split>/metrics.json``), so listing hundreds of runs takes no
TensorFlow and no time. ``lesionkit runs`` prints the table. A binary run is
summarised by ROC AUC; a multi-class run by its task's primary metric
(``balanced_accuracy`` for ``dx7``, ``mean_auc`` for ``isic2017_3class``...), named in
the table's ``metric`` column.

Example:
    >>> import json, pathlib, tempfile
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "mel-1"
    >>> run.mkdir()
    >>> _ = (run / "config.json").write_text(json.dumps({"name": "melanoma_conv5", "task": "melanoma", "epochs": 10}))
    >>> _ = (run / "state.json").write_text(json.dumps({"epoch": 4, "best_score": 0.81}))
    >>> summary = summarize_run(run)
    >>> summary.status, summary.best_validation
    ('stopped at 4/10', 0.81)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from lesionkit.evaluation.reports.report_files import ReportFiles
from lesionkit.evaluation.stats.metric_names import monitor_key
from lesionkit.evaluation.text import number, text_table, with_interval
from lesionkit.runs import RunDir
from lesionkit.runs.report_folders import ReportFolder


@attrs.frozen
class RunSummary:
    """What a run directory says about itself; ``nan`` where it does not say.

    Attributes:
        path: the run directory.
        name: the experiment (preset) name.
        task: the task's name, e.g. ``"melanoma"`` or ``"dx7"``.
        epochs_done: completed (checkpointed) epochs.
        epochs: epochs the config asks for.
        best_validation: the best validation value of :attr:`metric` seen while training.
        test: :attr:`metric` in ``reports/test`` (no test-time augmentation).
        test_ci: its 95 % bootstrap interval, where the report has one.
        test_tta: the best :attr:`metric` among ``reports/test-tta<N>``, and its N.
        problem: why the directory could not be read, if it could not.
        metric: what the three values are: ``"roc_auc"`` for a binary task, else the
            task's primary metric (``balanced_accuracy`` for ``dx7``...).
    """

    path: Path
    name: str = "?"
    task: str = "?"
    epochs_done: int = 0
    epochs: int = 0
    best_validation: float = math.nan
    test: float = math.nan
    test_ci: tuple[float, float] | None = None
    test_tta: float = math.nan
    tta: int = 1
    problem: str | None = None
    metric: str = "roc_auc"

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


def _metric_and_monitor(task: str) -> tuple[str, str]:
    """The metric a run of ``task`` is summarised by, and the validation key training logged it as."""
    from lesionkit.errors import LesionkitError
    from lesionkit.task import get_task

    try:
        resolved = get_task(task)
    except LesionkitError:  # a plugin task that is not installed here: read it as binary
        resolved = None
    metric = "roc_auc" if resolved is None or resolved.is_binary else resolved.primary_metric
    try:
        return metric, monitor_key(metric, validation=True)
    except KeyError:  # a primary metric training does not log: no monitored score is it
        return metric, ""


def summarize_run(run_dir: str | Path) -> RunSummary:
    """Summarise one run directory; a broken one gives a summary with ``problem`` set (never raises)."""
    run = RunDir(run_dir)
    path = run.path
    try:
        config = _read_json(run.config_file)
        state = _read_json(run.state_file) if run.state_file.is_file() else {}
    except (OSError, ValueError) as exc:
        return RunSummary(path, problem=f"{type(exc).__name__}: {exc}")
    task = str(config.get("task", "?"))
    metric, monitor = _metric_and_monitor(task)
    # Without a validation split the checkpoint callback ranks epochs by training AUC: not shown as validation.
    best = state.get("best_score") if state.get("monitor", "val_auc") == monitor else None
    reports = {folder: ReportFiles.of_run(run, folder).read() for folder in run.report_folders().values()}
    plain = reports.get(ReportFolder("test"))
    tta_reports = {
        folder.tta: saved.value(metric) if saved is not None else math.nan
        for folder, saved in reports.items()
        if folder.split == "test" and folder.tta > 1 and not folder.prefix
    }
    best_tta = max(tta_reports, key=lambda n: (not math.isnan(tta_reports[n]), tta_reports[n]), default=1)
    return RunSummary(
        path=path,
        name=str(config.get("name", "?")),
        task=task,
        epochs_done=int(state.get("epoch", 0)),
        epochs=int(config.get("epochs", 0)),
        best_validation=math.nan if best is None else float(best),
        test=plain.value(metric) if plain is not None else math.nan,
        test_ci=plain.interval(metric) if plain is not None else None,
        test_tta=tta_reports.get(best_tta, math.nan),
        tta=best_tta,
        metric=metric,
    )


def find_runs(roots: Iterable[str | Path]) -> list[RunSummary]:
    """Every run directory (one holding ``config.json``) that is, or is directly under, a root."""
    found: list[RunSummary] = []
    for root in map(Path, roots):
        candidates = [root] if RunDir(root).is_run() else sorted(p for p in root.glob("*") if p.is_dir())
        found += [summarize_run(p) for p in candidates if RunDir(p).is_run()]
    return found


def runs_table(summaries: list[RunSummary]) -> str:
    """The summaries as an aligned text table.

    With a multi-class run among them, a ``metric`` column says what each row's values are.
    """
    mixed = any(s.metric != "roc_auc" for s in summaries)
    head = ["run", "name", "task", "status", *(["metric"] if mixed else [])]
    head += (
        ["best val", "test (95% CI)", "test (TTA)"]
        if mixed
        else ["best val AUC", "test AUC (95% CI)", "test AUC (TTA)"]
    )
    rows = [
        [
            s.path.name,
            s.name,
            s.task,
            s.status if not s.problem else f"unreadable ({s.problem})",
            *([s.metric] if mixed else []),
            _fmt(s.best_validation),
            with_interval(s.test, s.test_ci, missing="-"),
            _fmt(s.test_tta) + (f" ×{s.tta}" if not math.isnan(s.test_tta) else ""),
        ]
        for s in summaries
    ]
    return text_table(head, rows, left=len(head) - 3)


def _fmt(value: float) -> str:
    return number(value, missing="-")
