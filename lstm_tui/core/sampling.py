"""Choosing the next token: temperature, top-k, top-p, repetition penalty, greedy."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .config import SamplingConfig


def apply_repetition_penalty(logits: torch.Tensor, recent: Sequence[int], penalty: float) -> torch.Tensor:
    """CTRL-style penalty: a token seen recently has its logit divided by ``penalty``
    when positive and multiplied when negative, so it always becomes less likely."""
    if penalty == 1.0 or not recent:
        return logits
    ids = torch.tensor(sorted(set(recent)), device=logits.device)
    picked = logits[..., ids]
    logits = logits.clone()
    logits[..., ids] = torch.where(picked > 0, picked / penalty, picked * penalty)
    return logits


def filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Set to -inf every logit outside the top ``k`` and outside the nucleus ``p``."""
    if top_k > 0 and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1, None]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
        # Drop a token once the tokens before it already reach p; the first always stays.
        drop_sorted = (cumulative - torch.softmax(sorted_logits, dim=-1)) >= top_p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


def draw_sorted(probs: Sequence[float], top_p: float, uniform: float) -> int:
    """The index that ``uniform`` (in [0, 1)) draws from ``probs``, sorted from the
    likeliest, cut to the nucleus: the shortest prefix whose mass reaches ``top_p``
    (the first always stays)."""
    mass, kept = 0.0, 0
    for p in probs:
        if kept and mass >= top_p:
            break
        mass += p
        kept += 1
    target, total, last = uniform * mass, 0.0, 0
    for index in range(kept):
        if probs[index] > 0:  # a masked-out token (probability 0) is never drawn
            total += probs[index]
            last = index
            if total > target:
                return index
    return last  # rounding left the draw past the end


def next_token(logits: torch.Tensor, config: SamplingConfig, recent: Sequence[int] = (),
               generator: torch.Generator | None = None,
               allowed: torch.Tensor | None = None) -> tuple[int, float]:
    """Pick the next id from 1-D ``logits`` (among the ``allowed`` ids, a bool mask,
    when given); returns it with its log-probability under the model (before
    temperature, filtering and the mask), which is what scores a suggestion."""
    logits = logits.float()
    logprobs = torch.log_softmax(logits, dim=-1)
    window = recent[-config.repetition_window:] if config.repetition_window else ()
    shaped = apply_repetition_penalty(logits, window, config.repetition_penalty)
    if allowed is not None:
        shaped = shaped.masked_fill(~allowed, float("-inf"))
    if config.greedy:
        token = int(torch.argmax(shaped))
    elif 0 < config.top_k < shaped.numel():
        # Temperature and top-p then work on the k survivors only, which topk returns
        # sorted, and one uniform number picks among them (torch.multinomial and a
        # tensor index took about 85 us a token of the 170 this took).
        values, ids = torch.topk(shaped, config.top_k)
        probs = torch.softmax(values / config.temperature, dim=-1).tolist()
        uniform = float(torch.rand((), generator=generator, device=values.device))
        token = int(ids[draw_sorted(probs, config.top_p, uniform)])
    else:
        shaped = filter_logits(shaped / config.temperature, 0, config.top_p)
        probs = torch.softmax(shaped, dim=-1)
        token = int(torch.multinomial(probs, 1, generator=generator))
    return token, float(logprobs[token])
