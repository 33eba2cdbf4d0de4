"""How fast this process trains and runs a classifier: images per second, measured briefly.

``lesionkit info --measure`` reports these rates for the settings in force, and
``lesionkit tune`` runs this module once per candidate setting, each in a fresh process
(oneDNN and the thread pools are fixed when TensorFlow is imported)::

    TF_ENABLE_ONEDNN_OPTS=0 python -m lesionkit.runtime.throughput --size 64 --seconds 3

prints one JSON line, e.g. ``{"train": 31.2, "train_xla": 35.0, "infer": 139.0, ...}``.
With ``--precision``, it measures training only, of ``--backbone`` (all trainable) under that
Keras dtype policy, and adds the loss after the timed steps (``lesionkit tune`` keeps a
low precision only where that loss is finite)::

    python -m lesionkit.runtime.throughput --backbone resnet18 --size 64 --precision mixed_bfloat16

The model is the ``melanoma_conv5`` recipe's: ResNet-50 from scratch, only conv5_x
trainable, a softmax head, SGD with momentum. Rates are steady-state: the first steps
(tracing, compiling) are run and not counted.
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from collections.abc import Sequence
from typing import Any


def _model(size: int, trainable: str) -> Any:
    from lesionkit.models.assemble import build_classifier
    from lesionkit.models.backbones import resnet50
    from lesionkit.models.freeze import apply_freeze_policy
    from lesionkit.models.heads import softmax

    backbone = resnet50(input_shape=(size, size, 3), weights=None)
    apply_freeze_policy(backbone, trainable)
    return build_classifier(backbone, softmax(2), image_size=size)


def _timed(step: Any, batch: int, seconds: float, warmup: int) -> float:
    """Images/s of ``step`` over at least ``seconds``, after ``warmup`` uncounted calls."""
    for _ in range(warmup):
        step()
    done, start = 0, time.perf_counter()
    while True:
        step()
        done += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def measure(
    *,
    size: int = 64,
    batch: int = 32,
    seconds: float = 3.0,
    trainable: str = "conv5",
    jit: Sequence[bool] = (False,),
    infer: bool = True,
) -> dict[str, float]:
    """Steady-state images/s of a training step (per XLA choice in ``jit``) and of inference.

    Args:
        size: image side in pixels.
        batch: images per step.
        seconds: how long each rate is measured (after 2 warm-up steps).
        trainable: freezing policy of the backbone (``"conv5"``, ``"all"``...).
        jit: train with XLA off (``False``) and/or on (``True``); keys ``train`` and
            ``train_xla``.
        infer: also measure ``model.predict_on_batch`` (key ``infer``).

    Example:
        >>> measure(size=32, batch=4, seconds=0.1)["train"] > 0  # doctest: +SKIP
        True
    """
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (batch, size, size, 3)).astype("float32")
    labels = keras.utils.to_categorical(rng.integers(0, 2, batch), 2)
    rates: dict[str, float] = {}
    for xla in jit:
        model = _model(size, trainable)
        model.compile(
            optimizer=keras.optimizers.SGD(1e-3, momentum=0.9), loss="categorical_crossentropy", jit_compile=xla
        )
        rates["train_xla" if xla else "train"] = _timed(
            functools.partial(model.train_on_batch, images, labels), batch, seconds, 2
        )
        if infer and "infer" not in rates:
            rates["infer"] = _timed(functools.partial(model.predict_on_batch, images), batch, seconds, 2)
        keras.backend.clear_session()
    return {k: round(v, 2) for k, v in rates.items()}


def measure_precision(
    *, backbone: str = "resnet50", size: int = 64, batch: int = 32, seconds: float = 3.0, precision: str = "float32"
) -> dict[str, float]:
    """Steady-state training images/s of ``backbone`` (from scratch, all trainable) under a dtype policy.

    Returns ``{"train": img/s, "loss": the loss of the last step}``: a policy whose loss
    is not finite after these steps is not one to train with.

    Example:
        >>> measure_precision(backbone="resnet18", size=32, batch=4, seconds=0.1)["loss"] > 0  # doctest: +SKIP
        True
    """
    import keras
    import numpy as np

    from lesionkit import registries
    from lesionkit.models.assemble import build_classifier
    from lesionkit.models.heads import softmax
    from lesionkit.runtime.precision import precision_policy

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (batch, size, size, 3)).astype("float32")
    labels = keras.utils.to_categorical(rng.integers(0, 2, batch), 2)
    keras.utils.set_random_seed(0)
    with precision_policy(precision):
        net = registries.backbones.build(backbone, {}, injected={"input_shape": (size, size, 3), "weights": None})
        model = build_classifier(net, softmax(2), image_size=size)
        model.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.9), loss="categorical_crossentropy")
        rate = _timed(functools.partial(model.train_on_batch, images, labels), batch, seconds, 2)
        loss = model.train_on_batch(images, labels)
    keras.backend.clear_session()
    loss = float(loss[0] if isinstance(loss, (list, tuple)) else loss)
    return {"train": round(rate, 2), "loss": round(loss, 4) if np.isfinite(loss) else loss}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--trainable", default="conv5")
    parser.add_argument("--xla", action="store_true", help="also measure training with XLA")
    parser.add_argument("--xla-only", action="store_true", help="only training with XLA (key train_xla)")
    parser.add_argument("--backbone", default="resnet50", help="with --precision: the backbone measured")
    parser.add_argument("--precision", help="measure training only, under this dtype policy (keys train, loss)")
    args = parser.parse_args(argv)
    if args.precision:
        result = measure_precision(
            backbone=args.backbone, size=args.size, batch=args.batch, seconds=args.seconds, precision=args.precision
        )
        print(json.dumps(result))
        return 0
    jit = (True,) if args.xla_only else (False, True) if args.xla else (False,)
    rates = measure(
        size=args.size,
        batch=args.batch,
        seconds=args.seconds,
        trainable=args.trainable,
        jit=jit,
        infer=not args.xla_only,
    )
    print(json.dumps(rates))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
