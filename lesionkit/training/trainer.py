"""The Trainer: a facade that runs one experiment through named parts, in order.

:mod:`~lesionkit.training.assembly` (config → data, model, optimisation), :mod:`~lesionkit.training.fitting`
(training), :class:`~lesionkit.runs.RunDir` (the run's files), the post-hoc chain
(:class:`~lesionkit.evaluation.posthoc.chain.PostHoc`: TTA, prior, temperature, decisions) and
:mod:`lesionkit.evaluation.reports` (reports).

Example:
    >>> from lesionkit import Trainer
    >>> trainer = Trainer.from_preset("melanoma_conv5", dataset="synthetic", weights=None, image_size=32)
    >>> trainer.config.trainable, trainer.reference["roc_auc"]
    ('conv5', 0.6303)
    >>> trainer.fit()                                                  # doctest: +SKIP
    >>> print(trainer.evaluate("test").table())                        # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lesionkit import registries
from lesionkit.config import ExperimentConfig
from lesionkit.data.splitting.split import Dataset, Split
from lesionkit.evaluation.posthoc.chain import PostHoc, chain_attribute
from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior
from lesionkit.evaluation.reports.report import Report
from lesionkit.evaluation.stats.confidence import DEFAULT_RESAMPLES
from lesionkit.runs import RunDir, default_run_dir
from lesionkit.runs.report_folders import ReportFolder
from lesionkit.runtime.cluster import WorkerRole, worker_role
from lesionkit.runtime.settings import ensure_runtime
from lesionkit.task import Task, get_task
from lesionkit.training import assembly


class Trainer:
    """Builds the model, data pipeline and optimisation of one :class:`ExperimentConfig`.

    Args:
        config: the experiment (a config object or its dict form). reference: a published metrics row
            to print beside ours in reports (presets pass the paper's; :meth:`fit` keeps it with the run).

    Attributes:
        config: the resolved, frozen configuration. history: per-epoch metrics of the last :meth:`fit`.
        report_prefix: before the split in report folder names (:meth:`from_run` on other data).
        posthoc: what :meth:`predict` applies after the network and how the run decides; its
            ``metadata_prior``, ``temperature`` and ``operating_point`` are attributes here too.
    """

    temperature = chain_attribute("temperature")
    operating_point = chain_attribute("operating_point")
    metadata_prior = chain_attribute("prior")

    def __init__(
        self, config: ExperimentConfig | Mapping[str, Any], *, reference: Mapping[str, float] | None = None
    ) -> None:
        if not isinstance(config, ExperimentConfig):
            config = ExperimentConfig.from_dict(config)
        config.validate_components()
        config, dataset = assembly.resolve_task(config)
        self.config = config
        #: The config's task, resolved once; everything below takes it from here.
        self.task: Task = get_task(config.task)
        if dataset is not None:
            self.__dict__["dataset"] = dataset  # read once: the task's classes came from it
        self.reference = dict(reference) if reference else None
        self.history: dict[str, list[float]] = {}
        self.report_prefix = ""
        self.posthoc = PostHoc.from_config(config)
        self._splits: dict[str, Split] = {}
        self._model: Any = None

    def __repr__(self) -> str:
        return f"Trainer({self.config.name!r}, task={self.config.task!r}, backbone={self.config.backbone.name!r})"

    @classmethod
    def from_preset(cls, name: str, /, **overrides: Any) -> Trainer:
        """The Trainer of preset ``name`` with config ``overrides`` (and the preset's reference row)."""
        preset = registries.presets.get(name)
        # A Preset checks and applies its overrides; a plugin's factory(**overrides) -> Trainer is called as it is.
        trainer: Trainer = preset(**overrides)
        return trainer

    @functools.cached_property
    def dataset(self) -> Dataset:
        """The dataset named by the config (created on first use)."""
        return assembly.dataset_from_config(self.config)

    def split(self, name: str) -> Split:
        """One split of the dataset (cached)."""
        if name not in self._splits:
            self._splits[name] = self.dataset.split(name)
        return self._splits[name]

    @functools.cached_property
    def strategy(self) -> Any:
        """The ``tf.distribute`` strategy of ``config.distribute`` (created once; :meth:`fit` creates it first)."""
        from lesionkit.runtime.strategy import distribution_strategy

        return distribution_strategy(self.config.distribute)

    @functools.cached_property
    def role(self) -> WorkerRole:
        """This process's place in a multi-worker run (``TF_CONFIG``); only the chief writes the run directory."""
        return worker_role(self.config.distribute)

    @functools.cached_property
    def head(self) -> Any:
        """The classification head, sized for the task's classes (made once)."""
        return assembly.head_from_config(self.config, self.task)

    def build(self) -> Any:
        """Build (once) and return the Keras model; later calls return the same model."""
        if self._model is None:
            ensure_runtime("infer")  # before TensorFlow's import, unless fit (train) or the CLI came first
            from lesionkit.runtime.multi_worker import prepare_for_multi_worker

            model = assembly.model_from_config(self.config, self.head, self.strategy)
            self._model = prepare_for_multi_worker(model, self.strategy)
        return self._model

    @property
    def model(self) -> Any:
        """The Keras model (built on first access)."""
        return self.build()

    @functools.cached_property
    def run(self) -> RunDir:
        """The run directory: ``config.run_dir``, else a new ``runs/<name>-<time>`` (fixed on first use)."""
        return RunDir(self.config.run_dir or default_run_dir(self.config.name))

    @property
    def run_dir(self) -> Path:
        """Where this run keeps its config, checkpoints, logs and reports."""
        return self.run.path

    def fit(
        self, *, resume: bool = False, callbacks: Sequence[Any] = (), verbose: int | str = "auto"
    ) -> dict[str, list[float]]:
        """Train for ``config.epochs`` epochs, checkpointing into :attr:`run_dir` every epoch; return the history.

        ``resume`` continues the run from its last checkpoint (weights, optimizer state, epochs); without it a
        non-empty run directory is an error, never overwritten. ``callbacks`` run after lesionkit's own. With
        ``distribute="multi_worker_mirrored"`` every worker calls this (:mod:`~lesionkit.training.fitting`).
        """
        from lesionkit.training.fitting import fit_trainer

        self.history = fit_trainer(self, resume=resume, callbacks=callbacks, verbose=verbose)
        return self.history

    def load_checkpoint(self, which: str = "best") -> Path:
        """Load the run's ``"best"`` (else the last) or ``"last"`` checkpoint into :attr:`model`; return its file.

        :meth:`fit` leaves the last epoch's weights, as Keras does; ``lesionkit evaluate RUN`` and
        :meth:`from_run` use the best. Raises ``RunDirError`` when the run has no such checkpoint.
        """
        path = self.run.weights_file(which)
        self.run.load_weights(self.model, path)
        return path

    def fit_metadata_prior(
        self, fields: Sequence[str] | None = None, *, split: str = "train", save: bool = True
    ) -> MetadataPrior:
        """Fit the metadata prior (``fields``: default the config's, else age and sex) on ``split``; keep it in
        :attr:`posthoc` and (``save``) in the run. Raises ``MetadataPriorError`` without metadata for them.
        """
        chosen = tuple(fields or self.config.metadata_prior or ("age", "sex"))
        prior = MetadataPrior.fit_split(self.split(split), self.task, fields=chosen)
        if save and self.role.is_chief and self.run.path.is_dir():
            prior.save(self.run.metadata_prior_file)
        self.metadata_prior = prior
        return prior

    @classmethod
    def from_run(cls, run_dir: str | Path, *, weights: str = "best", data: Mapping[str, Any] | None = None) -> Trainer:
        """The Trainer of a run directory: its weights, reference row and post-hoc chain.

        Args:
            weights: ``"best"`` (best monitored score, else last), ``"last"``, or ``"none"`` (just the config).
            data: other data to evaluate on (an external test set): new ``dataset``, ``data_dir`` and/or
                ``cache_dir``; reports go to ``reports/<dataset>[-<data_dir name>]-<split>/`` without the
                reference row, e.g. ``Trainer.from_run("runs/mel", data={"dataset": "folder", "data_dir": "ph2"})``.

        Raises ``RunDirError`` (not a run, or no such checkpoint) or ``CheckpointError`` (unreadable weights).
        """
        if weights not in ("best", "last", "none"):
            raise ValueError(f"weights={weights!r}: use 'best', 'last' or 'none'")
        run = RunDir(run_dir)
        config, prefix = assembly.external_data(run.read_config().evolve(run_dir=str(run.path)), data)
        trainer = cls(config, reference=None if data else run.read_reference())
        trainer.report_prefix, trainer.posthoc = prefix, PostHoc.from_run(run, config)
        if weights != "none":
            run.load_weights(trainer.build(), weights)
        return trainer

    def export(self, path: str | Path, *, saved_model: str | Path | None = None) -> Path:
        """Save the model, preprocessing included, as a ``.keras`` file (atomically; :func:`lesionkit.load_model`)
        that describes itself: classes, task, image size, preprocessing and :attr:`posthoc`
        (:func:`lesionkit.training.export.describe_model`). ``saved_model`` also writes a SavedModel directory.
        """
        from lesionkit.training.export import describe_model, export_model

        description = describe_model(self.config, self.build(), self.posthoc)
        return export_model(self.build(), path, saved_model=saved_model, description=description)

    def predict(
        self,
        images: np.ndarray | Sequence[Any],
        *,
        tta: int = 1,
        batch_size: int | None = None,
        metadata: Mapping[str, Sequence[Any]] | None = None,
    ) -> np.ndarray:
        """Probabilities for RGB images ``(N, S, S, 3)`` with values 0–255: the positive class's ``(N,)`` (binary
        task) or ``(N, K)``, through :attr:`posthoc` (``posthoc.decide`` decides). ``tta``: views averaged,
        drawn with the config's augmenters (else flips/rotations); ``metadata``: age/sex/site columns for the prior.
        """
        size, batch = self.config.image_size, batch_size or self.config.batch_size
        return self.posthoc.predict(self.build(), images, image_size=size, batch_size=batch, tta=tta, metadata=metadata)

    def report_folder(self, split: str, tta: int = 1) -> str:
        """Name of the folder under ``run_dir/reports`` that :meth:`evaluate` writes for ``split`` (``test-tta8``)."""
        return ReportFolder(split, tta, self.report_prefix).name

    def evaluate(
        self, split: str = "test", *, tta: int | None = None, save: bool = True, bootstrap: int = DEFAULT_RESAMPLES
    ) -> Report:
        """Metrics of the model on ``split`` (the paper's five, the ISIC 2017 set) with intervals (``bootstrap``
        resamples; 0 = none), calibration, the frozen operating point and subgroups; ``tta`` views
        (default ``config.tta``). With ``save``, the chief writes the report to ``reports/<split>[-tta<N>]/``
        and the model card (in a multi-worker run every worker calls this: prediction gathers across them).
        """
        from lesionkit.evaluation.reports.evaluate import evaluate_split, save_report

        cfg, data, views = self.config, self.split(split), self.posthoc.views(tta)
        given: dict[str, Any] = dict(name=cfg.name, task=self.task, image_size=cfg.image_size, seed=cfg.seed)
        given |= dict(tta=views, reference=self.reference, bootstrap=bootstrap, posthoc=self.posthoc)
        report = evaluate_split(lambda images, n: self.predict(images, tta=n, metadata=data.metadata), data, **given)
        if save and self.role.is_chief and self.run.path.is_dir():  # the other workers write nowhere
            # An external test set (report_prefix) is not the data the model card describes: no counts.
            counts = None if self.report_prefix else {n: len(self.split(n)) for n in self.dataset.split_names()}
            images = functools.partial(data.load_images, cfg.image_size)
            folder = ReportFolder(split, views, self.report_prefix)
            save_report(report, self.run, folder, split_counts=counts, model=self.build(), images=images)
        return report
