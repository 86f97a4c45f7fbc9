from lstm_tui.core.threads import ThreadTuner, candidates


def run(tuner: ThreadTuner, seconds_per_step: dict[int, float], steps: int) -> list[int]:
    """Steps at the tuner's count, each taking that count's time; the counts it chose."""
    switched = []
    for _ in range(steps):
        count = tuner.step_took(seconds_per_step[tuner.current])
        if count is not None:
            switched.append(count)
    return switched


def test_candidates_are_all_cores_and_half():
    assert candidates(1) == (1,)
    assert candidates(2) == (2, 1)
    assert candidates(8) == (8, 4)


def test_the_tuner_keeps_all_cores_when_they_are_fastest():
    tuner = ThreadTuner((2, 1), trial_steps=3, every_seconds=100.0)
    assert run(tuner, {2: 1.0, 1: 1.9}, 8) == [1, 2]  # tried one thread, went back
    assert tuner.current == tuner.best == 2 and tuner.step_seconds == {2: 1.0, 1: 1.9}
    assert tuner.trial_ended  # on the step that ended the trial only
    run(tuner, {2: 1.0, 1: 1.9}, 1)
    assert not tuner.trial_ended


def test_the_tuner_drops_to_fewer_threads_when_a_core_is_busy_and_tries_again_later():
    tuner = ThreadTuner((2, 1), trial_steps=3, every_seconds=20.0)
    busy = {2: 4.2, 1: 1.9}
    assert run(tuner, busy, 8) == [1]  # the trial's last candidate was the fastest: it stays
    assert tuner.current == 1
    assert run(tuner, busy, 10) == []  # no trial until 20 s of steps have passed
    idle = {2: 1.0, 1: 1.9}  # the other program ended
    assert run(tuner, idle, 10) == [2, 1, 2]  # the next trial finds two threads faster again
    assert tuner.current == 2


def test_one_core_has_nothing_to_try():
    tuner = ThreadTuner((1,))
    assert run(tuner, {1: 1.0}, 50) == [] and tuner.current == 1
