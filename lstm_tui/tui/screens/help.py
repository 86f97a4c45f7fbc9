"""The F1 help screen: every key, grouped by what it is for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Suggestions", [
        ("Tab", "accept the whole suggestion (Tab indents when there is none)"),
        ("Ctrl+Right", "accept the next word of the suggestion"),
        ("Right", "at the ghost text: accept it all"),
        ("Esc", "dismiss the suggestion and stop generating"),
        ("Ctrl+N / Alt+]", "next alternative (\"2 of 4\"; set Alternatives in F2)"),
        ("Ctrl+B / Alt+[", "previous alternative (the Alt keys fail in tmux)"),
        ("Ctrl+G", "suggest now (also when automatic suggestions are off)"),
        ("Ctrl+T", "automatic suggestions on or off"),
        ("F5", "learn this document's names and style as you write"),
        ("", "typing what the ghost predicts keeps the rest of it"),
    ]),
    ("Document", [
        ("Ctrl+S", "save (atomically; the file is created on first save)"),
        ("F12 / Ctrl+Shift+S", "save as"),
        ("Ctrl+O", "open a file (typed paths start at the folder shown)"),
        ("Ctrl+R", "recent documents; Ctrl+P, \"New document\" for a new one"),
        ("Ctrl+Home / Ctrl+End", "start / end of the document (with Shift: select)"),
        ("Ctrl+L", "go to a line (12, or 12:5 for a column)"),
        ("Ctrl+F", "find and replace: Enter next, Up previous, Esc back"),
        ("F8 / Shift+F8", "next / previous match of the find field"),
        ("Ctrl+Z / Ctrl+Y", "undo / redo a word (an accepted suggestion is one step)"),
        ("", "a recovery copy is autosaved every few seconds and offered after a crash"),
    ]),
    ("Panels", [
        ("F2", "sampling panel: presets, temperature, top-k, top-p, ..."),
        ("F3", "train or fine-tune a model on your files"),
        ("F4", "models: switch, rename, delete"),
        ("Ctrl+P", "command palette: every action, and themes"),
        ("F1", "this help"),
        ("Ctrl+Q", "quit (asks first if there are unsaved changes)"),
    ]),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss_help", "Close", id="close_help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static("lstm-tui keys", classes="dialog-title")
            table: DataTable = DataTable(cursor_type="none", zebra_stripes=True, id="help-table")
            table.add_columns("Key", "What it does")
            for group, rows in KEYS:
                table.add_row(f"[b]{group}[/b]", "")
                for key, what in rows:
                    table.add_row(key, what)
            yield table
            yield Static("Esc closes this screen.", classes="hint")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
