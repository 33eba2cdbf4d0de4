"""Training one run: what :meth:`lesionkit.Trainer.fit` does, step by step, on one worker or several.

The checks come first (on every worker, before the chief writes anything), then the run
directory, the pipelines, the model, resuming from the last checkpoint, Keras's ``fit`` with
lesionkit's callbacks, and the metadata prior the config asks for.

Example:
    >>> from lesionkit import Trainer
    >>> trainer = Trainer.from_preset("melanoma_conv5", dataset="synthetic", weights=None, image_size=32)
    >>> history = fit_trainer(trainer, resume=False, callbacks=(), verbose=0)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lesionkit.data.splitting.split import Split
from lesionkit.runs import ResumePoint, RunDirError
from lesionkit.runtime.settings import ensure_runtime
from lesionkit.training import assembly
from lesionkit.training.preflight import check_before_fit

if TYPE_CHECKING:
    from lesionkit.training.trainer import Trainer

__all__ = ["fit_trainer"]


def fit_trainer(
    trainer: Trainer, *, resume: bool, callbacks: Sequence[Any], verbose: int | str
) -> dict[str, list[float]]:
    """Train ``trainer``'s config for ``config.epochs`` epochs (see :meth:`lesionkit.Trainer.fit`); return the history.

    Sets ``trainer.reference`` (kept with the run) and fits ``trainer``'s metadata prior when the
    config names one.
    """
    ensure_runtime("train")  # oneDNN and thread pools are fixed when TensorFlow is imported
    from lesionkit.runtime.strategy import agreed
    from lesionkit.training.callbacks import fit_callbacks

    cfg, role = trainer.config, trainer.role
    if role.is_multi_worker and not cfg.run_dir:
        raise RunDirError(
            f"distribute='multi_worker_mirrored' with {role.num_workers} workers needs run_dir: the same "
            f"directory on shared storage for every worker (--run-dir), where the chief writes the run"
        )
    # TensorFlow configures collective ops when its runtime starts, so the strategy comes
    # before anything starts it: environment.json's device list did (run.open), then the
    # pipelines would. Importing TensorFlow alone does not.
    strategy, run = trainer.strategy, trainer.run

    def check() -> Split:
        check_before_fit(cfg)  # weights and augmenters: before the image cache and the run directory
        train = trainer.split("train")  # missing or broken data fails here, before the run directory is made
        run.check_open(cfg, resume=resume)
        return train

    # Every worker checks before the chief writes (else a worker would find the chief's new
    # files), and one worker's failure stops them all instead of leaving them in a collective.
    train = agreed(strategy, check)
    if role.is_chief:
        trainer.reference = run.open(cfg, resume=resume, reference=trainer.reference)
    elif resume and not trainer.reference:
        trainer.reference = run.read_reference()
    data = assembly.train_data(cfg, trainer.task, train, trainer.head.num_outputs)
    model = trainer.build()
    assembly.compile_model(
        model, cfg, trainer.task, strategy, steps_per_epoch=data.steps_per_epoch, class_counts=data.class_counts
    )
    # Every worker loads the chief's last checkpoint: the same weights everywhere.
    start = run.resume(model, truncate_history=role.is_chief) if resume else ResumePoint()
    has_validation = "validation" in trainer.dataset.split_names()
    validation = (
        assembly.eval_data(cfg, trainer.task, trainer.split("validation"), trainer.head.num_outputs)
        if has_validation
        else None
    )
    if start.epoch < cfg.epochs:
        monitor = assembly.monitor_for(trainer.task, has_validation=has_validation)
        checkpoint, own = fit_callbacks(
            run, cfg, monitor=monitor, best=start.best, append=start.epoch > 0, chief=role.is_chief
        )
        with checkpoint.writes_flushed(cfg.epochs):
            fitted = model.fit(
                data.from_epoch(start.epoch),  # a resumed run sees the epochs it would have seen
                epochs=cfg.epochs,
                initial_epoch=start.epoch,
                steps_per_epoch=data.steps_per_epoch,  # the pipeline holds every remaining epoch
                validation_data=validation,
                class_weight=data.class_weights,
                callbacks=[*own, *callbacks],
                shuffle=False,  # the pipeline shuffles, seeded
                verbose=verbose,
            )
        if not role.is_chief:
            trainer.history = {key: [float(v) for v in values] for key, values in fitted.history.items()}
    if role.is_chief:
        trainer.history = run.read_history()
        if cfg.metadata_prior:
            trainer.fit_metadata_prior(cfg.metadata_prior)
    elif start.epoch >= cfg.epochs:
        trainer.history = {}
    # Every worker waits here for the chief's last writes: a worker that went on at once could
    # load the best checkpoint (for the evaluation that gathers across workers) before the
    # chief had written it, and predict its share of the images with older weights.
    agreed(strategy, lambda: None, what="writing the run")
    return trainer.history
