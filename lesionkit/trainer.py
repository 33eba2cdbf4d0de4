"""The Trainer: assembles an experiment from its config and runs it.

Example:
    >>> from lesionkit import presets
    >>> trainer = presets.melanoma_conv5(dataset="synthetic", weights=None,
    ...                                  image_size=32, epochs=1)      # doctest: +SKIP
    >>> trainer.fit()                                                  # doctest: +SKIP
    >>> print(trainer.evaluate("test").table())                        # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lesionkit import registries
from lesionkit.config import ExperimentConfig
from lesionkit.data.split import Dataset, Split
from lesionkit.report import Report


class Trainer:
    """Builds the model, data pipeline and optimisation of one :class:`ExperimentConfig`.

    Args:
        config: the experiment (a config object or its dict form).
        reference: a published metrics row to print beside ours in reports
            (presets pass the paper's row).

    Attributes:
        config: the resolved, frozen configuration.
        history: per-epoch metrics of the last :meth:`fit`.
    """

    def __init__(
        self, config: ExperimentConfig | Mapping[str, Any], *, reference: Mapping[str, float] | None = None
    ) -> None:
        if not isinstance(config, ExperimentConfig):
            config = ExperimentConfig.from_dict(config)
        config.validate_components()
        self.config = config
        self.reference = dict(reference) if reference else None
        self.history: dict[str, list[float]] = {}
        self._dataset: Dataset | None = None
        self._model: Any = None
        self._backbone: Any = None
        self._head: Any = None
        self._splits: dict[str, Split] = {}
        self._run_dir: Path | None = None
        self._strategy: Any = None
        #: Put before the split in report folder names (``reports/<prefix>-<split>/``); set
        #: by :meth:`from_run` when a run is evaluated on other data than it was trained on.
        self.report_prefix = ""

    def __repr__(self) -> str:
        return f"Trainer({self.config.name!r}, task={self.config.task!r}, backbone={self.config.backbone.name!r})"

    # -- data ------------------------------------------------------------------------

    @property
    def dataset(self) -> Dataset:
        """The dataset named by the config (created on first use)."""
        if self._dataset is None:
            spec = self.config.dataset
            factory = registries.datasets.get(spec.name)
            params = dict(spec.params)
            accepted = inspect.signature(factory).parameters
            for key in ("data_dir", "cache_dir"):
                value = getattr(self.config, key)
                if value is not None and key in accepted:
                    params.setdefault(key, value)
                elif value is not None and key == "data_dir":
                    raise ValueError(f"dataset {spec.name!r} does not read a data_dir (got {value!r}); remove it")
            self._dataset = registries.datasets.create(spec.name, **params)
        return self._dataset

    def split(self, name: str) -> Split:
        """One split of the dataset (cached)."""
        if name not in self._splits:
            self._splits[name] = self.dataset.split(name)
        return self._splits[name]

    def _images(self, split: Split) -> np.ndarray:
        return split.load_images(self.config.image_size)

    def _augmenter(self, workers: int | None = None) -> Any:
        """The config's augmenters as one; numpy ones in ``workers`` processes (default: the config's)."""
        from lesionkit.augment.base import Compose

        if not self.config.augmenters:
            return None
        steps = [registries.augmenters.create(s.name, **s.params) for s in self.config.augmenters]
        augmenter = steps[0] if len(steps) == 1 else Compose(steps)
        workers = self.config.augment_workers if workers is None else workers
        if workers > 0 and augmenter.backend == "numpy":
            from lesionkit.augment.parallel import ParallelNumpyAugmenter

            # imgaug holds the GIL: worker processes let it use more than one core.
            augmenter = ParallelNumpyAugmenter(augmenter, workers=workers)
        return augmenter

    def _train_data(self) -> tuple[Any, int, tuple[int, int], dict[int, float] | None]:
        from lesionkit.data.balancing import class_weights, repeats_for
        from lesionkit.data.pipeline import make_pipeline

        cfg = self.config
        train = self.split("train")
        labels = train.labels(cfg.task)
        repeats = repeats_for(cfg.balance, train.diagnosis, cfg.task)
        ds = make_pipeline(
            self._images(train),
            labels,
            num_outputs=self._head_outputs(),
            batch_size=cfg.batch_size,
            training=True,
            repeats=repeats,
            augmenter=self._augmenter(),
            seed=cfg.seed,
            deterministic=cfg.deterministic,
        )
        total = int(repeats.sum())
        steps = max(total // cfg.batch_size, 1)  # the pipeline drops a short last batch
        positives = int(repeats[labels == 1].sum())
        weights = class_weights(labels) if cfg.balance == "class_weights" else None
        return ds, steps, (total - positives, positives), weights

    def _eval_data(self, split: Split) -> Any:
        from lesionkit.data.pipeline import make_pipeline

        return make_pipeline(
            self._images(split),
            split.labels(self.config.task),
            num_outputs=self._head_outputs(),
            batch_size=self.config.batch_size,
        )

    # -- model -----------------------------------------------------------------------

    def _head_outputs(self) -> int:
        if self._head is None:
            self._head = registries.heads.create(self.config.head.name, **{"num_classes": 2, **self.config.head.params})
        return int(self._head.num_outputs)

    @property
    def model(self) -> Any:
        """The Keras model (built on first access)."""
        return self.build()

    def build(self) -> Any:
        """Build (once) and return the Keras model; later calls return the same model."""
        if self._model is not None:
            return self._model
        import keras

        from lesionkit.models.assemble import build_classifier
        from lesionkit.models.freeze import apply_freeze_policy
        from lesionkit.models.runtime import precision_policy

        cfg = self.config
        keras.utils.set_random_seed(cfg.seed)
        size = cfg.image_size
        # Variables made here belong to the strategy; layers take the dtype policy
        # current when they are built (the heads keep their output in float32).
        with precision_policy(cfg.precision), self.strategy.scope():
            self._backbone = registries.backbones.create(
                cfg.backbone.name, input_shape=(size, size, 3), weights=cfg.weights, **cfg.backbone.params
            )
            apply_freeze_policy(self._backbone, cfg.trainable)
            self._head_outputs()
            self._model = build_classifier(self._backbone, self._head, image_size=size, name=_model_name(cfg.name))
        return self._model

    @property
    def strategy(self) -> Any:
        """The ``tf.distribute`` strategy named by ``config.distribute`` (created once)."""
        if self._strategy is None:
            from lesionkit.models.runtime import distribution_strategy

            self._strategy = distribution_strategy(self.config.distribute)
        return self._strategy

    def _compile(self, steps_per_epoch: int, class_counts: tuple[int, int]) -> None:
        from lesionkit.keras_metrics import PositiveAUC

        cfg = self.config
        model = self.build()
        loss_factory = registries.losses.get(cfg.loss.name)
        loss_params = dict(cfg.loss.params)
        if "class_counts" in inspect.signature(loss_factory).parameters:
            loss_params.setdefault("class_counts", class_counts)
        from lesionkit.models.runtime import precision_policy

        with precision_policy(cfg.precision), self.strategy.scope():
            # Optimizer slots and metric variables must live under the same strategy.
            schedule = registries.schedulers.create(
                cfg.schedule.name,
                **{
                    "learning_rate": cfg.learning_rate,
                    "steps_per_epoch": steps_per_epoch,
                    "epochs": cfg.epochs,
                    **cfg.schedule.params,
                },
            )
            optimizer = registries.optimizers.create(
                cfg.optimizer.name, **{"learning_rate": schedule, **cfg.optimizer.params}
            )
            loss = registries.losses.create(cfg.loss.name, **loss_params)
            model.compile(
                optimizer=optimizer,
                loss=loss,
                metrics=[PositiveAUC(name="auc")],
                jit_compile=cfg.jit_compile,
            )

    # -- training and evaluation ---------------------------------------------------------

    @property
    def run_dir(self) -> Path:
        """Where this run keeps its config, checkpoints and logs (fixed on first use)."""
        if self._run_dir is None:
            from lesionkit.runs import default_run_dir

            self._run_dir = Path(self.config.run_dir) if self.config.run_dir else default_run_dir(self.config.name)
        return self._run_dir

    def fit(
        self, *, resume: bool = False, callbacks: Sequence[Any] = (), verbose: int | str = "auto"
    ) -> dict[str, list[float]]:
        """Train for ``config.epochs`` epochs, checkpointing into :attr:`run_dir` every epoch.

        Args:
            resume: continue the run in :attr:`run_dir` from its last checkpoint
                (weights, optimizer state, epoch count); without it an existing,
                non-empty run directory is an error, never overwritten.
            callbacks: extra Keras callbacks, run after lesionkit's own.

        Returns:
            the per-epoch history (also in ``run_dir/history.csv``).
        """
        import keras

        from lesionkit import runs
        from lesionkit.callbacks import RunCheckpoint

        cfg = self.config
        self.split("train")  # missing or broken data fails here, before the run directory is made
        run_dir = self.run_dir
        if resume and runs.read_state(run_dir) is None and not (run_dir / runs.CONFIG).is_file():
            raise runs.RunDirError(f"cannot resume: {run_dir} holds no run (no {runs.CONFIG})")
        if not resume:
            runs.prepare_new(run_dir)
            self.config.save(run_dir / runs.CONFIG)
            runs.write_json(run_dir / runs.ENVIRONMENT, runs.environment(cfg.seed))
        elif (run_dir / runs.CONFIG).is_file():
            saved = type(cfg).load(run_dir / runs.CONFIG)
            if saved.evolve(run_dir=cfg.run_dir) != cfg:
                raise runs.RunDirError(
                    f"cannot resume {run_dir}: its config.json differs from this trainer's config; "
                    f"use Trainer.from_run({str(run_dir)!r}).fit(resume=True)"
                )

        train_ds, steps, class_counts, weights = self._train_data()
        self._compile(steps, class_counts)
        initial_epoch, best = 0, -float("inf")
        if resume:
            state = runs.read_state(run_dir)
            if state is not None:
                runs.restore_checkpoint(run_dir, self.build())
                initial_epoch = int(state["epoch"])
                best = float(state["best_score"]) if state.get("best_score") is not None else best
        validation = None
        if "validation" in self.dataset.split_names():
            validation = self._eval_data(self.split("validation"))
        if resume:
            runs.truncate_history(run_dir, initial_epoch)
        # The CSV row goes before the checkpoint: a kill in between leaves a row that
        # truncate_history drops on resume, never a checkpoint without its row.
        checkpoint = RunCheckpoint(run_dir, monitor="val_auc" if validation is not None else "auc", best=best)
        all_callbacks: list[Any] = [
            keras.callbacks.CSVLogger(str(run_dir / runs.HISTORY), append=initial_epoch > 0),
            checkpoint,
            keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False, profile_batch=0),
        ]
        if cfg.early_stopping_patience:
            all_callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_auc" if validation is not None else "auc",
                    mode="max",
                    patience=cfg.early_stopping_patience,
                )
            )
        if initial_epoch >= cfg.epochs:
            self.history = self._read_history()
            return self.history
        try:
            self.build().fit(
                train_ds,
                epochs=cfg.epochs,
                initial_epoch=initial_epoch,
                validation_data=validation,
                class_weight=weights,
                callbacks=[*all_callbacks, *callbacks],
                shuffle=False,  # the pipeline shuffles, seeded
                verbose=verbose,
            )
        except KeyboardInterrupt:
            checkpoint.finish_writes()  # every finished epoch is on disk before we say so
            state = runs.read_state(run_dir)
            print(
                f"\ninterrupted: {state['epoch'] if state else 0} of {cfg.epochs} epochs are checkpointed in "
                f"{run_dir}; continue with trainer.fit(resume=True) or "
                f"`{runs.resume_command(run_dir)}`",
                file=sys.stderr,
            )
            raise
        finally:
            # Keras skips on_train_end on any exception: never leave writes landing after fit returns.
            checkpoint.finish_writes()
        self.history = self._read_history()
        return self.history

    def _read_history(self) -> dict[str, list[float]]:
        import csv

        from lesionkit import runs

        path = self.run_dir / runs.HISTORY
        if not path.is_file():
            return {}
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        # CSVLogger writes "NA" for metrics an epoch did not produce (no validation split).
        return {
            key: [float(r[key]) for r in rows if r.get(key) not in (None, "", "NA")]
            for key in (rows[0] if rows else {})
        }

    @classmethod
    def from_run(cls, run_dir: str | Path, *, weights: str = "best", data: Mapping[str, Any] | None = None) -> Trainer:
        """Re-create the Trainer of a run from its directory, with its trained weights.

        Args:
            weights: ``"best"`` (best validation AUC, else last), ``"last"``, or
                ``"none"`` (just the config, e.g. to resume).
            data: evaluate on other data than the run was trained on (an external
                test set): new ``dataset``, ``data_dir`` and/or ``cache_dir``. Reports
                then go to ``reports/<dataset>[-<data_dir name>]-<split>/`` and carry
                no paper row.

        Example:
            >>> external = Trainer.from_run("runs/mel", data={"dataset": "folder", "data_dir": "ph2"})  # doctest: +SKIP
            >>> external.evaluate("test").table()  # doctest: +SKIP

        Raises:
            RunDirError: not a run directory, or no checkpoint of the weights asked for.
        """
        from lesionkit import runs

        if weights not in ("best", "last", "none"):
            raise ValueError(f"weights={weights!r}: use 'best', 'last' or 'none'")
        unknown = set(data or {}) - {"dataset", "data_dir", "cache_dir"}
        if unknown:
            raise ValueError(
                f"data= may only change dataset, data_dir and cache_dir (the model is fixed), not {', '.join(sorted(unknown))}"
            )
        run_dir = Path(run_dir)
        config_file = run_dir / runs.CONFIG
        if not config_file.is_file():
            raise runs.RunDirError(f"{run_dir} is not a lesionkit run directory (no {runs.CONFIG})")
        config = ExperimentConfig.load(config_file).evolve(run_dir=str(run_dir), **(data or {}))
        trainer = cls(config, reference=None if data else _reference_for(config.name))
        if data:
            trainer.report_prefix = config.dataset.name + (f"-{Path(config.data_dir).name}" if config.data_dir else "")
        if weights != "none":
            state = runs.read_state(run_dir)
            path = (
                runs.best_weights(run_dir)
                if weights == "best"
                else (run_dir / runs.CHECKPOINTS / state["checkpoint"] / runs.WEIGHTS if state else None)
            )
            if path is None or not path.is_file():
                # Never hand back an untrained model as if it were the run's.
                if any((run_dir / runs.CHECKPOINTS).glob("*/model.weights.h5")):
                    raise runs.RunDirError(
                        f"{run_dir} holds checkpoints in the format of an earlier development version of "
                        f"lesionkit (model.weights.h5), which this version does not read; train the run again"
                    )
                raise runs.RunDirError(
                    f"{run_dir} has no {weights} checkpoint (no epoch finished, or its checkpoint files were removed). "
                    f"Continue it with `{runs.resume_command(run_dir)}`, or use weights='none' for just the config"
                )
            runs.load_weights(trainer.build(), path)
        return trainer

    def export(self, path: str | Path, *, saved_model: str | Path | None = None) -> Path:
        """Save the model, preprocessing included, as a ``.keras`` file (atomically).

        Load it back with :func:`lesionkit.load_model`. ``saved_model`` also
        writes a TensorFlow SavedModel directory for serving.
        """
        from lesionkit.io import atomic_path

        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"export path {path} must end in .keras")
        model = self.build()
        with atomic_path(path) as tmp:
            keras_tmp = tmp.with_name(tmp.name + ".keras")
            model.save(str(keras_tmp))
            keras_tmp.replace(tmp)
        if saved_model is not None:
            model.export(str(saved_model))
        return path

    def predict(self, images: np.ndarray | Sequence[Any], *, tta: int = 1, batch_size: int | None = None) -> np.ndarray:
        """Positive-class probabilities for RGB images ``(N, S, S, 3)`` with values 0–255.

        Args:
            tta: test-time augmentation views averaged (1 = none). Views are drawn
                with the config's training augmenters (as Perez et al. do), or
                flips/rotations when it has none; view 0 is the image itself.
        """
        array = np.asarray(images)
        size = self.config.image_size
        if array.ndim == 3:
            array = array[None]
        if array.ndim != 4 or array.shape[1:] != (size, size, 3):
            raise ValueError(
                f"predict expects images of shape (N, {size}, {size}, 3) with values 0-255, got {array.shape}"
            )
        probabilities = self._predict_once(array, batch_size)
        if tta > 1:
            from lesionkit.augment.tta import view_seed

            # In-process: a worker pool per predict call (one per chunk of files) would cost more than it saves.
            augmenter = self._augmenter(workers=0) or registries.augmenters.create("tta_default")
            uint8 = np.clip(array, 0, 255).astype(np.uint8)
            for i in range(1, tta):
                probabilities += self._predict_once(augmenter(uint8, seed=view_seed(self.config.seed, i)), batch_size)
            probabilities /= tta
        bad = int(np.sum(~np.isfinite(probabilities)))
        if bad:
            raise FloatingPointError(
                f"the model gave non-finite probabilities for {bad} of {len(probabilities)} images: training "
                f"diverged, or a short run from scratch left BatchNorm statistics unsettled. Lower "
                f"learning_rate, train longer, or use 'tf' preprocessing (backbone params) for scratch models."
            )
        return probabilities

    def _predict_once(self, array: np.ndarray, batch_size: int | None) -> np.ndarray:
        out = self.build().predict(array.astype(np.float32), batch_size=batch_size or self.config.batch_size, verbose=0)
        return np.asarray(out, dtype=np.float64)[:, -1]

    def report_folder(self, split: str, tta: int = 1) -> str:
        """Name of the folder under ``run_dir/reports`` that :meth:`evaluate` writes for ``split``.

        Example:
            >>> Trainer({"name": "x", "dataset": "synthetic"}).report_folder("test", tta=8)
            'test-tta8'
        """
        name = split if tta <= 1 else f"{split}-tta{tta}"
        return f"{self.report_prefix}-{name}" if self.report_prefix else name

    def evaluate(self, split: str = "test", *, tta: int | None = None, save: bool = True) -> Report:
        """Metrics of the model on ``split``: the paper's five and the ISIC 2017 set.

        Args:
            tta: test-time augmentation views to average (default ``config.tta``;
                1 = none); see :meth:`predict`.
            save: also write the report (metrics, tables, predictions, plots) to
                ``run_dir/reports/<split>/`` (``<split>-tta<N>/`` with test-time
                augmentation, so both can be kept; see :meth:`report_folder`) when
                the run directory exists.
        """
        from lesionkit.metrics import binary_metrics

        views = max(self.config.tta if tta is None else int(tta), 1)
        data = self.split(split)
        probabilities = self.predict(self._images(data), tta=views)
        y_true = data.labels(self.config.task)
        report = Report(
            name=self.config.name,
            split=split,
            task=self.config.task,
            metrics=binary_metrics(y_true, probabilities),
            y_true=y_true,
            probabilities=probabilities,
            ids=data.ids,
            reference=self.reference,
            tta=views,
        )
        if save and self.run_dir.is_dir():
            report.save(self.run_dir / "reports" / self.report_folder(split, views))
            if (self.run_dir / "history.csv").is_file():
                from lesionkit.plots import plot_training_curves

                plot_training_curves(self.run_dir / "history.csv", self.run_dir / "reports" / "training_curves.png")
        return report


def _reference_for(name: str) -> dict[str, float] | None:
    from lesionkit.presets import PAPER_RESULTS

    return PAPER_RESULTS.get(name)


def _model_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned or "lesion_classifier"
