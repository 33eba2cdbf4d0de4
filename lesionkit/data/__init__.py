"""Datasets, caching, the tf.data pipeline and class balancing."""
