"""Large documents: the editor's counts and wrapping follow edits without walking the
whole text, and give what a full recount or Textual's own wrapping would."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from textual._wrap import compute_wrap_offsets
from textual.document._wrapped_document import WrappedDocument
from textual.geometry import Offset

from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor
from lstm_tui.tui.widgets.large_text import (
    CountingDocument,
    QuickWrappedDocument,
    ascii_wrap_offsets,
)

from .conftest import settle

PRINTABLE = st.text(st.sampled_from("ab c.  "), max_size=60)
TEXT = st.text(st.sampled_from("ab c\n\t\u00e9\u4e16\x07  "), max_size=80)


@given(PRINTABLE, st.integers(1, 14))
@settings(max_examples=400, deadline=None)
def test_ascii_wrap_breaks_where_textual_does(line: str, width: int):
    expected = compute_wrap_offsets(line, width, 4) if len(line) > width else []
    assert (ascii_wrap_offsets(line, width) if len(line) > width else []) == expected


def edits(draw_text=TEXT):
    location = st.tuples(st.integers(0, 6), st.integers(0, 30))
    return st.lists(st.tuples(location, location, draw_text), max_size=8)


def clamp(document: CountingDocument, location: tuple[int, int]) -> tuple[int, int]:
    row = min(location[0], document.line_count - 1)
    return row, min(location[1], len(document[row]))


@given(TEXT, edits(), st.integers(0, 12))
@settings(max_examples=300, deadline=None)
def test_counts_and_rows_follow_edits(text: str, changes, width: int):
    document = CountingDocument(text)
    words = len(document.text.split())
    wrapped = QuickWrappedDocument(document, width)
    for start, end, insert in changes:
        start, end = clamp(document, start), clamp(document, end)
        result = document.replace_range(start, end, insert)
        wrapped.wrap_range(min(start, end), max(start, end), result.end_location)
        assert document.chars == len(document.text)
        assert words + document.word_delta == len(document.text.split())
    fresh = WrappedDocument(CountingDocument(document.text), width)  # Textual's, from scratch
    assert [list(offsets) for offsets in wrapped._wrap_offsets] == fresh._wrap_offsets
    assert list(wrapped._offset_to_line_info) == fresh._offset_to_line_info
    assert list(wrapped._line_index_to_offsets) == fresh._line_index_to_offsets
    assert wrapped._offset_to_line_info[-1] == fresh._offset_to_line_info[-1]
    for y in range(fresh.height + 2):  # where Textual's code asks, past the end too
        assert wrapped.offset_to_location(Offset(0, y)) == fresh.offset_to_location(Offset(0, y))
    assert wrapped.height == fresh.height
    for i in range(document.line_count):
        for column in range(len(document[i]) + 1):
            assert wrapped.location_to_offset((i, column)) == fresh.location_to_offset((i, column))
        assert wrapped.get_tab_widths(i) == fresh.get_tab_widths(i)
        assert wrapped.get_sections(i) == fresh.get_sections(i)


async def test_a_large_document_is_counted_in_the_background_and_kept_exact(make_app, tmp_path: Path):
    target = tmp_path / "long.txt"
    target.write_text("One two three.\n\nFour five.\n" * 3000, encoding="utf-8")  # 9,001 lines
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.editor_screen
        screen.MODIFIED_CHECK_SECONDS = 0  # the check after a pause in typing, at once
        editor = app.query_one(GhostTextEditor)
        assert isinstance(editor.document, CountingDocument)
        await settle(pilot)
        info = screen.status.info
        assert (info.words, info.chars, info.modified) == (15000, len(editor.text), False)
        editor.move_cursor((4500, 0))
        await pilot.press("N", "e", "w", "space")
        await pilot.press("ctrl+z")
        await pilot.press("w", "o", "r", "d", "s", "space", "enter")
        await settle(pilot)
        info = screen.status.info
        assert (info.words, info.chars) == (len(editor.text.split()), len(editor.text))
        assert info.modified and screen.modified
        while editor.history.undo_stack:
            await pilot.press("ctrl+z")
        await settle(pilot)  # undone back to the saved text: not modified
        assert editor.text == target.read_text() and not screen.status.info.modified


async def test_the_recovery_copy_is_written_in_a_thread_and_not_after_a_save(make_app, tmp_path: Path):
    from lstm_tui import paths
    from lstm_tui.tui.recovery import parse_copy

    target = tmp_path / "story.txt"
    target.write_text("Saved.\n" * 6000, encoding="utf-8")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.insert("Unsaved. ")
        screen = app.editor_screen
        screen.autosave()
        [write] = [w for w in app.workers if w.group == "autosave"]
        assert write._thread_worker  # encoded and written off the UI thread
        await app.workers.wait_for_complete([write])
        await pilot.pause()
        [copy] = paths.recovery_dir().glob("*.json")
        assert parse_copy(copy, "x", copy.read_bytes()).text == editor.text
        screen.autosave()  # nothing changed since: nothing written
        assert [w for w in app.workers if w.group == "autosave"] == []
        # A write taken before a save does not bring the copy back after it.
        editor.insert("More. ")
        since = screen.session.recovery.discards
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.session.recovery.write(target, editor.text, since) is None
        assert list(paths.recovery_dir().glob("*.json")) == []


async def test_rows_are_drawn_as_textual_draws_them(make_app, settings):
    """render_row against Textual's own _render_line: cursor, selection, bracket match,
    a suggestion mid-line and at the end, wrapped and unwrapped lines."""
    from lstm_tui.tui.widgets.rows import render_row

    app = make_app(settings=settings.replace(auto_suggest=False))
    text = ("(Short line.)\n\n" + "word " * 40 + "(end)\n" + "x" * 130 + "\nlast (one)")
    async with app.run_test(size=(60, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.load_text(text)
        states = [((0, 0), (0, 0), ""), ((0, 12), (0, 12), ""), ((2, 7), (2, 7), " ghost text here"),
                  ((2, 205), (2, 205), " and the rest of a long ghost"), ((0, 3), (2, 50), ""),
                  ((2, 60), (0, 1), ""), ((1, 0), (3, 4), ""), ((4, 9), (4, 9), "more"),
                  ((3, 130), (3, 130), "y" * 70)]
        for anchor, cursor, suggestion in states:
            editor.selection = type(editor.selection)(anchor, cursor)
            editor.suggestion = suggestion
            await pilot.pause()
            for y in range(editor.size.height):
                ours = render_row(editor, y)
                assert ours is not None
                assert list(ours) == list(editor._render_line(y)), (anchor, cursor, suggestion, y)


async def test_a_keystroke_redraws_its_own_line_and_every_row_stays_right(make_app, settings, monkeypatch):
    """The rows of lines a keystroke leaves alone are kept from the last frame (every
    row of the screen was drawn again at each key), and whatever is kept or drawn
    matches Textual's own drawing after edits, cursor moves, a selection and a theme."""
    from lstm_tui.tui.widgets import prose_area

    drawn: list[int] = []
    draw = prose_area.render_row
    monkeypatch.setattr(prose_area, "render_row", lambda area, y: drawn.append(y) or draw(area, y))
    app = make_app(settings=settings.replace(auto_suggest=False))
    text = "\n".join(f"Line {i} of the page (with a few words)." for i in range(40))
    async with app.run_test(size=(60, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.load_text(text)
        editor.move_cursor((10, len(editor.document[10])))
        await pilot.pause()
        drawn.clear()
        await pilot.press("x")
        assert editor.document[10].endswith("x") and drawn and set(drawn) == {10}

        for keys in (["y", "z"], ["enter", "a"], ["up", "up"], ["shift+left", "shift+up"], ["right"],
                     ["ctrl+home"], ["delete"], ["ctrl+end", "backspace", "("]):
            await pilot.press(*keys)
            for y in range(editor.size.height):
                assert list(editor.render_line(y)) == list(editor._render_line(y)), (keys, y)
        app.theme = "textual-light"
        await pilot.pause()
        assert all(list(editor.render_line(y)) == list(editor._render_line(y)) for y in range(editor.size.height))


async def test_typing_in_a_long_line_redraws_the_cursor_row_not_the_whole_line(make_app, settings, monkeypatch):
    """In a line of many rows, the rows before the cursor's are kept (each key drew
    every row of the line on screen again: 14 ms a frame in a line of 100,000
    characters), and
    what is kept or drawn matches Textual's own drawing: the cursor line's highlight,
    a bracket matched on the same line, a suggestion, a selection, the cursor moved back."""
    from lstm_tui.tui.widgets import prose_area

    drawn: list[int] = []
    draw = prose_area.render_row
    monkeypatch.setattr(prose_area, "render_row", lambda area, y: drawn.append(y) or draw(area, y))
    app = make_app(settings=settings.replace(auto_suggest=False))
    text = "A (long) line of words. " * 80 + "\nthe next line"
    async with app.run_test(size=(60, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.load_text(text)
        editor.move_cursor((0, 1000))
        await pilot.pause()
        drawn.clear()
        await pilot.press("x")
        cursor_y = editor.cursor_screen_offset.y - editor.content_region.y
        # The rows from the cursor's on move (a character came in); those before it stay.
        assert editor.document[0][1000] == "x" and drawn and min(drawn) == cursor_y >= 10

        def rows_right(note):
            for y in range(editor.size.height):
                assert list(editor.render_line(y)) == list(editor._render_line(y)), (note, y)

        for keys in (["y"], ["("], ["a", ")"], ["left"] * 30, ["shift+left"] * 3, ["right"], ["backspace"],
                     ["down"], ["up"]):
            await pilot.press(*keys)
            rows_right(keys)
        editor.suggestion = " and a ghost"
        await pilot.pause()
        rows_right("suggestion")
        editor.blur()
        await pilot.pause()
        rows_right("blurred")


@given(st.text(st.sampled_from("ab \t\u00e9\u4e16"), max_size=40), st.integers(0, 40), st.integers(1, 8))
@settings(max_examples=300, deadline=None)
def test_the_next_tab_stop_is_textuals(line: str, column: int, width: int):
    from textual.widgets import TextArea

    from lstm_tui.tui.widgets.prose_area import ProseArea

    column = min(column, len(line))
    ours, textuals = ProseArea(line), TextArea(line)
    for area in (ours, textuals):
        area.indent_width = width
        area.selection = type(area.selection).cursor((0, column))
    assert ours._find_columns_to_next_tab_stop() == TextArea._find_columns_to_next_tab_stop(textuals)


@given(st.text(st.sampled_from("ab c.  "), min_size=20, max_size=300),
       st.lists(st.tuples(st.integers(0, 300), st.integers(0, 4), st.text(st.sampled_from("ab c "), max_size=6)),
                max_size=6),
       st.integers(1, 14))
@settings(max_examples=300, deadline=None)
def test_an_edit_inside_a_long_line_wraps_as_a_fresh_wrap_would(line: str, changes, width: int):
    """Only the rows from the one above the edit are wrapped again: the rest must be
    what wrapping the whole line gives (a deletion may pull a word up a row)."""
    document = CountingDocument(line)
    wrapped = QuickWrappedDocument(document, width)
    for at, deleted, insert in changes:
        at = min(at, len(document[0]))
        start, end = (0, at), (0, min(at + deleted, len(document[0])))
        result = document.replace_range(start, end, insert)
        wrapped.wrap_range(start, end, result.end_location)
        fresh = WrappedDocument(CountingDocument(document.text), width)
        assert [list(offsets) for offsets in wrapped._wrap_offsets] == fresh._wrap_offsets
