"""The Trainer: a facade that runs one experiment through named parts, in order.

:mod:`~lesionkit.training.assembly` (config → data, model, optimisation), :class:`~lesionkit.runs.RunDir`
(every file of the run; resuming), :mod:`~lesionkit.training.callbacks` (checkpoints, history) and
:mod:`lesionkit.evaluation` (prediction, test-time augmentation, reports).

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
from lesionkit.data.split import Dataset, Split
from lesionkit.evaluation.posthoc.metadata_prior import MetadataPrior
from lesionkit.evaluation.reports.report import Report
from lesionkit.evaluation.stats.calibration import TemperatureScaling
from lesionkit.evaluation.stats.confidence import DEFAULT_RESAMPLES
from lesionkit.evaluation.stats.operating_point import OperatingPoint
from lesionkit.models.cluster import WorkerRole, worker_role
from lesionkit.runs import ResumePoint, RunDir, RunDirError, default_run_dir
from lesionkit.runtime_env import ensure_runtime
from lesionkit.task import get_task
from lesionkit.training import assembly
from lesionkit.training.preflight import check_before_fit


class Trainer:
    """Builds the model, data pipeline and optimisation of one :class:`ExperimentConfig`.

    Args:
        config: the experiment (a config object or its dict form).
        reference: a published metrics row to print beside ours in reports
            (presets pass the paper's row; :meth:`fit` keeps it in the run directory).

    Attributes:
        config: the resolved, frozen configuration.
        history: per-epoch metrics of the last :meth:`fit`.
        report_prefix: put before the split in report folder names; set by
            :meth:`from_run` when a run is evaluated on other data than it was trained on.
        temperature: the temperature fitted on validation (``lesionkit calibrate``) that
            :meth:`predict` applies; :meth:`from_run` reads it from the run (None: raw probabilities).
        operating_point: the frozen threshold that test reports use; read by :meth:`from_run`.
        metadata_prior: the age/sex/site prior combined with the image probabilities where
            metadata is given (:meth:`fit_metadata_prior`); :meth:`from_run` reads it from the run.
    """

    def __init__(
        self, config: ExperimentConfig | Mapping[str, Any], *, reference: Mapping[str, float] | None = None
    ) -> None:
        if not isinstance(config, ExperimentConfig):
            config = ExperimentConfig.from_dict(config)
        config.validate_components()
        config, dataset = assembly.resolve_task(config)
        self.config = config
        if dataset is not None:
            self.__dict__["dataset"] = dataset  # read once: the task's classes came from it
        self.reference = dict(reference) if reference else None
        self.history: dict[str, list[float]] = {}
        self.report_prefix = ""
        self.temperature: TemperatureScaling | None = None
        self.operating_point: OperatingPoint | None = None
        self.metadata_prior: MetadataPrior | None = None
        self._splits: dict[str, Split] = {}
        self._model: Any = None

    def __repr__(self) -> str:
        return f"Trainer({self.config.name!r}, task={self.config.task!r}, backbone={self.config.backbone.name!r})"

    @classmethod
    def from_preset(cls, name: str, /, **overrides: Any) -> Trainer:
        """The Trainer of preset ``name`` with config ``overrides`` (and the preset's reference row)."""
        preset = registries.presets.get(name)
        # A Preset record checks its overrides (a fine-tuning preset needs weights=) and applies
        # them; a plugin's factory(**overrides) -> Trainer is called as it is.
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
        """The ``tf.distribute`` strategy named by ``config.distribute`` (created once).

        ``"multi_worker_mirrored"`` must be created before TensorFlow runs any op in the
        process; :meth:`fit` creates it first.
        """
        from lesionkit.models.runtime import distribution_strategy

        return distribution_strategy(self.config.distribute)

    @functools.cached_property
    def role(self) -> WorkerRole:
        """This process's place in a multi-worker run (from ``TF_CONFIG``); one chief otherwise.

        Only the chief writes the run directory (config, checkpoints, history, logs, reports).
        """
        return worker_role(self.config.distribute)

    @functools.cached_property
    def head(self) -> Any:
        """The classification head, sized for the task's classes (made once)."""
        return assembly.head_from_config(self.config)

    def build(self) -> Any:
        """Build (once) and return the Keras model; later calls return the same model."""
        if self._model is None:
            ensure_runtime("infer")  # before TensorFlow's import, unless fit (train) or the CLI came first
            from lesionkit.training.multi_worker import prepare_for_multi_worker

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
        """Train for ``config.epochs`` epochs, checkpointing into :attr:`run_dir` every epoch.

        Args:
            resume: continue the run in :attr:`run_dir` from its last checkpoint
                (weights, optimizer state, epoch count); without it an existing,
                non-empty run directory is an error, never overwritten.
            callbacks: extra Keras callbacks, run after lesionkit's own.

        With ``distribute="multi_worker_mirrored"`` every worker calls this with the same
        config and ``run_dir`` (shared storage); only the chief writes there, and the
        history returned on the other workers is that of this call's epochs (Keras's).

        Returns:
            the per-epoch history (also in ``run_dir/history.csv``).
        """
        ensure_runtime("train")  # oneDNN and thread pools are fixed when TensorFlow is imported
        from lesionkit.models.runtime import agreed
        from lesionkit.training.callbacks import fit_callbacks

        cfg, role = self.config, self.role
        if role.is_multi_worker and not cfg.run_dir:
            raise RunDirError(
                f"distribute='multi_worker_mirrored' with {role.num_workers} workers needs run_dir: the same "
                f"directory on shared storage for every worker (--run-dir), where the chief writes the run"
            )
        # TensorFlow configures collective ops when its runtime starts, so the strategy comes
        # before anything starts it: environment.json's device list did (run.open), then the
        # pipelines would. Importing TensorFlow alone does not.
        strategy, run = self.strategy, self.run

        def check() -> Split:
            check_before_fit(cfg)  # weights and augmenters: before the image cache and the run directory
            train = self.split("train")  # missing or broken data fails here, before the run directory is made
            run.check_open(cfg, resume=resume)
            return train

        # Every worker checks before the chief writes (else a worker would find the chief's new
        # files), and one worker's failure stops them all instead of leaving them in a collective.
        train = agreed(strategy, check)
        if role.is_chief:
            self.reference = run.open(cfg, resume=resume, reference=self.reference)
        elif resume and not self.reference:
            self.reference = run.read_reference()
        data = assembly.train_data(cfg, train, self.head.num_outputs)
        model = self.build()
        assembly.compile_model(
            model, cfg, strategy, steps_per_epoch=data.steps_per_epoch, class_counts=data.class_counts
        )
        # Every worker loads the chief's last checkpoint: the same weights everywhere.
        start = run.resume(model, truncate_history=role.is_chief) if resume else ResumePoint()
        has_validation = "validation" in self.dataset.split_names()
        validation = (
            assembly.eval_data(cfg, self.split("validation"), self.head.num_outputs) if has_validation else None
        )
        if start.epoch < cfg.epochs:
            monitor = assembly.monitor_for(cfg, has_validation=has_validation)
            checkpoint, own = fit_callbacks(
                run, cfg, monitor=monitor, best=start.best, append=start.epoch > 0, chief=role.is_chief
            )
            with checkpoint.writes_flushed(cfg.epochs):
                fitted = model.fit(
                    data.dataset,
                    epochs=cfg.epochs,
                    initial_epoch=start.epoch,
                    validation_data=validation,
                    class_weight=data.class_weights,
                    callbacks=[*own, *callbacks],
                    shuffle=False,  # the pipeline shuffles, seeded
                    verbose=verbose,
                )
            if not role.is_chief:
                self.history = {key: [float(v) for v in values] for key, values in fitted.history.items()}
        if role.is_chief:
            self.history = run.read_history()
            if cfg.metadata_prior:
                self.fit_metadata_prior(cfg.metadata_prior)
        elif start.epoch >= cfg.epochs:
            self.history = {}
        # Every worker waits here for the chief's last writes: a worker that went on at once could
        # load the best checkpoint (for the evaluation that gathers across workers) before the
        # chief had written it, and predict its share of the images with older weights.
        agreed(strategy, lambda: None, what="writing the run")
        return self.history

    def load_checkpoint(self, which: str = "best") -> Path:
        """Load the run's ``"best"`` checkpoint (best monitored score, else the last) or ``"last"`` into :attr:`model`.

        :meth:`fit` leaves the model with its last epoch's weights, as Keras does;
        ``lesionkit evaluate RUN`` and :meth:`from_run` use the best checkpoint. Call this
        after :meth:`fit` for the same figures from the same object.

        Example:
            >>> trainer.fit()                          # doctest: +SKIP
            >>> trainer.load_checkpoint("best")        # doctest: +SKIP
            >>> trainer.evaluate("test")               # as `lesionkit evaluate RUN` reports it  # doctest: +SKIP

        Returns:
            the weights file loaded.

        Raises:
            RunDirError: the run has no such checkpoint.
        """
        path = self.run.weights_file(which)
        self.run.load_weights(self.model, path)
        return path

    def fit_metadata_prior(
        self, fields: Sequence[str] | None = None, *, split: str = "train", save: bool = True
    ) -> MetadataPrior:
        """Fit the metadata prior on ``split``'s metadata and labels; keep it and (``save``) write it to the run.

        Args:
            fields: metadata fields (``age``, ``sex``, ``site``); default the config's
                ``metadata_prior``, else ``("age", "sex")``.

        Every later :meth:`evaluate` (and :meth:`predict` given ``metadata=``) combines it with
        the image probabilities (:mod:`lesionkit.evaluation.posthoc.metadata_prior`).

        Raises:
            MetadataPriorError: the split has no metadata for those fields.
        """
        task = get_task(self.config.task)
        data = self.split(split)
        prior = MetadataPrior.fit(
            data.metadata,
            data.labels(task),
            classes=task.classes,
            fields=tuple(fields or self.config.metadata_prior or ("age", "sex")),
            chosen_on=split,
        )
        if save and self.role.is_chief and self.run.path.is_dir():
            prior.save(self.run.metadata_prior_file)
        self.metadata_prior = prior
        return prior

    @classmethod
    def from_run(cls, run_dir: str | Path, *, weights: str = "best", data: Mapping[str, Any] | None = None) -> Trainer:
        """Re-create the Trainer of a run from its directory, with its trained weights and reference row.

        Args:
            weights: ``"best"`` (best monitored score, else last), ``"last"``, or ``"none"`` (just the config).
            data: other data to evaluate on (an external test set): new ``dataset``, ``data_dir``
                and/or ``cache_dir``; reports go to ``reports/<dataset>[-<data_dir name>]-<split>/``
                without the reference row.

        Example:
            >>> external = Trainer.from_run("runs/mel", data={"dataset": "folder", "data_dir": "ph2"})  # doctest: +SKIP
            >>> external.evaluate("test").table()  # doctest: +SKIP

        Raises:
            RunDirError: not a run directory, or no checkpoint of the weights asked for.
            CheckpointError: the checkpoint's weights file is truncated or unreadable.
        """
        if weights not in ("best", "last", "none"):
            raise ValueError(f"weights={weights!r}: use 'best', 'last' or 'none'")
        run = RunDir(run_dir)
        config, prefix = assembly.external_data(run.read_config().evolve(run_dir=str(run.path)), data)
        trainer = cls(config, reference=None if data else run.read_reference())
        trainer.report_prefix = prefix
        from lesionkit.evaluation.posthoc.run_calibration import run_operating_point, run_temperature

        trainer.temperature, trainer.operating_point = run_temperature(run), run_operating_point(run)
        if run.metadata_prior_file.is_file():
            trainer.metadata_prior = MetadataPrior.load(run.metadata_prior_file)
        if weights != "none":
            run.load_weights(trainer.build(), weights)
        return trainer

    def export(self, path: str | Path, *, saved_model: str | Path | None = None) -> Path:
        """Save the model, preprocessing included, as a ``.keras`` file (atomically; :func:`lesionkit.load_model`).

        The file describes itself: class names, task, image size, preprocessing, the TTA setting,
        and the run's temperature and frozen threshold when it has them
        (:func:`lesionkit.training.export.run_metadata`). ``saved_model`` also writes a
        TensorFlow SavedModel directory for serving.
        """
        from lesionkit.training.export import export_model, run_metadata

        metadata = run_metadata(self.config, self.build(), self.run if self.run.path.is_dir() else None)
        return export_model(self.build(), path, saved_model=saved_model, metadata=metadata)

    def predict(
        self,
        images: np.ndarray | Sequence[Any],
        *,
        tta: int = 1,
        batch_size: int | None = None,
        metadata: Mapping[str, Sequence[Any]] | None = None,
    ) -> np.ndarray:
        """Probabilities for RGB images ``(N, S, S, 3)`` with values 0–255.

        The positive class's ``(N,)`` for a binary task; one column per class ``(N, K)``
        (in the task's class order) for a multi-class task.

        Args:
            tta: test-time augmentation views averaged (1 = none). Views are drawn
                with the config's training augmenters (as Perez et al. do), or
                flips/rotations when it has none; view 0 is the image itself.

            metadata: per-image columns (as ``Split.metadata``: ``age_approximate``/``age``,
                ``sex``, a site); with a :attr:`metadata_prior`, the averaged probabilities are
                combined with it. Without, the probabilities are the image model's alone.

        With a :attr:`temperature` (fitted by ``lesionkit calibrate``), the probabilities then go through it.
        """
        from lesionkit.evaluation.posthoc.run_calibration import apply_run_temperature
        from lesionkit.evaluation.prediction.inference import predict

        augmenter = assembly.tta_augmenter(self.config) if tta > 1 else None
        batch = batch_size or self.config.batch_size
        size, seed = self.config.image_size, self.config.seed
        raw = predict(
            self.build(),
            images,
            image_size=size,
            batch_size=batch,
            views=tta,
            augmenter=augmenter,
            seed=seed,
            all_classes=not get_task(self.config.task).is_binary,
        )
        if metadata is not None and self.metadata_prior is not None:
            raw = self.metadata_prior.apply(raw, metadata)
        return apply_run_temperature(raw, self.temperature)

    def report_folder(self, split: str, tta: int = 1) -> str:
        """Name of the folder under ``run_dir/reports`` that :meth:`evaluate` writes for ``split``.

        Example:
            >>> Trainer({"name": "x", "dataset": "synthetic"}).report_folder("test", tta=8)
            'test-tta8'
        """
        from lesionkit.runs.report_folders import ReportFolder

        return ReportFolder(split, tta, self.report_prefix).name

    def evaluate(
        self, split: str = "test", *, tta: int | None = None, save: bool = True, bootstrap: int = DEFAULT_RESAMPLES
    ) -> Report:
        """Metrics of the model on ``split``: the paper's five and the ISIC 2017 set, with intervals,
        calibration, the frozen :attr:`operating_point` and subgroups.

        Args:
            tta: test-time augmentation views to average (default ``config.tta``;
                1 = none); see :meth:`predict`.
            save: also write the report (metrics, tables, predictions, plots) to
                ``reports/<split>/`` of the run directory, when it exists and this
                process is the chief (in a multi-worker run every worker must call
                this, as prediction gathers across workers, but only the chief writes)
                (``<split>-tta<N>/`` with test-time augmentation; :meth:`report_folder`),
                and the run's model card.
            bootstrap: resamples of the stratified-bootstrap intervals (seeded by the
                config's seed; 0 = none).
        """
        from lesionkit.evaluation.reports.evaluate import evaluate_split, save_report

        cfg, data = self.config, self.split(split)
        views = max(cfg.tta if tta is None else int(tta), 1)
        predict = lambda images, n: self.predict(images, tta=n, metadata=data.metadata)  # noqa: E731
        report = evaluate_split(
            predict,
            data,
            name=cfg.name,
            task=cfg.task,
            image_size=cfg.image_size,
            tta=views,
            reference=self.reference,
            bootstrap=bootstrap,
            seed=cfg.seed,
            operating_point=self.operating_point,
            temperature=self.temperature.to_dict() if self.temperature else None,
            metadata_prior=self.metadata_prior,
        )
        if save and self.role.is_chief and self.run.path.is_dir():  # the other workers write nowhere
            # An external test set (report_prefix) is not the data the model card describes.
            counts = (
                None if self.report_prefix else {name: len(self.split(name)) for name in self.dataset.split_names()}
            )
            images = functools.partial(data.load_images, cfg.image_size)
            folder = self.report_folder(split, views)
            save_report(report, self.run, folder, split_counts=counts, model=self.build(), images=images)
        return report
