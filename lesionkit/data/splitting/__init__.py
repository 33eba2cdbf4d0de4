"""Splits: the ``Split``/``Dataset`` contract, lesion-grouped splits, cross-validation folds, class balancing."""
