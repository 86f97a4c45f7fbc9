"""The Textual internals that the editor's large-document drawing leans on, in one
list. ProseArea, rows.py and large_text.py override or read these parts of TextArea
and WrappedDocument (there is no public way to draw a row from its own characters or
to keep wrapping incremental); pyproject pins textual below the next major version,
and this test names what moved when an upgrade breaks them."""

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
