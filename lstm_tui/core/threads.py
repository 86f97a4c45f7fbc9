"""How many CPU threads a training step should use, found by trying.

One thread per core is fastest on an idle machine, and far slower than one thread
when another program keeps a core busy: each step's thread team waits for the thread
whose core is taken. On 2 cores (AVX2), a fine-tune made 980 tokens/s at two threads
idle, 530 at one, and 245 at two beside a busy process. How busy the machine is
changes while a run goes on, and what a process's priority buys depends on the
scheduler, so the count is measured rather than guessed: every so often each
candidate count runs a few steps, and the fastest trains until the next trial.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

TRIAL_STEPS = 5  # steps timed per candidate (after one to settle)
TRIAL_EVERY_SECONDS = 300.0  # training time between trials


def candidates(cores: int) -> tuple[int, ...]:
    """The thread counts worth trying on ``cores`` cores: all of them, and half (or one)."""
    return tuple(dict.fromkeys((cores, max(1, cores // 2)))) if cores > 1 else (1,)


@dataclass
class ThreadTuner:
    """Times steps under each candidate count; says when to change the count."""

    choices: tuple[int, ...]
    trial_steps: int = TRIAL_STEPS
    every_seconds: float = TRIAL_EVERY_SECONDS
    current: int = 0  # the count the steps now run with
    best: int = 0  # the fastest found in the last trial
    _trying: int | None = 0  # index into choices while a trial runs; None between trials
    _times: list[float] = field(default_factory=list)
    _medians: dict[int, float] = field(default_factory=dict)
    _since_trial: float = 0.0
    trial_ended: bool = False  # whether the last step ended a trial (``best`` is new)

    def __post_init__(self) -> None:
        self.current = self.best = self.choices[0]

    def step_took(self, seconds: float) -> int | None:
        """Note one step's time; the thread count to switch to before the next, or None."""
        self.trial_ended = False
        if len(self.choices) < 2:
            return None
        if self._trying is None:
            self._since_trial += seconds
            if self._since_trial < self.every_seconds:
                return None
            self._trying, self._medians = 0, {}
            return self._switch(self.choices[0])
        self._times.append(seconds)
        if len(self._times) <= self.trial_steps:  # the first step after a change settles
            return None
        self._medians[self.current] = statistics.median(self._times[1:])
        self._trying += 1
        if self._trying < len(self.choices):
            return self._switch(self.choices[self._trying])
        self.best = min(self._medians, key=self._medians.__getitem__)
        self._trying, self._since_trial, self.trial_ended = None, 0.0, True
        return self._switch(self.best)

    def _switch(self, count: int) -> int | None:
        self._times = []
        if count == self.current:
            return None
        self.current = count
        return count

    @property
    def step_seconds(self) -> dict[int, float]:
        """Each count's median step time in the last trial."""
        return dict(self._medians)
