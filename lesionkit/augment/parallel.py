"""Run a numpy (imgaug) augmenter across worker processes.

imgaug called through ``tf.numpy_function`` holds Python's GIL, so tf.data
cannot run it on more than one core however many parallel calls it makes.
:class:`ParallelNumpyAugmenter` is itself a ``"numpy"`` augmenter that splits
each batch into fixed chunks and augments them in a pool of worker processes.

Determinism: chunk ``j`` of a batch is augmented with a seed derived from
``(seed, j)``, and chunks have a fixed size, so the output depends on the seed
and ``chunk`` only — not on the number of workers (``workers=1`` runs in
process and gives the same images).

The pool uses the ``spawn`` start method (safe next to TensorFlow's threads);
as always with ``spawn``, a script that uses it must guard its entry point with
``if __name__ == "__main__":``.

Example:
    >>> import numpy as np, lesionkit
    >>> from lesionkit.augment.parallel import ParallelNumpyAugmenter
    >>> aug = ParallelNumpyAugmenter(lesionkit.augmenters.create("flip", backend="imgaug"), workers=1)
    >>> aug(np.zeros((3, 8, 8, 3), np.uint8), seed=0).shape
    (3, 8, 8, 3)
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from lesionkit.augment.base import Augmenter

_WORKER_AUGMENTER: Augmenter | None = None


def _init_worker(augmenter: Augmenter) -> None:
    global _WORKER_AUGMENTER
    _WORKER_AUGMENTER = augmenter


def _run_chunk(images: np.ndarray, seed: int) -> np.ndarray:
    assert _WORKER_AUGMENTER is not None
    return _WORKER_AUGMENTER.apply_numpy(images, seed)


def chunk_seed(seed: int, j: int) -> int:
    """The seed of chunk ``j`` of a batch augmented with ``seed``."""
    return (int(seed) * 2_654_435_761 + 97 * (j + 1)) % (2**31)


class ParallelNumpyAugmenter(Augmenter):
    """A numpy augmenter run in ``workers`` processes, ``chunk`` images per task.

    Args:
        augmenter: a ``"numpy"`` augmenter (picklable: every imgaug augmenter
            lesionkit registers is).
        workers: worker processes; 1 runs in this process.
        chunk: images per task; part of what the seed determines.

    Raises:
        ValueError: ``augmenter`` is not a numpy augmenter, or workers/chunk < 1.
    """

    backend = "numpy"

    def __init__(self, augmenter: Augmenter, workers: int = 2, chunk: int = 8) -> None:
        if augmenter.backend != "numpy":
            raise ValueError(
                f"ParallelNumpyAugmenter runs numpy augmenters; {augmenter!r} has backend "
                f"{augmenter.backend!r} (tf augmenters already run in parallel inside tf.data)"
            )
        if int(workers) < 1 or int(chunk) < 1:
            raise ValueError(f"workers={workers!r} and chunk={chunk!r} must be at least 1")
        self.augmenter = augmenter
        self.workers = int(workers)
        self.chunk = int(chunk)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ParallelNumpyAugmenter({self.augmenter!r}, workers={self.workers}, chunk={self.chunk})"

    def __getstate__(self) -> dict[str, Any]:
        return {"augmenter": self.augmenter, "workers": self.workers, "chunk": self.chunk}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self.augmenter,),
                )
            return self._pool

    def apply_numpy(self, images: np.ndarray, seed: int) -> np.ndarray:
        images = np.asarray(images)
        starts = range(0, len(images), self.chunk)
        parts = [(images[s : s + self.chunk], chunk_seed(seed, j)) for j, s in enumerate(starts)]
        if not parts:
            return images.copy()
        if self.workers == 1 or len(parts) == 1:
            outs = [self.augmenter.apply_numpy(p, s) for p, s in parts]
        else:
            pool = self._executor()
            outs = list(pool.map(_run_chunk, [p for p, _ in parts], [s for _, s in parts]))
        return np.concatenate(outs, axis=0)

    def close(self) -> None:
        """Stop the worker processes (they are started again on the next call)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        try:
            pool = self._pool
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        except Exception:
            pass
