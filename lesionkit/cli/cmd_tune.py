"""``lesionkit tune``: measure which runtime settings are fastest on this CPU and cache them."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from lesionkit.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tune",
        help="measure oneDNN/threads/XLA on this CPU and cache the fastest settings (a few minutes)",
        description=(
            "Runs a short ResNet-50 (conv5_x trainable) training and inference benchmark once per "
            "candidate setting (oneDNN off/on, inter-op threads 1 or one per core), each in a fresh "
            "process, then training with XLA for the fastest of them. The fastest setting per purpose is cached "
            "as this host's runtime profile, which every later lesionkit command uses unless you set "
            "the variables yourself. See docs/performance.md."
        ),
    )
    p.add_argument("--image-size", type=int, default=64, help="image side measured (default 64)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seconds", type=float, default=3.0, help="seconds per measured rate (default 3)")
    p.add_argument("--no-xla", action="store_true", help="do not measure XLA (it compiles slowly on CPUs)")
    p.add_argument("--dry-run", action="store_true", help="measure and print, but do not write the profile")
    p.set_defaults(func=run)


def _measure(candidate: dict[str, bool | int], args: argparse.Namespace, *, xla: bool = False) -> dict[str, float]:
    from lesionkit.runtime_env import ENV_VARS, SET_BY_LESIONKIT_VAR

    env = dict(os.environ)
    env.pop(SET_BY_LESIONKIT_VAR, None)
    for name, value in candidate.items():
        env[ENV_VARS[name]] = str(int(value))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    cmd = [sys.executable, "-m", "lesionkit.models.throughput", "--size", str(args.image_size)]
    cmd += ["--batch", str(args.batch_size), "--seconds", str(args.seconds)]
    cmd += ["--xla-only"] if xla else []
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["(no output)"]
        print(f"  measurement failed ({tail[0]}); skipped", file=sys.stderr)
        return {}
    rates: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return rates


def run(args: argparse.Namespace) -> int:
    from lesionkit.runtime_env import (
        choose_settings,
        detect_host,
        profile_from_measurements,
        profile_path,
        save_profile,
        tuning_candidates,
    )

    host = detect_host()
    candidates = tuning_candidates(host)
    print(f"lesionkit tune: {host.cpu}, {host.cores} cores, flags {' '.join(host.flags) or '-'}")
    print(f"measuring {len(candidates)} settings at {args.image_size} px, {args.seconds:g} s per rate")
    rows = []
    header = f"{'oneDNN':>6} {'intra':>5} {'inter':>5} {'train':>8} {'infer':>8}  (img/s)"
    print(header)
    for candidate in candidates:
        rates = _measure(candidate, args)
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
            xla = _measure(fastest, args, xla=True)
            if "train_xla" in xla:
                best["train_xla"] = xla["train_xla"]
                print(f"XLA with that training setting: {xla['train_xla']:.1f} img/s (without: {best['train']:.1f})")
            chosen = choose_settings(rows)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    for purpose, settings in chosen.items():
        print(f"{purpose}: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
    if args.dry_run:
        print("(dry run: profile not written)")
        return 0
    profile = profile_from_measurements(host, chosen, rows)
    path = save_profile(profile, profile_path(host))
    print(f"profile written: {path}")
    return 0
