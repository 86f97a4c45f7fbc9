"""Screens read the app's state and ask for changes with messages (tui/messages.py):
none calls a method the app adds to Textual's App, or sets one of its attributes, so
the app knows its screens and they do not know it back."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import App

from lstm_tui.tui import app as app_module
from lstm_tui.tui.app import LstmTuiApp

SCREENS = sorted((Path(app_module.__file__).parent / "screens").glob("*.py"))


def test_screens_call_no_method_of_the_app_and_set_nothing_on_it():
    own = {name for name, value in vars(LstmTuiApp).items() if callable(value) and not hasattr(App, name)}
    assert {"update_settings", "switch_model", "switch_to_editor", "document_moved"} <= own
    for screen in SCREENS:
        source = screen.read_text(encoding="utf-8")
        called = set(re.findall(r"\bself\.app\.(\w+)\s*\(", source)) & own
        assert not called, f"{screen.name} calls the app's {sorted(called)}: post a message instead"
        assigned = re.findall(r"\bself\.app\.(\w+)\s*=(?!=)", source)
        assert not assigned, f"{screen.name} sets the app's {assigned}: post a message instead"
        assert "editor_screen" not in source, f"{screen.name} reaches another screen through the app"
