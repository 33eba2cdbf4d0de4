"""``lesionkit info``: the host, the TensorFlow build, and the runtime settings in force."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="show the host, TensorFlow build and runtime settings in force (--measure: img/s)",
        description=(
            "Prints the CPU (model, the instruction-set flags that matter, cores), memory, GPUs, "
            "the TensorFlow and Keras build, and each runtime setting (oneDNN, thread pools, XLA) "
            "with where it came from: your environment, this host's profile (lesionkit tune), "
            "or the default. --measure adds a few seconds of training and inference throughput."
        ),
    )
    p.add_argument("--purpose", choices=("train", "infer"), default="train", help="settings of which purpose")
    p.add_argument("--measure", action="store_true", help="measure train and inference img/s (about 20 s)")
    p.add_argument("--image-size", type=int, default=64, help="image side for --measure (default 64)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=run)


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _measured_precision(host: Any) -> dict[str, str]:
    from lesionkit.runtime.profile import load_profile

    profile = load_profile(host)
    return dict(profile.precision) if profile is not None else {}


def run(args: argparse.Namespace) -> int:
    from lesionkit.runtime.profile import profile_path
    from lesionkit.runtime.settings import configure_runtime

    settings = configure_runtime(args.purpose)  # before TensorFlow's import, like every command
    started = time.perf_counter()
    import keras
    import tensorflow as tf

    import_s = time.perf_counter() - started
    build = dict(tf.sysconfig.get_build_info())
    gpus = [
        tf.config.experimental.get_device_details(g).get("device_name", g.name)
        for g in tf.config.list_physical_devices("GPU")
    ]
    host = settings.host
    info: dict[str, Any] = {
        "host": {**host.to_dict(), "cpu_count": os.cpu_count(), "memory_gib": _memory_gib(), "gpus": gpus},
        "tensorflow": {
            "version": tf.__version__,
            "keras": keras.__version__,
            "cuda_build": bool(build.get("is_cuda_build")),
            "cuda": build.get("cuda_version"),
            "cudnn": build.get("cudnn_version"),
            "import_seconds": round(import_s, 1),
        },
        "runtime": settings.to_dict(),
        "profile_file": str(profile_path(host)),
        # What a config's precision="auto" becomes, per backbone@size (lesionkit tune measures it).
        "precision": _measured_precision(host),
    }
    if args.measure:
        from lesionkit.runtime.throughput import measure

        info["measured"] = {
            "image_size": args.image_size,
            **measure(size=args.image_size, seconds=2.0, jit=(settings.jit_compile,)),
        }
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    h, t = info["host"], info["tensorflow"]
    print(f"CPU        {h['cpu']} ({h['machine']}), {h['cores']} of {h['cpu_count']} cores usable")
    print(f"CPU flags  {' '.join(h['flags']) or '(none of avx2/fma/avx512/amx)'}")
    print(f"memory     {h['memory_gib']} GiB" if h["memory_gib"] is not None else "memory     unknown")
    print(f"GPUs       {', '.join(gpus) if gpus else 'none'}")
    cuda = f", CUDA {t['cuda']}, cuDNN {t['cudnn']}" if t["cuda_build"] else ", CPU-only build"
    print(f"TensorFlow {t['version']} (Keras {t['keras']}{cuda}); import took {t['import_seconds']} s")
    where = settings.profile or f"none ({info['profile_file']} absent; `lesionkit tune` measures one)"
    print(f"\nruntime settings for {args.purpose} (profile: {where})")
    for s in settings.settings:
        value = "TensorFlow decides" if s.value is None else s.env_value
        print(f"  {s.name:<17} {value:<6} from {s.source:<10} ({s.env_var})")
    if not settings.applied:
        print("  (TensorFlow was imported before these could apply)")
    measured = ", ".join(f"{k} {v}" for k, v in info["precision"].items())
    auto = f"{measured}; float32 for other backbones" if measured else "float32 (`lesionkit tune` measures it)"
    print(f'\nprecision="auto" (the default): {auto}')
    if args.measure:
        m = info["measured"]
        train = m.get("train_xla", m.get("train"))
        print(
            f"\nmeasured at {m['image_size']} px (ResNet-50, conv5_x trainable, batch 32): "
            f"train {train:.1f} img/s, inference {m['infer']:.1f} img/s"
        )
    return 0
