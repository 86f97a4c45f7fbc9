"""The simulated writer: how many keystrokes a model's ghost text saves on a text.

A writer types a passage a character at a time by the editor's rules: whenever no
ghost is shown it asks for one; typing the character the ghost predicts keeps the rest
of it; Tab takes the whole ghost when all of it is right; Ctrl+Right takes its next
word when that is right; any other character dismisses it. The benchmarks
(bench/suggestions.py, bench/personal.py) and a fine-tune's closing measurement
("on your writing, suggestions now save ...") all count with this one writer.

How the writer works is a ``Typist``. The ``IDEAL`` one never types faster than a
suggestion comes and takes any ghost that saves a key. A ``REALISTIC`` one takes a
ghost only when it saves at least two keys, types five characters a second and
pauses at word ends. A ghost counts only if it arrived before the next key: a request
goes out once the editor's debounce has passed, and each key makes the one before it
stale.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from .sequences import common_prefix

NEXT_WORD = re.compile(r"\s*[^\s]+")  # what Ctrl+Right takes of a ghost
CONTEXT_CHARS = 4000  # the text before a passage that the writer had already written

Suggest = Callable[[str], str]  # the text before the cursor -> the ghost shown after it


@dataclass(frozen=True)
class Typist:
    """How the simulated writer types and what ghosts it takes."""

    min_saved: int = 1  # takes a ghost (Tab, or Ctrl+Right for a word) only if it saves this many keys
    chars_per_second: float | None = None  # None: never faster than a suggestion comes
    word_pause: float = 0.0  # further seconds after a word's last letter (a look at the screen)
    debounce: float = 0.0  # the editor's pause in typing before it asks for a suggestion

    def gap(self, passage: str, pos: int) -> float | None:
        """Seconds before the key at ``pos`` is pressed; None when untimed."""
        if self.chars_per_second is None:
            return None
        return 1 / self.chars_per_second + (self.word_pause if word_end(passage, pos) else 0.0)


IDEAL = Typist()
REALISTIC = Typist(min_saved=2, chars_per_second=5.0, word_pause=0.5)


def word_end(passage: str, pos: int) -> bool:
    """Whether the writer has just typed a word's last letter (a space or a mark comes next)."""
    return 0 < pos < len(passage) and passage[pos - 1].isalnum() and not passage[pos].isalnum()


def words(text: str, n: int) -> list[str]:
    return [m.group() for m in NEXT_WORD.finditer(text)][:n]


class Tally:
    """What the writer did and saw, summed over passages."""

    def __init__(self) -> None:
        self.chars = self.keys = self.keys_with_ghost = self.shown = self.first_right = 0
        self.wrong_chars = 0
        self.exact = {1: [0, 0], 2: [0, 0], 3: [0, 0]}  # N: [right, shown with >= N words]
        self.requests = 0
        self.late = 0  # requests whose ghost came after the next key (a timed typist's)
        self.word_ends = self.word_ends_with_ghost = 0
        self.seconds = 0.0

    def saw(self, ghost: str, target: str) -> None:
        self.shown += 1
        self.wrong_chars += len(ghost) - common_prefix(ghost, target)
        ghost_words = words(ghost, 3)
        for n in self.exact:
            if len(ghost_words) >= n:
                self.exact[n][1] += 1
                self.exact[n][0] += target.startswith("".join(ghost_words[:n]))
        self.first_right += bool(ghost_words) and target.startswith(ghost_words[0])

    def add(self, other: Tally) -> None:
        for key, value in vars(other).items():
            if key == "exact":
                for n, (right, shown) in value.items():
                    self.exact[n][0] += right
                    self.exact[n][1] += shown
            else:
                setattr(self, key, getattr(self, key) + value)

    @property
    def savings(self) -> float:
        """The share of keystrokes saved: 1 - keys pressed / characters typed."""
        return (self.chars - self.keys) / self.chars if self.chars else 0.0

    def report(self) -> dict:
        ratio = lambda a, b: round(a / b, 4) if b else None
        return {
            "chars": self.chars, "keys": self.keys,
            "keystroke_savings": ratio(self.chars - self.keys, self.chars),
            "precision": ratio(self.first_right, self.shown),
            "coverage": ratio(self.keys_with_ghost, self.keys),
            "wrong_chars_per_char": ratio(self.wrong_chars, self.chars),
            **{f"exact_match_at_{n}": ratio(right, shown) for n, (right, shown) in self.exact.items()},
            "word_ends_with_ghost": ratio(self.word_ends_with_ghost, self.word_ends),
            "shown": self.shown, "requests": self.requests, "late": self.late,
            "ms_per_request": ratio(1000 * self.seconds, self.requests),
        }


def write(passage: str, before: str, suggest: Suggest, should_stop: Callable[[], bool] | None = None,
          typist: Typist = IDEAL) -> Tally:
    """Type ``passage`` after ``before`` by the editor's rules; what it cost."""
    t = Tally()
    t.chars = len(passage)
    pos, ghost = 0, ""
    while pos < len(passage):
        if should_stop is not None and should_stop():
            t.chars = pos  # what was typed so far counts
            break
        target = passage[pos:]
        if not ghost:
            # From a fixed start, as the editor sends the text from a line start before the
            # cursor: a start that moved with every key (the last 4,000 characters) made
            # every request a cache miss that re-read the whole context.
            context = before + passage[:pos]
            gap = typist.gap(passage, pos)
            if gap is not None and gap < typist.debounce:
                ghost = ""  # typing on before the editor asks
            else:
                started = time.perf_counter()
                ghost = suggest(context)
                seconds = time.perf_counter() - started
                t.seconds += seconds
                t.requests += 1
                if ghost and gap is not None and typist.debounce + seconds > gap:
                    t.late += 1  # the next key made it stale before it showed
                    ghost = ""
                if ghost:
                    t.saw(ghost, target)
        if word_end(passage, pos):
            t.word_ends += 1
            t.word_ends_with_ghost += bool(ghost)
        t.keys += 1
        t.keys_with_ghost += bool(ghost)
        next_word = words(ghost, 1)
        if len(ghost) - 1 >= typist.min_saved and target.startswith(ghost):  # Tab
            pos += len(ghost)
            ghost = ""
        elif next_word and len(next_word[0]) - 1 >= typist.min_saved and target.startswith(next_word[0]):  # Ctrl+Right
            pos += len(next_word[0])
            ghost = ghost[len(next_word[0]):]
        else:  # type one character; a ghost that predicted it keeps the rest
            ghost = ghost[1:] if ghost.startswith(target[0]) else ""
            pos += 1
    return t


def passages(text: str, chars: int, length: int, seed: int, context: int = CONTEXT_CHARS) -> list[tuple[int, int]]:
    """(start, end) of passages of about ``length`` characters, ``chars`` in all, each
    starting at a paragraph and ending at a word end, from a fixed seed; each has at
    least ``context`` characters of the text before it."""
    rng = random.Random(seed)
    starts = [m.end() for m in re.finditer(r"\n+", text) if context < m.end() < len(text) - 2 * length]
    chosen: list[tuple[int, int]] = []
    total = 0
    for start in sorted(rng.sample(starts, min(len(starts), 4 * max(1, chars // length)))):
        if total >= chars:
            break
        if chosen and start < chosen[-1][1]:
            continue
        end = text.find(" ", start + min(length, chars - total))
        end = end if end > 0 else start + length
        chosen.append((start, end))
        total += end - start
    return chosen


def type_passages(text: str, spans: list[tuple[int, int]], suggest: Suggest,
                  context: int = CONTEXT_CHARS, should_stop: Callable[[], bool] | None = None,
                  typist: Typist = IDEAL, typed: Callable[[int], None] | None = None) -> Tally:
    """The writer types each span of ``text``, with what comes before it as written;
    ``typed`` hears how many spans are done after each."""
    tally = Tally()
    for done, (start, end) in enumerate(spans, 1):
        if should_stop is not None and should_stop():
            break
        tally.add(write(text[start:end], text[max(0, start - context):start], suggest, should_stop, typist))
        if typed is not None:
            typed(done)
    return tally
