"""FindBar: the find and replace fields under the editor (Ctrl+F). It knows nothing of
the document: it posts what the writer asks for, and the screen does it (search.py)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label


class FindBar(Horizontal):
    BINDINGS = [
        Binding("escape", "close", "Close", id="close_find"),
        Binding("down", "find(True)", "Next", id="find_next_field", show=False),
        Binding("up", "find(False)", "Previous", id="find_previous_field", show=False),
    ]

    class Find(Message):
        """Select the next (or previous) match of ``term``."""

        def __init__(self, term: str, match_case: bool, forward: bool) -> None:
            super().__init__()
            self.term, self.match_case, self.forward = term, match_case, forward

    class Replace(Message):
        """Replace the selected match (all of them with ``everywhere``), then find the next."""

        def __init__(self, term: str, replacement: str, match_case: bool, everywhere: bool) -> None:
            super().__init__()
            self.term, self.replacement = term, replacement
            self.match_case, self.everywhere = match_case, everywhere

    class Closed(Message):
        """Esc: the writer is back in the text."""

    def compose(self) -> ComposeResult:
        yield Label("Find")
        yield Input(placeholder="text (Enter: next, Up: previous)", id="find-term")
        yield Label("", id="find-count")  # "3 of 12", "no match", "replaced 4"
        yield Input(placeholder="replace with (Enter: replace)", id="find-replacement")
        yield Checkbox("Match case", id="find-case")
        yield Button("Replace all", id="find-replace-all")

    def say(self, text: str, warning: bool = False) -> None:
        """What the last search found, beside the find field."""
        label = self.query_one("#find-count", Label)
        label.update(text)
        label.set_class(warning, "-warning")

    @on(Input.Changed, "#find-term")
    def _term_changed(self) -> None:
        self.say("")  # the count was the old term's

    @property
    def term(self) -> str:
        return self.query_one("#find-term", Input).value

    @property
    def match_case(self) -> bool:
        return self.query_one("#find-case", Checkbox).value

    def open(self, term: str | None) -> None:
        """Show the bar with ``term`` (the selection, if any) ready to search."""
        self.remove_class("hidden")
        field = self.query_one("#find-term", Input)
        if term:
            field.value = term
        field.focus()
        field.select_all()

    def action_find(self, forward: bool) -> None:
        if self.term:
            self.post_message(self.Find(self.term, self.match_case, forward))

    def action_close(self) -> None:
        self.add_class("hidden")
        self.post_message(self.Closed())

    @on(Input.Submitted, "#find-term")
    def _find_submitted(self) -> None:
        self.action_find(True)

    @on(Input.Submitted, "#find-replacement")
    def _replace_submitted(self, event: Input.Submitted) -> None:
        if self.term:
            self.post_message(self.Replace(self.term, event.value, self.match_case, everywhere=False))

    @on(Button.Pressed, "#find-replace-all")
    def _replace_all(self) -> None:
        if self.term:
            replacement = self.query_one("#find-replacement", Input).value
            self.post_message(self.Replace(self.term, replacement, self.match_case, everywhere=True))
