"""Learning from the document being written (dynamic evaluation put to work).

``DocumentLearner`` keeps a float32 copy of a model and takes SGD steps on the
writer's text as it grows, the same rule as ``lstm-tui eval --adapt`` (which lowered
the default model's validation figure from 1.499 to 1.325 bits per byte). The model
it was made from is never changed; ``snapshot()`` gives a frozen copy to generate with.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from .evaluate import ADAPT_LR, ADAPT_SEGMENT
from .model import LSTMLanguageModel, quantize_for_cpu
from .tokenizer import Tokenizer

PRIME_CHARS = 1000  # text before the new part, read (not learned) to set the LSTM state
MAX_LEARN_CHARS = 20_000  # a long document opened fresh: learn its most recent part only
MIN_NEW_CHARS = 40  # wait for about a sentence before a step


class DocumentLearner:
    """Learns a document's new text, a word boundary at a time; one caller at a time."""

    def __init__(self, model: LSTMLanguageModel, tokenizer: Tokenizer, device: torch.device,
                 lr: float = ADAPT_LR, segment: int = ADAPT_SEGMENT) -> None:
        self.base = model
        self.tokenizer = tokenizer
        self.device = device
        self.lr = lr
        self.segment = segment
        self.learner: LSTMLanguageModel | None = None  # made on the first step
        self.learned = ""  # the text learned from, up to where learning stopped
        self.tokens_learned = 0

    def reset(self) -> None:
        """Forget everything learned (another document, say)."""
        self.learner, self.learned, self.tokens_learned = None, "", 0

    def pending(self, text: str) -> tuple[int, int]:
        """(start, end) of the part of ``text`` still to learn: from the last word
        boundary the learned text shares with it, to its last complete word."""
        common = 0
        for a, b in zip(self.learned, text):
            if a != b:
                break
            common += 1
        start = common if common == len(self.learned) else _word_start(text, common)
        start = max(start, len(text) - MAX_LEARN_CHARS)
        end = _word_start(text, len(text))  # the word being typed is not finished
        return start, max(start, end)

    def learn(self, text: str) -> int:
        """One pass over the unlearned part of ``text``; returns how many tokens it
        learned (0 when less than about a sentence is new)."""
        start, end = self.pending(text)
        if end - start < MIN_NEW_CHARS:
            return 0
        ids = self.tokenizer.encode(text[start:end])
        if not ids:
            return 0
        if self.learner is None:
            self.learner = copy.deepcopy(self.base).float().to(self.device)  # tied stays tied
            self.learner.set_dropout(0.0)
            self.optimizer = torch.optim.SGD(self.learner.parameters(), lr=self.lr)
        model = self.learner
        model.train()  # cuDNN's LSTM backward needs training mode; dropout is 0
        prime = [self.tokenizer.start_id, *self.tokenizer.encode(text[max(0, start - PRIME_CHARS):start])]
        with torch.no_grad():
            _, state = model(torch.tensor([prime[:-1]], device=self.device)) if len(prime) > 1 else (None, None)
        sequence = torch.tensor([prime[-1], *ids], device=self.device)
        for at in range(0, len(ids), self.segment):
            x = sequence[at:at + self.segment].unsqueeze(0)
            y = sequence[at + 1:at + 1 + self.segment]
            logits, state = model(x[:, :y.numel()], state)
            loss = F.cross_entropy(logits[0].float(), y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            state = (state[0].detach(), state[1].detach())
        self.learned = text[:end]
        self.tokens_learned += len(ids)
        return len(ids)

    def snapshot(self, quantize: bool) -> torch.nn.Module:
        """A frozen copy of the learned weights for generation (int8 on the CPU)."""
        source = self.learner if self.learner is not None else self.base
        frozen = copy.deepcopy(source).eval()
        return quantize_for_cpu(frozen) if quantize else frozen


def _word_start(text: str, at: int) -> int:
    """The index just after the last whitespace before ``at`` (0 if none)."""
    return max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
