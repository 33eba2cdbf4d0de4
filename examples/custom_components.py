"""Add your own components to lesionkit's registries and use them from a config.

Registering in-process is the quick way (notebooks, one project); a plugin package with
entry points (see ``examples/plugin_package``) makes components available to everyone who
installs it, without any import.

Usage:
    python examples/custom_components.py
"""

from __future__ import annotations

from typing import Any

import lesionkit
from lesionkit import ExperimentConfig, Trainer
from lesionkit.models.heads import Head


@lesionkit.heads.register("two_layer")
def two_layer(num_classes: int = 2, units: int = 32) -> Head:
    """Global pooling, two ReLU dense layers, then a float32 softmax."""
    import keras

    def build(features: Any) -> Any:
        x = keras.layers.GlobalAveragePooling2D()(features)
        x = keras.layers.Dense(units, activation="relu")(x)
        x = keras.layers.Dense(units, activation="relu")(x)
        return keras.layers.Dense(num_classes, activation="softmax", dtype="float32")(x)

    return Head(build, num_classes)


@lesionkit.schedules.register("halve_every")
def halve_every(learning_rate: float, steps_per_epoch: int, epochs: int, every: int = 2) -> Any:
    """Halve the learning rate every ``every`` epochs."""
    import keras

    return keras.optimizers.schedules.ExponentialDecay(
        learning_rate, decay_steps=every * steps_per_epoch, decay_rate=0.5, staircase=True
    )


def main(run_dir: str = "runs/example-custom") -> dict[str, float]:
    config = ExperimentConfig(
        name="custom_head",
        task="seborrheic_keratosis",
        dataset={"name": "synthetic", "params": {"sizes": {"train": 16, "validation": 8, "test": 8}}},
        weights=None,
        image_size=32,
        trainable="none",
        backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
        head={"name": "two_layer", "params": {"units": 16}},
        schedule={"name": "halve_every", "params": {"every": 1}},
        optimizer={"name": "adam"},
        learning_rate=1e-3,
        augmenters=[{"name": "flip"}],
        epochs=2,
        batch_size=8,
        run_dir=run_dir,
    )
    print(lesionkit.heads.describe("two_layer"))
    trainer = Trainer(config)
    trainer.fit(verbose=2)
    report = trainer.evaluate("test")
    print(report.table())
    return dict(report.metrics)


if __name__ == "__main__":
    main()
