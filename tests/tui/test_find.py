"""Find and replace: the search over lines (batches, wrapping, case) and the find bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input

from lstm_tui.tui import search
from lstm_tui.tui.widgets.find_bar import FindBar
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import settle

TEXT = "The river ran.\nThe RIVER was high,\nand the river went on.\n"


@pytest.mark.parametrize("batch", [1, 2, 2000])
def test_search_wraps_and_minds_case(monkeypatch: pytest.MonkeyPatch, batch: int):
    monkeypatch.setattr(search, "BATCH", batch)
    lines = TEXT.split("\n")
    any_case, exact = search.pattern("river", False), search.pattern("river", True)
    assert search.find_next(lines, any_case, (0, 5)) == ((1, 4), (1, 9))
    assert search.find_next(lines, exact, (0, 5)) == ((2, 8), (2, 13))
    assert search.find_next(lines, exact, (2, 9)) == ((0, 4), (0, 9))  # wrapped to the top
    assert search.find_previous(lines, any_case, (1, 4)) == ((0, 4), (0, 9))
    assert search.find_previous(lines, any_case, (0, 4)) == ((2, 8), (2, 13))  # wrapped to the end
    assert search.find_next(lines, search.pattern("sea", False), (0, 0)) is None
    assert search.count_matches(lines, any_case, (1, 4)) == (2, 3)
    start, end, text, count = search.replace_all(lines, any_case, r"st\1ream")
    assert (start, end, count) == ((0, 0), (2, 22), 3)
    assert text == "The st\\1ream ran.\nThe st\\1ream was high,\nand the st\\1ream went on."


async def test_find_next_previous_replace_and_replace_all(make_app, settings, tmp_path: Path):
    target = tmp_path / "river.txt"
    target.write_text(TEXT, encoding="utf-8")
    app = make_app(target, settings=settings.replace(auto_suggest=False))
    async with app.run_test(size=(120, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        bar = app.query_one(FindBar)
        await pilot.press("ctrl+f")
        assert bar.display and app.focused is bar.query_one("#find-term")
        await pilot.press(*"river", "enter")
        await settle(pilot)
        assert editor.selection == ((0, 4), (0, 9))
        assert str(bar.query_one("#find-count").render()) == "1 of 3"
        await pilot.press("enter")
        await settle(pilot)
        assert editor.selection == ((1, 4), (1, 9))  # any case, by default
        assert str(bar.query_one("#find-count").render()) == "2 of 3"
        await pilot.press("up")
        await settle(pilot)
        assert editor.selection == ((0, 4), (0, 9))
        bar.query_one(Checkbox).value = True  # match case
        bar.query_one("#find-term", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert editor.selection == ((2, 8), (2, 13))
        # Replace: the match selected, then the next one.
        bar.query_one("#find-replacement", Input).value = "stream"
        bar.query_one("#find-replacement", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert editor.document[2] == "and the stream went on."
        assert editor.selection == ((0, 4), (0, 9))
        # Replace all (any case), one undo step.
        bar.query_one(Checkbox).value = False
        await pilot.click("#find-replace-all")
        await settle(pilot)
        assert editor.text == "The stream ran.\nThe stream was high,\nand the stream went on.\n"
        assert str(bar.query_one("#find-count").render()) == "replaced 2"
        bar_region = bar.region
        assert all(not w.region.overlaps(bar_region) for w in app.screen.query("Toast"))
        assert bar.query_one("#find-replace-all").region.right <= bar_region.right  # not clipped
        await pilot.press("escape")
        assert not bar.display and editor.has_focus
        await pilot.press("ctrl+z")
        assert editor.text == "The river ran.\nThe RIVER was high,\nand the stream went on.\n"
        # From the editor: F8 goes on with the find field's text.
        editor.move_cursor((0, 0))
        await pilot.press("f8")
        await settle(pilot)
        assert editor.selection == ((0, 4), (0, 9))
        # An answer for the text as it was before an edit is dropped.
        from lstm_tui.tui.messages import SearchDone

        document = editor.document
        app.editor_screen.on_search_done(SearchDone((document, document.generation - 1), "r", ((1, 0), (1, 1))))
        assert editor.selection == ((0, 4), (0, 9))
        await pilot.press("ctrl+f")
        await pilot.press(*"[sea]", "enter")  # not there: said, as plain text
        await settle(pilot)
        assert str(bar.query_one("#find-count").render()) == "no match"
