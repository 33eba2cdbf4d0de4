"""``lesionkit tune``: measure which runtime settings are fastest on this CPU and cache them."""

from __future__ import annotations

import argparse
from typing import Any

from lesionkit.cli import CommandError

#: What ``lesionkit tune`` measures float32 vs mixed_bfloat16 on by default: the dermoscopy
#: recipes' ResNet-18 at 64 px, and a ResNet-50 at 128 px.
PRECISION_MODELS: tuple[str, ...] = ("resnet18@64", "resnet50@128")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tune",
        help="measure oneDNN/threads/XLA on this CPU and cache the fastest settings (a few minutes)",
        description=(
            "Runs a short ResNet-50 (conv5_x trainable) training and inference benchmark once per "
            "candidate setting (oneDNN off/on, inter-op threads 1 or one per core), each in a fresh "
            "process, then training with XLA for the fastest of them. The fastest setting per purpose is cached "
            "as this host's runtime profile, which every later lesionkit command uses unless you set "
            "the variables yourself. Then, with that training setting, it trains each --precision-models "
            "backbone at its size under float32 and mixed_bfloat16 and records the faster (mixed_bfloat16 only "
            "when at least 5 % faster with a finite loss): configs with precision=auto (the default) use it. "
            "See docs/performance.md."
        ),
    )
    p.add_argument("--image-size", type=int, default=64, help="image side measured (default 64)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seconds", type=float, default=3.0, help="seconds per measured rate (default 3)")
    p.add_argument("--no-xla", action="store_true", help="do not measure XLA (it compiles slowly on CPUs)")
    p.add_argument("--dry-run", action="store_true", help="measure and print, but do not write the profile")
    p.add_argument(
        "--precision-models",
        nargs="+",
        type=_model_key,
        default=list(PRECISION_MODELS),
        metavar="BACKBONE@SIZE",
        help=f"backbones and sizes whose precision is measured (default: {' '.join(PRECISION_MODELS)})",
    )
    p.add_argument("--no-precision", action="store_true", help="do not measure float32 vs mixed_bfloat16")
    p.set_defaults(func=run)


def _model_key(text: str) -> str:
    backbone, _, size = text.rpartition("@")
    if not backbone or not size.isdigit() or int(size) < 32:
        raise argparse.ArgumentTypeError(f"{text!r}: write a backbone and its image size, e.g. resnet18@64")
    return text


def _precision_rows(train: dict[str, bool | int], args: argparse.Namespace) -> list[dict[str, Any]]:
    """float32 and mixed_bfloat16 training rows of each ``--precision-models`` entry, printed as they come."""
    from lesionkit.runtime import tuning
    from lesionkit.runtime.precision import DEFAULT_PRECISION, LOW_PRECISION

    print(f"precision with the training setting ({', '.join(f'{k}={v}' for k, v in train.items())}):")
    print(f"{'model':>14} {'precision':>15} {'train':>8} {'loss':>8}  (img/s)")
    rows = []
    for model in args.precision_models:
        backbone, _, size = model.rpartition("@")
        for policy in (DEFAULT_PRECISION, LOW_PRECISION):
            measured = tuning.measure_precision(train, model, policy, batch_size=args.batch_size, seconds=args.seconds)
            rows.append({"backbone": backbone, "image_size": int(size), "precision": policy, **measured})
            rate = f"{measured['train']:.1f}" if "train" in measured else "-"
            loss = f"{measured['loss']:.4g}" if "loss" in measured else "-"
            print(f"{model:>14} {policy:>15} {rate:>8} {loss:>8}", flush=True)
    return rows


def run(args: argparse.Namespace) -> int:
    from lesionkit.runtime import tuning
    from lesionkit.runtime.host import detect_host
    from lesionkit.runtime.profile import profile_from_measurements, profile_path, save_profile
    from lesionkit.runtime.tuning import choose_precision, choose_settings, tuning_candidates

    def measure(candidate: dict[str, bool | int], *, xla: bool = False) -> dict[str, float]:
        return tuning.measure_settings(
            candidate, image_size=args.image_size, batch_size=args.batch_size, seconds=args.seconds, xla=xla
        )

    host = detect_host()
    candidates = tuning_candidates(host)
    print(f"lesionkit tune: {host.cpu}, {host.cores} cores, flags {' '.join(host.flags) or '-'}")
    print(f"measuring {len(candidates)} settings at {args.image_size} px, {args.seconds:g} s per rate")
    rows = []
    header = f"{'oneDNN':>6} {'intra':>5} {'inter':>5} {'train':>8} {'infer':>8}  (img/s)"
    print(header)
    for candidate in candidates:
        rates = measure(candidate)
        rows.append({**candidate, **rates})
        fmt = lambda key, rates=rates: f"{rates[key]:.1f}" if key in rates else "-"  # noqa: E731
        print(
            f"{'on' if candidate['onednn'] else 'off':>6} {candidate['intra_op_threads']:>5} "
            f"{candidate['inter_op_threads']:>5} {fmt('train'):>8} {fmt('infer'):>8}",
            flush=True,
        )
    try:
        chosen = choose_settings(rows)
        if not args.no_xla:
            # XLA compiles slowly on CPUs: measure it once, with the fastest training setting.
            fastest = {k: chosen["train"][k] for k in candidates[0]}
            best = next(r for r in rows if all(r[k] == v for k, v in fastest.items()))
            xla = measure(fastest, xla=True)
            if "train_xla" in xla:
                best["train_xla"] = xla["train_xla"]
                print(f"XLA with that training setting: {xla['train_xla']:.1f} img/s (without: {best['train']:.1f})")
            chosen = choose_settings(rows)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    for purpose, settings in chosen.items():
        print(f"{purpose}: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
    precision_rows: list[dict[str, Any]] = []
    if not args.no_precision:
        precision_rows = _precision_rows({k: chosen["train"][k] for k in candidates[0]}, args)
    precision = choose_precision(precision_rows)
    for key, value in precision.items():
        print(f"precision for {key}: {value}")
    if args.dry_run:
        print("(dry run: profile not written)")
        return 0
    profile = profile_from_measurements(host, chosen, rows + precision_rows, precision)
    path = save_profile(profile, profile_path(host))
    print(f"profile written: {path}")
    return 0
