"""The Textual internals that the editor's large-document drawing leans on, in one
list, and what each means to the editor. ProseArea, rows.py and large_text.py override
or read these parts of TextArea and WrappedDocument (there is no public way to draw a
row from its own characters or to keep wrapping incremental); pyproject pins the
Textual these tests pass with, and they name what moved when an upgrade breaks it."""

from __future__ import annotations

from textual.widgets import TextArea
from textual.widgets.text_area import Document, WrappedDocument

TEXT_AREA = (  # read or overridden by ProseArea, GhostTextEditor and rows.render_row
    "_theme", "_highlights", "_highlight_query", "_line_cache", "_has_cursor", "_draw_cursor",
    "_cursor_visible", "_cursor_offset", "_matching_bracket_location", "_render_line",
    "_build_highlight_map", "_get_builtin_highlight_query", "_rewrap_and_refresh_virtual_size",
    "_set_document", "_refresh_size", "_find_columns_to_next_tab_stop", "_bindings", "_restart_blink",
)
WRAPPED_DOCUMENT = (  # replaced by large_text.QuickWrappedDocument's incremental tables
    "_offset_to_line_info", "_line_index_to_offsets", "_wrap_offsets", "_width", "_tab_width",
)
DOCUMENT = ("_lines",)  # large_text.CountingDocument counts them as they change


def test_the_textual_internals_the_editor_uses_are_there():
    area = TextArea("a line (with brackets)")
    wrapped = WrappedDocument(Document("a few words\nand more"), width=8)
    missing = [f"TextArea.{n}" for n in TEXT_AREA if not hasattr(area, n)]
    missing += [f"WrappedDocument.{n}" for n in WRAPPED_DOCUMENT if not hasattr(wrapped, n)]
    missing += [f"Document.{n}" for n in DOCUMENT if not hasattr(wrapped.document, n)]
    assert not missing, f"Textual no longer has {', '.join(missing)}: see lstm_tui/tui/widgets/"


def test_the_private_modules_the_editor_imports_are_there():
    from textual._tree_sitter import TREE_SITTER, get_language  # noqa: F401  (prose_area)
    from textual._wrap import compute_wrap_offsets  # noqa: F401  (large_text)


def test_the_wrapping_tables_mean_what_large_text_takes_them_to_mean():
    """QuickWrappedDocument rebuilds these tables itself: their layout must be Textual's."""
    from textual._wrap import compute_wrap_offsets

    wrapped = WrappedDocument(Document("a few words\nand more"), width=8)
    assert wrapped.document._lines == ["a few words", "and more"]  # a line per entry, no newlines
    assert wrapped._width == 8 and wrapped._tab_width == 4
    assert wrapped._wrap_offsets == [compute_wrap_offsets("a few words", 8, 4), []]  # where each line breaks
    assert wrapped._offset_to_line_info == [(0, 0), (0, 1), (1, 0)]  # screen row -> (line, section)
    assert wrapped._line_index_to_offsets == [[0, 1], [2]]  # line -> its screen rows


async def test_the_text_areas_drawing_state_means_what_the_editor_takes_it_to_mean():
    """What rows.render_row and ProseArea read while drawing a row themselves."""
    from textual.app import App, ComposeResult

    class One(App):
        def compose(self) -> ComposeResult:
            yield TextArea("call(it)\n\tindented", soft_wrap=True)

    app = One()
    async with app.run_test(size=(40, 6)) as pilot:
        area = app.query_one(TextArea)
        area.focus()
        area.move_cursor((0, 4))  # on "("
        await pilot.pause()
        assert area._has_cursor and isinstance(area._draw_cursor, bool)
        assert area._matching_bracket_location == (0, 7)  # the ")" that closes it
        assert area._render_line(0).text.startswith("call(it)")  # a screen row, as drawn
        assert area._theme is not None and area._theme.cursor_style is not None
        area.move_cursor((1, 0))
        assert area._find_columns_to_next_tab_stop() == area.indent_width  # from a line's start
        area._line_cache.clear()  # a dict-like cache of drawn rows that the editor clears
        assert area._highlights is not None and not area._highlights.get(0)  # plain text: no captures
