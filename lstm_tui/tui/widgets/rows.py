"""Drawing a row of the editor from its own part of the line.

Textual's TextArea makes a rich Text of a whole line and divides it at every wrap
offset for each row it draws, so a row's cost grows with its line's length (forty
rows a frame, in one long line). ``render_row`` builds the same row from the row's
characters alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widgets import TextArea

_TEXTUAL_ONLY = re.compile(r"\t")  # tabs expand, as Textual alone does right
# Every control character but the tab (a line holds no newline): C0, DEL and C1.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7f else "\ufffd"


def visible_controls(text: str) -> str:
    """``text`` with each control character drawn as one visible cell (ESC as \u241b,
    BEL as \u2407, DEL as \u2421, a C1 control as \ufffd), never sent to the terminal,
    where ESC ] 0 ; ... BEL retitles the window and OSC 52 writes the clipboard. One
    cell each, character for character, so columns and styles stay where they were;
    the document itself keeps the characters, and saves them back unchanged."""
    return _CONTROLS.sub(_picture, text) if _CONTROLS.search(text) else text


def visible_strip(strip: Strip) -> Strip:
    """A row Textual drew, with its control characters made visible as above (rich
    drops BEL, BS, VT, FF and CR itself; the others it would send raw). Kept to the
    row's width: Textual measured the controls as no cells."""
    if not any(_CONTROLS.search(segment.text) for segment in strip):
        return strip
    segments = [Segment(visible_controls(s.text), s.style, s.control) for s in strip]
    return Strip(segments).crop(0, strip.cell_length)


def settled_row_keys(area: TextArea) -> Callable[[int], tuple | None]:
    """Cache keys for the rows of this frame: a row that shows its line's text alone
    (no cursor, selection or bracket match on its line) is keyed by all that it is
    drawn from; so is a row of the cursor's line before the cursor's row, by its own
    characters and the cursor line's style. The others get None and are drawn afresh,
    as are all rows where Textual draws more than the text (line numbers, syntax
    highlighting, no soft wrap).

    Textual's own cache is keyed by screen row and emptied at every edit, so each
    keystroke drew every row of the screen again (most of a page's echo), and in a
    line of many rows, every row of that line."""
    if area.show_line_numbers or area._highlights or not area.soft_wrap:
        return lambda y: None
    wrapped, document, top = area.wrapped_document, area.document, area.scroll_offset.y
    start, end = area.selection
    first, last = min(start[0], end[0]), max(start[0], end[0])
    matching = area._matching_bracket_location
    bracket_row = matching[0] if matching is not None else -1
    frame = (area.wrap_width, area.indent_width, area.size.width, area.theme)
    caret_line = _caret_line_rows(area)

    def key(y: int) -> tuple | None:
        if y + top >= wrapped.height:
            return None
        line_index, section = wrapped._offset_to_line_info[y + top]
        if first <= line_index <= last or line_index == bracket_row:
            return caret_line(line_index, section, frame)
        return document[line_index], section, frame

    return key


def _caret_line_rows(area: TextArea) -> Callable[[int, int, tuple], tuple | None]:
    """Keys for the rows of the cursor's line that end before the cursor (and before a
    matching bracket), when nothing is selected: render_row draws them from their own
    characters and the cursor line's style alone. None for the other rows."""
    start, end = area.selection
    line_index, column = end
    text = area.document[line_index]
    if start != end or not _plain(area, text):
        return lambda line, section, frame: None
    offsets = area.wrapped_document.get_offsets(line_index)
    matching = area._matching_bracket_location
    if matching is not None and matching[0] == line_index:
        column = min(column, matching[1])
    style = (area._has_cursor, area.highlight_cursor_line)

    def key(line: int, section: int, frame: tuple) -> tuple | None:
        if line != line_index or section >= len(offsets) or offsets[section] > column:
            return None
        return "caret line", text[offsets[section - 1] if section else 0:offsets[section]], style, frame

    return key


def _plain(area: TextArea, text: str) -> bool:
    """Whether a line has none of the characters only Textual draws right (tabs); kept for
    the last line asked, which a frame asks of each of its rows and of the cursor's line."""
    checked = getattr(area, "_row_line_checked", None)  # a line's rows share its string
    if checked is None or checked[0] is not text:
        checked = area._row_line_checked = (text, not _TEXTUAL_ONLY.search(text))
    return checked[1]


def render_row(area: TextArea, y: int) -> Strip | None:
    """TextArea._render_line for a row of plain text, built from the row's own part of
    its line; None where Textual's own is needed (line numbers, syntax highlighting,
    no soft wrap, tabs). Control characters are drawn visibly (``visible_controls``).

    Textual makes a rich Text of the whole line and divides it at every wrap offset for
    each row it draws. The spans are the same as Textual's, in the same order, clipped
    to the row.
    """
    if area.show_line_numbers or area._highlights or not area.soft_wrap:
        return None
    theme = area._theme
    base_style = theme.base_style if theme and theme.base_style is not None else area.rich_style
    wrapped = area.wrapped_document
    y_offset = y + area.scroll_offset.y
    if y_offset >= wrapped.height:
        return Strip.blank(area.size.width, base_style)
    line_index, section = wrapped._offset_to_line_info[y_offset]
    text = area.document[line_index]
    if not _plain(area, text):
        return None
    offsets = wrapped.get_offsets(line_index)
    start, end = area.selection
    cursor_row, cursor_column = end
    has_cursor = area._has_cursor
    highlight_cursor_line = area.highlight_cursor_line and has_cursor
    cursor_line_style = theme.cursor_line_style if theme and highlight_cursor_line else None
    on_cursor_row = cursor_row == line_index
    suggestion = area.suggestion if on_cursor_row and area.suggestion and (
        area.has_focus or not area.hide_suggestion_on_blur) else ""
    shift = len(suggestion)
    line = text + " "  # a cell for the cursor at the end of the line
    spans: list[tuple[Style, int, int]] = []  # in the line's columns before the suggestion

    if has_cursor and cursor_line_style and on_cursor_row:
        spans.append((cursor_line_style, 0, len(line)))
    if start != end:
        (top_row, top_col), (bottom_row, bottom_col) = sorted((start, end))
        selection_style = theme.selection_style if theme else None
        if selection_style and top_row <= line_index <= bottom_row:
            if not text and line_index != cursor_row:
                line = "\u258c"  # an empty line in the selection
                spans.append((Style(color=selection_style.bgcolor), 0, 1))
            else:
                lo = top_col if line_index == top_row else 0
                hi = bottom_col if line_index == bottom_row else len(text)
                spans.append((selection_style, lo, hi))
    matching = area._matching_bracket_location
    draw_brackets = has_cursor and area.match_cursor_bracket and matching is not None and start == end
    bracket_style = theme.bracket_matching_style if theme else None
    if on_cursor_row and draw_brackets and bracket_style:
        spans.append((bracket_style, cursor_column, cursor_column + 1))
    if suggestion:  # spans after the cursor move right of the suggestion
        line = line[:cursor_column] + suggestion + line[cursor_column:]
        moved = []
        for style, lo, hi in spans:
            if lo < cursor_column:
                moved.append((style, lo, min(hi, cursor_column)))
            if hi > cursor_column:
                moved.append((style, max(lo, cursor_column) + shift, hi + shift))
        spans = moved
        spans.append((area.get_component_rich_style("text-area--suggestion"), cursor_column,
                      cursor_column + shift))
    if on_cursor_row and area._draw_cursor and theme and theme.cursor_style:
        spans.append((theme.cursor_style, cursor_column, cursor_column + 1))
    if draw_brackets and bracket_style and matching[0] == line_index:
        spans.append((bracket_style, matching[1], matching[1] + 1))

    lo = offsets[section - 1] if section else 0
    hi = offsets[section] if section < len(offsets) else len(line)
    row = Text(visible_controls(line[lo:hi]), end="", no_wrap=True)
    for style, a, b in spans:
        a, b = max(a, lo), min(b, hi)
        if a < b:
            row.stylize(style, a - lo, b - lo)
    target_width = area.scrollable_content_region.size.width - area.gutter_width
    line_style = cursor_line_style if on_cursor_row and area.highlight_cursor_line else (
        theme.base_style if theme else None)
    strip = Strip(row.render(area.app.console), cell_length=row.cell_len)
    return strip.extend_cell_length(target_width, line_style).apply_style(base_style)
