"""How far a run is through its budget, and when it validates.

A --minutes budget is wall time, validations included: on a slow CPU one validation
of a book takes half a minute, and six in ten minutes took over half the budget from
training. So validation may take at most VALIDATION_SHARE of the time, none comes in
the last stretch, and training stops in time for the last one to end inside the budget.
"""

from __future__ import annotations

import math

from .train_options import Progress, TrainOptions

VALIDATION_SHARE = 0.1
FORWARD_SPEEDUP = 2.5  # a validation reads tokens about this much faster than training learns them
MIN_EVAL_SECONDS = 60.0  # a --minutes run validates at most this often
MAX_EVAL_SECONDS = 600.0  # and at least this often, while it is cheap
EVALS_PER_RUN = 20  # a --steps or --epochs run validates this many times without --eval-every


class Budget:
    def __init__(self, options: TrainOptions, steps_per_epoch: int, val_tokens: int, passes: int,
                 step_tokens: int = 0, mixed: bool = False) -> None:
        self.limit = options.budget()  # {"minutes"|"steps"|"epochs": amount}
        cap = options.pass_cap(mixed)  # mixed: the model will predict together with the shipped one
        self.cap_steps = None if cap is None else max(1, math.ceil(cap * steps_per_epoch))
        self.eval_every = options.eval_every
        self.steps_per_epoch = steps_per_epoch
        self.val_tokens = val_tokens
        self.passes = passes  # validations per evaluation: 2 with --ema (the average too)
        self.step_tokens = step_tokens  # tokens one step trains on (0: unknown)
        self.validation_seconds: float | None = None  # what the last evaluation took

    def fraction(self, p: Progress) -> float:
        if "minutes" in self.limit:
            # With a cap on passes, whichever of the two ends first ends the run (and
            # its learning-rate schedule).
            capped = p.step / self.cap_steps if self.cap_steps else 0.0
            return max(p.seconds / self.training_seconds(p), capped)
        return p.step / max(1, self._total_steps())

    def _total_steps(self) -> float:
        return self.limit["steps"] if "steps" in self.limit else self.limit["epochs"] * self.steps_per_epoch

    def eval_interval(self) -> int:
        """Steps between validations; 0 in a --minutes run, which validates by time."""
        if self.eval_every:
            return self.eval_every
        if "minutes" in self.limit:
            return 0
        # Twenty validations, but at most VALIDATION_SHARE of the run's time: a 200-step
        # fine-tune validating 40,000 tokens every 10 steps read four times the tokens it
        # trained on.
        share = (self.passes * self.val_tokens / (FORWARD_SPEEDUP * VALIDATION_SHARE * self.step_tokens)
                 if self.step_tokens else 0)
        return max(10, int(self._total_steps()) // EVALS_PER_RUN, math.ceil(share))

    def due_for_eval(self, p: Progress, last_eval_seconds: float) -> bool:
        interval = self.eval_interval()
        if interval:
            return p.step % interval == 0
        budget = 60 * self.limit["minutes"]
        wait = max(min(MAX_EVAL_SECONDS, max(MIN_EVAL_SECONDS, budget / 10)),
                   self.validation_cost(p) * (1 / VALIDATION_SHARE - 1))
        # Too little training left before the last validation, and this one is
        # skipped, since the last comes soon anyway.
        left = self.training_seconds(p) - p.seconds
        return p.seconds - last_eval_seconds >= wait and left >= wait

    def training_seconds(self, p: Progress) -> float:
        """A --minutes budget less the last validation, which ends inside it too."""
        budget = 60 * self.limit["minutes"]
        return budget - min(self.validation_cost(p), budget / 4)

    def validation_cost(self, p: Progress) -> float:
        """Seconds an evaluation takes: as the last one took, or before the first, as
        estimated from the training speed so far (0 before any step)."""
        if self.validation_seconds is not None:
            return self.validation_seconds
        if p.tokens == 0 or p.seconds <= 0:
            return 0.0
        return self.passes * self.val_tokens / (FORWARD_SPEEDUP * p.tokens / p.seconds)
