"""The Keras dtype policy a model is built under: chosen (``precision="auto"``) and applied.

Precision policies: ``"float32"``, ``"mixed_float16"`` (GPUs with tensor cores; Keras scales
the loss automatically in ``compile``), ``"mixed_bfloat16"`` (TPUs, recent GPUs and CPUs).
lesionkit's heads keep their output layer in float32 under every policy. A config's
``precision="auto"`` (the default) is resolved by :func:`config_precision`: the policy
``lesionkit tune`` measured faster for that backbone and input size on this host
(:func:`resolve_precision`, from the host profile), else float32.

The names are the core's (:data:`lesionkit.vocabulary.PRECISIONS`); this module imports
Keras only inside :func:`precision_policy`.

Example:
    >>> resolve_precision("mixed_bfloat16", "resnet18", 64).value
    'mixed_bfloat16'
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

from lesionkit.registry import did_you_mean
from lesionkit.runtime.errors import RuntimeConfigError
from lesionkit.runtime.host import Host
from lesionkit.runtime.profile import Profile, load_profile, split_precision_key
from lesionkit.vocabulary import PRECISIONS

#: What a config's ``precision="auto"`` means: the host profile's measured choice, else this.
DEFAULT_PRECISION = "float32"
#: The precision ``lesionkit tune`` measures against float32.
LOW_PRECISION = "mixed_bfloat16"


@dataclasses.dataclass(frozen=True)
class PrecisionChoice:
    """The dtype policy a model is built under, and why.

    Attributes:
        value: ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``.
        source: ``"config"`` (you set it), ``"profile"`` (``lesionkit tune`` measured it
            faster on this host) or ``"default"`` (nothing measured: float32).
        entry: the profile's key used (``"resnet18@64"``), for ``"profile"`` only.
    """

    value: str
    source: str
    entry: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The form recorded in ``environment.json``."""
        return dataclasses.asdict(self)


def resolve_precision(
    configured: str,
    backbone: str,
    image_size: int,
    *,
    profile: Profile | str | None = "cached",
    host: Host | None = None,
) -> PrecisionChoice:
    """The dtype policy for a config's ``precision``: yours when you set one, else measured, else float32.

    ``configured="auto"`` (the config's default) looks up this host's profile: the entry of
    this backbone at this size, else the same backbone at the nearest measured size (the
    smaller on a tie); without one (no profile, or no entry for the backbone) it is
    float32. Any other value is yours and wins.

    Args:
        configured: the config's ``precision``.
        backbone: the backbone's registry name (``"resnet18"``).
        image_size: the input side in pixels.
        profile: a :class:`Profile`, ``None``, or ``"cached"`` for this host's (:func:`load_profile`).
        host: the host (default: detected).

    Example:
        >>> p = Profile(Host("x", (), 2, "x86_64"), {}, precision={"resnet50@128": "mixed_bfloat16"})
        >>> resolve_precision("auto", "resnet50", 96, profile=p)
        PrecisionChoice(value='mixed_bfloat16', source='profile', entry='resnet50@128')
        >>> resolve_precision("auto", "resnet18", 64, profile=p).source
        'default'
        >>> resolve_precision("float32", "resnet50", 128, profile=p).source
        'config'
    """
    if configured != "auto":
        return PrecisionChoice(configured, "config")
    if profile == "cached":
        profile = load_profile(host)
    table = profile.precision if isinstance(profile, Profile) else {}
    sizes = []  # (distance, size, key) of each entry of this backbone
    for key in table:
        parsed = split_precision_key(key)
        if parsed is not None and parsed[0] == backbone:
            sizes.append((abs(parsed[1] - int(image_size)), parsed[1], key))
    if not sizes:
        return PrecisionChoice(DEFAULT_PRECISION, "default")
    key = min(sizes)[2]
    return PrecisionChoice(table[key], "profile", key)


def config_precision(cfg: Any) -> str:
    """The dtype policy a config's model is built under: its ``precision``, with ``"auto"`` resolved.

    Example:
        >>> from lesionkit.config import ExperimentConfig
        >>> config_precision(ExperimentConfig(precision="mixed_bfloat16"))
        'mixed_bfloat16'
    """
    return resolve_precision(cfg.precision, cfg.backbone.name, cfg.image_size).value


@contextlib.contextmanager
def precision_policy(name: str = "float32") -> Iterator[str]:
    """Set the Keras global dtype policy to ``name`` inside the block; restore the old one after.

    Layers created inside the block compute in the policy's dtype and keep float32
    variables; build the model inside it. The previous policy comes back even if the
    block raises.

    Raises:
        RuntimeConfigError: ``name`` is not one of ``float32``, ``mixed_float16``,
            ``mixed_bfloat16``.

    Example:
        >>> import keras
        >>> with precision_policy("mixed_bfloat16") as active:
        ...     active, keras.config.dtype_policy().name
        ('mixed_bfloat16', 'mixed_bfloat16')
        >>> keras.config.dtype_policy().name
        'float32'
    """
    if name not in PRECISIONS:
        raise RuntimeConfigError(
            f"precision = {name!r} is not a dtype policy.{did_you_mean(str(name), PRECISIONS)} "
            f"Choose one of: {', '.join(PRECISIONS)}"
        )
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield name
    finally:
        keras.config.set_dtype_policy(previous)
