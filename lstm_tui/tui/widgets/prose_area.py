"""ProseArea: Textual's TextArea made for prose of any length.

Typing costs the same in a page and in 20 MB (large_text.py: the document keeps its
counts, the wrapping and the drawing look only at what changed or is on screen), an
undo step is a word, and Ctrl+Home / Ctrl+End and go-to-line move through the document.
GhostTextEditor builds the ghost text on it.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.document._document_navigator import DocumentNavigator
from textual.document._history import EditHistory
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import Edit

from .large_text import CountingDocument, QuickWrappedDocument, render_row


class WordHistory(EditHistory):
    """Undo steps of a word each: typing a word's first character after a space ends
    the step before it (Textual's own rules still end one at a pause, a line break or
    a paste), so Ctrl+Z takes back the last word, not the last burst of typing."""

    _after_space = False  # the last edit typed whitespace

    def record(self, edit: Edit) -> None:
        typed = edit.text
        if len(typed) == 1 and not typed.isspace() and self._after_space:
            self.checkpoint()
        self._after_space = len(typed) == 1 and typed.isspace()
        super().record(edit)


class ProseArea(TextArea):
    BINDINGS = [
        Binding("ctrl+home", "cursor_document_start", "Start", id="document_start", show=False),
        Binding("ctrl+end", "cursor_document_end", "End", id="document_end", show=False),
        Binding("ctrl+shift+home", "cursor_document_start(True)", "Select to start", show=False),
        Binding("ctrl+shift+end", "cursor_document_end(True)", "Select to end", show=False),
    ]

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(text, **kwargs)
        old = self.history  # Textual's limits, kept
        self.history = WordHistory(max_checkpoints=old.max_checkpoints, checkpoint_timer=old.checkpoint_timer,
                                   checkpoint_max_characters=old.checkpoint_max_characters)

    def _set_document(self, text: str, language: str | None) -> None:
        if language:  # a syntax-aware document: Textual's own
            super()._set_document(text, language)
            return
        # Textual's plain-text branch, with a document and wrapping whose cost per
        # keystroke does not grow with the text (large_text.py).
        self._highlight_query = None
        self.document = CountingDocument(text)
        self.wrapped_document = QuickWrappedDocument(self.document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._rewrap_and_refresh_virtual_size()

    def render_line(self, y: int) -> Strip:
        if self.document.end == (0, 0) and self.placeholder:
            return super().render_line(y)  # the placeholder, when there is no text
        return self._render_text_line(y)

    def _render_text_line(self, y: int) -> Strip:
        # TextArea.render_line less its first test, ``not self.text``, which joins the
        # whole document for every row drawn (20 MB: 20 ms a row).
        scroll_x, scroll_y = self.scroll_offset
        absolute_y = scroll_y + y
        selection = self.selection
        _, cursor_y = self._cursor_offset
        cache_key = (
            self.size, scroll_x, absolute_y,
            selection if selection.contains_line(absolute_y) or self.soft_wrap
            else selection.end[0] == absolute_y,
            selection.end if self._cursor_visible and self.cursor_blink and absolute_y == cursor_y else None,
            self.theme, self._matching_bracket_location, self.match_cursor_bracket, self.soft_wrap,
            self.show_line_numbers, self.read_only, self.show_cursor, self.suggestion,
        )
        if (cached := self._line_cache.get(cache_key)) is not None:
            return cached
        line = render_row(self, y) or self._render_line(y)
        self._line_cache[cache_key] = line
        return line

    def action_cursor_document_start(self, select: bool = False) -> None:
        self.move_cursor((0, 0), select=select)

    def action_cursor_document_end(self, select: bool = False) -> None:
        self.move_cursor(self.document.end, select=select)

    def go_to_line(self, line: int, column: int = 0) -> None:
        """Put the cursor on ``line`` (from 1; clamped to the document), mid-screen."""
        row = max(0, min(line - 1, self.document.line_count - 1))
        self.move_cursor((row, max(0, min(column, len(self.document[row])))), center=True)
