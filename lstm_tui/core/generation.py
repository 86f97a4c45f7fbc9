"""Streaming continuations with a cached LSTM state, and beam search.

``StreamingGenerator`` remembers the tokens it has fed and the LSTM state after each
of the most recent ones. A new context (usually the old one plus a keystroke) is
tokenized, compared with the cache, and only the tokens past the longest common
prefix are fed: O(new tokens) per keystroke, not O(context).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import torch

from .config import SamplingConfig
from .model import State
from .sampling import apply_repetition_penalty, next_token
from .tokenizer import Tokenizer

StopHook = Callable[[], bool]
# A sentence ends at . ! or ? (with any closing quotes or brackets) before a space.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s)")


@dataclass(frozen=True)
class Completion:
    text: str  # the continuation, cut where the stop rule says
    logprob: float  # natural-log probability of its tokens under the model
    tokens: int  # how many tokens were generated
    alternatives: list[Completion] = field(default_factory=list)  # other hypotheses, best first


def stop_index(text: str, stop_at: str) -> int | None:
    """Where a suggestion ending rule cuts ``text``, or None if it does not yet."""
    if stop_at == "newline":
        cut = text.find("\n")
        return cut if cut >= 0 else None
    if stop_at == "sentence":
        match = _SENTENCE_END.search(text)
        if match:
            return match.end()
        cut = text.find("\n\n")
        return cut if cut >= 0 else None
    return None


def context_window(text: str, max_chars: int, snap: int = 256) -> str:
    """The tail of ``text`` the model sees. Its start moves in steps of ``snap``
    characters, so typing at the end keeps the same start and the state cache hits."""
    if len(text) <= max_chars:
        return text
    start = (len(text) - max_chars + snap - 1) // snap * snap
    space = text.find(" ", start, start + 64)
    return text[space + 1 if space >= 0 else start:]


class StreamingGenerator:
    """Generates from one model for one caller at a time (a lock guards the cache)."""

    def __init__(self, model: torch.nn.Module, tokenizer: Tokenizer, device: torch.device,
                 context_chars: int = 2000, cached_positions: int = 384) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.context_chars = context_chars
        self._ids: list[int] = []
        # (tokens fed, state after them, logits for the next token), newest last.
        self._snaps: deque[tuple[int, State, torch.Tensor]] = deque(maxlen=cached_positions)
        self._lock = threading.Lock()
        self._context_len = 0  # how many of _ids were the last context (the rest: generated)
        self.tokens_fed = 0  # total tokens run through the model, for tests and stats
        self.tokens_generated = 0  # total tokens sampled by stream(), for speed figures

    def replace_model(self, model: torch.nn.Module) -> None:
        """Generate with ``model`` from now on (after a stream in progress ends). The
        cached states were the old model's: they are recomputed for the same text here,
        in the caller's thread, so the next keystroke still finds them."""
        with self._lock:
            self.model = model
            if self._ids:  # the last context: a keystroke extends it, not what was generated
                self._refill(self._ids[:self._context_len], tail=64)  # room to backspace

    # -- the state cache ---------------------------------------------------------

    def context_ids(self, context: str) -> list[int]:
        return [self.tokenizer.start_id, *self.tokenizer.encode(context_window(context, self.context_chars))]

    @torch.inference_mode()
    def _run(self, ids: list[int], state: State | None) -> tuple[torch.Tensor, State]:
        x = torch.tensor([ids], dtype=torch.long, device=self.device)
        logits, state = self.model(x, state)
        self.tokens_fed += len(ids)
        return logits[0, -1].float(), state

    def _push(self, token: int, state: State | None) -> torch.Tensor:
        logits, state = self._run([token], state)
        self._ids.append(token)
        self._snaps.append((len(self._ids), state, logits))
        return logits

    def prime(self, context: str) -> torch.Tensor:
        """Bring the cache to ``context`` and return the logits for the next token."""
        ids = self.context_ids(context)
        self._context_len = len(ids)
        common = common_prefix(self._ids, ids)
        snap = next((s for s in reversed(self._snaps) if s[0] <= common), None)
        if snap is not None and snap[0] == len(ids):
            self._truncate(len(ids))
            return snap[2]
        if snap is None:
            return self._refill(ids)
        start, state, _ = snap
        self._truncate(start)
        return self._feed(ids[start:], state)

    def _refill(self, ids: list[int], tail: int = 8) -> torch.Tensor:
        """A cache miss (an edit far back, a fresh start, a new model): one batched
        pass over all but the last ``tail`` tokens, then those a token at a time to
        refill the cache."""
        self._ids, self._snaps = [], deque(maxlen=self._snaps.maxlen)
        head = ids[:len(ids) - min(len(ids), tail)]
        state = None
        if head:
            _, state = self._run(head, None)
            self._ids = list(head)
        return self._feed(ids[len(head):], state)

    def _feed(self, ids: list[int], state: State | None) -> torch.Tensor:
        logits = None
        for token in ids:
            logits = self._push(token, state)
            state = self._snaps[-1][1]
        assert logits is not None
        return logits

    def _truncate(self, length: int) -> None:
        """Forget everything fed after the first ``length`` tokens."""
        del self._ids[length:]
        while self._snaps and self._snaps[-1][0] > length:
            self._snaps.pop()

    @property
    def state(self) -> State:
        return self._snaps[-1][1]

    # -- generation ----------------------------------------------------------------

    def stream(self, context: str, config: SamplingConfig, should_stop: StopHook | None = None,
               result: list[Completion] | None = None) -> Iterator[str]:
        """Yield the continuation of ``context`` as text deltas, a token at a time.

        ``should_stop`` is checked before every token. If ``result`` is given, the
        finished Completion is appended to it.
        """
        with self._lock:
            if config.beam_width > 1:
                hyps = self._beam(context, config, should_stop)
                best = hyps[0]
                if result is not None:
                    result.append(Completion(best.text, best.logprob, best.tokens, hyps[1:]))
                if best.text and not (should_stop and should_stop()):
                    yield best.text
                return
            yield from self._sample(context, config, should_stop, result)

    def _sample(self, context: str, config: SamplingConfig, should_stop: StopHook | None,
                result: list[Completion] | None) -> Iterator[str]:
        logits = self.prime(context)
        generator = _generator(config.seed, self.device)
        decoder = self.tokenizer.decoder()
        text, emitted, logprob, count = "", 0, 0.0, 0
        control = self.tokenizer.control_ids
        for _ in range(config.max_tokens):
            if should_stop and should_stop():
                break
            token, token_logprob = next_token(logits, config, self._ids, generator)
            if token in control:
                break
            count += 1
            self.tokens_generated += 1
            logprob += token_logprob
            text += decoder.feed(token)
            cut = stop_index(text, config.stop_at)
            visible = text if cut is None else text[:cut]
            if len(visible) > emitted:
                yield visible[emitted:]
                emitted = len(visible)
            if cut is not None:
                text = visible
                break
            logits = self._push(token, self.state)
        else:
            text += decoder.flush()
            if len(text) > emitted:
                yield text[emitted:]
        if result is not None:
            result.append(Completion(text, logprob, count))

    def complete(self, context: str, config: SamplingConfig,
                 should_stop: StopHook | None = None) -> Completion:
        """The whole continuation with its log-probability and alternatives."""
        result: list[Completion] = []
        for _ in self.stream(context, config, should_stop, result):
            pass
        best = result[0]
        if config.beam_width == 1 and config.num_alternatives > 1:
            extra = self.samples(context, config, config.num_alternatives - 1, should_stop)
            best = Completion(best.text, best.logprob, best.tokens, extra)
        return best

    def samples(self, context: str, config: SamplingConfig, n: int,
                should_stop: StopHook | None = None) -> list[Completion]:
        """``n`` independent samples of the continuation, drawn as one batch."""
        with self._lock:
            logits = self.prime(context)
            model, state, history = self.model, self.state, list(self._ids)  # one model's, together
        seed = None if config.seed is None else config.seed + 1
        return _batch_sample(model, self.tokenizer, state, logits, config, n, self.tokenizer.control_ids,
                             _generator(seed, self.device), self.device, history, should_stop)

    def _beam(self, context: str, config: SamplingConfig, should_stop: StopHook | None) -> list[Completion]:
        logits = self.prime(context)
        return beam_search(self.model, self.tokenizer, self.state, logits, config, self.device,
                           self.tokenizer.control_ids, history=self._ids, should_stop=should_stop)


def common_prefix(a: Sequence, b: Sequence) -> int:
    """Length of the longest common start of two strings or lists, compared a block
    at a time (a whole document every few seconds, a context every keystroke)."""
    n, i, step = min(len(a), len(b)), 0, 4096
    while step:
        while i + step <= n and a[i:i + step] == b[i:i + step]:
            i += step
        step //= 8
    return i


def _generator(seed: int | None, device: torch.device) -> torch.Generator | None:
    """A seeded generator on the logits' device (CUDA's sampling refuses a CPU one)."""
    return None if seed is None else torch.Generator(device=device).manual_seed(seed)


@torch.inference_mode()
def _batch_sample(model: torch.nn.Module, tokenizer: Tokenizer, state: State, logits: torch.Tensor,
                  config: SamplingConfig, n: int, control: frozenset[int], generator: torch.Generator | None,
                  device: torch.device, history: list[int],
                  should_stop: StopHook | None) -> list[Completion]:
    if n <= 0:
        return []
    state = (state[0].repeat(1, n, 1), state[1].repeat(1, n, 1))
    logits = logits.unsqueeze(0).repeat(n, 1)
    rows: list[list[int]] = [[] for _ in range(n)]
    logprobs = [0.0] * n
    done = [False] * n
    for _ in range(config.max_tokens):
        if should_stop and should_stop() or all(done):
            break
        tokens = []
        for r in range(n):
            if done[r]:
                tokens.append(tokenizer.start_id)
                continue
            token, lp = next_token(logits[r], config, history + rows[r], generator)
            if token in control:
                done[r] = True
            else:
                rows[r].append(token)
                logprobs[r] += lp
                done[r] = stop_index(tokenizer.decode(rows[r]), config.stop_at) is not None
            tokens.append(token)
        x = torch.tensor(tokens, device=device).unsqueeze(1)
        out, state = model(x, state)
        logits = out[:, -1].float()
    completions = []
    for r in range(n):
        text = tokenizer.decode(rows[r])
        cut = stop_index(text, config.stop_at)
        completions.append(Completion(text if cut is None else text[:cut], logprobs[r], len(rows[r])))
    return completions


def _is_final(text: str, stop_at: str) -> bool:
    """Whether a hypothesis has reached the stop rule (text ending at a sentence end
    counts: the rule waits for the following space only to keep closing quotes)."""
    return stop_index(text + " ", stop_at) is not None


@torch.inference_mode()
def beam_search(model: torch.nn.Module, tokenizer: Tokenizer | None, state: State, logits: torch.Tensor,
                config: SamplingConfig, device: torch.device, control: frozenset[int] = frozenset(),
                history: list[int] | None = None, should_stop: StopHook | None = None) -> list[Completion]:
    """Beam search from ``state``/``logits``; returns up to ``num_alternatives``
    hypotheses, best first, scored by logprob / length ** length_penalty.

    A hypothesis ends at ``max_tokens``, at a control token, or where ``stop_at``
    says. With no tokenizer, ids are returned as text joined by spaces (for tests).
    """
    width = config.beam_width
    decode = tokenizer.decode if tokenizer else (lambda ids: " ".join(map(str, ids)))
    vocab = logits.size(-1)
    alive: list[tuple[list[int], float]] = [([], 0.0)]
    finished: list[tuple[list[int], float]] = []
    logprobs = torch.log_softmax(logits.float(), dim=-1).unsqueeze(0)
    history = list(history or [])
    window = config.repetition_window
    for step in range(config.max_tokens):
        if should_stop and should_stop():
            break
        if config.repetition_penalty != 1.0 and window:
            logprobs = torch.stack([
                torch.log_softmax(apply_repetition_penalty(lp, (history + ids)[-window:],
                                                           config.repetition_penalty), -1)
                for lp, (ids, _) in zip(logprobs, alive)])
        scores = torch.tensor([s for _, s in alive], device=logprobs.device).unsqueeze(1) + logprobs
        flat = scores.flatten()
        top = torch.topk(flat, min(flat.numel(), 2 * width))
        survivors: list[tuple[list[int], float]] = []
        parents: list[int] = []
        for score, index in zip(top.values.tolist(), top.indices.tolist()):
            parent, token = divmod(index, vocab)
            ids = alive[parent][0] + [token]
            if token in control:
                finished.append((alive[parent][0], score))  # ending costs the end token's probability
            elif step == config.max_tokens - 1 or _is_final(decode(ids), config.stop_at):
                finished.append((ids, score))
            else:
                survivors.append((ids, score))
                parents.append(parent)
            if len(survivors) == width:
                break
        # Scores only fall as hypotheses grow; with length normalisation the best a
        # survivor can still reach is its score spread over the longest length.
        ceiling = max(sc / config.max_tokens ** config.length_penalty for _, sc in survivors) \
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
        text = decode(ids)
        cut = stop_index(text, config.stop_at) if tokenizer else None
        text = text if cut is None else text[:cut]
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
