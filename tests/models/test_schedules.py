"""Schedulers: values at the boundaries, serialisation, parameter errors."""

from __future__ import annotations

import keras
import pytest

import lesionkit
from lesionkit.training.optimization.schedules import ScheduleError, StepDecay, WarmupCosine

LR = 1e-4
SPE = 7  # steps per epoch


def _lr(schedule: object, step: int) -> float:
    return float(schedule(step)) if callable(schedule) else float(schedule)  # type: ignore[operator]


def test_step_decay_defaults_are_the_papers() -> None:
    s = lesionkit.schedules.create("step_decay", learning_rate=LR, steps_per_epoch=SPE, epochs=50)
    assert (s.first_drop, s.every, s.factor) == (20, 10, 0.1)
    expected = {
        0: LR,
        20 * SPE - 1: LR,  # last step of epoch 19
        20 * SPE: LR * 0.1,  # first step of epoch 20
        30 * SPE - 1: LR * 0.1,
        30 * SPE: LR * 0.01,
        40 * SPE - 1: LR * 0.01,
        40 * SPE: LR * 0.001,
    }
    for step, value in expected.items():
        assert _lr(s, step) == pytest.approx(value, rel=1e-5), step


def test_step_decay_is_exact_at_huge_step_counts() -> None:
    s = StepDecay(1.0, steps_per_epoch=1_000_003, first_drop=20, every=10)
    assert _lr(s, 20 * 1_000_003 - 1) == pytest.approx(1.0)
    assert _lr(s, 20 * 1_000_003) == pytest.approx(0.1)


def test_constant() -> None:
    assert lesionkit.schedules.create("constant", learning_rate=0.5, steps_per_epoch=3, epochs=2) == 0.5


def test_cosine_with_warmup_boundaries() -> None:
    s = lesionkit.schedules.create("cosine", learning_rate=LR, steps_per_epoch=10, epochs=5, warmup_epochs=1, alpha=0.1)
    assert (s.warmup_steps, s.total_steps) == (10, 50)
    assert _lr(s, 0) == pytest.approx(LR / 10)
    assert _lr(s, 4) == pytest.approx(LR / 2)
    assert _lr(s, 9) == pytest.approx(LR)
    assert _lr(s, 10) == pytest.approx(LR)  # decay starts from the peak
    assert _lr(s, 30) == pytest.approx(LR * (0.1 + 0.9 * 0.5), rel=1e-5)  # half-way: cos = 0
    assert _lr(s, 50) == pytest.approx(LR * 0.1, rel=1e-5)
    assert _lr(s, 500) == pytest.approx(LR * 0.1, rel=1e-5)


def test_cosine_without_warmup() -> None:
    s = lesionkit.schedules.create("cosine", learning_rate=1.0, steps_per_epoch=4, epochs=1, warmup_epochs=0)
    assert [round(_lr(s, i), 5) for i in range(5)] == [1.0, 0.85355, 0.5, 0.14645, 0.0]


@pytest.mark.parametrize("schedule", [StepDecay(0.1, 5, 3, 2, 0.5), WarmupCosine(0.1, 100, 10, 0.05)])
def test_schedules_serialise_and_drive_an_optimizer(schedule: object) -> None:
    clone = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert clone.get_config() == schedule.get_config()  # type: ignore[attr-defined]
    opt = lesionkit.optimizers.create("sgd", learning_rate=schedule)
    assert float(opt.learning_rate) == pytest.approx(_lr(schedule, 0))


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("step_decay", {"learning_rate": LR, "steps_per_epoch": 0}, "steps_per_epoch = 0: use an integer > 0"),
        ("step_decay", {"learning_rate": -1.0, "steps_per_epoch": 3}, "learning_rate = -1.0: use a number > 0"),
        ("step_decay", {"learning_rate": LR, "steps_per_epoch": 3, "every": 0}, "every = 0: use an integer > 0"),
        ("cosine", {"learning_rate": LR, "steps_per_epoch": 3, "epochs": 0}, "epochs = 0: use an integer > 0"),
        (
            "cosine",
            {"learning_rate": LR, "steps_per_epoch": 3, "epochs": 2, "alpha": 2.0},
            "alpha = 2.0: the final rate fraction must be in [0, 1]",
        ),
    ],
)
def test_bad_parameters(name: str, params: dict, message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        lesionkit.schedules.create(name, **params)
    # Exactly the schedule's own error (not a registry or Keras error that happens to subclass it), word for word.
    assert type(info.value) is ScheduleError
    assert str(info.value) == message
