"""ProseArea: Textual's TextArea made for prose of any length (on some of its internals,
listed and checked in tests/tui/test_textual_internals.py).

Typing costs the same in a page and in 20 MB (large_text.py: the document keeps its
counts, the wrapping and the drawing look only at what changed or is on screen), an
undo step is a word, and Ctrl+Home / Ctrl+End and go-to-line move through the document.
GhostTextEditor builds the ghost text on it.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from textual import events
from textual._tree_sitter import TREE_SITTER, get_language
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Offset, Region
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import DocumentNavigator, Edit, EditHistory

from .inline_markdown import InlineMarks
from .large_text import CountingDocument, QuickWrappedDocument, counting_syntax_document
from .rows import render_row, settled_row_keys, visible_strip

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
# Larger files stay plain: tree-sitter's Markdown grammar re-parses the whole text at
# every edit, which grows past a keystroke's budget (docs/notes/speed.md).
HIGHLIGHT_MAX_CHARS = 100_000


def language_for(path: Path | None, chars: int) -> str | None:
    """The language to highlight a file as (Markdown), or None for plain text."""
    if path is None or not TREE_SITTER or chars > HIGHLIGHT_MAX_CHARS:
        return None
    return "markdown" if path.suffix.lower() in MARKDOWN_SUFFIXES else None


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
        Binding("ctrl+home", "cursor_document_start", "Start", id="document_start", show=False,
                tooltip="start of the document (with Shift: select to it)"),
        Binding("ctrl+end", "cursor_document_end", "End", id="document_end", show=False,
                tooltip="end of the document (with Shift: select to it)"),
        # TextArea's undo keys, said here for the help screen: a step is a word.
        Binding("ctrl+z,super+z", "undo", "Undo", id="undo", show=False,
                tooltip="undo a word (an accepted suggestion is one step)"),
        Binding("ctrl+y,super+y", "redo", "Redo", id="redo", show=False, tooltip="redo"),
        Binding("ctrl+shift+home", "cursor_document_start(True)", "Select to start", show=False),
        Binding("ctrl+shift+end", "cursor_document_end(True)", "Select to end", show=False),
    ]

    def __init__(self, text: str = "", **kwargs) -> None:
        super().__init__(text, **kwargs)
        old = self.history  # Textual's limits, kept
        self.history = WordHistory(max_checkpoints=old.max_checkpoints, checkpoint_timer=old.checkpoint_timer,
                                   checkpoint_max_characters=old.checkpoint_max_characters)
        self._settled_rows: LRUCache[tuple, Strip] = LRUCache(1024)  # rows.settled_row_key
        self._inline_marks = InlineMarks()  # Markdown's emphasis, code spans and links

    def notify_style_update(self) -> None:
        self._settled_rows.clear()  # a theme or CSS change: every row is drawn anew
        super().notify_style_update()

    def _set_document(self, text: str, language: str | None) -> None:
        # Textual's, for its built-in languages, with a document that keeps its counts
        # and wrapping whose cost per keystroke does not grow with the text (large_text.py).
        grammar = get_language(language) if language and TREE_SITTER else None
        if grammar is not None:
            self.document = counting_syntax_document(text, grammar)
            self._highlight_query = self.document.prepare_query(self._get_builtin_highlight_query(language))
        else:  # plain text (also where tree-sitter is not installed)
            self._highlight_query = None
            self.document = CountingDocument(text)
        self.wrapped_document = QuickWrappedDocument(self.document, tab_width=self.indent_width)
        self.navigator = DocumentNavigator(self.wrapped_document)
        self._build_highlight_map()
        self.move_cursor((0, 0))
        self._rewrap_and_refresh_virtual_size()

    _highlighted: tuple[int, int] = (0, -1)  # the lines the highlight map covers

    def _build_highlight_map(self) -> None:
        # Textual's queries the whole syntax tree at every edit (a third of a second per
        # key in 200 KB of Markdown); here only the lines around the screen are queried,
        # a screen's height above and below, and again when scrolling leaves them.
        if not self._highlight_query:
            self._highlighted = (0, -1)
            super()._build_highlight_map()
            return
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        wrapped, height = self.wrapped_document, max(self.size.height, 24)
        top = self.scroll_offset.y
        first = wrapped.offset_to_location(Offset(0, max(0, top - height)))[0]
        last = wrapped.offset_to_location(Offset(0, top + 2 * height))[0]
        self._highlighted = (first, last)
        captures = self.document.query_syntax_tree(self._highlight_query, (first, 0), (last + 1, 0))
        for name, nodes in captures.items():
            for node in nodes:
                (start_row, start_column), (end_row, end_column) = node.start_point, node.end_point
                if start_row == end_row:
                    highlights[start_row].append((start_column, end_column, name))
                    continue
                if start_row >= first:
                    highlights[start_row].append((start_column, None, name))
                for row in range(max(start_row + 1, first), min(end_row, last + 1)):
                    highlights[row].append((0, None, name))
                if end_row <= last:
                    highlights[end_row].append((0, end_column, name))
        document = self.document
        for row in range(first, min(last + 1, document.line_count)):  # emphasis, code, links
            if not any(name == "text.literal" for _, _, name in highlights.get(row, ())):  # not in code
                if marks := self._inline_marks(document[row]):
                    highlights[row].extend(marks)

    def watch_scroll_y(self) -> None:
        if self._highlight_query:
            first, last = self._highlighted
            top = self.scroll_offset.y
            rows = self.wrapped_document
            if not (first <= rows.offset_to_location(Offset(0, top))[0]
                    and rows.offset_to_location(Offset(0, top + self.size.height))[0] <= last):
                self._build_highlight_map()
                self.refresh()

    async def _on_key(self, event: events.Key) -> None:
        # TextArea inserts a typed character in this handler, while its bound keys
        # (Backspace, the arrows, End...) went up to the app before acting, so in a
        # burst of keys a character overtook them (Textualize/textual#6605): this
        # widget's own bindings act here, in the order the keys came. Priority
        # bindings were checked before the key reached the widget; these would have
        # come first on the way up, so what runs is what would have.
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority:
                self._restart_blink()  # as TextArea's handler does for every key
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return

    def _find_columns_to_next_tab_stop(self) -> int:
        # TextArea's key handler asks this at every key, not only at Tab, and Textual
        # measures the whole line before the cursor with its tabs expanded, which in a
        # long line slowed every keystroke (docs/notes/speed.md). The next tab stop is the
        # same counted from the last tab before the cursor, where the line sits on one.
        row, column = self.cursor_location
        line, width = self.document[row], self.indent_width
        if not line:
            return width
        after_tab = line.rfind("\t", 0, column) + 1
        return width - cell_len(line[after_tab:column]) % width

    def load_document(self, text: str, language: str | None) -> None:
        """Load ``text``, highlighted as ``language`` (None: plain text), in one build."""
        self.set_reactive(ProseArea.language, language)  # no watcher: load_text builds it
        self.load_text(text)

    def render_line(self, y: int) -> Strip:
        if self.document.end == (0, 0) and self.placeholder:
            return super().render_line(y)  # the placeholder, when there is no text
        return self._render_text_line(y)

    _settled_key = staticmethod(lambda y: None)  # this frame's rows.settled_row_keys

    def render_lines(self, crop: Region) -> list[Strip]:
        self._settled_key = settled_row_keys(self)
        return super().render_lines(crop)

    def _render_text_line(self, y: int) -> Strip:
        settled = self._settled_key(y)
        if settled is not None:  # a row of text alone: kept across edits elsewhere
            if (strip := self._settled_rows.get(settled)) is None:
                strip = self._settled_rows[settled] = render_row(self, y) or visible_strip(self._render_line(y))
            return strip
        # TextArea.render_line less its first test, ``not self.text``, which joins the
        # whole document for every row drawn.
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
        line = render_row(self, y) or visible_strip(self._render_line(y))
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
