"""Run directories: the record of one training run, safe against crashes and overwrites.

A run directory holds::

    config.json          the resolved ExperimentConfig (written before training)
    environment.json     lesionkit/TensorFlow/Keras/numpy/Python versions, plugins, seed
    history.csv          one row of metrics per epoch
    logs/                TensorBoard event files
    checkpoints/
      epoch-0003/        model.npz + optimizer.npz after epoch 3 (the last two are kept)
      best/              weights of the epoch with the best validation ROC AUC
    state.json           the last completed epoch and the best score, updated last

Every checkpoint is written into a temporary folder and renamed into place, and
``state.json`` is replaced atomically after it, so a kill at any moment leaves
the previous consistent checkpoint. Checkpoints are written by a background
thread from a snapshot of the variables, so training does not wait for the disk.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from lesionkit.errors import LesionkitError
from lesionkit.io import atomic_write_text

CONFIG = "config.json"
ENVIRONMENT = "environment.json"
STATE = "state.json"
HISTORY = "history.csv"
CHECKPOINTS = "checkpoints"
KEEP_LAST = 2
WEIGHTS = "model.npz"
OPTIMIZER = "optimizer.npz"


class RunDirError(LesionkitError):
    """A run directory that cannot be used as asked (exists already, or nothing to resume)."""


def resume_command(run_dir: Path) -> str:
    """The shell command that continues the run in ``run_dir`` from its last checkpoint."""
    return f"lesionkit fit {run_dir / CONFIG} --run-dir {run_dir} --resume"


def default_run_dir(name: str) -> Path:
    """``./runs/<name>-<YYYYmmdd-HHMMSS>``."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{name}-{stamp}"


def prepare_new(run_dir: Path) -> None:
    """Create ``run_dir`` for a fresh run; refuse one that already holds a run."""
    if run_dir.exists() and any(run_dir.iterdir()):
        raise RunDirError(
            f"run directory {run_dir} already holds files; pass resume=True (--resume) to continue "
            f"that run, or choose another run_dir"
        )
    run_dir.mkdir(parents=True, exist_ok=True)


def environment(seed: int) -> dict[str, Any]:
    """Versions of everything that can change a result."""
    import keras
    import numpy as np
    import tensorflow as tf

    import lesionkit
    from lesionkit.registries import ALL

    plugins = sorted({e.origin for r in ALL.values() for e in r.entries() if e.plugin is not None})
    return {
        "lesionkit": lesionkit.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "devices": [d.name for d in tf.config.list_logical_devices()],
        "plugins": plugins,
        "seed": seed,
        "started": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def read_state(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / STATE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def snapshot(model: Any) -> tuple[list[Any], list[Any]]:
    """Copies of the model's and its optimizer's variables, cheap enough for every epoch.

    ``Variable.numpy()`` reads into a new buffer, so training may go on while a
    background thread writes the copies (it is also several times faster than
    ``np.array(variable)``, which goes through Keras's ``__array__``).
    """
    weights = [v.numpy() for v in model.weights]
    optimizer = getattr(model, "optimizer", None)
    slots = [v.numpy() for v in optimizer.variables] if optimizer is not None and optimizer.built else []
    return weights, slots


def _save_arrays(path: Path, arrays: list[Any]) -> None:
    import numpy as np

    np.savez(path, *arrays)


def _load_arrays(path: Path) -> list[Any]:
    import numpy as np

    with np.load(path) as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


def save_checkpoint(
    run_dir: Path, weights: list[Any], slots: list[Any], epoch: int, *, best: bool, state: dict[str, Any]
) -> None:
    """Write the weights and optimizer state after ``epoch`` (1-based), then update state.json.

    The checkpoint folder is complete before it gets its final name, and
    state.json (replaced atomically) only then points at it.
    """
    root = run_dir / CHECKPOINTS
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"epoch-{epoch:04d}"
    tmp = root / f".epoch-{epoch:04d}.part"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    _save_arrays(tmp / WEIGHTS, weights)
    if slots:
        _save_arrays(tmp / OPTIMIZER, slots)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    if best:
        best_tmp = root / ".best.part"
        shutil.rmtree(best_tmp, ignore_errors=True)
        best_tmp.mkdir()
        try:  # a hard link costs nothing; the epoch folder is deleted later, the link stays
            os.link(final / WEIGHTS, best_tmp / WEIGHTS)
        except OSError:
            shutil.copy2(final / WEIGHTS, best_tmp / WEIGHTS)
        shutil.rmtree(root / "best", ignore_errors=True)
        os.replace(best_tmp, root / "best")
    write_json(run_dir / STATE, {**state, "epoch": epoch, "checkpoint": final.name})
    for old in sorted(root.glob("epoch-*"))[:-KEEP_LAST]:
        shutil.rmtree(old, ignore_errors=True)


def load_weights(model: Any, path: Path) -> None:
    """Load a checkpoint's weights file into ``model`` (built from the same config)."""
    values = _load_arrays(path)
    if len(values) != len(model.weights):
        raise RunDirError(
            f"{path}: {len(values)} arrays saved but the model has {len(model.weights)} weights; "
            f"was the run's config changed?"
        )
    model.set_weights(values)


def restore_checkpoint(run_dir: Path, model: Any) -> dict[str, Any]:
    """Load the last checkpoint's weights and optimizer state into a compiled ``model``."""
    state = read_state(run_dir)
    if state is None:
        raise RunDirError(f"{run_dir} has no {STATE}: nothing to resume (no epoch finished yet?)")
    folder = run_dir / CHECKPOINTS / state["checkpoint"]
    load_weights(model, folder / WEIGHTS)
    opt_file = folder / OPTIMIZER
    if opt_file.is_file():
        optimizer = model.optimizer
        optimizer.build(model.trainable_variables)
        values = _load_arrays(opt_file)
        if len(values) != len(optimizer.variables):
            raise RunDirError(
                f"{opt_file}: {len(values)} optimizer variables saved, the model has "
                f"{len(optimizer.variables)}; was the config changed since the run started?"
            )
        for var, value in zip(optimizer.variables, values):
            var.assign(value)
    return state


def truncate_history(run_dir: Path, epochs: int) -> None:
    """Keep only the first ``epochs`` epochs of history.csv (rows of epochs a resume redoes go)."""
    import csv
    import io

    path = run_dir / HISTORY
    if not path.is_file():
        return
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        rows = [r for r in reader if r.get("epoch") not in (None, "") and int(float(r["epoch"])) < epochs]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


def best_weights(run_dir: Path) -> Path | None:
    """The best checkpoint's weights file, else the last one's, else ``None``."""
    best = run_dir / CHECKPOINTS / "best" / WEIGHTS
    if best.is_file():
        return best
    state = read_state(run_dir)
    if state:
        last = run_dir / CHECKPOINTS / state["checkpoint"] / WEIGHTS
        if last.is_file():
            return last
    return None
