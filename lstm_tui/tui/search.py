"""Find and replace over the editor's lines, for documents of any size.

A term is one line of text (the find field has no line breaks), so a match never spans
lines. Lines are searched a batch at a time, joined, by one regular expression: the
scan runs at C speed, with no copy of the whole document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Location = tuple[int, int]
BATCH = 2000  # lines joined per search


def pattern(term: str, match_case: bool) -> re.Pattern[str]:
    return re.compile(re.escape(term), 0 if match_case else re.IGNORECASE)


def _matches(lines: Sequence[str], regex: re.Pattern[str], first: int, last: int
             ) -> list[tuple[Location, Location]]:
    """Every match in lines ``first``..``last`` (exclusive), in order."""
    text = "\n".join(lines[first:last])
    found: list[tuple[Location, Location]] = []
    row, line_start, counted = first, 0, 0  # line breaks are counted up to ``counted``

    def locate(offset: int) -> Location:
        nonlocal row, line_start, counted
        breaks = text.count("\n", counted, offset)  # only since the last match: linear
        if breaks:
            row += breaks
            line_start = text.rfind("\n", counted, offset) + 1
        counted = offset
        return row, offset - line_start

    for match in regex.finditer(text):
        found.append((locate(match.start()), locate(match.end())))
    return found


def find_next(lines: Sequence[str], regex: re.Pattern[str], start: Location) -> tuple[Location, Location] | None:
    """The first match at or after ``start``, else (wrapping) the first in the document."""
    row, count = start[0], len(lines)
    for first in range(row, count, BATCH):  # from the start's line down
        hits = [hit for hit in _matches(lines, regex, first, min(first + BATCH, count)) if hit[0] >= start]
        if hits:
            return hits[0]
    for first in range(0, row + 1, BATCH):  # wrapped: from the top to the start
        hits = _matches(lines, regex, first, min(first + BATCH, count, row + 1))
        if hits and hits[0][0] < start:
            return hits[0]
    return None


def find_previous(lines: Sequence[str], regex: re.Pattern[str], before: Location
                  ) -> tuple[Location, Location] | None:
    """The last match starting before ``before``, else (wrapping) the last in the document."""
    row, count = before[0], len(lines)
    for last in range(row + 1, 0, -BATCH):  # from the line of ``before`` up
        hits = [hit for hit in _matches(lines, regex, max(0, last - BATCH), last) if hit[0] < before]
        if hits:
            return hits[-1]
    for last in range(count, row, -BATCH):  # wrapped: from the end up to ``before``
        hits = [hit for hit in _matches(lines, regex, max(row, last - BATCH), last) if hit[0] >= before]
        if hits:
            return hits[-1]
    return None


def count_matches(lines: Sequence[str], regex: re.Pattern[str], match: Location) -> tuple[int, int]:
    """(which match starts at ``match``, from 1; how many there are in all)."""
    starts = [start for first in range(0, len(lines), BATCH)
              for start, _ in _matches(lines, regex, first, first + BATCH)]
    return sum(start < match for start in starts) + 1, len(starts)


def replace_all(lines: Sequence[str], regex: re.Pattern[str], replacement: str
                ) -> tuple[Location, Location, str, int] | None:
    """The stretch of lines from the first match's line to the last's as it reads with
    every match replaced: (start, end, new text, count); None when nothing matches."""
    rows = [start[0] for first in range(0, len(lines), BATCH)
            for start, _ in _matches(lines, regex, first, first + BATCH)]
    if not rows:
        return None
    old = "\n".join(lines[rows[0]:rows[-1] + 1])
    new = regex.sub(lambda _: replacement, old)  # a function: no backslash escapes in the replacement
    return (rows[0], 0), (rows[-1], len(lines[rows[-1]])), new, len(rows)
