"""predict_files: parallel decode keeps every probability with its file, and counts skipped files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from lesionkit.evaluation.prediction.predict import predict_files


class MeanBrightness:
    """A stand-in model: the probability is the image's mean brightness (no TensorFlow needed)."""

    config = SimpleNamespace(image_size=16, tta=1, task="melanoma")

    def __init__(self) -> None:
        self.batches: list[int] = []

    def predict(self, images: np.ndarray, *, tta: int = 1, batch_size: int | None = None) -> np.ndarray:
        assert batch_size == 4  # the chunk is predicted in one model call
        self.batches.append(len(images))
        return images.mean(axis=(1, 2, 3)) / 255


@pytest.mark.parametrize("workers", [1, 3])
def test_probabilities_stay_aligned_with_files_and_broken_files_are_reported(tmp_path: Path, workers: int) -> None:
    files = []
    for i in range(11):
        path = tmp_path / f"ISIC_{i:07d}.jpg"
        if i in (4, 9):
            path.write_bytes(b"not a jpeg")
        else:
            Image.fromarray(np.full((40, 40, 3), 20 * i, np.uint8)).save(path, quality=100)
        files.append(path)
    model = MeanBrightness()
    task, probabilities, skipped = predict_files(model, files, batch=4, workers=workers)
    assert task == "melanoma"
    assert [p for p, _ in skipped] == [files[4], files[9]] and all("ISIC_000000" in r for _, r in skipped)
    assert np.isnan(probabilities[[4, 9]]).all()
    good = [i for i in range(11) if i not in (4, 9)]
    np.testing.assert_allclose(probabilities[good], [20 * i / 255 for i in good], atol=0.02)
    assert model.batches == [4, 3, 2]  # batches of 4 files, the broken ones left out
