"""Streaming continuations with a cached LSTM state.

``StreamingGenerator`` remembers the tokens it has fed and the LSTM state after each
of the most recent ones. A new context (usually the old one plus a keystroke) is
tokenized, backed up over the word being typed (token healing, healing.py), compared
with the cache, and only the tokens past the longest common prefix are fed: O(new
tokens) per keystroke, not O(context). It samples here, or hands the state to beam
search (beam.py).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from .beam import beam_search
from .completion import Completion, StopHook
from .config import SamplingConfig
from .doc_cache import DocumentCache
from .healing import PrefixConstraint, after_tail, split_tail
from .model import State, reader, repeat_rows
from .policy import ShownText, line_break_allowed
from .sampling import next_token
from .sequences import common_prefix
from .tokenizer import Tokenizer


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
                 context_chars: int = 2000, cached_positions: int = 384, heal: bool = True) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.context_chars = context_chars
        self._ids: list[int] = []
        # (tokens fed, state after them, logits for the next token), newest last.
        self._snaps: deque[tuple[int, State, torch.Tensor]] = deque(maxlen=cached_positions)
        self._lock = threading.Lock()
        self._holder: int | None = None  # the thread whose stream holds the lock
        self._context_len = 0  # how many of _ids were the last context (the rest: generated)
        self.tokens_fed = 0  # total tokens run through the model, for tests and stats
        self.tokens_generated = 0  # total tokens sampled by stream(), for speed figures
        self.constraint = PrefixConstraint(tokenizer.piece_bytes, device)  # for token healing
        self.heal = heal  # off only to measure what healing gains (bench/healing.py)

    def replace_model(self, model: torch.nn.Module) -> None:
        """Generate with ``model`` from now on (after a stream in progress ends). The
        cached states were the old model's: they are recomputed for the same text here,
        in the caller's thread, so the next keystroke still finds them."""
        with self._locked():
            self.model = model
            if self._ids:  # the last context: a keystroke extends it, not what was generated
                self._refill(self._ids[:self._context_len], tail=64)  # room to backspace

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One caller at a time. A stream holds the lock until it ends, so another
        thread waits for it; the same thread, which would wait forever, is told."""
        if self._holder == threading.get_ident():
            raise RuntimeError("a stream of this generator is still open in this thread: "
                               "read it to the end or close() it first")
        with self._lock:
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._holder = None

    # -- the state cache ---------------------------------------------------------

    def context_ids(self, context: str) -> list[int]:
        return [self.tokenizer.start_id, *self.tokenizer.encode(context_window(context, self.context_chars))]

    @torch.inference_mode()
    def _run(self, ids: list[int], state: State | None) -> tuple[torch.Tensor, State]:
        x = torch.tensor([ids], dtype=torch.long, device=self.device)
        logits, state = reader(self.model)(x, state)  # the writer's text: a mixture weighs on it
        self.tokens_fed += len(ids)
        return logits[0, -1].float(), state

    def _push(self, token: int, state: State | None) -> torch.Tensor:
        logits, state = self._run([token], state)
        self._ids.append(token)
        self._snaps.append((len(self._ids), state, logits))
        return logits

    def prime(self, context: str) -> torch.Tensor:
        """Bring the cache to ``context`` and return the logits for the next token."""
        return self.prime_ids(self.context_ids(context))

    def prime_ids(self, ids: list[int]) -> torch.Tensor:
        """Bring the cache to the token ids of a context and return the next logits."""
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

    def healed(self, context: str) -> tuple[list[int], str]:
        """The token ids the model reads for ``context``, and the text its first token
        must start with (token healing, see healing.py; "" when nothing is healed)."""
        ids = self.context_ids(context)
        return self.constraint.heal(ids, split_tail(context)[1]) if self.heal else (ids, "")

    def stream(self, context: str, config: SamplingConfig, should_stop: StopHook | None = None,
               result: list[Completion] | None = None) -> Iterator[str]:
        """Yield the continuation of ``context`` as text deltas, a token at a time.

        ``should_stop`` is checked before every token. If ``result`` is given, the
        finished Completion is appended to it.
        """
        with self._locked():
            if config.beam_width > 1:
                hyps = self._beam(context, config, should_stop)
                best = hyps[0]
                if result is not None:
                    result.append(Completion(best.text, best.logprob, best.tokens, hyps[1:], best.word_probs))
                if best.text and not (should_stop and should_stop()):
                    yield best.text
                return
            yield from self._sample(context, config, should_stop, result)

    def _sample(self, context: str, config: SamplingConfig, should_stop: StopHook | None,
                result: list[Completion] | None) -> Iterator[str]:
        ids, tail = self.healed(context)
        logits = self.prime_ids(ids)
        spell = tail.encode("utf-8")  # token healing: the first token starts with the tail
        generator = _generator(config.seed, self.device)
        decoder = self.tokenizer.decoder()
        view = ShownText(config, line_break_allowed(context, config.line_breaks))
        cache = self._cache(ids, config, tail)
        text, logprob, count, visible_tokens = "", 0.0, 0, 0
        given = 0.0  # log-probability of the typed letters of the word (token healing)
        control = self.tokenizer.control_ids
        while visible_tokens < config.max_tokens and not view.done:
            if should_stop and should_stop():
                break
            allowed = self.constraint.allowed(spell)
            logits = cache.mix(logits, self._ids)
            if spell and not count:  # typed letters are given: the policy weighs words given them
                allowed, given = self._spelling_start(logits, spell, cache)
            token, token_logprob = next_token(logits, config, self._ids, generator, allowed=allowed)
            if token in control:  # the model ends here: so does its last word
                if delta := view.finish():
                    yield delta
                break
            visible_tokens += self.constraint.shows_past(token, spell)
            spell = self.constraint.rest(token, spell)
            count += 1
            self.tokens_generated += 1
            logprob += token_logprob
            text += decoder.feed(token)
            if delta := view.step(after_tail(text, tail), logprob - given):
                yield delta
            if not view.done and visible_tokens < config.max_tokens:  # the last token's successor is never needed
                logits = self._push(token, self.state)
        else:
            if view.gate.off and not view.final:  # out of tokens, policy off: the text as it stands
                if delta := view.finish(after_tail(text + decoder.flush(), tail)):
                    yield delta
        if result is not None:
            result.append(Completion(view.shown, logprob, count, word_probs=tuple(view.gate.word_probs)))

    @torch.inference_mode()
    def _spelling_start(self, logits: torch.Tensor, spell: bytes,
                        cache: DocumentCache) -> tuple[torch.Tensor, float]:
        """How to begin spelling the typed letters ``spell``: the mask of first pieces
        allowed, and log P(the letters), which a word's chance is divided by.

        Usually a piece that starts with the letters ("mo" -> "moment"). But the
        tokenizer may write the intended word with a shorter first piece ("Ra" ->
        "R", "ag", "hun..."), which no such piece can begin: then that shorter piece,
        if the model's best word along it is likelier than along the longer pieces.
        The shorter pieces are weighed one model step ahead, in one batch.
        """
        def spelt(logprobs: torch.Tensor, prefix: bytes) -> tuple[torch.Tensor, float]:
            """log P(the next piece starts with ``prefix``), and the best such piece's."""
            masked = logprobs.masked_fill(~self.constraint.mask(prefix), float("-inf"))
            return torch.logsumexp(masked, dim=-1), float(masked.max())

        logprobs = torch.log_softmax(logits.float(), dim=-1)
        mass, best = spelt(logprobs, spell)
        masses = [mass]
        partials = self.constraint.partials(spell)
        choice = None
        if partials:
            ids = [j for j, _ in partials]
            state = self.state
            x = torch.tensor(ids, device=self.device).unsqueeze(1)
            out, _ = self.model(x, repeat_rows(state, len(ids)))
            for k, (j, rest) in enumerate(partials):
                after = torch.log_softmax(cache.mix(out[k, -1], [*self._ids, j]).float(), dim=-1)
                mass, path = spelt(after, rest)
                masses.append(logprobs[j] + mass)
                if float(logprobs[j]) + path > best:
                    best, choice = float(logprobs[j]) + path, j
        allowed = self.constraint.mask(spell) if choice is None else _one_hot(choice, logits.numel(), self.device)
        return allowed, float(torch.logsumexp(torch.stack(masses), dim=0))

    def complete(self, context: str, config: SamplingConfig,
                 should_stop: StopHook | None = None) -> Completion:
        """The whole continuation with its log-probability and alternatives."""
        result: list[Completion] = []
        for _ in self.stream(context, config, should_stop, result):
            pass
        best = result[0]
        if config.beam_width == 1 and config.num_alternatives > 1:
            extra = self.samples(context, config, config.num_alternatives - 1, should_stop)
            best = Completion(best.text, best.logprob, best.tokens, extra, best.word_probs)
        return best

    def samples(self, context: str, config: SamplingConfig, n: int,
                should_stop: StopHook | None = None) -> list[Completion]:
        """``n`` independent samples of the continuation, drawn as one batch."""
        ids, tail = self.healed(context)
        with self._locked():
            logits = self.prime_ids(ids)
            model, state, history = self.model, self.state, list(self._ids)  # one model's, together
        seed = None if config.seed is None else config.seed + 1
        batch = SampleBatch(model, self.tokenizer, self.constraint, tail, self.device)
        return batch.run(state, logits, config, n, _generator(seed, self.device), history, should_stop,
                         self._cache(ids, config, tail), line_break_allowed(context, config.line_breaks))

    def _cache(self, ids: list[int], config: SamplingConfig, tail: str) -> DocumentCache:
        tokenizer = self.tokenizer
        return DocumentCache(ids, config.document_cache, tokenizer.wordy_ids, tail.encode("utf-8"),
                             tokenizer.piece_bytes)

    def _beam(self, context: str, config: SamplingConfig, should_stop: StopHook | None) -> list[Completion]:
        ids, tail = self.healed(context)
        logits = self.prime_ids(ids)
        return beam_search(self.model, self.tokenizer, self.state, logits, config, self.device,
                           self.tokenizer.control_ids, history=self._ids, should_stop=should_stop,
                           tail=tail, constraint=self.constraint,
                           line_breaks=line_break_allowed(context, config.line_breaks),
                           cache=self._cache(ids, config, tail) if config.document_cache else None)


def _one_hot(index: int, size: int, device: torch.device) -> torch.Tensor:
    mask = torch.zeros(size, dtype=torch.bool, device=device)
    mask[index] = True
    return mask


def _generator(seed: int | None, device: torch.device) -> torch.Generator | None:
    """A seeded generator on the logits' device (CUDA's sampling refuses a CPU one)."""
    return None if seed is None else torch.Generator(device=device).manual_seed(seed)


@dataclass(frozen=True)
class SampleBatch:
    """Several samples of one continuation at once: one batched model step per token.
    Each sample is read through the same policy step as the main one (ShownText: the
    stop rule, the line-break rule, the gate), with the same document cache and the
    same token healing."""

    model: torch.nn.Module
    tokenizer: Tokenizer
    constraint: PrefixConstraint
    tail: str  # what each sample's first piece starts with (token healing)
    device: torch.device

    @torch.inference_mode()
    def run(self, state: State, logits: torch.Tensor, config: SamplingConfig, n: int,
            generator: torch.Generator | None, history: list[int], should_stop: StopHook | None,
            cache: DocumentCache, line_breaks: bool) -> list[Completion]:
        if n <= 0:
            return []
        tokenizer, control = self.tokenizer, self.tokenizer.control_ids
        state = repeat_rows(state, n)
        logits = logits.unsqueeze(0).repeat(n, 1)
        rows: list[list[int]] = [[] for _ in range(n)]
        spell = self.tail.encode("utf-8")  # what every sample's first piece starts with
        allowed = self.constraint.allowed(spell)
        given = 0.0  # log P(the typed letters): the gate weighs words given them, as in _sample
        if spell:
            first = torch.log_softmax(cache.mix(logits[0], history).float(), dim=-1)
            given = float(torch.logsumexp(first.masked_fill(~self.constraint.mask(spell), float("-inf")), dim=-1))
        logprobs = [0.0] * n
        visible = [0] * n  # tokens that showed something past the tail, as in _sample
        views = [ShownText(config, line_breaks) for _ in range(n)]
        done = [False] * n
        while not all(done) and not (should_stop and should_stop()):
            tokens = []
            for r in range(n):
                if done[r]:
                    tokens.append(tokenizer.start_id)
                    continue
                seen = history + rows[r]
                token, lp = next_token(cache.mix(logits[r], seen), config, seen, generator, allowed=allowed)
                if token in control:
                    views[r].finish()
                    done[r] = True
                else:
                    rows[r].append(token)
                    logprobs[r] += lp
                    visible[r] += self.constraint.shows_past(token, spell)
                    views[r].step(self._shown(rows[r]), logprobs[r] - given)
                    done[r] = views[r].done or visible[r] >= config.max_tokens
                    if visible[r] >= config.max_tokens and views[r].gate.off and not views[r].final:
                        views[r].finish()  # out of tokens, policy off: the text as it stands
                tokens.append(token)
            spell, allowed = b"", None
            if all(done):
                break
            x = torch.tensor(tokens, device=self.device).unsqueeze(1)
            out, state = self.model(x, state)
            logits = out[:, -1].float()
        return [Completion(view.shown, lp, len(ids), word_probs=tuple(view.gate.word_probs))
                for ids, lp, view in zip(rows, logprobs, views)]

    def _shown(self, ids: list[int]) -> str:
        return after_tail(self.tokenizer.decode(ids), self.tail)
