"""Text from files, models and cards is shown as plain text: no markup, no escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.plain import plain
from lstm_tui.tui.widgets.status_bar import StatusBar

from .conftest import settle


def test_plain_escapes_controls_and_keeps_the_rest():
    assert plain("notes [v2].txt") == "notes [v2].txt"
    assert plain("a\x1b]0;title\x07b\x9bc\u202ed") == "a\\x1b]0;title\\x07b\\x9bc\\u202ed"
    assert plain("two\nlines") == "two\\nlines" and plain("two\nlines", keep_newlines=True) == "two\nlines"
    assert plain("caf\u00e9 \u2603 e\u0301\u00a0x") == "caf\u00e9 \u2603 e\u0301\u00a0x"


async def test_a_bracketed_file_name_shows_as_it_is(make_app, tmp_path: Path):
    target = tmp_path / "notes [v2].txt"
    target.write_text("text\n")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bar = app.query_one(StatusBar)
        assert str(bar.render_info()).startswith("notes [v2].txt saved")
        app.notify(f"Saved {target} [/]")  # would raise MarkupError as markup
        await pilot.pause()


async def test_a_model_name_with_escapes_does_not_reach_the_terminal(make_app):
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        app.editor_screen.show_model("\x1b]0;pwned\x07[/b]evil", "cpu")
        await pilot.pause()
        shown = str(app.query_one(StatusBar).render_info())
        assert "\x1b" not in shown and "\\x1b]0;pwned\\x07[/b]evil" in shown


async def test_a_training_sample_or_error_with_brackets_is_shown(make_app):
    from lstm_tui.tui.screens.train import TrainScreen

    app = make_app(None)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_train()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TrainScreen)
        screen.handle_event({"event": "sample", "text": "she said [/i] and \x1b[2J left"})
        screen.handle_event({"event": "log", "message": "bad [/ thing"})
        screen.fail("Training failed: [/red] \x1b[31m")
        await pilot.pause()
        assert "[/i]" in str(screen.query_one("#train-sample").render())


async def test_a_card_with_a_malformed_name_does_not_stop_the_editor(make_app, tiny_bundle, tmp_path: Path):
    import json
    import shutil

    from lstm_tui import load_model

    folder = tmp_path / "odd-model"
    shutil.copytree(tiny_bundle, folder)
    (folder / "card.json").write_text(json.dumps({"name": 5}))
    app = make_app(None, lm=load_model(folder, device="cpu"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "odd-model" in str(app.query_one(StatusBar).render_info())


def test_file_names_in_the_open_dialog_show_escapes():
    from rich.text import Text

    from lstm_tui.tui.screens.dialogs import PlainDirectoryTree

    tree = PlainDirectoryTree.__new__(PlainDirectoryTree)  # a label needs no mounted tree
    label = tree.process_label("evil\x1b]0;x\x07 [v2].txt")
    assert isinstance(label, Text) and label.plain == "evil\\x1b]0;x\\x07 [v2].txt"


async def test_a_dialog_shows_a_file_name_as_it_is(make_app, tmp_path: Path):
    from lstm_tui.tui.screens.dialogs import confirm

    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(confirm("Replace file?", "notes [v2] [/b]\x1b[2J.txt exists."))
        await pilot.pause()
        shown = str(app.screen.query_one(".dialog-message").render())
        assert shown == "notes [v2] [/b]\\x1b[2J.txt exists."


CONTROLS = ("title: \x1b]0;pwned\x07 clip: \x1b]52;c;aGVsbG8=\x07 red: \x1b[31mred\x1b[0m c1: \x9b2J "
            "del: \x7f bs: \x08 end")


def drawn(app) -> list[str]:
    from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

    editor = app.query_one(GhostTextEditor)
    return ["".join(segment.text for segment in editor.render_line(y)) for y in range(editor.size.height)]


@pytest.mark.parametrize("name", ["notes.txt", "notes.md", "tabbed.txt"])
async def test_control_characters_in_a_document_are_drawn_visibly_and_saved_back(make_app, tmp_path, name):
    import unicodedata

    target = tmp_path / name
    original = (("\t" if name == "tabbed.txt" else "") + CONTROLS + "\nsecond line\r\n").encode()
    target.write_bytes(original)
    app = make_app(target)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        rows = drawn(app)
        assert not [c for row in rows for c in row if unicodedata.category(c) == "Cc"], rows
        assert "\u241b]0;pwned" in rows[0] and "\u241b]52;c;" in rows[0]  # ESC shown as a glyph
        if name != "tabbed.txt":  # Textual's own drawing (tabs) drops BEL and BS; never raw
            assert "pwned\u2407" in rows[0] and "\ufffd2J" in rows[0] and "\u2421" in rows[0]
        app.query_one("GhostTextEditor").insert("x", (1, 0))  # an edit elsewhere
        await pilot.press("escape", "ctrl+s")
        await settle(pilot)
    assert target.read_bytes() == original.replace(b"\nsecond", b"\nxsecond")
