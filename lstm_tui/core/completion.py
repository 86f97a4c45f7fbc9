"""What a continuation is (text, log-probability, alternatives) and where one stops."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

StopHook = Callable[[], bool]
# A sentence ends at . ! or ? (with any closing quotes or brackets) before a space.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=\s)")


@dataclass(frozen=True)
class Completion:
    text: str  # the continuation, cut where the stop rule says
    logprob: float  # natural-log probability of its tokens under the model
    tokens: int  # how many tokens were generated
    alternatives: list[Completion] = field(default_factory=list)  # other hypotheses, best first
    # For each word shown, the probability that it and the words before it are right
    # (see policy.WordGate); the first is the model's confidence in the first word.
    word_probs: tuple[float, ...] = ()


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
