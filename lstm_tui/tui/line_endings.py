"""Line endings kept byte for byte: the editor sees lines, the file keeps its separators.

Textual's TextArea splits text at every separator ``str.splitlines`` knows (CRLF, LF,
CR, VT, FF, \\x1c-\\x1e, NEL, U+2028, U+2029) and joins the lines with one newline, so
a file saved from it would change in places the writer never touched. Here the editor
is given the lines joined by "\\n" alone, and each line's own separator is remembered;
saving gives back the separator of every line the writer did not change, and new
lines the file's commonest line ending.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

LINE_ENDINGS = ("\r\n", "\n", "\r")  # the ones a new line may get
SEPARATORS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")  # what str.splitlines splits at
OTHER_SEPARATORS = tuple(sorted(SEPARATORS - {"\n"}))
DIFF_LIMIT = 5_000  # lines; a longer changed stretch is paired line by line, not diffed


@dataclass(frozen=True)
class LineLayout:
    """A file's text as the editor's lines plus the separator that ended each one."""

    lines: tuple[str, ...]  # the lines the editor shows, no separators in them
    ends: tuple[str, ...]  # each line's separator in the file; the last line's is ""
    newline: str  # the line ending a new line gets: the file's commonest, "\n" if none

    @property
    def text(self) -> str:
        """What the editor holds."""
        return "\n".join(self.lines)

    @property
    def content(self) -> str:
        """What the file holds."""
        return "".join(line + end for line, end in zip(self.lines, self.ends))


def split_lines(content: str) -> LineLayout:
    """The layout of a file's text."""
    if not any(separator in content for separator in OTHER_SEPARATORS):
        # "\n" alone, the usual case, split at C speed.
        plain_lines = content.split("\n")
        return LineLayout(tuple(plain_lines), ("\n",) * (len(plain_lines) - 1) + ("",), "\n")
    return _split_any(content)


def _split_any(content: str) -> LineLayout:
    """split_lines for text with any separators."""
    lines, ends = [], []
    for piece in content.splitlines(keepends=True):
        end = "\r\n" if piece.endswith("\r\n") else piece[-1] if piece[-1] in SEPARATORS else ""
        lines.append(piece[: len(piece) - len(end)])
        ends.append(end)
    if not ends or ends[-1]:
        lines.append("")  # the editor's last line, after the last separator
        ends.append("")
    counts = Counter(end for end in ends if end in LINE_ENDINGS)
    # Counter keeps first-seen order, so a tie goes to the ending the file uses first.
    newline = max(counts, key=counts.__getitem__) if counts else "\n"
    return LineLayout(tuple(lines), tuple(ends), newline)


def relayout(old: LineLayout, text: str) -> LineLayout:
    """The layout of the editor's ``text``, keeping ``old``'s separators on unchanged lines.

    A changed line that takes the place of one line keeps that line's separator; an
    added line gets the dominant line ending.
    """
    new = split_lines(text).lines  # the editor's text has "\n" alone; any other breaks too
    a = old.lines
    start = 0
    while start < min(len(a), len(new)) and a[start] == new[start]:
        start += 1
    tail = 0
    while tail < min(len(a), len(new)) - start and a[-1 - tail] == new[-1 - tail]:
        tail += 1
    ends = list(old.ends[:start])
    mid_old, mid_new = a[start:len(a) - tail], new[start:len(new) - tail]
    mid_ends = old.ends[start:len(a) - tail]
    if len(mid_old) + len(mid_new) <= DIFF_LIMIT:
        opcodes = SequenceMatcher(None, mid_old, mid_new, autojunk=False).get_opcodes()
    else:
        opcodes = [("replace", 0, len(mid_old), 0, len(mid_new))]
    for _tag, i1, i2, j1, j2 in opcodes:
        kept = min(i2 - i1, j2 - j1)  # "equal" and a paired "replace" keep their ends
        ends += mid_ends[i1:i1 + kept]
        ends += [old.newline] * (j2 - j1 - kept)
    ends += old.ends[len(a) - tail:]
    # Every line but the last needs a separator; the last has none.
    ends = [end or old.newline for end in ends[:-1]] + [""]
    return LineLayout(tuple(new), tuple(ends), old.newline)
