"""Two runs compared on the same images: ΔAUC (DeLong's paired test) and Δsensitivity at a fixed specificity.

Reads each run's saved predictions (``reports/<folder>/predictions.csv``, written by
``lesionkit evaluate``), pairs them by image id, and refuses runs evaluated on
different images or labels (:class:`~lesionkit.evaluation.stats.paired.UnpairedPredictionsError`),
saying which.

Example:
    >>> import numpy as np, tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> write = lambda name, p: (folder / name).write_text(
    ...     "image_id,label,probability\\n" + "".join(f"i{k},{k % 2},{v}\\n" for k, v in enumerate(p)))
    >>> _ = write("a.csv", [0.1, 0.9, 0.2, 0.8, 0.3, 0.7]), write("b.csv", [0.4, 0.6, 0.5, 0.45, 0.3, 0.7])
    >>> r = compare_predictions(read_predictions(folder / "a.csv"), read_predictions(folder / "b.csv"), n_resamples=100)
    >>> round(r.auc.difference.estimate, 4)
    0.1111
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import attrs

from lesionkit.errors import DataError
from lesionkit.evaluation.reports.report_files import Predictions, ReportFiles, read_predictions
from lesionkit.evaluation.stats.confidence import DEFAULT_LEVEL, DEFAULT_RESAMPLES
from lesionkit.evaluation.stats.defaults import DEFAULT_SPECIFICITY
from lesionkit.evaluation.stats.paired import PairedComparison, delong_test, paired_bootstrap, paired_cases
from lesionkit.runs import RunDir
from lesionkit.runs.report_folders import ReportFolder

__all__ = [
    "DEFAULT_SPECIFICITY",
    "Predictions",
    "RunComparison",
    "compare_predictions",
    "compare_runs",
    "read_predictions",
]


@attrs.frozen
class RunComparison:
    """Run A against run B on the same images.

    Attributes:
        name_a, name_b: the two runs (or prediction files). folder: the report folder compared.
        n_cases, n_positive: the paired images.
        auc: DeLong's paired test of ΔAUC = AUC_A − AUC_B (interval and p-value).
        auc_bootstrap: the paired stratified bootstrap interval of ΔAUC.
        sensitivity: Δ sensitivity at ``specificity`` (paired bootstrap).
    """

    name_a: str
    name_b: str
    folder: str
    n_cases: int
    n_positive: int
    auc: PairedComparison
    auc_bootstrap: PairedComparison | None
    sensitivity: PairedComparison | None

    def table(self) -> str:
        """The comparison in lines."""
        d = self.auc.difference
        lines = [
            f"A: {self.name_a}",
            f"B: {self.name_b}",
            f"{self.folder}: {self.n_cases} images ({self.n_positive} positive), the same in both runs",
            "",
            f"ROC AUC        A {self.auc.estimate_a:.4f}   B {self.auc.estimate_b:.4f}",
            f"ΔAUC (A − B)   {d.estimate:+.4f}  DeLong {d.level:.0%} CI {d.low:+.4f} to {d.high:+.4f}, "
            f"p = {_p(self.auc.p_value)}",
        ]
        if self.auc_bootstrap is not None:
            b = self.auc_bootstrap.difference
            lines.append(f"               paired bootstrap CI {b.low:+.4f} to {b.high:+.4f}")
        if self.sensitivity is not None:
            s = self.sensitivity
            lines += [
                f"sensitivity at specificity {s.specificity:g}: A {s.estimate_a:.4f}   B {s.estimate_b:.4f}",
                f"Δsensitivity   {s.difference.estimate:+.4f}  paired bootstrap CI {s.difference.low:+.4f} to "
                f"{s.difference.high:+.4f}",
            ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "a": self.name_a,
            "b": self.name_b,
            "folder": self.folder,
            "n_cases": self.n_cases,
            "n_positive": self.n_positive,
            "roc_auc_delong": self.auc.to_dict(),
            "roc_auc_bootstrap": self.auc_bootstrap.to_dict() if self.auc_bootstrap else None,
            "sensitivity_at_specificity": self.sensitivity.to_dict() if self.sensitivity else None,
        }


def _p(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "n/a"
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def compare_predictions(
    a: Predictions,
    b: Predictions,
    *,
    folder: str = "test",
    specificity: float | None = DEFAULT_SPECIFICITY,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
) -> RunComparison:
    """Compare two sets of predictions of the same images (B put in A's order by image id).

    ``n_resamples=0`` leaves out the bootstrap (DeLong only); ``specificity=None`` leaves out Δsensitivity.

    Raises:
        UnpairedPredictionsError: different images, or different labels of the same images.
    """
    y, pa, pb = paired_cases(a.labels, a.probabilities, b.labels, b.probabilities, ids_a=a.ids, ids_b=b.ids)
    auc = delong_test(y, pa, pb, level=level)
    boot = sens = None
    if n_resamples > 0:
        boot = paired_bootstrap(y, pa, pb, n_resamples=n_resamples, seed=seed, level=level)
        if specificity is not None:
            sens = paired_bootstrap(
                y,
                pa,
                pb,
                metric="sensitivity_at_specificity",
                specificity=specificity,
                n_resamples=n_resamples,
                seed=seed,
                level=level,
            )
    return RunComparison(a.source, b.source, folder, len(y), int(y.sum()), auc, boot, sens)


def compare_runs(
    run_a: str | Path,
    run_b: str | Path,
    *,
    folder: str = "test",
    specificity: float | None = DEFAULT_SPECIFICITY,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> RunComparison:
    """Compare the saved predictions of two runs' ``reports/<folder>/``.

    Raises:
        DataError: a run has no such report (says which ``lesionkit evaluate`` to run).
        UnpairedPredictionsError: the runs were evaluated on different images or labels.
    """
    loaded = []
    for path in (run_a, run_b):
        run = RunDir(path)
        if not run.is_run():
            raise DataError(f"{run.path} is not a lesionkit run directory (no config.json); compare two runs of `fit`")
        files = ReportFiles.of_run(run, folder)
        if not files.predictions_file.is_file():
            options = ReportFolder.parse(folder).evaluate_command_options
            raise DataError(
                f"{run.path} has no report {folder!r} ({files.predictions_file} is missing); "
                f"run `lesionkit evaluate {run.path} {options}` first"
            )
        loaded.append(files.read_predictions()._replace(source=str(run.path)))
    return compare_predictions(
        loaded[0], loaded[1], folder=folder, specificity=specificity, n_resamples=n_resamples, seed=seed
    )
