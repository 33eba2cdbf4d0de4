"""Training images/s of N workers (MultiWorkerMirroredStrategy on 127.0.0.1) vs one process, same global batch.

Each side trains the same model (ResNet-18 from scratch by default) on the same
synthetic split with the same global batch; the N workers run as N processes of this
script on this machine, each with its own ``TF_CONFIG``, and share one run directory
(only the chief writes). The first epoch (tracing, cluster start) is not counted.
On one machine the workers share its cores and add an all-reduce per step, so this
shows the cost of the multi-worker path, not a speed-up: that needs one worker per
machine (or per GPU host), see docs/scaling.md.

Usage:
    python benchmarks/multi_worker.py                      # 2 workers vs 1, 64 px, ~3-5 min on 2 cores
    python benchmarks/multi_worker.py --workers 4 --train 512 --batch 64
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _fit(args: argparse.Namespace) -> None:
    """One worker (or the single process): fit, then print the chief's images/s as JSON."""
    import keras

    from lesionkit import Trainer

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            self.seconds.append(time.perf_counter() - self.start)

    trainer = Trainer(
        {
            "name": "multi-worker-bench",
            "dataset": {"name": "synthetic", "params": {"sizes": {"train": args.train, "validation": 8, "test": 8}}},
            "backbone": args.backbone,
            "weights": None,
            "trainable": "none",  # every layer trains
            "image_size": args.size,
            "batch_size": args.batch,
            "epochs": args.epochs,
            "balance": "none",
            "augmenters": [],
            "distribute": "multi_worker_mirrored" if args.hosts else "default",
            "run_dir": args.run_dir,
        }
    )
    timer = EpochTimer()
    trainer.fit(callbacks=[timer], verbose=0)
    if trainer.role.is_chief:
        steps = args.train // args.batch
        seconds = sum(timer.seconds[1:])
        print(json.dumps({"images_per_s": steps * args.batch * (len(timer.seconds) - 1) / seconds}))


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _run(args: argparse.Namespace, workers: int) -> float:
    from lesionkit.runtime.cluster import tf_config

    hosts = [f"127.0.0.1:{p}" for p in _free_ports(workers)] if workers > 1 else []
    run_dir = Path(tempfile.mkdtemp()) / "run"
    common = [sys.executable, __file__, "--fit", "--run-dir", str(run_dir), "--backbone", args.backbone]
    common += ["--size", str(args.size), "--train", str(args.train), "--batch", str(args.batch)]
    common += ["--epochs", str(args.epochs), *(["--hosts", ",".join(hosts)] if hosts else [])]
    procs = []
    for index in range(workers):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        if hosts:
            env["TF_CONFIG"] = tf_config(hosts, index)
        procs.append(subprocess.Popen(common, env=env, stdout=subprocess.PIPE, text=True))
    outputs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"a worker failed: {[p.returncode for p in procs]}")
    line = next(line for out in outputs for line in out.splitlines() if line.startswith("{"))
    return float(json.loads(line)["images_per_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--train", type=int, default=256, help="training images per epoch")
    parser.add_argument("--batch", type=int, default=32, help="global batch (split across the workers)")
    parser.add_argument("--epochs", type=int, default=3, help="the first is not counted")
    parser.add_argument("--fit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--hosts", default="", help=argparse.SUPPRESS)
    parser.add_argument("--run-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit:
        _fit(args)
        return
    one = _run(args, 1)
    many = _run(args, args.workers)
    print(f"1 process:            {one:8.1f} images/s (global batch {args.batch})")
    print(f"{args.workers} workers (127.0.0.1): {many:8.1f} images/s (global batch {args.batch})")
    print(f"ratio {args.workers} workers / 1 process: {many / one:.2f}")


if __name__ == "__main__":
    main()
