"""The budget's schedule on a simulated clock: the loop's rules (validate when due,
stop at fraction 1) replayed with fixed step and validation times, so the figures do
not depend on how busy the machine is."""

import pytest

from lstm_tui.core.budget import FORWARD_SPEEDUP, VALIDATION_SHARE, Budget
from lstm_tui.core.train_options import FINE_TUNE_MAX_PASSES, MIXED_MAX_PASSES, Progress, TrainOptions


def simulate(minutes: float, step_seconds: float, validation_seconds: float,
             tokens_per_step: int = 2048) -> tuple[list[float], float]:
    """Validation start times and the wall time when the last validation ends, for a
    validation set that takes ``validation_seconds`` at the estimated pace."""
    val_tokens = round(validation_seconds * FORWARD_SPEEDUP * tokens_per_step / step_seconds)
    budget = Budget(TrainOptions(paths=("x",), name="t", output="o", run_dir="r", cache_dir="c",
                                 minutes=minutes), steps_per_epoch=10**9,
                    val_tokens=val_tokens, passes=1)
    p, last_eval, starts = Progress(), 0.0, []
    while True:
        if p.step and budget.due_for_eval(p, last_eval):
            starts.append(p.seconds)
            last_eval = p.seconds
            p.seconds += validation_seconds
            budget.validation_seconds = validation_seconds
        if budget.fraction(p) >= 1.0:
            break
        p.step += 1
        p.tokens += tokens_per_step
        p.seconds += step_seconds
    starts.append(p.seconds)  # the final validation
    return starts, p.seconds + validation_seconds


@pytest.mark.parametrize("validation_seconds", [0.5, 5.0, 30.0, 90.0])
def test_validations_take_a_tenth_and_the_last_ends_inside_the_budget(validation_seconds):
    minutes, step = 10.0, 0.25
    starts, end = simulate(minutes, step, validation_seconds)
    assert end <= 60 * minutes + step  # one step of slack: the loop checks between steps
    spent = validation_seconds * len(starts)
    assert spent <= VALIDATION_SHARE * 60 * minutes + validation_seconds  # the last may push it over by one
    assert end >= 60 * minutes - validation_seconds - step  # training used the rest


def test_a_slow_validation_is_not_repeated_near_the_end():
    """Half a minute per validation in a ten-minute run: a few, spread out, and none in
    the stretch just before the last (six took over half the budget before)."""
    starts, _ = simulate(10.0, 0.25, 30.0)
    assert 2 <= len(starts) <= 3
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 30.0 * (1 / VALIDATION_SHARE - 1)


def test_the_first_validation_comes_early_at_the_estimated_pace():
    """Before any validation its cost is estimated from the training speed, so a cheap
    one comes after a minute, not after a tenth of the run's estimated cost."""
    starts, _ = simulate(10.0, 0.25, 0.5)
    assert 55 <= starts[0] <= 65
    # Every minute (a tenth of the budget) while cheap, none in the last minute
    # before the final one, which comes at the end.
    assert [round(s) for s in starts[:-1]] == list(range(60, 481, 60))
    assert starts[-1] >= 599


def test_a_steps_run_validates_twenty_times_unless_that_takes_over_a_tenth():
    options = TrainOptions(paths=("x",), name="t", output="o", run_dir="r", cache_dir="c", steps=200)
    cheap = Budget(options, steps_per_epoch=10**9, val_tokens=1000, passes=1, step_tokens=1024)
    assert cheap.eval_interval() == 10
    # 40,000 validation tokens against 1,024 a step: every 10 steps would read four
    # times what the run trains on; now the validations cost about a tenth.
    costly = Budget(options, steps_per_epoch=10**9, val_tokens=40_000, passes=1, step_tokens=1024)
    interval = costly.eval_interval()
    validations = 200 // interval
    assert validations * 40_000 / FORWARD_SPEEDUP <= VALIDATION_SHARE * 200 * 1024 * 1.01
    assert Budget(TrainOptions(paths=("x",), name="t", output="o", run_dir="r", cache_dir="c", steps=200,
                               eval_every=7), 10**9, 40_000, 1, 1024).eval_interval() == 7  # as told


def _minutes_budget(**kw) -> Budget:
    return Budget(TrainOptions(paths=("x",), name="t", output="o", run_dir="r", cache_dir="c", **kw),
                  steps_per_epoch=50, val_tokens=1000, passes=1)


def test_a_fine_tune_ends_after_its_passes_or_its_minutes_whichever_comes_first():
    capped = _minutes_budget(minutes=10.0, from_model="parent")
    assert capped.fraction(Progress(step=100, seconds=1.0)) == pytest.approx(100 / (50 * FINE_TUNE_MAX_PASSES))
    # A model that will predict together with the shipped one reads its text more times.
    mixed = Budget(TrainOptions(paths=("x",), name="t", output="o", run_dir="r", cache_dir="c", minutes=10.0,
                                from_model="parent"), steps_per_epoch=50, val_tokens=1000, passes=1, mixed=True)
    assert mixed.fraction(Progress(step=100, seconds=1.0)) == pytest.approx(100 / (50 * MIXED_MAX_PASSES))
    assert capped.fraction(Progress(step=1, seconds=600.0)) >= 1.0  # time still ends it
    assert _minutes_budget(minutes=10.0, from_model="parent", max_passes=2.0).fraction(
        Progress(step=100, seconds=1.0)) == pytest.approx(1.0)
    # A new model, and budgets in steps or passes, have no cap unless asked.
    assert _minutes_budget(minutes=10.0).fraction(Progress(step=10**6, seconds=1.0)) < 0.01
    assert _minutes_budget(steps=1000, from_model="parent").fraction(Progress(step=500)) == 0.5
