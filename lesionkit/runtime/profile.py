"""The host profile ``lesionkit tune`` caches: the fastest settings per purpose, and precision per model.

Cached in ``$LESIONKIT_CACHE/runtime/`` (else ``$XDG_CACHE_HOME/lesionkit``, else
``~/.cache/lesionkit``), one JSON file per :class:`~lesionkit.runtime.host.Host`. No TensorFlow.

Example:
    >>> from lesionkit.runtime.host import Host
    >>> host = Host("x", (), 2, "x86_64")
    >>> p = Profile(host, {}, precision={"resnet18@64": "float32"})
    >>> p.to_dict()["precision"], profile_path(host, {"LESIONKIT_CACHE": "/c"}).parent.as_posix()
    ({'resnet18@64': 'float32'}, '/c/runtime')
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lesionkit.io import atomic_write_text
from lesionkit.runtime.errors import RuntimeProfileWarning, RuntimeSettingsError
from lesionkit.runtime.host import Host, detect_host
from lesionkit.runtime.variables import ENV_VARS, PURPOSES, check_value
from lesionkit.vocabulary import PRECISIONS
from lesionkit.warn import warn

PROFILE_FORMAT = 1


def cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$LESIONKIT_CACHE``, else ``$XDG_CACHE_HOME/lesionkit``, else ``~/.cache/lesionkit``.

    The same rule as the dataset cache (:func:`lesionkit.data.loading.cache.default_cache_dir`).
    """
    env = os.environ if environ is None else environ
    if env.get("LESIONKIT_CACHE"):
        return Path(env["LESIONKIT_CACHE"]).expanduser()
    return Path(env.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "lesionkit"


def profile_path(host: Host | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """Where the runtime profile of ``host`` (default: this one) is cached."""
    host = host or detect_host()
    return cache_dir(environ) / "runtime" / f"{host.key}.json"


@dataclasses.dataclass(frozen=True)
class Profile:
    """Settings measured on one host, per purpose (``lesionkit tune`` writes it).

    Attributes:
        host: the host measured.
        settings: ``{"train": {...}, "infer": {...}}``, each a value for every name of
            :data:`ENV_VARS` (``onednn``/``jit_compile`` booleans, thread counts integers).
        measured: when (ISO time).
        measurements: the rows the choice was made from (img/s per candidate), kept for
            ``lesionkit info``.
        precision: the faster dtype policy per backbone and input size, e.g.
            ``{"resnet18@64": "mixed_bfloat16"}`` (:func:`choose_precision`); a config's
            ``precision="auto"`` uses it (:func:`resolve_precision`). Empty in profiles
            measured without it.
    """

    host: Host
    settings: dict[str, dict[str, Any]]
    measured: str = ""
    measurements: tuple[dict[str, Any], ...] = ()
    precision: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PROFILE_FORMAT,
            "host": self.host.to_dict(),
            "measured": self.measured,
            "settings": self.settings,
            "measurements": list(self.measurements),
            "precision": dict(self.precision),
        }


def _parse_profile(data: Any, where: str) -> Profile:
    if not isinstance(data, dict) or data.get("format") != PROFILE_FORMAT:
        raise RuntimeSettingsError(f"{where}: not a format-{PROFILE_FORMAT} runtime profile")
    h = data.get("host")
    if not isinstance(h, dict):
        raise RuntimeSettingsError(f"{where}: no host")
    host = Host(
        cpu=str(h.get("cpu")),
        flags=tuple(h.get("flags") or ()),
        cores=int(h.get("cores") or 0),
        machine=str(h.get("machine")),
    )
    settings: dict[str, dict[str, Any]] = {}
    for purpose in PURPOSES:
        block = (data.get("settings") or {}).get(purpose)
        if not isinstance(block, dict):
            raise RuntimeSettingsError(f"{where}: no settings for {purpose!r}")
        settings[purpose] = {n: check_value(n, block.get(n), f"{where} [{purpose}]") for n in ENV_VARS}
    rows = data.get("measurements") or []
    return Profile(
        host=host,
        settings=settings,
        measured=str(data.get("measured", "")),
        measurements=tuple(rows),
        precision=_check_precision_table(data.get("precision") or {}, where),
    )


def save_profile(profile: Profile, path: str | Path | None = None) -> Path:
    """Write ``profile`` atomically (default: :func:`profile_path` of its host); return the path."""
    target = Path(path) if path is not None else profile_path(profile.host)
    for purpose in PURPOSES:  # never cache something load_profile would reject
        for name in ENV_VARS:
            check_value(name, profile.settings[purpose][name], f"profile [{purpose}]")
    _check_precision_table(profile.precision, "profile")
    atomic_write_text(target, json.dumps(profile.to_dict(), indent=2) + "\n")
    return target


def load_profile(host: Host | None = None, path: str | Path | None = None) -> Profile | None:
    """The cached profile of ``host`` (default: this one), or ``None`` when there is none.

    A file that cannot be read, is not a profile, or was measured on another host is
    ignored with a :class:`RuntimeProfileWarning` that names it (defaults apply;
    ``lesionkit tune`` writes a new one).
    """
    host = host or detect_host()
    target = Path(path) if path is not None else profile_path(host)
    if not target.exists():
        return None
    try:
        profile = _parse_profile(json.loads(target.read_text(encoding="utf-8")), str(target))
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        warn(
            f"runtime profile {target} is unreadable ({exc}); using the defaults. "
            "Run `lesionkit tune` to measure a new one, or delete the file.",
            RuntimeProfileWarning,
        )
        return None
    if profile.host != host:
        warn(
            f"runtime profile {target} was measured on another host ({profile.host.cpu}, "
            f"{profile.host.cores} cores); using the defaults. Run `lesionkit tune` on this one.",
            RuntimeProfileWarning,
        )
        return None
    return profile


def profile_from_measurements(
    host: Host,
    settings: Mapping[str, Mapping[str, Any]],
    measurements: list[dict[str, Any]],
    precision: Mapping[str, str] | None = None,
) -> Profile:
    """A :class:`Profile` of ``host`` stamped with the current time."""
    return Profile(
        host=host,
        settings={p: dict(settings[p]) for p in PURPOSES},
        measured=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        measurements=tuple(measurements),
        precision=dict(precision or {}),
    )


def precision_key(backbone: str, image_size: int) -> str:
    """The profile's key for a backbone at an input size.

    Example:
        >>> precision_key("resnet18", 64)
        'resnet18@64'
    """
    return f"{backbone}@{int(image_size)}"


def split_precision_key(key: str) -> tuple[str, int] | None:
    """``("resnet18", 64)`` from ``"resnet18@64"``; ``None`` for a key not of that form."""
    backbone, _, size = key.rpartition("@")
    return (backbone, int(size)) if backbone and size.isdigit() else None


def _check_precision_table(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, Mapping):
        raise RuntimeSettingsError(f"{where}: precision should map 'backbone@size' to a dtype policy; got {table!r}")
    for key, value in table.items():
        if not isinstance(key, str) or split_precision_key(key) is None:
            raise RuntimeSettingsError(f"{where}: precision key {key!r} should look like 'resnet18@64'")
        if value not in PRECISIONS:
            raise RuntimeSettingsError(
                f"{where}: precision[{key!r}] = {value!r} should be one of {', '.join(PRECISIONS)}"
            )
    return {str(k): str(v) for k, v in table.items()}
