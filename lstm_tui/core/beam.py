"""Beam search over continuations: n-best hypotheses, length-normalised, with the
same stop rules, token healing and suggestion policy as sampling."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .completion import Completion, StopHook
from .config import SamplingConfig
from .doc_cache import DocumentCache
from .healing import PrefixConstraint, after_tail
from .model import State, select_rows
from .policy import ShownText, end_index
from .sampling import apply_repetition_penalty
from .tokenizer import Tokenizer

# A hypothesis: its ids, its score, and the score after each of its tokens (which the
# suggestion policy reads word by word).
Hypothesis = tuple[list[int], float, list[float]]


@torch.inference_mode()
def beam_search(model: torch.nn.Module, tokenizer: Tokenizer | None, state: State, logits: torch.Tensor,
                config: SamplingConfig, device: torch.device, control: frozenset[int] = frozenset(),
                history: list[int] | None = None, should_stop: StopHook | None = None,
                tail: str = "", constraint: PrefixConstraint | None = None,
                line_breaks: bool = True, cache: DocumentCache | None = None) -> list[Completion]:
    """Beam search from ``state``/``logits``; returns up to ``num_alternatives``
    hypotheses, best first, scored by logprob / length ** length_penalty.

    A hypothesis ends at ``max_tokens``, at a control token, where ``stop_at`` says,
    or at a line break when ``line_breaks`` is False; what is returned of it is what
    the suggestion policy shows (policy.WordGate). With a ``tail`` (token healing, see
    healing.py) every hypothesis starts with a piece that starts with it, and the texts
    returned start after it. With no
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

    def cut(text: str) -> int | None:  # where the stop rules end a hypothesis's text
        return end_index(text, config.stop_at, line_breaks)

    def ends(text: str) -> bool:  # a sentence end counts before the space that confirms it
        return cut(text + " ") is not None

    def counted(ids: list[int]) -> int:  # tokens past the tail: a first piece that only repeats it is not
        return len(ids) - (bool(spell) and not constraint.shows_past(ids[0], spell))

    alive: list[Hypothesis] = [([], 0.0, [])]
    finished: list[Hypothesis] = []
    natural: set[tuple[int, ...]] = set()  # hypotheses that ended themselves, not at max_tokens
    logprobs = torch.log_softmax(logits.float(), dim=-1).unsqueeze(0)
    history = list(history or [])
    window = config.repetition_window
    max_steps = config.max_tokens + bool(spell)  # the first token may only repeat the tail
    for step in range(max_steps):
        if should_stop and should_stop():
            break
        if cache is not None:  # what the document said after the same words
            logprobs = torch.stack([cache.mix(lp, history + ids) for lp, (ids, _, _) in zip(logprobs, alive)])
        if step == 0:  # the policy reads a healed first piece's chance given the typed letters
            first_mass = float(constraint.log_mass(logprobs[0], spell)) if spell else 0.0
        if config.repetition_penalty != 1.0 and window:
            logprobs = torch.stack([
                torch.log_softmax(apply_repetition_penalty(lp, (history + ids)[-window:],
                                                           config.repetition_penalty), -1)
                for lp, (ids, _, _) in zip(logprobs, alive)])
        if step == 0 and spell:
            # Not renormalised: a hypothesis pays what its first piece costs the model.
            logprobs = constraint.restrict(logprobs, spell)
        scores = torch.tensor([s for _, s, _ in alive], device=logprobs.device).unsqueeze(1) + logprobs
        flat = scores.flatten()
        top = torch.topk(flat, min(flat.numel(), 2 * width))
        survivors: list[Hypothesis] = []
        parents: list[int] = []
        for score, index in zip(top.values.tolist(), top.indices.tolist()):
            if score == float("-inf"):
                break
            parent, token = divmod(index, vocab)
            ids = alive[parent][0] + [token]
            cums = alive[parent][2] + [score - first_mass]
            if token in control:
                # Ending costs the end token's probability.
                finished.append((alive[parent][0], score, alive[parent][2]))
                natural.add(tuple(alive[parent][0]))
            elif ends(shown(ids)):
                finished.append((ids, score, cums))
                natural.add(tuple(ids))
            elif counted(ids) >= config.max_tokens:
                finished.append((ids, score, cums))
            else:
                survivors.append((ids, score, cums))
                parents.append(parent)
            if len(survivors) == width:
                break
        # Scores only fall as hypotheses grow; with length normalisation the best a
        # survivor can still reach is its score spread over the longest length.
        ceiling = max(sc / max_steps ** config.length_penalty for _, sc, _ in survivors) \
            if survivors else float("-inf")
        if not survivors or (len(finished) >= width and _best(finished, config) >= ceiling):
            break
        alive = survivors
        index = torch.tensor(parents, device=device)
        state = select_rows(state, index)
        x = torch.tensor([ids[-1] for ids, _, _ in alive], device=device).unsqueeze(1)
        out, state = model(x, state)
        logprobs = torch.log_softmax(out[:, -1].float(), dim=-1)
    pool = finished or alive
    pool.sort(key=lambda h: _normalised(h, config), reverse=True)
    unique: list[Completion] = []
    seen: set[str] = set()
    for ids, score, cums in pool:
        if tokenizer is None:  # ids as text (for tests): no words to weigh
            text, word_probs = shown(ids), ()
        else:
            text, word_probs = _gated(ids, cums, shown, line_breaks, config, tuple(ids) in natural)
        if text not in seen:
            seen.add(text)
            unique.append(Completion(text, score, len(ids), word_probs=word_probs))
        if len(unique) == max(config.num_alternatives, 1):
            break
    return unique


def _gated(ids: list[int], cums: list[float], shown: Callable[[list[int]], str], line_breaks: bool,
           config: SamplingConfig, natural: bool) -> tuple[str, tuple[float, ...]]:
    """The part of a hypothesis the suggestion policy shows, read token by token
    through the step sampling reads its tokens through; and the probabilities of its words."""
    view = ShownText(config, line_breaks)
    for k in range(len(ids)):
        view.step(shown(ids[:k + 1]), cums[k], final=natural and k == len(ids) - 1)
        if view.done:
            break
    return view.shown, tuple(view.gate.word_probs)


def _normalised(hyp: Hypothesis, config: SamplingConfig) -> float:
    ids, score, _ = hyp
    return score / max(len(ids), 1) ** config.length_penalty


def _best(hyps: list[Hypothesis], config: SamplingConfig) -> float:
    return max(_normalised(h, config) for h in hyps)
