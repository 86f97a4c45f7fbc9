"""The learning-rate schedule."""

from __future__ import annotations

import math

from .train_options import TrainOptions

WARMUP_SHARE = 0.1  # the most of a budget that warmup may take


def learning_rate(options: TrainOptions, step: int, fraction: float) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio`` over the budget.

    Warmup ends after ``warmup_steps`` or a tenth of the budget, whichever comes first:
    a 2-minute fine-tune of 29 steps never reached its peak rate behind 100 steps of
    warmup."""
    warm = min(1.0, max((step + 1) / max(1, options.warmup_steps), fraction / WARMUP_SHARE))
    fraction = min(max(fraction, 0.0), 1.0)
    cosine = options.min_lr_ratio + (1 - options.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * fraction))
    return options.lr * warm * cosine
