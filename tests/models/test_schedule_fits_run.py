"""A warm-up written for a preset's epochs shrinks to fit a shorter run instead of refusing to start."""

from __future__ import annotations

import pytest

import lesionkit


def test_a_warmup_as_long_as_the_run_shrinks_to_a_quarter_with_a_warning() -> None:
    with pytest.warns(UserWarning) as caught:
        schedule = lesionkit.schedules.create("cosine", learning_rate=0.1, steps_per_epoch=4, epochs=2, warmup_epochs=3)
    message = str(caught[0].message)
    # The warning names the value, what was done, and the key to set (as --set spells it).
    assert "warmup_epochs = 3 (12 steps)" in message and "whole run (8 steps)" in message
    assert "warming up for 2 steps" in message and "schedule.params.warmup_epochs" in message
    assert (schedule.warmup_steps, schedule.total_steps) == (2, 8)
    assert float(schedule(1)) == pytest.approx(0.1)  # the warm-up's last step reaches the peak
    assert float(schedule(8)) == pytest.approx(0.0)  # and the decay still ends with the run


def test_a_warmup_shorter_than_the_run_is_kept_without_a_warning(recwarn: pytest.WarningsRecorder) -> None:
    schedule = lesionkit.schedules.create("cosine", learning_rate=0.1, steps_per_epoch=4, epochs=2, warmup_epochs=1)
    assert schedule.warmup_steps == 4
    assert not [w for w in recwarn if "warm" in str(w.message)]
