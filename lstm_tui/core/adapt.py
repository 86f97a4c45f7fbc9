"""Learning from text as it is read: dynamic evaluation, measured and put to work.

``adaptive_bits`` scores a text with a copy of a model that takes one SGD step on
each segment after scoring it (``lstm-tui eval --adapt``). ``DocumentLearner`` applies
the same rule to a document being written: it learns each new stretch once, and an
edit inside learned text re-learns only the changed words. The model they start from
is never changed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from .int8 import quantize_for_cpu
from .model import LSTMLanguageModel, State, frozen_copy
from .sequences import common_prefix
from .tokenizer import Tokenizer

# Chosen on the validation book (Sense and Sensibility, first 100,000 characters, the
# shipped model: static 1.4467 bits per byte): SGD lr 0.5 on 32-token segments 1.3488;
# lr 0.3: 1.3520, lr 1.0: 1.3679; 64-token segments: lr 0.3 1.3670, 0.6 1.3574,
# 1.0 1.3561, 3.0 1.4093; 16 tokens, lr 0.5: 1.3714.
ADAPT_LR = 0.5
ADAPT_SEGMENT = 32
PRIME_CHARS = 1000  # text before a stretch, read (not learned) to set the LSTM state
MAX_LEARN_CHARS = 20_000  # a long document opened fresh: learn its most recent part only
MIN_NEW_CHARS = 40  # wait for about a sentence before a step
_SPACES = " \n\t"


def learning_copy(model: LSTMLanguageModel, device: torch.device,
                  lr: float = ADAPT_LR) -> tuple[LSTMLanguageModel, torch.optim.Optimizer]:
    """A float32 copy of ``model`` to learn with (tied weights stay tied), and its SGD."""
    learner = copy.deepcopy(model).float().to(device)
    learner.lstm.flatten_parameters()  # cuDNN wants its weights in one block again
    learner.train()  # cuDNN's LSTM backward needs training mode; dropout goes to 0
    learner.set_regularisation(False)
    return learner, torch.optim.SGD(learner.parameters(), lr=lr)


def learn_segments(learner: LSTMLanguageModel, optimizer: torch.optim.Optimizer, ids: torch.Tensor,
                   state: State | None, segment: int = ADAPT_SEGMENT,
                   should_stop: Callable[[], bool] | None = None) -> float | None:
    """Read ``ids`` (the first is input only) a segment at a time: score the segment,
    then one SGD step on it. Returns the nats of every token after the first, each
    scored before it was learned from; None if ``should_stop`` ended it early."""
    nats = 0.0
    for at in range(0, ids.numel() - 1, segment):
        if should_stop is not None and should_stop():
            optimizer.zero_grad(set_to_none=True)
            return None
        x = ids[at:at + segment].unsqueeze(0)
        y = ids[at + 1:at + 1 + segment]
        logits, state = learner(x[:, :y.numel()], state)
        loss = F.cross_entropy(logits[0].float(), y, reduction="sum")
        nats += float(loss.detach())
        optimizer.zero_grad(set_to_none=True)
        (loss / y.numel()).backward()
        optimizer.step()
        state = (state[0].detach(), state[1].detach())
    optimizer.zero_grad(set_to_none=True)  # no gradients kept between passes
    return nats


def adaptive_bits(model: LSTMLanguageModel, ids: torch.Tensor, start_id: int, device: torch.device,
                  lr: float = ADAPT_LR, segment: int = ADAPT_SEGMENT) -> float:
    """Sum of -log2 p(token) over ``ids`` read in order by a copy of ``model`` that
    learns as it reads. Every token is predicted before it is learned from, so this
    is an honest online code length; ``model`` itself is left unchanged."""
    learner, optimizer = learning_copy(model, device, lr)
    sequence = torch.cat([torch.tensor([start_id]), ids]).to(device)
    nats = learn_segments(learner, optimizer, sequence, None, segment)
    assert nats is not None
    return nats / math.log(2)


class DocumentLearner:
    """Learns a document as it is written; one caller at a time.

    ``seen`` is the text of the last pass and ``learned_end`` how much of it is learned:
    new text past that is learned up to its last whole word; an edit inside it
    re-learns the changed words alone (or, for a small edit, nothing).
    """

    def __init__(self, model: LSTMLanguageModel, tokenizer: Tokenizer, device: torch.device,
                 lr: float = ADAPT_LR, segment: int = ADAPT_SEGMENT) -> None:
        self.base = model
        self.tokenizer = tokenizer
        self.device = device
        self.lr = lr
        self.segment = segment
        self.reset()

    def reset(self) -> None:
        """Forget everything learned (another document, say)."""
        self.learner: LSTMLanguageModel | None = None  # made on the first step
        self.optimizer: torch.optim.Optimizer | None = None
        self.seen = ""
        self.learned_end = 0
        self.tokens_learned = 0

    def plan(self, text: str) -> tuple[int, int, int, bool]:
        """(start, end) of the stretch of ``text`` to learn now, how much of ``text``
        counts as learned after it, and whether the stretch is an edit of learned text.
        Cuts fall just before a space, which the tokenizer reads with the next word."""
        last = _space_before(text, len(text))  # the word being typed is not finished
        prefix = common_prefix(self.seen, text)
        if prefix >= self.learned_end:  # learned text untouched: learn what follows it
            start = max(self.learned_end, _space_before(text, len(text) - MAX_LEARN_CHARS))
            end = max(start, last)
            return start, end, end, False
        suffix = _common_suffix(self.seen, text, prefix)
        start = _space_before(text, prefix)
        end = min(_space_after(text, len(text) - suffix), max(start, last))
        start = max(start, _space_before(text, end - MAX_LEARN_CHARS))
        old_end = len(self.seen) - suffix  # where the edit ended in the seen text
        shifted = self.learned_end + len(text) - len(self.seen) if self.learned_end >= old_end else end
        return start, end, min(max(end, shifted), len(text)), True

    def learn(self, text: str, should_stop: Callable[[], bool] | None = None) -> int:
        """Learn what ``text`` holds that is not learned yet; returns the tokens learned
        (0 when less than about a sentence is new, the edit was small, or ``should_stop``
        ended the pass: checked between segments, its steps then count for nothing
        learned, and the caller is expected to forget or try again)."""
        start, end, learned_end, edit = self.plan(text)
        if end - start < MIN_NEW_CHARS:
            if edit:  # a typo fixed, say: accepted without a step
                self.seen, self.learned_end = text, learned_end
            return 0
        ids = self.tokenizer.encode(text[start:end])
        prime = [self.tokenizer.start_id, *self.tokenizer.encode(text[max(0, start - PRIME_CHARS):start])]
        if self.learner is None:
            self.learner, self.optimizer = learning_copy(self.base, self.device, self.lr)
        assert self.optimizer is not None
        state = None
        if len(prime) > 1:
            with torch.no_grad():
                _, state = self.learner(torch.tensor([prime[:-1]], device=self.device))
        sequence = torch.tensor([prime[-1], *ids], device=self.device)
        if learn_segments(self.learner, self.optimizer, sequence, state, self.segment, should_stop) is None:
            return 0
        self.seen, self.learned_end = text, learned_end
        self.tokens_learned += len(ids)
        return len(ids)

    def snapshot(self, quantize: bool) -> torch.nn.Module:
        """A frozen copy of the learned weights for generation (int8 on the CPU)."""
        source = self.learner if self.learner is not None else self.base
        return quantize_for_cpu(source) if quantize else frozen_copy(source)


def _space_before(text: str, at: int) -> int:
    """Index of the last whitespace before ``at``, or 0: a cut there keeps the space
    with the word after it."""
    return max(0, *(text.rfind(c, 0, max(0, at)) for c in _SPACES))


def _space_after(text: str, at: int) -> int:
    """Index of the first whitespace at or after ``at``, or the end of ``text``."""
    found = [i for i in (text.find(c, max(0, at)) for c in _SPACES) if i >= 0]
    return min(found, default=len(text))


def _common_suffix(a: str, b: str, prefix: int) -> int:
    """Length of the common ending of ``a`` and ``b`` that leaves ``prefix`` alone."""
    return common_prefix(a[prefix:][::-1], b[prefix:][::-1])
