"""The help screen and README's key table are read against the bindings themselves."""

from __future__ import annotations

import re
from pathlib import Path

from lstm_tui.tui.app import LstmTuiApp
from lstm_tui.tui.screens.editor import EditorScreen
from lstm_tui.tui.screens.help import (
    GROUPS,
    HelpScreen,
    bindings_of,
    help_rows,
    key_label,
    palette_binding,
    screen_groups,
)
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

README = Path(__file__).resolve().parents[2] / "README.md"


def app_bindings():
    return bindings_of((LstmTuiApp, EditorScreen, GhostTextEditor)) | {"command_palette": palette_binding(LstmTuiApp)}


def test_key_labels():
    assert key_label("ctrl+n,alt+right_square_bracket") == "Ctrl+N / Alt+]"
    assert key_label("f12,ctrl+shift+s") == "F12 / Ctrl+Shift+S"
    assert key_label("escape") == "Esc"


def test_every_binding_is_in_the_help_with_what_it_does():
    bindings = app_bindings()
    grouped = [name for _, names in GROUPS for name in names]
    assert len(grouped) == len(set(grouped))
    for name in grouped:
        assert name in bindings, f"help lists {name!r}, which no binding has"
        assert bindings[name].tooltip, f"{name!r} says nothing about what it does"
    with_ids = {b.id for b in bindings.values() if b.id}
    assert with_ids - set(grouped) == set(), "a key the help does not list"


def test_readme_key_table_names_every_key():
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| Key | What it does |")
    table = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        table.append(line.split("|")[1])
    keys = " ".join(table)
    for _, rows in help_rows(app_bindings()):
        for label, _ in rows:
            if label:
                first = label.split(" / ")[0]
                assert re.search(rf"(?<![\w+]){re.escape(first)}(?![\w+])", keys), f"README's key table lacks {first}"


async def test_help_screen_shows_every_key_whole_as_plain_text(make_app):
    """At 80x24 the help cut long rows ("fine-tune the model on your own files and"),
    drew stray scrollbar blocks, and its last keys (F1, Ctrl+Q) were out of sight."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = app.screen.query_one("#help-table")
        lines = [strip.text for strip in shown.render_lines(shown.region.reset_offset)]
        text = " ".join(" ".join(line.split()) for line in lines)
        assert "Ctrl+B / Alt+[" in text  # not eaten as markup
        assert "Right" in text and "Ctrl+Z / Super+Z" in text and "Ctrl+Q" in text and "F1" in text
        train = next(b for b in app_bindings().values() if b.id == "train")
        assert " ".join(train.tooltip.split()) in text  # wrapped, not cut
        assert shown.region.height >= len(lines) and not shown.show_vertical_scrollbar
        await pilot.press("escape")
        assert app.screen is app.editor_screen


def test_every_key_of_a_screen_with_keys_of_its_own_says_what_it_does():
    from lstm_tui.tui.screens.models import ModelsScreen
    from lstm_tui.tui.screens.train import TrainScreen

    for screen in (TrainScreen, ModelsScreen):
        ((title, own), panels) = screen_groups(screen)
        assert title == screen.HELP_TITLE and panels[0] == "Panels"
        assert own == tuple(b.id for b in screen.BINDINGS)
        assert all(b.tooltip for b in screen.BINDINGS), screen.__name__


async def test_help_on_learn_my_writing_lists_its_keys_not_the_editors(make_app):
    """F1 on F3 listed the editor's keys (F5 "learn from the document as you type"),
    where F5 starts training."""
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        shown = app.screen.query_one("#help-table")
        text = " ".join(" ".join(s.text.split()) for s in shown.render_lines(shown.region.reset_offset))
        assert "Learn my writing" in text and "start training on the files and mail listed" in text
        assert "Del" in text and "F8" in text and "Ctrl+Q" in text and "F4" in text
        assert "Ctrl+S" not in text and "as you write" not in text and "F2" not in text
        await pilot.press("escape")
        assert app.screen is app.get_screen("train")
