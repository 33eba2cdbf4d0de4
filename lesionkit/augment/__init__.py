"""Augmenters: imgaug (numpy) and native-TensorFlow backends, and the paper's pipelines."""
