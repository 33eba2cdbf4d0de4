"""Several finished runs of one task, their probabilities averaged: an ensemble.

Each member predicts a split as its own evaluation would: at its own image size, with its own
test-time augmentation, metadata prior and temperature. The ensemble averages those
probabilities (members may differ in seed, image size or backbone; they must share the task).
Averaging a few models trained with different seeds is the cheapest reliable gain in ROC AUC
there is: each member's errors are partly its own.

Example:
    >>> from lesionkit.training.ensemble import Ensemble
    >>> ensemble = Ensemble.from_runs(["runs/seed0", "runs/seed1", "runs/seed2"])  # doctest: +SKIP
    >>> print(ensemble.evaluate("validation").table())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs
import numpy as np

from lesionkit.errors import ConfigError
from lesionkit.evaluation.posthoc.chain import PostHoc
from lesionkit.evaluation.reports.report import Report
from lesionkit.evaluation.stats.confidence import DEFAULT_RESAMPLES
from lesionkit.training.trainer import Trainer

__all__ = ["Ensemble", "EnsembleError"]


class EnsembleError(ConfigError):
    """Members that cannot be averaged: none, different tasks, or different images in a split."""


class Ensemble:
    """The mean of the members' probabilities (see the module docs).

    Args:
        members: Trainers with trained weights (e.g. :meth:`Trainer.from_run`), all of one task.

    Raises:
        EnsembleError: no members, or members of different tasks.
    """

    def __init__(self, members: Sequence[Trainer]) -> None:
        members = list(members)
        if not members:
            raise EnsembleError("an ensemble needs at least one run")
        tasks = {m.config.task for m in members}
        if len(tasks) > 1:
            listed = ", ".join(f"{m.run_dir} ({m.config.task})" for m in members)
            raise EnsembleError(f"ensemble members must share one task; got {listed}")
        self.members = members

    @classmethod
    def from_runs(cls, run_dirs: Sequence[str | Path], *, weights: str = "best") -> Ensemble:
        """The ensemble of finished run directories (each with its ``weights`` checkpoint)."""
        return cls([Trainer.from_run(path, weights=weights) for path in run_dirs])

    def __len__(self) -> int:
        return len(self.members)

    @property
    def task(self) -> str:
        return self.members[0].config.task

    @property
    def posthoc(self) -> PostHoc:
        """How the ensemble decides from its averaged probabilities (``posthoc.decide``).

        Each member's prior and temperature are already in its probabilities, so the chain only
        decides: with the members' frozen threshold or decision rule when they all froze the same one
        (a single run's ensemble decides as that run does), else at p > 0.5 or by the most probable class.
        """
        first = self.members[0].posthoc
        points = {m.posthoc.operating_point for m in self.members}
        rules = {m.posthoc.decision_rule for m in self.members}
        return PostHoc(
            first.classes,
            operating_point=first.operating_point if len(points) == 1 else None,
            decision_rule=first.decision_rule if len(rules) == 1 else None,
        )

    def predict_split(self, split: str, *, tta: int | None = None) -> np.ndarray:
        """The members' mean probabilities on ``split`` (``(N,)`` binary, ``(N, K)`` multi-class).

        Args:
            tta: views per member (default: each member's config).

        Raises:
            EnsembleError: the members' datasets give the split different images.
        """
        total: np.ndarray | None = None
        ids: tuple[str, ...] | None = None
        for member in self.members:
            data = member.split(split)
            if ids is not None and data.ids != ids:
                raise EnsembleError(
                    f"{member.run_dir}: its {split!r} split holds other images than the first member's; "
                    f"ensemble runs trained on the same dataset"
                )
            ids = data.ids
            views = max(member.config.tta if tta is None else int(tta), 1)
            images = data.load_images(member.config.image_size)
            probabilities = np.asarray(member.predict(images, tta=views, metadata=data.metadata), np.float64)
            total = probabilities if total is None else total + probabilities
        assert total is not None  # at least one member (checked in __init__)
        return total / len(self.members)

    def evaluate(
        self,
        split: str = "test",
        *,
        tta: int | None = None,
        bootstrap: int = DEFAULT_RESAMPLES,
        out: str | Path | None = None,
    ) -> Report:
        """The report of the averaged probabilities on ``split`` (written to ``out`` when given).

        The report carries no published reference row or temperature: those belong to single runs (each
        member's own temperature and prior are in its probabilities). Its thresholded figures use
        :attr:`posthoc`'s threshold.
        """
        from lesionkit.evaluation.reports.evaluate import evaluate_split

        first = self.members[0]
        probabilities = self.predict_split(split, tta=tta)
        names = ", ".join(m.config.name for m in self.members)
        views = max(first.config.tta if tta is None else int(tta), 1)
        report = evaluate_split(
            lambda images, n: probabilities,
            first.split(split),
            name=f"ensemble of {len(self)} ({names})",
            task=first.task,
            image_size=min(m.config.image_size for m in self.members),
            tta=views,
            bootstrap=bootstrap,
            seed=first.config.seed,
            posthoc=self.posthoc,
        )
        data = first.split(split)
        notes = tuple(self.member_note(m, data.metadata, len(data)) for m in self.members)
        if report.clinical is not None:
            clinical = attrs.evolve(report.clinical, notes=(*report.clinical.notes, *notes))
            report = attrs.evolve(report, clinical=clinical)
        if out is not None:
            report.save(Path(out))
        return report

    @staticmethod
    def member_note(member: Trainer, metadata: Mapping[str, Sequence[object]], n: int) -> str:
        """What went into one member's probabilities: its run, metadata prior and temperature.

        A report of the average says so for each member, as a single run's report does for itself.
        """
        prior = member.metadata_prior
        if prior is None:
            used = "images alone"
        else:
            known = int(prior.known_rows(metadata, prior.fields, n).sum())
            used = f"{prior.describe()}: {known} of {n} images had metadata"
        scaling = member.temperature
        temperature = "" if scaling is None else f"; temperature {scaling.temperature:.3g}"
        return f"member {member.config.name} ({member.run_dir}): {used}{temperature}"
