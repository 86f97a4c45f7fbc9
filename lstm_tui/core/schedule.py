"""The learning-rate schedule and the autocast precision for training."""

from __future__ import annotations

import math

import torch

from .train_options import TrainOptions


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on ``device``; None trains in float32.

    auto: bf16 on CUDA where supported (else fp16 with loss scaling), and on CPUs
    with native bf16 instructions; float32 elsewhere.
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        return torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and _cpu_has_bf16():
        return torch.bfloat16
    return None


def _cpu_has_bf16() -> bool:
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def learning_rate(options: TrainOptions, step: int, fraction: float) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio`` over the budget."""
    warm = min(1.0, (step + 1) / max(1, options.warmup_steps))
    fraction = min(max(fraction, 0.0), 1.0)
    cosine = options.min_lr_ratio + (1 - options.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * fraction))
    return options.lr * warm * cosine
