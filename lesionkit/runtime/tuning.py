"""What ``lesionkit tune`` measures, and how it chooses from the measurements (no TensorFlow).

Each candidate setting is measured in a fresh process (:mod:`lesionkit.runtime.throughput`:
oneDNN and the thread pools are fixed when TensorFlow is imported); the fastest per purpose,
and the faster precision per backbone and size, go into the host profile.

Example:
    >>> from lesionkit.runtime.host import Host
    >>> [c["onednn"] for c in tuning_candidates(Host(cpu="x", flags=(), cores=1, machine="x86_64"))]
    [False, True]
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from typing import Any

from lesionkit.runtime.errors import RuntimeSettingsError
from lesionkit.runtime.host import Host, detect_host
from lesionkit.runtime.precision import DEFAULT_PRECISION, LOW_PRECISION
from lesionkit.runtime.profile import precision_key
from lesionkit.runtime.variables import ENV_VARS, SET_BY_LESIONKIT_VAR

#: How much faster ``mixed_bfloat16`` must train before a profile picks it (noise margin).
PRECISION_MARGIN = 1.05


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


def measure_in_child(candidate: dict[str, bool | int], arguments: list[str]) -> dict[str, float]:
    """Run :mod:`lesionkit.runtime.throughput` with ``arguments`` under the candidate's variables; its JSON line.

    A fresh process, because TensorFlow reads oneDNN and the thread pools once, when imported.
    The variables lesionkit set in this process are dropped so the child's count as the
    user's own. A child that fails is reported on stderr and gives ``{}`` (the candidate is
    skipped, the others still count).
    """
    env = dict(os.environ)
    env.pop(SET_BY_LESIONKIT_VAR, None)
    for name, value in candidate.items():
        env[ENV_VARS[name]] = str(int(value))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    cmd = [sys.executable, "-m", "lesionkit.runtime.throughput", *arguments]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["(no output)"]
        print(f"  measurement failed ({tail[0]}); skipped", file=sys.stderr)
        return {}
    rates: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return rates


def measure_settings(
    candidate: dict[str, bool | int], *, image_size: int, batch_size: int, seconds: float, xla: bool = False
) -> dict[str, float]:
    """Training and inference img/s under ``candidate`` (``xla``: training with XLA only), in a fresh process."""
    cmd = ["--size", str(image_size), "--batch", str(batch_size), "--seconds", str(seconds)]
    return measure_in_child(candidate, cmd + (["--xla-only"] if xla else []))


def measure_precision(
    candidate: dict[str, bool | int], model: str, precision: str, *, batch_size: int, seconds: float
) -> dict[str, float]:
    """Training img/s and final loss of ``model`` (``backbone@size``) under ``precision``, in a fresh process."""
    backbone, _, size = model.rpartition("@")
    cmd = ["--backbone", backbone, "--size", size, "--precision", precision]
    return measure_in_child(candidate, [*cmd, "--batch", str(batch_size), "--seconds", str(seconds)])
