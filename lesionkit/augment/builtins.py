"""Registers the built-in augmenters in ``lesionkit.augmenters``."""

from __future__ import annotations

from typing import Any

from lesionkit.augment.base import Augmenter
from lesionkit.registries import augmenters


class RandomFlip(Augmenter):
    """Flip each image left-right and/or up-down with probability 1/2 (tf-native)."""

    backend = "tf"

    def __init__(self, horizontal: bool = True, vertical: bool = True) -> None:
        self.horizontal = horizontal
        self.vertical = vertical

    def apply_tf(self, images: Any, seed: Any) -> Any:
        import tensorflow as tf

        if self.horizontal:
            images = tf.image.stateless_random_flip_left_right(images, tf.random.experimental.stateless_fold_in(seed, 1))
        if self.vertical:
            images = tf.image.stateless_random_flip_up_down(images, tf.random.experimental.stateless_fold_in(seed, 2))
        return images


@augmenters.register("flip")
def flip(horizontal: bool = True, vertical: bool = True) -> RandomFlip:
    """Random horizontal and/or vertical flips."""
    return RandomFlip(horizontal, vertical)
