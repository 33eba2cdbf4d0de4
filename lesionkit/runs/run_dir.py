"""A run directory: the record of one training run, safe against crashes and overwrites.

A run directory holds::

    config.json          the resolved ExperimentConfig (written before training)
    environment.json     lesionkit/TensorFlow/Keras/numpy/Python versions, plugins, seed
    reference.json       a published metrics row to print beside ours (presets: the paper's)
    history.csv          one row of metrics per epoch
    logs/                TensorBoard event files
    checkpoints/
      epoch-0003/        model.npz + optimizer.npz after epoch 3 (the last two are kept)
      best/              weights of the epoch with the best monitored score
    state.json           the last completed epoch and the best score, updated last
    calibration.json     the fitted temperature (temperature scaling) and the split it was fitted on
    operating_point.json the frozen decision threshold, how and on which split it was chosen
    decision_rule.json   a multi-class run's frozen per-class offsets (balanced-accuracy decisions)
    metadata_prior.json  the metadata prior (age/sex/site → class) fitted on the training split
    model_card.md/.json  the model card written after evaluation (intended use, data, metrics, limits)
    reports/<folder>/    evaluation reports (metrics.json, report.md, predictions.csv, plots)

:class:`RunDir` owns these paths (report folder names: :mod:`.report_folders`). A checkpoint is
written into a temporary folder and renamed into place, ``state.json`` replaced atomically after
it: a kill (or a failed write) at any moment leaves the previous consistent checkpoint.

Example:
    >>> import tempfile
    >>> run = RunDir(tempfile.mkdtemp())
    >>> run.is_run(), run.read_state(), run.read_reference()
    (False, None, None)
    >>> run.report_dir("test-tta8").name
    'test-tta8'
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from lesionkit.config import ExperimentConfig
from lesionkit.io import atomic_write_text
from lesionkit.runs.checkpoint import (
    BEST,
    OPTIMIZER,
    WEIGHTS,
    CheckpointError,
    load_arrays,
    prune_epoch_folders,
    write_epoch_folder,
)
from lesionkit.runs.records import RunDirError, finite_number, positive_number, present, read_record, write_json
from lesionkit.runs.report_folders import ReportFolder
from lesionkit.warn import warn

CONFIG = "config.json"
ENVIRONMENT = "environment.json"
REFERENCE = "reference.json"
STATE = "state.json"
HISTORY = "history.csv"
LOGS = "logs"
REPORTS = "reports"
CHECKPOINTS = "checkpoints"
TRAINING_CURVES = "training_curves.png"
CALIBRATION = "calibration.json"
METADATA_PRIOR = "metadata_prior.json"
OPERATING_POINT = "operating_point.json"
DECISION_RULE = "decision_rule.json"
MODEL_CARD = "model_card.md"
MODEL_CARD_JSON = "model_card.json"
#: Epoch checkpoints kept (older ones are deleted once a newer one is complete).
KEEP_LAST = 2


class ResumePoint(NamedTuple):
    """Where a run continues: epochs already done and the best monitored score so far."""

    epoch: int = 0
    best: float = -math.inf


def default_run_dir(name: str) -> Path:
    """``./runs/<name>-<YYYYmmdd-HHMMSS>``."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{name}-{stamp}"


class RunDir:
    """Every path and file of one run directory.

    Args:
        path: the run directory (need not exist yet).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    # -- paths -----------------------------------------------------------------------

    @property
    def config_file(self) -> Path:
        return self.path / CONFIG

    @property
    def environment_file(self) -> Path:
        return self.path / ENVIRONMENT

    @property
    def reference_file(self) -> Path:
        return self.path / REFERENCE

    @property
    def state_file(self) -> Path:
        return self.path / STATE

    @property
    def history_file(self) -> Path:
        return self.path / HISTORY

    @property
    def logs_dir(self) -> Path:
        return self.path / LOGS

    @property
    def reports_dir(self) -> Path:
        return self.path / REPORTS

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / CHECKPOINTS

    @property
    def training_curves_file(self) -> Path:
        return self.reports_dir / TRAINING_CURVES

    @property
    def calibration_file(self) -> Path:
        """``calibration.json``: the temperature fitted by ``lesionkit calibrate`` (see :meth:`read_calibration`)."""
        return self.path / CALIBRATION

    @property
    def metadata_prior_file(self) -> Path:
        """``metadata_prior.json``: the prior of :mod:`lesionkit.evaluation.posthoc.metadata_prior`, when the run has one."""
        return self.path / METADATA_PRIOR

    @property
    def operating_point_file(self) -> Path:
        """``operating_point.json``: the frozen decision threshold (see :meth:`read_operating_point`)."""
        return self.path / OPERATING_POINT

    @property
    def decision_rule_file(self) -> Path:
        """``decision_rule.json``: a multi-class run's frozen per-class offsets (see :meth:`read_decision_rule`)."""
        return self.path / DECISION_RULE

    @property
    def model_card_file(self) -> Path:
        """``model_card.md``: the model card in words and tables."""
        return self.path / MODEL_CARD

    @property
    def model_card_json_file(self) -> Path:
        """``model_card.json``: the same model card as data."""
        return self.path / MODEL_CARD_JSON

    def report_dir(self, folder: str | ReportFolder) -> Path:
        """``reports/<folder>/`` (e.g. ``test``, ``test-tta8``, ``folder-ph2-test``; :class:`ReportFolder`)."""
        return self.reports_dir / (folder.name if isinstance(folder, ReportFolder) else folder)

    def report_folders(self) -> dict[str, ReportFolder]:
        """``{name: ReportFolder}`` of the report folders the run holds, sorted by name."""
        if not self.reports_dir.is_dir():
            return {}
        return {p.name: ReportFolder.parse(p.name) for p in sorted(self.reports_dir.iterdir()) if p.is_dir()}

    def resume_command(self) -> str:
        """The shell command that continues this run from its last checkpoint."""
        return f"lesionkit fit {self.config_file} --run-dir {self.path} --resume"

    # -- creating and resuming ---------------------------------------------------------

    def is_run(self) -> bool:
        """Whether the directory holds a run (its ``config.json``)."""
        return self.config_file.is_file()

    def create(self, config: ExperimentConfig, environment: Mapping[str, Any]) -> None:
        """Start a fresh run here: refuse a directory that holds files; write config and environment."""
        self.check_empty()
        self.path.mkdir(parents=True, exist_ok=True)
        config.save(self.config_file)
        write_json(self.environment_file, dict(environment))

    def check_empty(self) -> None:
        """Refuse to start a fresh run in a directory that holds files (it is never overwritten)."""
        if self.path.exists() and any(self.path.iterdir()):
            raise RunDirError(
                f"run directory {self.path} already holds files; pass resume=True (--resume) to continue "
                f"that run, or choose another run_dir"
            )

    def check_open(self, config: ExperimentConfig, *, resume: bool) -> None:
        """The checks of :meth:`open`, writing nothing (the workers of a multi-worker run that do not write)."""
        if resume:
            self.check_resume(config)
        else:
            self.check_empty()

    def read_config(self) -> ExperimentConfig:
        """The run's saved config; :class:`RunDirError` when this is not a run directory."""
        if not self.is_run():
            raise RunDirError(f"{self.path} is not a lesionkit run directory (no {CONFIG})")
        return ExperimentConfig.load(self.config_file)

    def check_resume(self, config: ExperimentConfig) -> None:
        """Refuse to resume a directory without a run, or with a run of another config."""
        if not self.is_run() and self.read_state() is None:
            raise RunDirError(f"cannot resume: {self.path} holds no run (no {CONFIG})")
        if self.is_run() and self.read_config().evolve(run_dir=config.run_dir) != config:
            raise RunDirError(
                f"cannot resume {self.path}: its config.json differs from this trainer's config; "
                f"use Trainer.from_run({str(self.path)!r}).fit(resume=True)"
            )

    def open(
        self, config: ExperimentConfig, *, resume: bool, reference: Mapping[str, float] | None = None
    ) -> dict[str, float] | None:
        """Start a run here (``resume=False``) or check that it can be resumed with ``config``.

        Keeps ``reference`` with the run; returns the run's reference row (a resumed run
        started from a preset keeps its row even when resumed from its config.json alone).
        """
        if resume:
            self.check_resume(config)
            row = dict(reference) if reference else self.read_reference()
        else:
            from lesionkit.runs.environment import environment

            self.create(config, environment(config.seed, config))
            row = dict(reference) if reference else None
        self.write_reference(row)
        return row

    def resume(self, model: Any, *, truncate_history: bool = True) -> ResumePoint:
        """Load the last checkpoint (weights, optimizer state) into the compiled ``model``; return where
        training continues (epoch 0 without a checkpoint). Drops the history rows of the epochs a resume
        redoes, unless ``truncate_history=False`` (the other workers of a multi-worker run write nothing).
        """
        state = self.read_state()
        if truncate_history:
            self.truncate_history(int(state["epoch"]) if state else 0)
        if state is None:
            return ResumePoint()
        folder = self.checkpoints_dir / str(state["checkpoint"])
        self.load_weights(model, folder / WEIGHTS)
        optimizer_file = folder / OPTIMIZER
        if optimizer_file.is_file():
            optimizer = model.optimizer
            optimizer.build(model.trainable_variables)
            values = load_arrays(optimizer_file)
            if len(values) != len(optimizer.variables):
                raise RunDirError(
                    f"{optimizer_file}: {len(values)} optimizer variables saved, the model has "
                    f"{len(optimizer.variables)}; was the config changed since the run started?"
                )
            for variable, value in zip(optimizer.variables, values):
                variable.assign(value)
        best = state.get("best_score")
        return ResumePoint(int(state["epoch"]), -math.inf if best is None else float(best))

    # -- reference row -------------------------------------------------------------------

    def write_reference(self, metrics: Mapping[str, float] | None, label: str = "paper") -> None:
        """Keep a published metrics row with the run, so reports of it print the row again."""
        if metrics:
            write_json(self.reference_file, {"label": label, "metrics": {k: float(v) for k, v in metrics.items()}})

    def read_reference(self) -> dict[str, float] | None:
        """The reference row kept with the run; ``None`` for runs without one (older ones too)."""
        if not self.reference_file.is_file():
            return None
        try:
            data = json.loads(self.reference_file.read_text(encoding="utf-8"))
            return {str(k): float(v) for k, v in data["metrics"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            warn(f"{self.reference_file} is unreadable ({exc}); reports go without it")
            return None

    # -- post-hoc records: temperature, operating point, decision rule -------------------------

    def write_calibration(self, record: Mapping[str, Any]) -> None:
        """Keep a fitted temperature with the run (``TemperatureScaling.to_dict()``); ``RunDirError``
        when it has no positive, finite ``temperature`` or no ``chosen_on``.
        """
        positive_number(record, "temperature", self.calibration_file)
        present(record, "chosen_on", self.calibration_file)
        write_json(self.calibration_file, dict(record))

    def read_calibration(self) -> dict[str, Any] | None:
        """The run's temperature record, or ``None`` when the run was never calibrated; ``RunDirError``
        when the file is unreadable or its temperature is not a positive number.
        """
        record = read_record(self.calibration_file, "`lesionkit calibrate RUN`")
        if record is not None:
            positive_number(record, "temperature", self.calibration_file)
        return record

    def write_operating_point(self, record: Mapping[str, Any]) -> None:
        """Keep the frozen decision threshold with the run (``OperatingPoint.to_dict()``); ``RunDirError``
        when it has no finite ``threshold`` or no ``chosen_on``.
        """
        finite_number(record, "threshold", self.operating_point_file)
        present(record, "chosen_on", self.operating_point_file)
        write_json(self.operating_point_file, dict(record))

    def read_operating_point(self) -> dict[str, Any] | None:
        """The run's frozen threshold record (positive: calibrated score > ``threshold``), or ``None``.

        Raises ``RunDirError`` when the file is unreadable or its threshold is not a finite number.
        """
        record = read_record(self.operating_point_file, "`lesionkit threshold RUN`")
        if record is not None:
            finite_number(record, "threshold", self.operating_point_file)
        return record

    def write_decision_rule(self, record: Mapping[str, Any]) -> None:
        """Keep a multi-class decision rule with the run (``DecisionRule.to_dict()``: ``offsets``...)."""
        present(record, "offsets", self.decision_rule_file)
        write_json(self.decision_rule_file, dict(record))

    def read_decision_rule(self) -> dict[str, Any] | None:
        """The run's multi-class decision rule record, or ``None`` (decisions: the most probable class)."""
        return read_record(self.decision_rule_file, "`fit_run_decision_rule`")

    # -- state and history ---------------------------------------------------------------

    def read_state(self) -> dict[str, Any] | None:
        """``state.json`` (last epoch, its checkpoint, best score), or ``None`` before the first epoch."""
        if not self.state_file.is_file():
            return None
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
            int(state["epoch"]), str(state["checkpoint"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RunDirError(f"{self.state_file} is unreadable ({exc}); restore it or train the run again") from None
        return dict(state)

    def read_history(self) -> dict[str, list[float]]:
        """``history.csv`` as columns of floats (``{}`` before the first epoch)."""
        if not self.history_file.is_file():
            return {}
        with self.history_file.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        # CSVLogger writes "NA" for metrics an epoch did not produce (no validation split).
        return {
            key: [float(r[key]) for r in rows if r.get(key) not in (None, "", "NA")]
            for key in (rows[0] if rows else {})
        }

    def truncate_history(self, epochs: int) -> None:
        """Keep only the first ``epochs`` epochs of history.csv (rows of epochs a resume redoes go)."""
        if not self.history_file.is_file():
            return
        with self.history_file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            # A row cut short by a kill has missing cells (None): dropped with the epochs redone.
            rows = [r for r in reader if None not in r.values() and r["epoch"] and int(float(r["epoch"])) < epochs]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(self.history_file, buffer.getvalue())

    # -- checkpoints ---------------------------------------------------------------------

    def save_checkpoint(
        self, weights: Sequence[Any], slots: Sequence[Any], epoch: int, *, best: bool, state: Mapping[str, Any]
    ) -> None:
        """Write the weights and optimizer state after ``epoch`` (1-based), then update state.json.

        The checkpoint folder is complete before it gets its final name, and
        state.json (replaced atomically) only then points at it. A failed write
        removes its partial folder and leaves the previous checkpoint as it was.

        Raises:
            CheckpointError: the write failed (disk full...); says which checkpoint is intact.
        """
        try:
            folder = write_epoch_folder(self.checkpoints_dir, epoch, weights, slots, best=best)
            write_json(self.state_file, {**state, "epoch": epoch, "checkpoint": folder})
        except OSError as exc:
            previous = self.read_state()
            intact = f"epoch {previous['epoch']} is intact" if previous else "no earlier checkpoint exists"
            raise CheckpointError(
                f"could not write the checkpoint of epoch {epoch} into {self.checkpoints_dir} ({exc}); {intact}. "
                f"Free disk space, then `{self.resume_command()}`"
            ) from exc
        prune_epoch_folders(self.checkpoints_dir, KEEP_LAST)  # only once state.json points at the new one

    def weights_file(self, which: str = "best") -> Path:
        """The weights file of the ``"best"`` checkpoint (else the last) or the ``"last"`` one.

        Raises:
            RunDirError: no such checkpoint (none finished, files removed, or an old format).
        """
        state = self.read_state()
        last = self.checkpoints_dir / str(state["checkpoint"]) / WEIGHTS if state else None
        best = self.checkpoints_dir / BEST / WEIGHTS
        path = (best if best.is_file() else last) if which == "best" else last
        if path is not None and path.is_file():
            return path
        # Never hand back an untrained model as if it were the run's.
        if any(self.checkpoints_dir.glob("*/model.weights.h5")):
            raise RunDirError(
                f"{self.path} holds checkpoints in the format of an earlier development version of "
                f"lesionkit (model.weights.h5), which this version does not read; train the run again"
            )
        raise RunDirError(
            f"{self.path} has no {which} checkpoint (no epoch finished, or its checkpoint files were removed). "
            f"Continue it with `{self.resume_command()}`, or use weights='none' for just the config"
        )

    def load_weights(self, model: Any, which: str | Path = "best") -> None:
        """Load the ``"best"``/``"last"`` checkpoint (or a weights file) into ``model`` (same config).

        Raises:
            RunDirError: no such checkpoint, or one saved from a different model.
            CheckpointError: the weights file is truncated or unreadable.
        """
        path = self.weights_file(which) if isinstance(which, str) else which
        values = load_arrays(path)
        if len(values) != len(model.weights):
            raise RunDirError(
                f"{path}: {len(values)} arrays saved but the model has {len(model.weights)} weights; "
                f"was the run's config changed?"
            )
        try:
            model.set_weights(values)
        except ValueError as exc:  # a shape that does not fit: not this model's checkpoint
            raise CheckpointError(f"{path} does not fit the model of {self.config_file}: {exc}") from None


__all__ = ["CheckpointError", "ResumePoint", "RunDir", "RunDirError", "default_run_dir"]
