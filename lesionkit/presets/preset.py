"""A preset is a record: a named, described config with the published metrics row it is compared to.

Example:
    >>> from lesionkit.config import ExperimentConfig
    >>> preset = Preset("tiny", ExperimentConfig(name="tiny", dataset="synthetic"), "A tiny run.")
    >>> preset(epochs=2).config.epochs   # calling it gives a Trainer, overrides applied
    2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from lesionkit.config import ExperimentConfig
from lesionkit.errors import ConfigError
from lesionkit.presets.recipe_card import RecipeCard
from lesionkit.warn import warn

if TYPE_CHECKING:
    from lesionkit.training.trainer import Trainer


def _row(value: Mapping[str, float] | None) -> Mapping[str, float] | None:
    return None if value is None else {str(k): float(v) for k, v in value.items()}


@attrs.frozen(eq=False)
class Preset:
    """A ready-made experiment.

    Attributes:
        name: the registry name (also the config's ``name``).
        config: the experiment.
        description: one line, then details (``lesionkit presets`` prints the first line).
        reference: the published metrics row reports print beside ours (``None``: none).
        requires_weights: what ``weights=`` must name (``""``: nothing required). A preset that
            fine-tunes a pretrained backbone refuses to start from scratch and says what to pass.
        card: what it needs (data, weights, a GPU) and the figure it reached on real data
            (:class:`~lesionkit.presets.recipe_card.RecipeCard`; ``None``: nothing recorded).
    """

    name: str
    config: ExperimentConfig
    description: str
    reference: Mapping[str, float] | None = attrs.field(default=None, converter=_row)
    requires_weights: str = ""
    card: RecipeCard | None = None

    def trainer(self, **overrides: Any) -> Trainer:
        """A Trainer of this preset's config with ``overrides`` (ExperimentConfig fields) applied."""
        from lesionkit.training.trainer import Trainer

        config = self.config.evolve(**overrides)
        if self.requires_weights and config.weights is None:
            raise ConfigError(
                f"preset {self.name!r} fine-tunes a pretrained backbone: pass weights= {self.requires_weights} "
                f"(--weights on the command line)"
            )
        return Trainer(config, reference=self.reference)

    def __call__(self, **overrides: Any) -> Trainer:
        """The registry contract of presets, ``factory(**overrides) -> Trainer``: :meth:`trainer`."""
        return self.trainer(**overrides)

    @property
    def summary(self) -> str:
        """The description's first line."""
        return self.description.strip().splitlines()[0] if self.description.strip() else ""


@attrs.frozen(eq=False)
class RenamedPreset:
    """An old preset name that still works, with a warning naming the new one.

    Example:
        >>> from lesionkit.config import ExperimentConfig
        >>> new = Preset("tiny_scratch", ExperimentConfig(name="tiny_scratch", dataset="synthetic"), "A tiny run.")
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     trainer = RenamedPreset("tiny_best", new)(epochs=2)
        >>> trainer.config.name, str(caught[0].message)
        ('tiny_scratch', "preset 'tiny_best' is renamed 'tiny_scratch'; the old name will be removed")
    """

    old: str
    target: Preset
    why: str = ""

    def __call__(self, **overrides: Any) -> Trainer:
        warn(
            f"preset {self.old!r} is renamed {self.target.name!r}{self.why}; the old name will be removed",
            FutureWarning,
        )
        return self.target(**overrides)

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def config(self) -> ExperimentConfig:
        return self.target.config

    @property
    def description(self) -> str:
        return f"Renamed {self.target.name!r}{self.why}.\n\n{self.target.description}"

    @property
    def reference(self) -> Mapping[str, float] | None:
        return self.target.reference

    @property
    def card(self) -> RecipeCard | None:
        return self.target.card

    @property
    def summary(self) -> str:
        return f"old name of {self.target.name} (renamed{self.why})"
