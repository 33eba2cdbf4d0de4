"""Backbones, freeze policies, heads and the model assembled from them."""
