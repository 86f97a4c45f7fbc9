"""Token healing: continue a context that ends inside a word (or on a space) as the
model would have written it, not as the tokenizer happened to cut it.

SentencePiece spells a space as the start of the next word (" house"), so "and h"
encodes as " and", " ", "h": a split the model rarely saw in training, after which
it guesses badly ("and swheed"). Healing backs the context up over the word being
typed, as far as some piece can still spell it ("and h" backs up to "and", and the
first token must start with " h": " he", " house"), generates from there, and shows
only what comes after the part that was typed. A word no piece spells whole backs
up less: " Heathc", read as " He", "ath", "c", keeps " He" and "ath" and asks for a
piece that starts with "c".
"""

from __future__ import annotations

import bisect
from functools import lru_cache

import torch

MAX_TAIL_CHARS = 40  # a longer "word" (a URL, a run of symbols) is not healed


def split_tail(context: str) -> tuple[str, str]:
    """``context`` as (head, tail): the tail is the unfinished last word with the
    space before it (SentencePiece writes the space as part of the word after it)."""
    cut = len(context)
    floor = max(0, cut - MAX_TAIL_CHARS - 1)  # a keystroke never scans further back
    while cut > floor and not context[cut - 1].isspace():
        cut -= 1
    if cut > 0 and not context[cut - 1].isspace():
        return context, ""  # a run of non-space characters too long to be a word
    if cut > 0 and context[cut - 1] == " ":
        cut -= 1
    if len(context) - cut > MAX_TAIL_CHARS:
        return context, ""
    return context[:cut], context[cut:]


class PrefixConstraint:
    """The pieces that start with given bytes: what may come first after a backed-up
    context. Sorted once, so a lookup is a binary search, and masks are cached."""

    def __init__(self, piece_bytes: list[bytes], device: torch.device | str = "cpu") -> None:
        spelt = sorted((b, i) for i, b in enumerate(piece_bytes) if b)  # control ids spell nothing
        self._sorted = [b for b, _ in spelt]
        self._ids = [i for _, i in spelt]
        self._pieces = piece_bytes
        self._device = device
        # The piece that spells exactly these bytes; where a byte piece (<0x20>) and a
        # text piece spell the same, the text piece, which comes later and which the
        # tokenizer uses.
        self._id_of: dict[bytes, int] = {b: i for i, b in enumerate(piece_bytes) if b}
        self.mask = lru_cache(maxsize=256)(self._mask)

    def _span(self, prefix: bytes) -> tuple[int, int]:
        start = end = bisect.bisect_left(self._sorted, prefix)
        while end < len(self._sorted) and self._sorted[end].startswith(prefix):
            end += 1
        return start, end

    def spellable(self, prefix: bytes) -> bool:
        """Whether some piece starts with ``prefix`` (the first one at or after it does)."""
        at = bisect.bisect_left(self._sorted, prefix)
        return at < len(self._sorted) and self._sorted[at].startswith(prefix)

    def _mask(self, prefix: bytes) -> torch.Tensor:
        """True for every piece that starts with ``prefix`` (a bool tensor over ids)."""
        start, end = self._span(prefix)
        mask = torch.zeros(len(self._pieces), dtype=torch.bool)
        mask[self._ids[start:end]] = True
        return mask.to(self._device)

    def partials(self, prefix: bytes) -> list[tuple[int, bytes]]:
        """(id, what is left to spell) for each piece that is a shorter start of
        ``prefix``: the other way to begin spelling it ("Ra" as "R", then "ag...")."""
        return [(self._id_of[prefix[:i]], prefix[i:]) for i in range(1, len(prefix)) if prefix[:i] in self._id_of]

    def log_mass(self, logprobs: torch.Tensor, prefix: bytes) -> torch.Tensor:
        """log P(the next piece starts with ``prefix``), from log-probabilities (the
        last dimension over pieces)."""
        return torch.logsumexp(logprobs.masked_fill(~self.mask(prefix), float("-inf")), dim=-1)

    def rest(self, token: int, prefix: bytes) -> bytes:
        """What is left to spell of ``prefix`` after ``token`` (b"" once it is spelt)."""
        piece = self._pieces[token]
        return b"" if piece.startswith(prefix) else prefix[len(piece):]

    def shows_past(self, token: int, prefix: bytes) -> bool:
        """Whether ``token``, drawn where it had to start with ``prefix``, shows text
        past it: what counts against a suggestion's max_tokens."""
        return len(self._pieces[token]) > len(prefix)

    def allowed(self, prefix: bytes) -> torch.Tensor | None:
        """The mask of pieces that start with ``prefix``; None (all) for b""."""
        return self.mask(prefix) if prefix else None

    def restrict(self, logits: torch.Tensor, prefix: bytes) -> torch.Tensor:
        """``logits`` with every piece that does not start with ``prefix`` at -inf."""
        if not prefix:
            return logits
        return logits.masked_fill(~self.mask(prefix), float("-inf"))

    def heal(self, ids: list[int], tail: str) -> tuple[list[int], str]:
        """Back ``ids`` (a context's tokens, ending with ``tail``'s) up over the tail as
        far as a piece can spell what was backed over: (ids kept, text to spell)."""
        want = len(tail.encode("utf-8"))
        k, got = len(ids), 0
        while k > 1 and got < want:
            k -= 1
            if not self._pieces[ids[k]]:  # an unknown id: what it stood for is not known
                return ids, ""
            got += len(self._pieces[ids[k]])
        if not tail or got != want:  # the tokens do not start where the word does
            return ids, ""
        for j in range(k, len(ids)):
            spell = b"".join(self._pieces[i] for i in ids[j:])
            try:
                text = spell.decode("utf-8")
            except UnicodeDecodeError:  # starts inside a character spelt in byte pieces
                continue
            if self.spellable(spell):
                return ids[:j], text
        return ids, ""


def after_tail(text: str, tail: str) -> str:
    """The part of a healed continuation that follows the tail ("" until it does)."""
    return text[len(tail):] if len(text) > len(tail) else ""
