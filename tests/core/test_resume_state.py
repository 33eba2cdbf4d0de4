"""Resuming and reproducing runs: the optimizer's state, the schedule's position, deterministic histories.

One module-scoped set of tiny runs of one config (ResNet-18 frozen, the head trained with Adam
under a cosine schedule that changes every step, flips, 8 synthetic images in 2 batches):

- ``whole``: 3 epochs without a break;
- ``cut``: the same config in another directory, interrupted (Ctrl-C, ``KeyboardInterrupt``)
  right after epoch 1's checkpoint...
- ``resumed``: ...and continued with ``Trainer.from_run(...).fit(resume=True)``.

A recorder callback (run after lesionkit's own, so after each epoch's checkpoint) keeps the
learning rate the optimizer applies at every step, the optimizer's variables at the start of
training and at the end of each epoch, and the model's weights at the end of each epoch.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

CONFIG: dict[str, Any] = dict(
    name="resume",
    task="melanoma",
    dataset={"name": "synthetic", "params": {"sizes": {"train": 8, "validation": 4, "test": 4}}},
    backbone={"name": "resnet18", "params": {"preprocessing": "tf"}},
    weights=None,
    trainable="all",  # the backbone frozen: only the head trains (cheap), its Adam slots are what resume restores
    balance="none",
    augmenters=[{"name": "flip"}],
    optimizer={"name": "adam"},
    learning_rate=1e-3,
    schedule={"name": "cosine", "params": {"warmup_epochs": 0}},  # a different rate at each of the 4 steps
    image_size=32,
    batch_size=4,
    epochs=3,
    seed=3,
    deterministic=True,
)
STEPS_PER_EPOCH = 2
STEPS = 3 * STEPS_PER_EPOCH


def make_recorder(stop_after: int | None = None) -> Any:
    import keras

    class Recorder(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.rates: list[tuple[int, float]] = []  # (optimizer step, learning rate applied at it)
            self.start_iterations = -1
            self.start_state: list[np.ndarray] = []
            self.epoch_state: list[list[np.ndarray]] = []
            self.epoch_weights: list[list[np.ndarray]] = []

        def on_train_begin(self, logs: Any = None) -> None:
            optimizer = self.model.optimizer
            self.start_iterations = int(optimizer.iterations.numpy())
            self.start_state = [np.array(v.numpy()) for v in optimizer.variables]

        def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
            optimizer = self.model.optimizer
            self.rates.append((int(optimizer.iterations.numpy()), float(optimizer.learning_rate.numpy())))

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.epoch_state.append([np.array(v.numpy()) for v in self.model.optimizer.variables])
            self.epoch_weights.append([np.array(w.numpy()) for w in self.model.weights])
            if stop_after is not None and epoch + 1 >= stop_after:
                raise KeyboardInterrupt  # Ctrl-C right after the epoch's checkpoint

    return Recorder()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from lesionkit import Trainer
    from lesionkit.runs import RunDir

    root = tmp_path_factory.mktemp("resume")
    out: dict[str, Any] = {}
    for name, path, stop_after, resume in [
        ("whole", root / "whole", None, False),
        ("cut", root / "cut", 1, False),
        ("resumed", root / "cut", None, True),
    ]:
        recorder = make_recorder(stop_after)
        trainer = Trainer.from_run(path) if resume else Trainer({**CONFIG, "run_dir": str(path)})
        try:
            history = trainer.fit(resume=resume, verbose=0, callbacks=[recorder])
        except KeyboardInterrupt:
            history = RunDir(path).read_history()  # what the interrupted run kept
        out[name] = {"recorder": recorder, "history": history, "path": Path(path)}
    return out


def test_resuming_restores_the_optimizers_step_and_slot_variables(runs: dict[str, Any]) -> None:
    cut, resumed = runs["cut"]["recorder"], runs["resumed"]["recorder"]
    assert len(cut.epoch_state) == 1  # the interruption happened after epoch 1
    assert resumed.start_iterations == STEPS_PER_EPOCH  # not 0: the step count comes back
    saved = cut.epoch_state[0]
    assert len(resumed.start_state) == len(saved) > 3  # iterations, and Adam's m and v of each head variable
    for restored, expected in zip(resumed.start_state, saved):
        np.testing.assert_array_equal(restored, expected)
    # The slots are not trivially equal: after one epoch Adam's moments are non-zero.
    assert sum(float(np.abs(v).sum()) for v in saved[1:]) > 0


def test_the_resumed_schedule_continues_where_an_uninterrupted_run_is(runs: dict[str, Any]) -> None:
    whole, cut, resumed = (runs[k]["recorder"] for k in ("whole", "cut", "resumed"))
    assert [step for step, _ in whole.rates] == list(range(STEPS))
    assert [step for step, _ in resumed.rates] == list(range(STEPS_PER_EPOCH, STEPS))
    # The rates of the resumed epoch are the uninterrupted run's at the same steps...
    rates = {
        name: [rate for _, rate in rec.rates] for name, rec in [("whole", whole), ("cut", cut), ("resumed", resumed)]
    }
    assert rates["resumed"] == pytest.approx(rates["whole"][STEPS_PER_EPOCH:], rel=1e-6)
    assert rates["cut"] == pytest.approx(rates["whole"][:STEPS_PER_EPOCH], rel=1e-6)
    # ...which are cosine's, by hand: lr · (1 + cos(π k / 6)) / 2 over 6 steps, not the first epoch's again.
    cosine = [1e-3 * (1 + math.cos(math.pi * k / STEPS)) / 2 for k in range(STEPS)]
    assert rates["whole"] == pytest.approx(cosine, rel=1e-6)
    assert resumed.rates[0][1] < cut.rates[-1][1]


def test_the_resumed_run_keeps_its_first_epoch_and_adds_the_others(runs: dict[str, Any]) -> None:
    cut, resumed = runs["cut"]["history"], runs["resumed"]["history"]
    assert len(cut["loss"]) == 1 and len(resumed["loss"]) == 3
    assert resumed["loss"][0] == cut["loss"][0]
    assert resumed["epoch"] == [0.0, 1.0, 2.0]


def test_a_deterministic_resumed_run_replays_the_uninterrupted_one(runs: dict[str, Any]) -> None:
    """Epochs 2 and 3 after a resume see the batches (order and flips) the uninterrupted run saw.

    Each epoch's shuffle and augmentation depend on (seed, epoch) alone; a resumed run that
    started its pipeline over would train its first resumed epoch on epoch 1's batches again.
    """
    whole, resumed = runs["whole"], runs["resumed"]
    for key in ("loss", "auc", "val_loss", "val_auc"):
        np.testing.assert_allclose(resumed["history"][key], whole["history"][key], rtol=1e-6, err_msg=key)
    for a, b in zip(resumed["recorder"].epoch_weights[-1], whole["recorder"].epoch_weights[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_a_deterministic_run_repeats_another_in_the_same_process(runs: dict[str, Any]) -> None:
    """Two runs of one seeded, deterministic config: the same first epoch, bit for bit.

    ``whole`` and ``cut`` are separate runs (each builds its own model and pipeline) in one
    process, the second after the first left TensorFlow's global seed set.
    """
    whole, cut = runs["whole"], runs["cut"]
    for key in ("loss", "auc", "val_loss", "val_auc"):
        assert cut["history"][key][0] == whole["history"][key][0], key
    for a, b in zip(cut["recorder"].epoch_weights[0], whole["recorder"].epoch_weights[0]):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(cut["recorder"].epoch_state[0], whole["recorder"].epoch_state[0]):
        np.testing.assert_array_equal(a, b)
