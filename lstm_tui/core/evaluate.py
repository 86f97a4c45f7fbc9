"""Bits per UTF-8 byte: a quality measure that does not depend on the tokenizer."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .adapt import adaptive_bits
from .model import reader
from .tokenizer import Tokenizer


@dataclass(frozen=True)
class EvalResult:
    bits_per_byte: float
    bytes: int
    tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else float("inf")


def stream_rows(ids: torch.Tensor, rows: int, start_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Split a 1-D id sequence into ``rows`` contiguous streams, each opened by ``start_id``.

    Returns inputs and targets [rows, length]; padding targets are -100 (ignored),
    so every real token is predicted exactly once.
    """
    n = ids.numel()
    # Each row starts cold; keep rows long enough that the cold starts do not matter.
    rows = max(1, min(rows, n // 1024))
    length = math.ceil(n / rows)
    targets = torch.full((rows * length,), -100, dtype=torch.long)
    targets[:n] = ids
    targets = targets.view(rows, length)
    inputs = torch.cat([torch.full((rows, 1), start_id, dtype=torch.long), targets[:, :-1]], dim=1)
    return inputs.clamp(min=0), targets


@torch.inference_mode()
def total_bits(model: torch.nn.Module, ids: torch.Tensor, start_id: int, device: torch.device,
               rows: int = 16, chunk: int = 256) -> float:
    """Sum of -log2 p(token) over ``ids``, with state carried across chunks."""
    inputs, targets = stream_rows(ids, rows, start_id)
    was_training = model.training
    model.eval()
    nats, state = 0.0, None
    for start in range(0, inputs.size(1), chunk):
        x = inputs[:, start:start + chunk].to(device)
        y = targets[:, start:start + chunk].to(device)
        logits, state = reader(model)(x, state)
        nats += float(F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), ignore_index=-100,
                                      reduction="sum"))
    model.train(was_training)
    return nats / math.log(2)


def evaluate_text(model: torch.nn.Module, tokenizer: Tokenizer, text: str, device: torch.device,
                  rows: int = 16, adapt: bool = False) -> EvalResult:
    """Bits per byte of ``text``; with ``adapt``, a copy of the model learns as it
    reads (``adapt.adaptive_bits``), as it does from a document being written."""
    started = time.perf_counter()
    n_bytes = len(text.encode("utf-8"))
    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    if n_bytes == 0 or ids.numel() == 0:
        raise ValueError("cannot measure bits per byte on empty text")
    if adapt:
        bits = adaptive_bits(model, ids, tokenizer.start_id, device)
    else:
        bits = total_bits(model, ids, tokenizer.start_id, device, rows=rows)
    return EvalResult(bits / n_bytes, n_bytes, ids.numel(), time.perf_counter() - started)
