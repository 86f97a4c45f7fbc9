"""A cache of the document being written, mixed into the model's next-token odds.

Writers repeat themselves: names, terms, whole phrases. A neural cache (Grave et al.,
2017) or a cache language model (Kuhn and De Mori, 1990) lifts what the document has
already said. This one is a token n-gram cache over the context's tokens: where the
last few tokens occurred before in the document, the tokens that followed them there
get a share of the probability (Jelinek-Mercer interpolation):

    p(t) = (1 - w_n) * p_model(t) + w_n * p_cache(t | the last n tokens)

where n is the length of the longest earlier match (2 to ``ORDER - 1`` tokens) and
w_n = 1 - (1 - weight) ** (n - 1): the longer the match, the surer the copy, so a
name or phrase the document already spelt out, once begun, is followed to its end.
Built per request from the ids the model reads (a few hundred tokens: well under a
millisecond), so it needs no state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import torch

ORDER = 7  # the cache predicts from up to the last 6 tokens
MIN_CONTEXT = 2  # a match must be at least this many tokens long to count


class DocumentCache:
    def __init__(self, ids: Sequence[int], weight: float) -> None:
        self.weight = weight
        self.table: dict[tuple[int, ...], Counter[int]] = defaultdict(Counter)
        ids = list(ids)
        for i in range(MIN_CONTEXT, len(ids)):
            for n in range(MIN_CONTEXT, min(ORDER - 1, i) + 1):
                self.table[tuple(ids[i - n:i])][ids[i]] += 1

    def counts(self, history: Sequence[int]) -> tuple[int, Counter[int] | None]:
        """(n, what followed): the longest earlier occurrence of the last n tokens of
        ``history`` and the tokens that came next there; (0, None) if none."""
        for n in range(min(ORDER - 1, len(history)), MIN_CONTEXT - 1, -1):
            found = self.table.get(tuple(history[-n:]))
            if found:
                return n, found
        return 0, None

    def mix(self, logits: torch.Tensor, history: Sequence[int]) -> torch.Tensor:
        """Log-probabilities of the next token with the cache mixed in; ``logits``
        unchanged where the document has no match."""
        n, counts = self.counts(history) if self.weight > 0 else (0, None)
        if not counts:
            return logits
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        total = sum(counts.values())
        weight = 1 - (1 - self.weight) ** (n - 1)
        cache = torch.zeros_like(logprobs)
        ids = torch.tensor(list(counts), device=logprobs.device)
        cache[ids] = torch.tensor([c / total for c in counts.values()], device=logprobs.device)
        mixed = (1 - weight) * logprobs.exp() + weight * cache
        return mixed.clamp_min(1e-30).log()
