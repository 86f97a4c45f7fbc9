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
Only the writer's tokens make a match surer: those the suggestion itself copied do not
(n is counted up to where the typed text ends), so a copy goes on past its first
token only where the model backs it, not as a sentence lifted from a paragraph above.
Built per request from the ids the model reads (a few hundred tokens: well under a
millisecond), so it needs no state.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence, Set

import torch

ORDER = 7  # the cache predicts from up to the last 6 tokens
MIN_CONTEXT = 2  # a match must be at least this many tokens long to count


class DocumentCache:
    def __init__(self, ids: Sequence[int], weight: float, wordy: Set[int] | None = None,
                 tail: bytes = b"", pieces: Sequence[bytes] = ()) -> None:
        """``ids``: the document's tokens up to the cursor, where the histories given to
        ``mix`` start (what follows them there is the suggestion's); ``wordy``: the ids
        with a letter or digit, the only ones a match counts (None: every id); ``tail``:
        the letters typed of the word at the cursor, which the suggestion's first pieces
        spell again (``pieces``: each id's bytes), so those pieces count as typed."""
        self.weight = weight
        self.wordy = wordy
        self.tail, self.pieces = tail, pieces
        self.ids = list(ids)
        # Where each pair of tokens occurred: the index of the token after it. A
        # request builds this (a few hundred dict updates) and looks up only what it needs.
        self.pairs: dict[tuple[int, int], list[int]] = defaultdict(list)
        if weight > 0:
            for i in range(MIN_CONTEXT, len(self.ids)):
                self.pairs[self.ids[i - 2], self.ids[i - 1]].append(i)

    def counts(self, history: Sequence[int], suggested: int = 0) -> tuple[int, Counter[int] | None]:
        """(n, what followed): the longest earlier occurrence of the last n tokens of
        ``history`` and the tokens that came next there; (0, None) if none. A match is
        at most ``ORDER - 1`` tokens long, besides the last ``suggested``."""
        if len(history) < MIN_CONTEXT:
            return 0, None
        best, found = 0, Counter()
        longest = ORDER - 1 + suggested
        for i in self.pairs.get((history[-2], history[-1]), ()):
            n = MIN_CONTEXT
            while n < longest and n < i and n < len(history) and self.ids[i - n - 1] == history[-n - 1]:
                n += 1
            if n > best:
                best, found = n, Counter()
            if n == best:
                found[self.ids[i]] += 1
        return (best, found) if found else (0, None)

    def mix(self, logits: torch.Tensor, history: Sequence[int]) -> torch.Tensor:
        """Log-probabilities of the next token with the cache mixed in; ``logits``
        unchanged where the document has no match."""
        if self.weight <= 0:
            return logits
        suggested = max(0, len(history) - len(self.ids))
        spelt = b""
        for token in history[len(self.ids):len(self.ids) + suggested] if self.tail else ():
            spelt += self.pieces[token]
            if not self.tail.startswith(spelt):
                break
            suggested -= 1  # it spells letters the writer typed: theirs
        n, counts = self.counts(history, suggested)
        typed = history[len(history) - n:len(history) - suggested]  # the suggestion's own do not count
        n = len(typed) if self.wordy is None else sum(t in self.wordy for t in typed)
        if not counts or n < MIN_CONTEXT:
            return logits
        weight = 1 - (1 - self.weight) ** (n - 1)
        total = sum(counts.values())
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        ids = torch.tensor(list(counts), device=logprobs.device)
        share = torch.tensor([weight * c / total for c in counts.values()], device=logprobs.device)
        mixed = logprobs + math.log1p(-weight)  # (1 - w) * p for every token ...
        mixed[ids] = torch.logaddexp(mixed[ids], share.log())  # ... + w * p_cache for the cached
        return mixed
