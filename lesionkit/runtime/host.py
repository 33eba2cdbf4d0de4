"""The host a runtime profile is keyed by: CPU model, the instruction-set flags that matter, cores.

Reads ``/proc/cpuinfo`` on Linux; no TensorFlow.

Example:
    >>> h = Host(cpu="x", flags=("avx2",), cores=2, machine="x86_64")
    >>> len(h.key), h.to_dict()["cores"]
    (16, 2)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any

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
