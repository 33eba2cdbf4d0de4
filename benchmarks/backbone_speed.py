"""Training throughput of backbones from scratch, side by side, with and without oneDNN.

Each backbone (lesionkit's own, with its preprocessing and the softmax head) trains on
random in-memory images with SGD; after two warm-up steps (tracing, first allocations),
one epoch of ``--steps`` batches is timed. Nothing else runs in the timed part: no input
pipeline, augmentation or validation, so these are the backbones' own costs.

TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` once, at import, so every (oneDNN setting, image
size) pair runs in its own process; the two settings alternate per size, so a machine that
gets busier hurts both alike. Prints images/s per backbone, size and setting, and the
ratios oneDNN on / off and each backbone / the first one; then the same per CPU second used
by the process, which other programs on the machine disturb much less.

    python benchmarks/backbone_speed.py                                  # 3 backbones × 64/96/128 px
    python benchmarks/backbone_speed.py --backbones resnet18 resnet50 --sizes 64 --steps 4
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ONEDNN = "TF_ENABLE_ONEDNN_OPTS"


def measure(backbone: str, size: int, batch: int, steps: int) -> tuple[float, float]:
    """Images per wall-clock second and per CPU second of ``steps`` training batches, after two warm-up steps."""
    import keras
    import numpy as np

    import lesionkit
    from lesionkit.models.assemble import build_classifier

    keras.utils.set_random_seed(0)
    bb = lesionkit.backbones.create(backbone, input_shape=(size, size, 3), weights=None)
    head = lesionkit.heads.create("softmax")
    model = build_classifier(bb, head, image_size=size)
    model.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.9), loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (batch * steps, size, size, 3)).astype("float32")
    labels = np.eye(2, dtype="float32")[rng.integers(0, 2, batch * steps)]
    # Warm-up: two steps trace the train function (kept for the next fit) and allocate.
    model.fit(images[: 2 * batch], labels[: 2 * batch], batch_size=batch, epochs=1, verbose=0)
    start, cpu_start = time.perf_counter(), time.process_time()
    model.fit(images, labels, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rate, per_cpu = batch * steps / wall, batch * steps / cpu
    print(f"    {backbone} {size} px: {rate:.1f} img/s, {per_cpu:.1f} img/CPU-s", file=sys.stderr, flush=True)
    return rate, per_cpu


def worker(args: argparse.Namespace) -> None:
    """Run in a child process: measure every backbone at one size; print one JSON line."""
    import tensorflow as tf

    results = {bb: measure(bb, args.sizes[0], args.batch, args.steps) for bb in args.backbones}
    print(json.dumps({"tf": tf.__version__, "results": results}))


def run_child(args: argparse.Namespace, size: int, onednn: str) -> dict[str, tuple[float, float]]:
    env = dict(os.environ, **{ONEDNN: onednn, "TF_CPP_MIN_LOG_LEVEL": "2"})
    command = [sys.executable, __file__, "--worker", "--sizes", str(size), "--batch", str(args.batch)]
    command += ["--steps", str(args.steps), "--backbones", *args.backbones]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{size} px, {ONEDNN}={onednn} failed (its errors are above)")
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1]
    return {bb: (float(r[0]), float(r[1])) for bb, r in json.loads(line)["results"].items()}


def print_table(
    title: str, table: dict[tuple[int, str], dict[str, tuple[float, float]]], which: int, args: argparse.Namespace
) -> None:
    """One table of rates (``which`` 0: per wall-clock second, 1: per CPU second) and their ratios."""
    first = args.backbones[0]
    header = f"{'backbone':10s} {'px':>4s}" + "".join(f" {'oneDNN=' + o:>10s}" for o in args.onednn)
    if len(args.onednn) == 2:
        header += f" {'on/off':>7s}"
    header += "".join(f" {f'/{first} ({o})':>16s}" for o in args.onednn)
    print(f"\n{title}\n{header}")
    for size in args.sizes:
        for bb in args.backbones:
            rates = [table[(size, o)][bb][which] for o in args.onednn]
            row = f"{bb:10s} {size:4d}" + "".join(f" {r:10.1f}" for r in rates)
            if len(rates) == 2:
                row += f" {rates[1] / rates[0]:7.2f}"
            row += "".join(
                f" {table[(size, o)][bb][which] / table[(size, o)][first][which]:16.2f}" for o in args.onednn
            )
            print(row)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbones", nargs="+", default=["resnet18", "resnet34", "resnet50"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[64, 96, 128])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=4, help="timed batches per measurement")
    parser.add_argument("--onednn", nargs="+", default=["0", "1"], help=f"{ONEDNN} values to compare")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return

    print(f"batch {args.batch}, {args.steps} timed steps; {os.cpu_count()} CPUs; from scratch, float32", flush=True)
    table: dict[tuple[int, str], dict[str, tuple[float, float]]] = {}
    for size in args.sizes:
        for onednn in args.onednn:
            start = time.perf_counter()
            table[(size, onednn)] = run_child(args, size, onednn)
            print(f"  measured {size} px, {ONEDNN}={onednn} in {time.perf_counter() - start:.0f} s", flush=True)
    print_table("training images per second (wall clock)", table, 0, args)
    # Other processes on the same cores lower the first figure much more than this one.
    print_table("training images per CPU second of this process", table, 1, args)


if __name__ == "__main__":
    main()
