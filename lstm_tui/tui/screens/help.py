"""The F1 help screen: every key, grouped by what it is for.

The rows are read from the bindings themselves (their keys, and their tooltips for
what they do), so the help cannot drift from the keys that work; GROUPS only says
which binding goes where, and a test checks that no binding is left out. Opened on
a screen with keys of its own (Learn my writing, Models: its HELP_TITLE says so), the
help lists that screen's keys, in its footer's order, and the panels' keys.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# Bindings by id (or by action, for the undo keys TextArea declares), in help order.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Suggestions", ("accept", "accept_word", "accept_right", "dismiss", "next_alternative",
                     "previous_alternative", "suggest", "toggle_auto", "toggle_learning")),
    ("Document", ("save", "save_as", "open", "recent", "document_start", "document_end", "go_to_line",
                  "find", "find_next", "find_previous", "undo", "redo")),
    (PANELS := "Panels", ("toggle_sampling", "train", "models", "command_palette", "help", "quit")),
)
# What no single key does, said once where the keys are.
NOTES = {
    "Suggestions": "typing what the ghost predicts keeps the rest of it",
    "Document": "a recovery copy is autosaved every few seconds and offered after a crash",
}
KEY_NAMES = {"escape": "Esc", "right_square_bracket": "]", "left_square_bracket": "[", "delete": "Del",
             "pageup": "PgUp", "pagedown": "PgDn"}


def key_label(keys: str) -> str:
    """A binding's keys as a person writes them: "ctrl+n,alt+right_square_bracket"
    is "Ctrl+N / Alt+]"."""
    def one(key: str) -> str:
        *modifiers, name = key.split("+")
        name = KEY_NAMES.get(name, name.upper() if len(name) == 1 else name.capitalize())
        return "+".join([*(m.capitalize() for m in modifiers), name])

    return " / ".join(one(k.strip()) for k in keys.split(","))


def bindings_of(classes: Iterable[type]) -> dict[str, Binding]:
    """Every binding that ``classes`` or their bases declare, by id (else action); a
    subclass's binding wins over its base's."""
    found: dict[str, Binding] = {}
    for cls in classes:
        for klass in cls.__mro__:
            for binding in vars(klass).get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    found.setdefault(binding.id or binding.action, binding)
    return found


def palette_binding(app: type[App]) -> Binding:
    return Binding(app.COMMAND_PALETTE_BINDING, "command_palette", "Palette", id="command_palette",
                   tooltip="command palette: every action, and themes")


def screen_groups(screen: type) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The help's groups on ``screen``: the editor's (GROUPS), or on a screen with a
    HELP_TITLE its own keys and then the panels'."""
    title = getattr(screen, "HELP_TITLE", None)
    if title is None:
        return GROUPS
    own = tuple(b.id for b in getattr(screen, "BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return ((title, own), *(group for group in GROUPS if group[0] == PANELS))


def help_rows(bindings: dict[str, Binding], groups: tuple[tuple[str, tuple[str, ...]], ...] = GROUPS,
              ) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group, [(keys, what they do)]) for the help screen; a name with no binding in
    ``bindings`` (a key of a screen not shown) is left out."""
    rows = []
    for group, names in groups:
        keys = [(key_label(b.key), b.tooltip or b.description) for n in names if (b := bindings.get(n))]
        if group in NOTES:
            keys.append(("", NOTES[group]))
        rows.append((group, keys))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss_help", "Close", id="close_help")]

    def __init__(self, bindings: dict[str, Binding],
                 groups: tuple[tuple[str, tuple[str, ...]], ...] = GROUPS) -> None:
        super().__init__()
        self.rows = help_rows(bindings, groups)

    def compose(self) -> ComposeResult:
        # One table drawn whole, its descriptions wrapped: a DataTable cut long rows and
        # scrolled inside the scrolling dialog (its scrollbars showed as stray blocks).
        table = Table(box=None, show_edge=False, expand=True)
        table.add_column("Key", no_wrap=True, style="bold")
        table.add_column("What it does", ratio=1)
        for group, rows in self.rows:
            table.add_row(Text(group, style="bold underline"), "")
            for key, what in rows:  # plain text: "Alt+[" is no markup
                # A group's note (no key) is set apart from the row above it.
                table.add_row(Text(key), Text(what) if key else Text(f"Note: {what}.", style="italic"))
            table.add_row("", "")
        with VerticalScroll(classes="dialog help"):
            yield Static("lstm-tui keys (Esc closes this screen)", classes="dialog-title")
            yield Static(table, id="help-table")
            yield Static("Esc closes this screen.", classes="hint")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
