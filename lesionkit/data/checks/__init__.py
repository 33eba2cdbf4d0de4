"""Checking a dataset before training: every file and row (validation), and leakage across splits (audit)."""
