"""CPU runtime settings chosen before TensorFlow is imported: oneDNN, thread pools, XLA.

TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS``, ``TF_NUM_INTRAOP_THREADS`` and
``TF_NUM_INTEROP_THREADS`` once, when it is imported; the fastest values depend on the
CPU and on whether a process trains or predicts (on a 2-core AVX2 EPYC, oneDNN doubled
ResNet-50 training speed but cost a third of 64-px inference speed). So the ``lesionkit``
command and the :class:`~lesionkit.Trainer` call :func:`configure_runtime` before their
first TensorFlow import. It decides each setting in this order:

1. **your environment**: a variable you set yourself always wins;
2. **the host's profile**: the settings ``lesionkit tune`` measured on this CPU (model,
   instruction-set flags and core count), cached in
   ``$LESIONKIT_CACHE/runtime/`` (else ``$XDG_CACHE_HOME/lesionkit``, else
   ``~/.cache/lesionkit``);
3. **defaults** (:func:`default_settings`): oneDNN on for training, and for inference
   where the CPU has AVX-512 (TensorFlow's own choice there); one intra-op thread per
   core available to the process; TensorFlow's inter-op pool (one per core); XLA off.

``LESIONKIT_JIT_COMPILE=1``/``0`` is the variable for XLA (``jit_compile``; a config's
``jit_compile=True`` always compiles), and ``LESIONKIT_RUNTIME=off`` leaves every setting
to TensorFlow. The settings in force go into each run's ``environment.json``.

Example:
    >>> import os
    >>> settings = resolve_settings("train", environ={"TF_NUM_INTEROP_THREADS": "1"}, profile=None)
    >>> settings["inter_op_threads"].value, settings["inter_op_threads"].source
    (1, 'user env')
    >>> settings["onednn"].source
    'default'

This module imports nothing heavy: it is safe to call first thing in a program, e.g. before
creating a ``tf.distribute.MultiWorkerMirroredStrategy``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
import os
import platform
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from lesionkit.errors import LesionkitError
from lesionkit.io import atomic_write_text
from lesionkit.warn import warn

#: What a process does with TensorFlow; the settings can differ between the two.
PURPOSES: tuple[str, ...] = ("train", "infer")

#: Each setting and the environment variable that carries it.
ENV_VARS: dict[str, str] = {
    "onednn": "TF_ENABLE_ONEDNN_OPTS",
    "intra_op_threads": "TF_NUM_INTRAOP_THREADS",
    "inter_op_threads": "TF_NUM_INTEROP_THREADS",
    "jit_compile": "LESIONKIT_JIT_COMPILE",
}
#: Settings TensorFlow reads when it is imported (they cannot change afterwards).
READ_AT_IMPORT: tuple[str, ...] = ("onednn", "intra_op_threads", "inter_op_threads")
#: Set to ``off`` to leave every setting to TensorFlow.
SWITCH_VAR = "LESIONKIT_RUNTIME"
#: Which variables lesionkit itself set (``NAME=value,...``), so a child process can tell
#: them from the user's own.
SET_BY_LESIONKIT_VAR = "LESIONKIT_RUNTIME_SET"
#: CPU flags that change which kernels TensorFlow and oneDNN use.
FLAGS_THAT_MATTER: tuple[str, ...] = (
    "avx2",
    "fma",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)
PROFILE_FORMAT = 1

SOURCES = ("user env", "profile", "default", "tensorflow")


class RuntimeSettingsError(LesionkitError, ValueError):
    """A runtime setting that cannot be used (unknown purpose, unreadable value)."""


class RuntimeProfileWarning(UserWarning):
    """A cached runtime profile was unreadable or stale and defaults were used instead."""


class RuntimeAlreadyImportedWarning(UserWarning):
    """TensorFlow was imported before the runtime settings could apply."""


@dataclasses.dataclass(frozen=True)
class Host:
    """What a runtime profile is keyed by: the CPU model, the flags that matter, the cores.

    Attributes:
        cpu: the CPU model name (``/proc/cpuinfo``), else ``platform.processor()``.
        flags: those of :data:`FLAGS_THAT_MATTER` the CPU has.
        cores: CPUs this process may run on (its affinity mask, else ``os.cpu_count()``).
        machine: ``platform.machine()`` (``x86_64``, ``arm64``...).
    """

    cpu: str
    flags: tuple[str, ...]
    cores: int
    machine: str

    @property
    def key(self) -> str:
        """A short stable name for the host, used as the profile's file name."""
        text = json.dumps([self.cpu, list(self.flags), self.cores, self.machine])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {"cpu": self.cpu, "flags": list(self.flags), "cores": self.cores, "machine": self.machine}


def _cpuinfo() -> tuple[str, set[str]]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine() or "unknown", set()
    model, flags = "", set[str]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "Model", "cpu model") and not model:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return model or platform.processor() or "unknown", flags


def available_cores() -> int:
    """CPUs this process may run on (respects ``taskset`` and container CPU sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def detect_host() -> Host:
    """The :class:`Host` this process runs on (reads ``/proc/cpuinfo`` on Linux; no TensorFlow)."""
    model, flags = _cpuinfo()
    return Host(
        cpu=model,
        flags=tuple(f for f in FLAGS_THAT_MATTER if f in flags),
        cores=available_cores(),
        machine=platform.machine(),
    )


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


def _check_value(name: str, value: Any, where: str) -> bool | int:
    if name in ("onednn", "jit_compile"):
        if isinstance(value, bool):
            return value
        raise RuntimeSettingsError(f"{where}: {name} = {value!r} should be true or false")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise RuntimeSettingsError(f"{where}: {name} = {value!r} should be a whole number of threads, 1 or more")


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
        settings[purpose] = {n: _check_value(n, block.get(n), f"{where} [{purpose}]") for n in ENV_VARS}
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
            _check_value(name, profile.settings[purpose][name], f"profile [{purpose}]")
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


def default_settings(purpose: str, host: Host | None = None) -> dict[str, bool | int]:
    """The settings used when neither your environment nor a profile decides.

    Why these: oneDNN doubled ResNet-50 training throughput on an AVX2-only EPYC, where
    TensorFlow leaves it off, but made 64-px inference a third slower there; with AVX-512
    TensorFlow turns it on itself. One intra-op thread per available core is what
    TensorFlow would pick, made explicit so it follows ``taskset``/container limits. XLA
    costs a compile per shape and is off unless measured faster.

    Example:
        >>> h = Host(cpu="x", flags=("avx2", "fma"), cores=2, machine="x86_64")
        >>> default_settings("train", h)["onednn"], default_settings("infer", h)["onednn"]
        (True, False)
    """
    _check_purpose(purpose)
    host = host or detect_host()
    return {
        "onednn": purpose == "train" or "avx512f" in host.flags,
        "intra_op_threads": host.cores,
        "inter_op_threads": host.cores,
        "jit_compile": False,
    }


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise RuntimeSettingsError(f"purpose = {purpose!r}: use one of {', '.join(PURPOSES)}")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting's value and where it came from.

    Attributes:
        name: ``onednn``, ``intra_op_threads``, ``inter_op_threads`` or ``jit_compile``.
        value: the value (``None`` when TensorFlow decides, e.g. ``LESIONKIT_RUNTIME=off``).
        source: ``"user env"``, ``"profile"``, ``"default"`` or ``"tensorflow"``.
        env_var: the environment variable that carries it.
    """

    name: str
    value: bool | int | None
    source: str
    env_var: str

    @property
    def env_value(self) -> str | None:
        """The value as the environment variable spells it."""
        if self.value is None:
            return None
        return str(int(self.value)) if isinstance(self.value, bool) else str(self.value)


@dataclasses.dataclass(frozen=True)
class RuntimeSettings(Mapping[str, Setting]):
    """The settings of one process: a read-only mapping name → :class:`Setting`.

    Attributes:
        purpose: ``"train"`` or ``"infer"``.
        host: the host they were resolved for.
        profile: the profile file used, ``"(passed in)"`` for a :class:`Profile` given in
            code, or ``None``.
        applied: ``False`` when TensorFlow was already imported, so the settings it reads
            at import (:data:`READ_AT_IMPORT`) are whatever it read then.
    """

    purpose: str
    host: Host
    settings: tuple[Setting, ...]
    profile: str | None = None
    applied: bool = True

    def __getitem__(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (s.name for s in self.settings)

    def __len__(self) -> int:
        return len(self.settings)

    @property
    def jit_compile(self) -> bool:
        """Whether models compiled in this process should use XLA."""
        return bool(self["jit_compile"].value)

    def to_dict(self) -> dict[str, Any]:
        """The form recorded in ``environment.json``."""
        return {
            "purpose": self.purpose,
            "applied_before_tensorflow": self.applied,
            "profile": self.profile,
            "host": self.host.to_dict(),
            "settings": {s.name: {"value": s.value, "source": s.source, "env": s.env_var} for s in self.settings},
        }


def _parse_env(name: str, text: str) -> bool | int:
    var = ENV_VARS[name]
    if name in ("onednn", "jit_compile"):
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise RuntimeSettingsError(f"{var}={text!r}: use 1 (on) or 0 (off)")
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 0 or (value == 0 and text.strip() != "0"):
        raise RuntimeSettingsError(f"{var}={text!r}: use a whole number of threads (0 lets TensorFlow choose)")
    return value


def _set_by_lesionkit(environ: Mapping[str, str]) -> dict[str, str]:
    pairs = (p.partition("=") for p in environ.get(SET_BY_LESIONKIT_VAR, "").split(",") if p)
    return {k: v for k, _, v in pairs}


def resolve_settings(
    purpose: str = "train",
    *,
    environ: Mapping[str, str] | None = None,
    profile: Profile | str | None = "cached",
    host: Host | None = None,
) -> RuntimeSettings:
    """Decide each setting (user env > profile > default) without changing anything.

    Args:
        purpose: ``"train"`` or ``"infer"``.
        environ: the environment to read (default ``os.environ``).
        profile: a :class:`Profile`, ``None`` for none, or ``"cached"`` to load this
            host's cached one (:func:`load_profile`).
        host: the host (default: detected).

    Raises:
        RuntimeSettingsError: an unknown purpose, or a variable such as
            ``TF_NUM_INTRAOP_THREADS=two`` that cannot be read.
    """
    _check_purpose(purpose)
    env = os.environ if environ is None else environ
    host = host or detect_host()
    if env.get(SWITCH_VAR, "").strip().lower() in ("off", "0", "false", "no"):
        return RuntimeSettings(
            purpose, host, tuple(Setting(n, None, "tensorflow", v) for n, v in ENV_VARS.items()), applied=False
        )
    where = None
    if profile == "cached":
        profile = load_profile(host)
        where = str(profile_path(host)) if profile is not None else None
    elif isinstance(profile, Profile):
        where = "(passed in)"
    chosen = profile.settings[purpose] if isinstance(profile, Profile) else None
    ours = _set_by_lesionkit(env)
    defaults = default_settings(purpose, host)
    settings = []
    for name, var in ENV_VARS.items():
        text = env.get(var)
        if text is not None and text.strip() != "" and ours.get(var) != text:
            settings.append(Setting(name, _parse_env(name, text), "user env", var))
        elif chosen is not None:
            settings.append(Setting(name, chosen[name], "profile", var))
        else:
            settings.append(Setting(name, defaults[name], "default", var))
    return RuntimeSettings(purpose, host, tuple(settings), profile=where)


_ACTIVE: RuntimeSettings | None = None


def active_settings() -> RuntimeSettings | None:
    """The settings :func:`configure_runtime` put in force in this process, if it ran."""
    return _ACTIVE


def tensorflow_imported() -> bool:
    """Whether TensorFlow is already imported in this process."""
    return "tensorflow" in sys.modules


def configure_runtime(
    purpose: str = "train", *, environ: MutableMapping[str, str] | None = None, profile: Profile | str | None = "cached"
) -> RuntimeSettings:
    """Put the runtime settings for ``purpose`` in force; call it before importing TensorFlow.

    Sets the environment variables of :data:`ENV_VARS` that you have not set yourself
    (yours always win) and returns what is in force, also kept for
    :func:`active_settings` and ``environment.json``. Calling it again in the same process
    returns the settings already in force; once TensorFlow is imported, oneDNN and the
    thread pools cannot change, and a different wish is reported with a
    :class:`RuntimeAlreadyImportedWarning` instead of pretended (XLA still follows
    ``purpose``, it applies per compiled model).

    Example:
        >>> env = {"TF_ENABLE_ONEDNN_OPTS": "0"}
        >>> s = configure_runtime("infer", environ=env, profile=None)  # a dict: this process is untouched
        >>> s["onednn"].value, s["onednn"].source, env["TF_ENABLE_ONEDNN_OPTS"]
        (False, 'user env', '0')
        >>> s["jit_compile"].source, env["LESIONKIT_JIT_COMPILE"]
        ('default', '0')
    """
    global _ACTIVE
    env = os.environ if environ is None else environ
    wanted = resolve_settings(purpose, environ=env, profile=profile)
    if wanted.profile is None and all(s.source == "tensorflow" for s in wanted.settings):
        _ACTIVE = wanted  # LESIONKIT_RUNTIME=off
        return wanted
    if tensorflow_imported() and environ is None:
        before = _ACTIVE
        if before is not None and before.purpose == purpose:
            return before
        # What TensorFlow read at import is what the environment held then (if we set it,
        # it still does); a different wish now cannot apply.
        kept, ignored = [], []
        for s in wanted.settings:
            if s.name not in READ_AT_IMPORT:
                kept.append(s)
                continue
            current = env.get(s.env_var)
            if current is not None and current.strip() != "":
                now = Setting(
                    s.name, _parse_env(s.name, current), before[s.name].source if before else "user env", s.env_var
                )
            else:
                now = Setting(s.name, None, "tensorflow", s.env_var)
            if now.value != s.value:
                ignored.append(f"{s.name}={s.env_value} ({s.source})")
            kept.append(now)
        if ignored:
            warn(
                "TensorFlow was imported before lesionkit could choose its runtime settings, so "
                f"{', '.join(ignored)} cannot apply in this process; they stay as TensorFlow read them. "
                "Call lesionkit.runtime_env.configure_runtime() before importing tensorflow.",
                RuntimeAlreadyImportedWarning,
            )
        _ACTIVE = RuntimeSettings(purpose, wanted.host, tuple(kept), profile=wanted.profile, applied=False)
        return _ACTIVE
    ours = _set_by_lesionkit(env)
    for s in wanted.settings:
        if s.source != "user env" and s.env_value is not None:
            env[s.env_var] = s.env_value
            ours[s.env_var] = s.env_value
    env[SET_BY_LESIONKIT_VAR] = ",".join(f"{k}={v}" for k, v in sorted(ours.items()))
    if environ is None:
        _ACTIVE = wanted
    return wanted


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


def ensure_runtime(purpose: str = "train") -> RuntimeSettings:
    """The settings in force, calling :func:`configure_runtime` first when nothing chose them yet.

    The first caller in a process decides (the ``lesionkit`` command does so for its
    command); the :class:`~lesionkit.Trainer` calls this before it imports TensorFlow, so a
    script that only uses the Trainer gets the same settings as the command.
    """
    return _ACTIVE if _ACTIVE is not None else configure_runtime(purpose)


def tuning_candidates(host: Host | None = None) -> list[dict[str, bool | int]]:
    """The settings ``lesionkit tune`` measures: oneDNN off/on × inter-op pool of 1 or every core.

    Intra-op threads stay at one per core (fewer never helped a single busy process).

    Example:
        >>> len(tuning_candidates(Host(cpu="x", flags=(), cores=4, machine="x86_64")))
        4
    """
    host = host or detect_host()
    inter = sorted({1, host.cores})
    return [
        {"onednn": onednn, "intra_op_threads": host.cores, "inter_op_threads": n}
        for onednn in (False, True)
        for n in inter
    ]


#: How much faster XLA must measure before a profile turns it on (noise margin).
XLA_MARGIN = 1.05


def choose_settings(rows: list[dict[str, Any]]) -> dict[str, dict[str, bool | int]]:
    """The fastest candidate per purpose from measured rows.

    Each row holds a candidate's settings and its rates: ``train`` (img/s), optionally
    ``train_xla``, and ``infer``. Training gets XLA when ``train_xla`` beat ``train`` by
    :data:`XLA_MARGIN`; inference never compiles with XLA here.

    Raises:
        RuntimeSettingsError: no row has both rates (every measurement failed).

    Example:
        >>> rows = [{"onednn": False, "intra_op_threads": 2, "inter_op_threads": 2, "train": 15.6, "infer": 139.0},
        ...         {"onednn": True, "intra_op_threads": 2, "inter_op_threads": 2, "train": 31.0, "infer": 97.0}]
        >>> chosen = choose_settings(rows)
        >>> chosen["train"]["onednn"], chosen["infer"]["onednn"]
        (True, False)
    """
    usable = [r for r in rows if isinstance(r.get("train"), (int, float)) and isinstance(r.get("infer"), (int, float))]
    if not usable:
        raise RuntimeSettingsError("no candidate setting could be measured; see the errors above and retry")
    keys = ("onednn", "intra_op_threads", "inter_op_threads")
    best_train = max(usable, key=lambda r: max(r["train"], r.get("train_xla") or 0.0))
    best_infer = max(usable, key=lambda r: r["infer"])
    xla = (best_train.get("train_xla") or 0.0) > XLA_MARGIN * best_train["train"]
    return {
        "train": {**{k: best_train[k] for k in keys}, "jit_compile": xla},
        "infer": {**{k: best_infer[k] for k in keys}, "jit_compile": False},
    }


# -- precision -----------------------------------------------------------------------------

#: What a config's ``precision="auto"`` means: the host profile's measured choice, else this.
DEFAULT_PRECISION = "float32"
#: The precision ``lesionkit tune`` measures against float32.
LOW_PRECISION = "mixed_bfloat16"
#: How much faster ``mixed_bfloat16`` must train before a profile picks it (noise margin).
PRECISION_MARGIN = 1.05
#: The dtype policies a profile may record (those of :data:`lesionkit.models.runtime.PRECISIONS`).
_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def precision_key(backbone: str, image_size: int) -> str:
    """The profile's key for a backbone at an input size.

    Example:
        >>> precision_key("resnet18", 64)
        'resnet18@64'
    """
    return f"{backbone}@{int(image_size)}"


def _split_key(key: str) -> tuple[str, int] | None:
    backbone, _, size = key.rpartition("@")
    return (backbone, int(size)) if backbone and size.isdigit() else None


def _check_precision_table(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, Mapping):
        raise RuntimeSettingsError(f"{where}: precision should map 'backbone@size' to a dtype policy; got {table!r}")
    for key, value in table.items():
        if not isinstance(key, str) or _split_key(key) is None:
            raise RuntimeSettingsError(f"{where}: precision key {key!r} should look like 'resnet18@64'")
        if value not in _POLICIES:
            raise RuntimeSettingsError(
                f"{where}: precision[{key!r}] = {value!r} should be one of {', '.join(_POLICIES)}"
            )
    return {str(k): str(v) for k, v in table.items()}


def choose_precision(rows: list[dict[str, Any]]) -> dict[str, str]:
    """The faster dtype policy per backbone and input size, from measured rows.

    Each row holds ``backbone``, ``image_size``, ``precision`` and, when it could be
    measured, ``train`` (img/s) and ``loss`` (after the timed steps). ``mixed_bfloat16`` is
    chosen where its loss is finite and it trained at least :data:`PRECISION_MARGIN` times
    as fast as float32; float32 otherwise, including where either measurement failed.

    Example:
        >>> rows = [{"backbone": "resnet50", "image_size": 128, "precision": "float32", "train": 10.0, "loss": 0.7},
        ...         {"backbone": "resnet50", "image_size": 128, "precision": "mixed_bfloat16", "train": 14.0,
        ...          "loss": 0.7},
        ...         {"backbone": "resnet18", "image_size": 64, "precision": "float32", "train": 90.0, "loss": 0.7},
        ...         {"backbone": "resnet18", "image_size": 64, "precision": "mixed_bfloat16", "train": 91.0,
        ...          "loss": 0.7}]
        >>> choose_precision(rows)
        {'resnet18@64': 'float32', 'resnet50@128': 'mixed_bfloat16'}
    """

    def rate(row: dict[str, Any]) -> float | None:
        value, loss = row.get("train"), row.get("loss")
        usable = isinstance(value, (int, float)) and isinstance(loss, (int, float)) and math.isfinite(loss)
        return float(value) if usable else None  # type: ignore[arg-type]

    rates: dict[str, dict[str, float | None]] = {}
    for row in rows:
        key = precision_key(str(row["backbone"]), int(row["image_size"]))
        rates.setdefault(key, {})[str(row["precision"])] = rate(row)
    chosen = {}
    for key in sorted(rates):
        full, low = rates[key].get(DEFAULT_PRECISION), rates[key].get(LOW_PRECISION)
        faster = full is not None and low is not None and low >= PRECISION_MARGIN * full
        chosen[key] = LOW_PRECISION if faster else DEFAULT_PRECISION
    return chosen


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
        parsed = _split_key(key)
        if parsed is not None and parsed[0] == backbone:
            sizes.append((abs(parsed[1] - int(image_size)), parsed[1], key))
    if not sizes:
        return PrecisionChoice(DEFAULT_PRECISION, "default")
    key = min(sizes)[2]
    return PrecisionChoice(table[key], "profile", key)
