"""The suggestion policy: how much of a continuation is worth showing.

A wrong ghost costs the writer attention; a missing one costs nothing. So, as in
Gmail's Smart Compose (Chen et al., 2019), a suggestion is shown a whole word (or
mark of punctuation) at a time, only while the model is sure enough of it: its first word when the model gives
that word at least ``min_confidence`` (for a word being typed, given the letters
typed), and each further word while the probability that all the words so far are
right stays at least ``continue_confidence``. It ends where confidence falls, at the
stop rule (a sentence end, by default), and before a line break that the document
would not have (``line_break_allowed``).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left

from .completion import stop_index
from .config import SamplingConfig
from .data import is_hard_wrapped

# A suggestion shorter than this is not shown: Tab is a key, so one character saves
# none (hiding them left keystrokes saved as they were and showed 23% fewer ghosts:
# docs/notes/suggestions.md).
MIN_GHOST_CHARS = 2

# What the policy weighs as one unit: a word (with an apostrophe inside it) or a mark
# of punctuation, with the space before it; so a sure word is shown even when the
# comma after it is not.
WORD = re.compile(r"\s*(?:\w+(?:['\u2019]\w+)*|[^\w\s])")


class WordGate:
    """Follows a growing continuation token by token and says how much of it to show.

    ``update`` takes the text generated so far (after the part that was typed) and
    the log-probability of all its tokens, and returns how many of its characters may
    be shown: whole words only, each approved once the text after it begins (or the
    continuation is final), while confidence holds. Once a word fails, ``closed`` is
    set and nothing more is approved: generation can stop. With both thresholds at 0
    the policy is off: all the text is shown as it comes (the words are still weighed,
    for ``word_probs``).
    """

    def __init__(self, min_confidence: float, continue_confidence: float) -> None:
        self.first_floor = _log(min_confidence)
        self.rest_floor = _log(continue_confidence)
        self.off = min_confidence == continue_confidence == 0
        self.chars: list[int] = []  # characters of the text after each token (increasing)
        self.logprobs: list[float] = []  # log-probability of the tokens up to each one
        self.word_probs: list[float] = []  # probability that the words up to each one are right
        self.words_end = 0  # characters of the words weighed and kept
        self.closed = False

    def update(self, text: str, logprob: float, final: bool = False) -> int:
        self.chars.append(len(text))
        self.logprobs.append(logprob)
        if not self.closed:
            self._weigh(text, final)
        return len(text) if self.off else self.words_end

    def _weigh(self, text: str, final: bool) -> None:
        for match in WORD.finditer(text, self.words_end):
            end = match.end()
            if end == len(text) and not final:
                return  # the word may go on in the next token
            word_logprob = self.logprobs[bisect_left(self.chars, end)]  # the token that ends the word
            floor = self.rest_floor if self.word_probs else self.first_floor
            if word_logprob < floor:
                self.closed = True
                return
            self.word_probs.append(math.exp(word_logprob))
            self.words_end = end
        self.closed = final


class ShownText:
    """One continuation as the suggestion policy shows it, read a token at a time.

    Every way of decoding (greedy or sampled streaming, each extra sample of a batch,
    each beam hypothesis) reads its tokens through this one step, so the rules hold
    alike for all: where the continuation ends (the stop rule, and a line break the
    document would not have: ``end_index``) and how much of it the gate approves
    (``WordGate``). ``step`` returns what may newly be shown.
    """

    def __init__(self, config: SamplingConfig, line_breaks: bool) -> None:
        self.gate = WordGate(config.min_confidence, config.continue_confidence)
        self.stop_at = config.stop_at
        self.line_breaks = line_breaks
        self.text = ""  # the continuation so far, cut where it ends
        self.logprob = 0.0  # of all its tokens, less that of letters already typed
        self.emitted = 0  # characters of ``text`` approved so far
        self.final = False  # it has ended

    @property
    def done(self) -> bool:
        """Nothing more will be shown: it ended, or a word failed the gate."""
        return self.final or self.gate.closed

    @property
    def shown(self) -> str:
        return self.text[:self.emitted]

    def step(self, text: str, logprob: float, final: bool = False) -> str:
        """The continuation has grown to ``text`` (after what was typed), of
        log-probability ``logprob``; ``final``: the model ended it there."""
        self.text, ended = self._cut(text)
        self.final, self.logprob = final or ended, logprob
        return self._approve(self.gate.update(self.text, logprob, self.final))

    def finish(self, text: str | None = None) -> str:
        """It ended with no more tokens (the model's end, or, with the policy off, the
        token budget): its last word is whole. ``text``: the text as it stands then."""
        if text is not None:
            self.text, _ = self._cut(text)
        self.final = True
        if self.gate.closed and not self.gate.off:
            return ""
        return self._approve(self.gate.update(self.text, self.logprob, final=True))

    def _cut(self, text: str) -> tuple[str, bool]:
        """``text`` up to where it ends, and whether it ends there."""
        cut = end_index(text, self.stop_at, self.line_breaks)
        return (text, False) if cut is None else (text[:cut], True)

    def _approve(self, approved: int) -> str:
        delta = self.text[self.emitted:approved] if approved > self.emitted else ""
        self.emitted = max(self.emitted, approved)
        return delta


def line_break_allowed(context: str, policy: str) -> bool:
    """Whether a suggestion may break a line: "any" always; "document" only where the
    document itself is hard-wrapped (a document of one-line paragraphs never is)."""
    return policy == "any" or is_hard_wrapped(context[-20_000:])


def end_index(text: str, stop_at: str, line_breaks: bool) -> int | None:
    """Where a suggestion ends: at the stop rule, or at a line break it may not have
    (``line_breaks`` False); None if neither cuts ``text`` yet."""
    cut = stop_index(text, stop_at)
    if not line_breaks and (newline := text.find("\n")) >= 0 and (cut is None or newline < cut):
        return newline
    return cut


def _log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


def before_repeat(text: str, after: str) -> str:
    """``text``, a suggestion at a cursor inside a line, cut where it would say again
    what ``after`` (the rest of the line) begins with: its first word, or the mark of
    punctuation it starts with. "She walked| to the river." with " slowly to the"
    shows " slowly"; a suggestion that begins with the repeat shows nothing."""
    first = WORD.match(after)
    if not text or first is None:
        return text
    unit = first.group().strip()
    text = text[:next((m.start() for m in WORD.finditer(text) if m.group().strip() == unit), len(text))]
    return text.rstrip() if after[:1].isspace() else text  # no double space before the rest


def worth_showing(text: str, after: str = "") -> str:
    """What of a finished or streaming suggestion the editor shows: cut before it would
    repeat ``after`` (the line's text after the cursor), and nothing at all when what
    is left is too short to save a key."""
    text = before_repeat(text, after) if after else text
    return text if len(text) >= MIN_GHOST_CHARS else ""
