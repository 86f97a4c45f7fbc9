"""Small modal dialogs: a question with buttons, a line of text, a file path."""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, OptionList, Static

from ...plain import plain


class ChoiceScreen(ModalScreen[str | None]):
    """A question and a row of buttons; dismisses with the chosen id (None on Esc)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, title: str, message: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.message = message
        self.choices = choices  # (id, label, variant)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # Plain text: a message names files, and "[v2]" or an escape in a name is no style.
            yield Static(Text(plain(self.title_text)), classes="dialog-title")
            yield Static(Text(plain(self.message, keep_newlines=True)), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                for choice_id, label, variant in self.choices:
                    yield Button(label, id=f"choice-{choice_id}", variant=variant)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        # Focus starts on the first choice that destroys nothing: Enter, pressed out of
        # habit, must not delete or overwrite.
        buttons = list(self.query(Button))
        safe = [b for b in buttons if b.variant != "error"]
        (safe or buttons)[0].focus()

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(None)


def confirm(title: str, message: str, yes: str = "Yes", no: str = "Cancel",
            danger: bool = False) -> ChoiceScreen:
    return ChoiceScreen(title, message, [("yes", yes, "error" if danger else "primary"),
                                         ("no", no, "default")])


class TextPromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; Enter accepts, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("Enter to accept, Esc to cancel", classes="hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class PlainDirectoryTree(DirectoryTree):
    """A DirectoryTree whose file names show control characters escaped, not sent to
    the terminal (a file name may hold any byte but "/" and NUL)."""

    def process_label(self, label):
        return super().process_label(plain(label) if isinstance(label, str) else label)


class PathPromptScreen(ModalScreen[Path | None]):
    """Choose a file: type a path, or browse and pick one in the tree. A relative path
    is taken from the folder the tree shows (and the dialog says which)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, title: str, value: str = "", root: Path | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.value = value
        self.root = Path(os.path.abspath(root or Path.cwd()))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall"):
            yield Static(Text(self.title_text), classes="dialog-title")
            yield Input(self.value, placeholder="path/to/file.txt", id="path-input")
            yield Static(Text(f"Relative to {plain(str(self.root))}"), classes="hint", id="path-root")
            yield PlainDirectoryTree(self.root, id="path-tree")
            yield Label("Enter to accept, Esc to cancel; pick a file in the tree to fill the path",
                        classes="hint")

    def on_mount(self) -> None:
        self.query_one("#path-input", Input).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        field = self.query_one("#path-input", Input)
        field.value = str(event.path)
        field.focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(self.resolve(event.value.strip()))

    def resolve(self, value: str) -> Path:
        """``value`` as an absolute path, from the tree's folder if it is relative
        (".." is taken lexically, as a shell's cd does)."""
        path = Path(value).expanduser()
        return Path(os.path.abspath(path if path.is_absolute() else self.root / path))

    def action_cancel(self) -> None:
        self.dismiss(None)


class RecentScreen(ModalScreen[Path | None]):
    """Pick one of the recent documents (newest first); Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, documents: list[Path]) -> None:
        super().__init__(classes="dialog-screen")
        self.documents = documents

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tall"):
            yield Static(Text("Recent documents"), classes="dialog-title")
            # File names as plain text: "[draft]" in a name is not markup.
            yield OptionList(*(Text(plain(f"{path.name}   {path.parent}")) for path in self.documents),
                             id="recent-list")
            yield Label("Enter opens, Esc cancels", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0 if self.documents else None
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.documents[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
