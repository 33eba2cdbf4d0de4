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
import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from lesionkit.runtime.errors import RuntimeAlreadyImportedWarning
from lesionkit.runtime.host import Host, detect_host
from lesionkit.runtime.profile import Profile, load_profile, profile_path
from lesionkit.runtime.variables import (
    ENV_VARS,
    PURPOSES,
    READ_AT_IMPORT,
    SET_BY_LESIONKIT_VAR,
    SWITCH_VAR,
    check_purpose,
    parse_env,
)
from lesionkit.warn import warn

__all__ = [
    "PURPOSES",
    "RuntimeSettings",
    "Setting",
    "active_settings",
    "configure_runtime",
    "default_settings",
    "ensure_runtime",
    "resolve_settings",
    "tensorflow_imported",
]


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
    check_purpose(purpose)
    host = host or detect_host()
    return {
        "onednn": purpose == "train" or "avx512f" in host.flags,
        "intra_op_threads": host.cores,
        "inter_op_threads": host.cores,
        "jit_compile": False,
    }


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
    check_purpose(purpose)
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
            settings.append(Setting(name, parse_env(name, text), "user env", var))
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
                    s.name, parse_env(s.name, current), before[s.name].source if before else "user env", s.env_var
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
                "Call lesionkit.runtime.configure_runtime() before importing tensorflow.",
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


def ensure_runtime(purpose: str = "train") -> RuntimeSettings:
    """The settings in force, calling :func:`configure_runtime` first when nothing chose them yet.

    The first caller in a process decides (the ``lesionkit`` command does so for its
    command); the :class:`~lesionkit.Trainer` calls this before it imports TensorFlow, so a
    script that only uses the Trainer gets the same settings as the command.
    """
    return _ACTIVE if _ACTIVE is not None else configure_runtime(purpose)
