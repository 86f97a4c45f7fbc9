"""Beam search over continuations: n-best hypotheses, length-normalised, with the
same stop rules and token healing as sampling."""

from __future__ import annotations

import torch

from .completion import Completion, StopHook, cut_at_stop, is_final
from .config import SamplingConfig
from .healing import PrefixConstraint, after_tail
from .model import State
from .sampling import apply_repetition_penalty
from .tokenizer import Tokenizer


@torch.inference_mode()
def beam_search(model: torch.nn.Module, tokenizer: Tokenizer | None, state: State, logits: torch.Tensor,
                config: SamplingConfig, device: torch.device, control: frozenset[int] = frozenset(),
                history: list[int] | None = None, should_stop: StopHook | None = None,
                tail: str = "", constraint: PrefixConstraint | None = None) -> list[Completion]:
    """Beam search from ``state``/``logits``; returns up to ``num_alternatives``
    hypotheses, best first, scored by logprob / length ** length_penalty.

    A hypothesis ends at ``max_tokens``, at a control token, or where ``stop_at``
    says. With a ``tail`` (token healing, see healing.py) every hypothesis starts
    with a piece that starts with it, and the texts returned start after it. With no
    tokenizer, ids are returned as text joined by spaces (for tests).
    """
    width = config.beam_width
    decode = tokenizer.decode if tokenizer else (lambda ids: " ".join(map(str, ids)))

    def shown(ids: list[int]) -> str:  # the text a hypothesis adds after the tail
        return after_tail(decode(ids), tail)

    vocab = logits.size(-1)
    if tail and (constraint is None or tokenizer is None):
        raise ValueError("a tail to heal needs the tokenizer and the constraint that spell it")
    spell = tail.encode("utf-8")

    def counted(ids: list[int]) -> int:  # tokens past the tail: a first piece that only repeats it is not
        return len(ids) - (bool(spell) and not constraint.shows_past(ids[0], spell))

    alive: list[tuple[list[int], float]] = [([], 0.0)]
    finished: list[tuple[list[int], float]] = []
    logprobs = torch.log_softmax(logits.float(), dim=-1).unsqueeze(0)
    history = list(history or [])
    window = config.repetition_window
    max_steps = config.max_tokens + bool(spell)  # the first token may only repeat the tail
    for step in range(max_steps):
        if should_stop and should_stop():
            break
        if config.repetition_penalty != 1.0 and window:
            logprobs = torch.stack([
                torch.log_softmax(apply_repetition_penalty(lp, (history + ids)[-window:],
                                                           config.repetition_penalty), -1)
                for lp, (ids, _) in zip(logprobs, alive)])
        if step == 0 and spell:
            # Not renormalised: a hypothesis pays what its first piece costs the model.
            logprobs = constraint.restrict(logprobs, spell)
        scores = torch.tensor([s for _, s in alive], device=logprobs.device).unsqueeze(1) + logprobs
        flat = scores.flatten()
        top = torch.topk(flat, min(flat.numel(), 2 * width))
        survivors: list[tuple[list[int], float]] = []
        parents: list[int] = []
        for score, index in zip(top.values.tolist(), top.indices.tolist()):
            if score == float("-inf"):
                break
            parent, token = divmod(index, vocab)
            ids = alive[parent][0] + [token]
            if token in control:
                finished.append((alive[parent][0], score))  # ending costs the end token's probability
            elif counted(ids) >= config.max_tokens or is_final(shown(ids), config.stop_at):
                finished.append((ids, score))
            else:
                survivors.append((ids, score))
                parents.append(parent)
            if len(survivors) == width:
                break
        # Scores only fall as hypotheses grow; with length normalisation the best a
        # survivor can still reach is its score spread over the longest length.
        ceiling = max(sc / max_steps ** config.length_penalty for _, sc in survivors) \
            if survivors else float("-inf")
        if not survivors or len(finished) >= width and _best(finished, config) >= ceiling:
            break
        alive = survivors
        index = torch.tensor(parents, device=device)
        state = (state[0][:, index], state[1][:, index])
        x = torch.tensor([ids[-1] for ids, _ in alive], device=device).unsqueeze(1)
        out, state = model(x, state)
        logprobs = torch.log_softmax(out[:, -1].float(), dim=-1)
    pool = finished or alive
    pool.sort(key=lambda h: _normalised(h, config), reverse=True)
    unique: list[Completion] = []
    seen: set[str] = set()
    for ids, score in pool:
        text = cut_at_stop(shown(ids), config.stop_at) if tokenizer else shown(ids)
        if text not in seen:
            seen.add(text)
            unique.append(Completion(text, score, len(ids)))
        if len(unique) == max(config.num_alternatives, 1):
            break
    return unique


def _normalised(hyp: tuple[list[int], float], config: SamplingConfig) -> float:
    ids, score = hyp
    return score / max(len(ids), 1) ** config.length_penalty


def _best(hyps: list[tuple[list[int], float]], config: SamplingConfig) -> float:
    return max(_normalised(h, config) for h in hyps)
