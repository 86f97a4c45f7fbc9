"""The learning-rate schedule and the loss of one batch."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .precision import Precision
from .train_options import TrainOptions

WARMUP_SHARE = 0.1  # the most of a budget that warmup may take


def batch_loss(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, state, precision: Precision):
    """Mean cross-entropy of next-token predictions for one batch, and the LSTM state
    after it (the training step's forward pass, shared with the throughput bench)."""
    with torch.autocast(x.device.type, dtype=precision.autocast, enabled=precision.autocast is not None):
        logits, state = net(x, state, output_dtype=precision.output)
        if precision.output is None:
            return F.cross_entropy(logits.float().flatten(0, 1), y.flatten()), state
        # A bf16 output layer: the softmax reads bf16 logits (accumulating in float32),
        # half the memory traffic of the step's largest tensor; the per-token losses
        # are averaged in float32, as a bf16 sum drifts by a percent or more.
        losses = F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none")
        return losses.float().mean(), state


def learning_rate(options: TrainOptions, step: int, fraction: float) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio`` over the budget.

    Warmup ends after ``warmup_steps`` or a tenth of the budget, whichever comes first:
    a 2-minute fine-tune of 29 steps never reached its peak rate behind 100 steps of
    warmup."""
    warm = min(1.0, max((step + 1) / max(1, options.warmup_steps), fraction / WARMUP_SHARE))
    fraction = min(max(fraction, 0.0), 1.0)
    cosine = options.min_lr_ratio + (1 - options.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * fraction))
    return options.lr * warm * cosine
