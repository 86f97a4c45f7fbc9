"""Keys that arrive together act in the order they came.

Textual's TextArea inserts a typed character in its own key handler, while its bound
keys (Backspace, the arrows, End...) went up to the app first and acted later, so in a
burst (a busy machine, a macro, a chording keyboard) a character overtook them: "t h e
Backspace x3 c a t" left "the", and "Ctrl+End Enter" put the new line at the top
(Textualize/textual#6605)."""

from __future__ import annotations

import pytest
from textual import events

from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import settle


def burst(app, *keys: str) -> None:
    """Keys as a terminal delivers them in one read: none waits for the last to act."""
    for key in keys:
        character = key if len(key) == 1 else {"space": " ", "enter": "\r"}.get(key)
        app._driver.send_message(events.Key(key, character))


@pytest.mark.parametrize(("text", "keys", "expected"), [
    ("", ("t", "h", "e", "backspace", "backspace", "backspace", "c", "a", "t"), "cat"),
    ("hello world", ("end", "1"), "hello world1"),
    ("hello world", ("end", "left", "left", "3"), "hello wor3ld"),
    ("first\nsecond", ("ctrl+end", "enter", "enter", "x"), "first\nsecond\n\nx"),
])
async def test_a_burst_of_keys_acts_in_order(make_app, settings, text, keys, expected):
    app = make_app(settings=settings.replace(auto_suggest=False))
    async with app.run_test(size=(80, 20)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.load_text(text)
        editor.move_cursor((0, 0))
        await pilot.pause()
        burst(app, *keys)
        await settle(pilot)
        assert editor.text == expected
