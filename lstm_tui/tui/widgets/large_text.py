"""The editor's document and its soft wrapping, kept cheap for documents of any size.

Typing must not cost more in a 20 MB document than in a page, so nothing done per
keystroke may walk the whole text:

- ``CountingDocument`` keeps the word and character counts up to date from each edit,
  looking only at the edited lines around the change (a word never spans a line break,
  and the counted stretch ends at whitespace on both sides, so the words outside it are
  the same before and after). The first count of a loaded text runs in a thread.
- ``QuickWrappedDocument`` answers ``height`` from its row table (Textual sums every
  line's rows, twice per drawn row), does not wrap again at the width it already has,
  and wraps plain ASCII lines (the usual prose) by jumping from row to row instead of
  measuring every word, with the same breaks as Textual's ``compute_wrap_offsets``;
  an edit re-wraps its lines the same way and shifts the rows below in one pass.
- rows.py draws a row from its own part of the line, not the whole line.
"""

from __future__ import annotations

import gc
import re
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from rich.control import strip_control_codes
from textual._wrap import compute_wrap_offsets
from textual.expand_tabs import get_tab_widths
from textual.geometry import clamp
from textual.widgets.text_area import Document, EditResult, Location, SyntaxAwareDocument, WrappedDocument

_NON_SPACE = re.compile(r"[^ ]")
COUNT_BATCH = 2000  # lines counted between yields of the GIL, when counting a loaded text


@contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection while the row tables are rebuilt: they are hundreds of
    thousands of small lists and tuples, and each collection would walk them all
    (a 20 MB document wraps in a quarter of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle_heap() -> None:
    """Collect garbage now, then set what is left aside from later collections (until
    ``gc.unfreeze()``): the model, the widgets and the document live as long as the app,
    and a full collection that walked them all paused typing noticeably every few
    seconds; it now walks what typing creates. Called after loading."""
    gc.collect()
    gc.freeze()


def count_words(lines: list[str]) -> int:
    """Words (``str.split`` runs) in ``lines``, counted in short batches so a thread
    doing it lets the UI thread in between (one ``split`` of a large text holds the GIL
    for longer than a keystroke may wait)."""
    total = 0
    for start in range(0, len(lines), COUNT_BATCH):
        total += sum(len(line.split()) for line in lines[start:start + COUNT_BATCH])
        time.sleep(0)  # hand the GIL back to the UI thread
    return total


class DocumentCounts:
    """Counts the words and characters edits add or remove, for a Document class.

    ``word_delta`` is the change in words since the text was loaded (the loaded text is
    counted apart, in a thread: see ``count_words``); ``chars`` is exact at all times.
    ``generation`` grows with every edit, for callers that ask "changed since?".
    """

    _lines: list[str]
    newline: str
    text: str
    get_text_range: Callable[[Location, Location], str]

    def __init__(self, text: str, *args: object) -> None:
        super().__init__(text, *args)  # type: ignore[call-arg]
        self.chars = len(text) if self.newline == "\n" else len(self.text)
        self.word_delta = 0
        self.generation = 0

    def _words_around(self, top: Location, bottom: Location) -> int:
        """Words in top..bottom widened to whitespace (or a line's end) on both sides."""
        lines = self._lines
        (top_row, top_col), (bottom_row, bottom_col) = top, bottom
        first = lines[top_row] if top_row < len(lines) else ""
        while top_col > 0 and not first[top_col - 1].isspace():
            top_col -= 1
        last = lines[bottom_row] if bottom_row < len(lines) else ""
        while bottom_col < len(last) and not last[bottom_col].isspace():
            bottom_col += 1
        return len(self.get_text_range((top_row, top_col), (bottom_row, bottom_col)).split())

    def replace_range(self, start: Location, end: Location, text: str) -> EditResult:
        top, bottom = sorted((start, end))
        before = self._words_around(top, bottom)
        result = super().replace_range(start, end, text)  # type: ignore[misc]
        self.word_delta += self._words_around(top, result.end_location) - before
        self.chars += len(self.get_text_range(top, result.end_location)) - len(result.replaced_text)
        self.generation += 1
        return result


class CountingDocument(DocumentCounts, Document):
    """A plain-text Document that keeps its counts (see DocumentCounts)."""


class CountingSyntaxDocument(DocumentCounts, SyntaxAwareDocument):
    """A tree-sitter Document (for highlighting) that keeps its counts."""


def counting_syntax_document(text: str, language: object) -> Document:
    """A tree-sitter Document of ``text`` in ``language`` that keeps its counts."""
    return CountingSyntaxDocument(text, language)


def ascii_wrap_offsets(line: str, width: int) -> list[int]:
    """Where Textual's ``compute_wrap_offsets`` breaks ``line`` (printable ASCII only:
    every character one cell, the only whitespace a space), found row by row.

    A row takes whole chunks (a word and the spaces after it) while they fit; the chunk
    that holds the row's last cell goes to the next row, or is cut into ``width``-wide
    pieces if no row could hold it.
    """
    n = len(line)
    breaks: list[int] = []
    row = 0  # where the current row starts
    placed = 0  # the end of the chunks placed so far (a chunk boundary)
    while row + width < n:
        last = row + width  # the first cell past the row
        seg = line[placed:last + 1]
        head = seg.rstrip(" ") if seg[-1] == " " else seg
        chunk = placed + (head.rfind(" ") + 1 if head else 0)  # the chunk holding ``last``
        word_end = line.find(" ", chunk) if line[chunk] != " " else chunk
        found = _NON_SPACE.search(line, word_end) if word_end >= 0 else None
        chunk_end = found.start() if found else n
        if chunk_end - chunk > width:  # longer than a row: folded into pieces
            pieces = range(chunk, chunk_end, width)
            breaks.extend(p for p in pieces if p)
            row = pieces[-1]
        else:
            breaks.append(chunk)
            row = chunk
        placed = chunk_end
    return breaks


class _RowTable:
    """Row y -> (line, section of the line), read as Textual reads its list of them,
    from the first row of each line (one array: an edit above shifts it in C)."""

    __slots__ = ("doc",)

    def __init__(self, doc: QuickWrappedDocument) -> None:
        self.doc = doc

    def __len__(self) -> int:
        return self.doc.height

    def __getitem__(self, y: int) -> tuple[int, int]:
        height = self.doc.height
        y = y + height if y < 0 else y
        if not 0 <= y < height:
            raise IndexError(y)
        first = self.doc._first_row
        line = int(np.searchsorted(first, y, side="right")) - 1
        return line, y - int(first[line])


class _LineTable:
    """Line -> the y of each of its rows, read as Textual reads its list of them."""

    __slots__ = ("doc",)

    def __init__(self, doc: QuickWrappedDocument) -> None:
        self.doc = doc

    def __len__(self) -> int:
        return len(self.doc._first_row)

    def __getitem__(self, line: int) -> list[int]:
        first = int(self.doc._first_row[line])  # IndexError past the end, as a list's
        return list(range(first, first + len(self.doc._wrap_offsets[line]) + 1))


# A line that fits on one row: one shared empty tuple, not a list per line, which the
# garbage collector would walk at every full collection (a 20 MB file: 340,000 of them).
NO_BREAKS: Sequence[int] = ()


class QuickWrappedDocument(WrappedDocument):
    """WrappedDocument whose per-keystroke and open-time costs do not grow with the text.

    Textual keeps a Python entry for every row and every line and rebuilds all of them
    below an edit that adds a line or a row; here
    the row tables are views of one array of each line's first row.
    """

    _wrapped_at: tuple[int, int] | None = None  # (width, tab width) of the last full wrap
    _first_row: np.ndarray = np.zeros(0, np.int64)
    _height = 0

    @property
    def height(self) -> int:
        return self._height

    def _wrap_line(self, line: str) -> Sequence[int]:
        """The line's break offsets at the current width."""
        width = self._width
        if not width or (len(line) <= width and line.isascii() and line.isprintable()):
            return NO_BREAKS
        if line.isascii() and line.isprintable():  # no tabs, every character one cell
            return ascii_wrap_offsets(line, width)
        return compute_wrap_offsets(line, width, tab_size=self._tab_width,
                                    precomputed_tab_sections=get_tab_widths(line, self._tab_width))

    def _rewrap_line(self, index: int, column: int) -> Sequence[int]:
        """The breaks of line ``index`` after an edit inside it from ``column`` on.

        Wrapping is greedy, each row ending by what fits after its own start, so the
        rows before the edited row's upper neighbour keep their breaks (a deletion may
        let a word move up one row, no further); in a printable ASCII line the rest is
        wrapped again from there, so typing at the end of a long line does not wrap
        all of it again (docs/notes/speed.md)."""
        line, old = self.document.lines[index], self._wrap_offsets[index]
        if len(old) < 3 or not (line.isascii() and line.isprintable()):
            return self._wrap_line(line)
        keep = max(0, bisect_right(old, column) - 1)  # the breaks before the row above the edit
        start = old[keep - 1] if keep else 0
        return [*old[:keep], *(start + b for b in ascii_wrap_offsets(line[start:], self._width))]

    def get_sections(self, line_index: int) -> list[str]:
        # Textual's divides a rich Text of the whole line at each cursor move; slicing
        # the string gives the same sections.
        line = strip_control_codes(self.document[line_index])
        cuts = [0, *self._wrap_offsets[line_index], len(line)]
        return [line[a:b] for a, b in zip(cuts, cuts[1:])]

    def get_tab_widths(self, line_index: int) -> list[int]:
        # Measured when a line is first drawn, not for every line at each wrap.
        widths = self._tab_width_cache[line_index]
        if widths is None:
            line = self.document.lines[line_index]
            widths = [width for _, width in get_tab_widths(line, self._tab_width)]
            self._tab_width_cache[line_index] = widths
        return widths

    @staticmethod
    def _first_rows(wraps: list[list[int]], first_y: int) -> np.ndarray:
        """The first row of each of consecutive lines, the first of them at ``first_y``."""
        rows = np.fromiter((len(offsets) + 1 for offsets in wraps), np.int64, len(wraps))
        first = np.empty(len(wraps), np.int64)
        if len(wraps):
            first[0] = first_y
            np.cumsum(rows[:-1], out=first[1:])
            first[1:] += first_y
        return first

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        key = (width, tab_width or self._tab_width)
        if key == self._wrapped_at:
            return  # edits keep the rows up to date (wrap_range): nothing to redo
        self._width, self._tab_width = key
        lines = self.document.lines
        with gc_paused():
            # The test for a line that fits is inlined: a call per line is a third of the time.
            wraps = [NO_BREAKS if len(line) <= width and line.isascii() and line.isprintable()
                     else self._wrap_line(line) for line in lines] if width else [NO_BREAKS] * len(lines)
        self._first_row = self._first_rows(wraps, 0)
        self._height = sum(map(len, wraps)) + len(wraps)
        self._wrap_offsets = wraps
        self._tab_width_cache = [None] * len(lines)  # type: ignore[list-item]
        self._offset_to_line_info = _RowTable(self)  # type: ignore[assignment]
        self._line_index_to_offsets = _LineTable(self)  # type: ignore[assignment]
        self._wrapped_at = key

    def wrap_range(self, start: Location, old_end: Location, new_end: Location) -> None:
        # Textual's wrap_range (the same clamping), on the array of first rows.
        old_max, new_max = len(self._first_row) - 1, self.document.line_count - 1
        start_line = clamp(start[0], 0, min(old_max, new_max))
        old_end_line = clamp(old_end[0], 0, old_max)
        new_end_line = clamp(new_end[0], 0, new_max)
        top, old_bottom = sorted((start_line, old_end_line))
        new_bottom = max(start_line, new_end_line)
        top_y = int(self._first_row[top])
        old_rows = sum(len(offsets) + 1 for offsets in self._wrap_offsets[top:old_bottom + 1])
        if top == old_bottom == new_bottom and self._width:  # within one line
            wraps = [self._rewrap_line(top, min(start[1], new_end[1]) if start[0] == top else 0)]
        else:
            wraps = [self._wrap_line(line) for line in self.document.lines[top:new_bottom + 1]]
        row_shift = sum(len(offsets) + 1 for offsets in wraps) - old_rows
        below = self._first_row[old_bottom + 1:]
        self._first_row = np.concatenate((self._first_row[:top], self._first_rows(wraps, top_y),
                                          below + row_shift if row_shift else below))
        self._wrap_offsets[top:old_bottom + 1] = wraps
        self._tab_width_cache[top:old_bottom + 1] = [None] * len(wraps)  # type: ignore[list-item]
        self._height += row_shift
