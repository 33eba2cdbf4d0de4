"""Prediction: inference and test-time augmentation, image files, exported models, Grad-CAM.

Importing this package imports nothing else (no TensorFlow): import its modules by name, e.g.
``from lesionkit.evaluation.prediction.inference import predict``.
"""

from __future__ import annotations
