"""Downloading the published datasets: resumable, checksummed transfers and safe extraction."""
