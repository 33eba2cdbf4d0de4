"""Training throughput of backbones from scratch, side by side: oneDNN off/on, float32 vs mixed_bfloat16.

Each backbone (lesionkit's own, with its preprocessing and the softmax head) trains on
random in-memory images with SGD; after two warm-up steps (tracing, first allocations),
one epoch of ``--steps`` batches is timed. Nothing else runs in the timed part: no input
pipeline, augmentation or validation, so these are the backbones' own costs.

TensorFlow reads ``TF_ENABLE_ONEDNN_OPTS`` once, at import, so every (oneDNN setting, image
size) pair runs in its own process; the two settings alternate per size, so a machine that
gets busier hurts both alike. Prints images/s per backbone, size and setting, and the
ratios of the last setting to the first and each backbone / the first one; then the same per
CPU second used by the process, which other programs on the machine disturb much less.

``--precisions float32 mixed_bfloat16`` measures each backbone under each Keras dtype policy
too, alternating in the same process (a policy, unlike oneDNN, can change there), and prints
the loss after the timed steps (a low precision is only worth having where it stays finite).
``--models resnet50@128 resnet18@64`` measures just those backbone/size pairs.

    python benchmarks/backbone_speed.py                                  # 3 backbones × 64/96/128 px
    python benchmarks/backbone_speed.py --backbones resnet18 resnet50 --sizes 64 --steps 4
    python benchmarks/backbone_speed.py --models resnet50@128 resnet18@64 --onednn 1 \
        --precisions float32 mixed_bfloat16 --steps 8 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

ONEDNN = "TF_ENABLE_ONEDNN_OPTS"


def measure(backbone: str, size: int, batch: int, steps: int, precision: str = "float32") -> tuple[float, float, float]:
    """Images per wall-clock second and per CPU second of ``steps`` training batches, after two
    warm-up steps, and the loss of the last of them."""
    import keras
    import numpy as np

    import lesionkit
    from lesionkit.models.assemble import build_classifier
    from lesionkit.runtime.precision import precision_policy

    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    with precision_policy(precision):
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
    history = model.fit(images, labels, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    rate, per_cpu = batch * steps / wall, batch * steps / cpu
    loss = float(history.history["loss"][-1])
    print(
        f"    {backbone} {size} px {precision}: {rate:.1f} img/s, {per_cpu:.1f} img/CPU-s, loss {loss:.4g}",
        file=sys.stderr,
        flush=True,
    )
    return rate, per_cpu, loss


Rates = dict[str, tuple[float, float, float]]  # "backbone|precision" -> (img/s, img/CPU-s, loss)


def worker(args: argparse.Namespace) -> None:
    """Run in a child process: measure every backbone at one size under each precision; print one JSON line.

    The precisions alternate per backbone, ``--rounds`` times; each keeps its best round (the
    one least disturbed by other programs) and that round's loss.
    """
    import tensorflow as tf

    results: Rates = {}
    for bb in args.backbones:
        for _ in range(args.rounds):
            for precision in args.precisions:
                got = measure(bb, args.sizes[0], args.batch, args.steps, precision)
                key = f"{bb}|{precision}"
                if key not in results or got[0] > results[key][0]:
                    results[key] = got
    print(json.dumps({"tf": tf.__version__, "results": results}))


def run_child(args: argparse.Namespace, size: int, onednn: str, backbones: list[str]) -> Rates:
    env = dict(os.environ, **{ONEDNN: onednn, "TF_CPP_MIN_LOG_LEVEL": "2"})
    command = [sys.executable, __file__, "--worker", "--sizes", str(size), "--batch", str(args.batch)]
    command += ["--steps", str(args.steps), "--rounds", str(args.rounds), "--backbones", *backbones]
    command += ["--precisions", *args.precisions]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{size} px, {ONEDNN}={onednn} failed (its errors are above)")
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("{")][-1]
    return {key: (float(r[0]), float(r[1]), float(r[2])) for key, r in json.loads(line)["results"].items()}


def print_table(
    title: str, table: dict[tuple[int, str], Rates], which: int, pairs: list[tuple[str, int]], args: argparse.Namespace
) -> None:
    """One table of rates (``which`` 0: per wall-clock second, 1: per CPU second) and their ratios."""
    settings = [(o, p) for o in args.onednn for p in args.precisions]
    names = [f"oneDNN={o}" + (f" {p}" if len(args.precisions) > 1 else "") for o, p in settings]
    width = max(10, *(len(n) for n in names))
    first = pairs[0][0]
    header = f"{'backbone':10s} {'px':>4s}" + "".join(f" {n:>{width}s}" for n in names)
    if len(settings) == 2:
        header += f" {'2nd/1st':>7s}"
    header += f" {f'/{first} (1st)':>16s}"
    print(f"\n{title}\n{header}")
    for bb, size in pairs:
        rates = [table[(size, o)][f"{bb}|{p}"][which] for o, p in settings]
        row = f"{bb:10s} {size:4d}" + "".join(f" {r:{width}.1f}" for r in rates)
        if len(rates) == 2:
            row += f" {rates[1] / rates[0]:7.2f}"
        base = table[(size, settings[0][0])].get(f"{first}|{settings[0][1]}")
        row += f" {rates[0] / base[which]:16.2f}" if base else f" {'-':>16s}"
        print(row)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbones", nargs="+", default=["resnet18", "resnet34", "resnet50"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[64, 96, 128])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=4, help="timed batches per measurement")
    parser.add_argument("--onednn", nargs="+", default=["0", "1"], help=f"{ONEDNN} values to compare")
    parser.add_argument(
        "--precisions", nargs="+", default=["float32"], help="Keras dtype policies to compare (same process)"
    )
    parser.add_argument("--models", nargs="+", metavar="BACKBONE@SIZE", help="only these pairs (instead of all)")
    parser.add_argument("--rounds", type=int, default=1, help="alternations of the precisions; the best counts")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return

    if args.models:
        pairs = [(m.rpartition("@")[0], int(m.rpartition("@")[2])) for m in args.models]
    else:
        pairs = [(bb, size) for size in args.sizes for bb in args.backbones]
    sizes = list(dict.fromkeys(size for _, size in pairs))
    print(
        f"batch {args.batch}, {args.steps} timed steps, best of {args.rounds} round(s); {os.cpu_count()} CPUs; "
        f"from scratch; {', '.join(args.precisions)}",
        flush=True,
    )
    table: dict[tuple[int, str], Rates] = {}
    for size in sizes:
        backbones = [bb for bb, s in pairs if s == size]
        for onednn in args.onednn:
            start = time.perf_counter()
            table[(size, onednn)] = run_child(args, size, onednn, backbones)
            print(f"  measured {size} px, {ONEDNN}={onednn} in {time.perf_counter() - start:.0f} s", flush=True)
    print_table("training images per second (wall clock)", table, 0, pairs, args)
    # Other processes on the same cores lower the first figure much more than this one.
    print_table("training images per CPU second of this process", table, 1, pairs, args)
    if len(args.precisions) > 1:
        print("\nloss after the timed steps (a policy whose loss is not finite is no use)")
        for bb, size in pairs:
            losses = [f"{o}/{p}: {table[(size, o)][f'{bb}|{p}'][2]:.4g}" for o in args.onednn for p in args.precisions]
            print(f"{bb:10s} {size:4d}  " + ", ".join(losses))


if __name__ == "__main__":
    main()
