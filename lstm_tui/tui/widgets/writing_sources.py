"""WritingSources: the files, folders and mailboxes to learn from, and whose mail.

A tree to pick from (every file: mailboxes often have no extension), a path field,
the chosen list (Delete removes) and an "Only mail from" address. Each change posts
``WritingSources.Changed``; typing an address posts it after a pause, Enter at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, DirectoryTree, Input, Label, OptionList, Static

ADDRESS_PAUSE = 0.6  # seconds of no typing in the address field before the preview reruns


class WritingTree(DirectoryTree):
    """Folders and files, hidden entries left out: text, Markdown, mbox, .eml, Maildir
    folders, and mail files without an extension all show."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")]


class WritingSources(Vertical):
    @dataclass
    class Changed(Message):
        paths: tuple[str, ...]  # as chosen, absolute
        from_address: str  # as typed, stripped; "" for everyone

    def __init__(self, root: Path, paths: Iterable[str] = (), from_address: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.root = root
        self.root_resolved = root.resolve()
        self.paths: list[str] = list(paths)
        self.initial_address = from_address
        self._address_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("Your writing: folders, files or a mail folder", classes="section-title")
        tree = WritingTree(self.root, id="train-tree")
        tree.root.set_label(self.root.name or str(self.root))
        yield tree
        with Horizontal(classes="path-row"):
            yield Input(placeholder="a file or folder path, then Enter", id="train-path", compact=True)
            yield Button("Add", id="add-path", compact=True)
        yield Label("Chosen (Delete removes):")
        yield OptionList(*(self.display(Path(p)) for p in self.paths), id="train-selected")
        with Horizontal(classes="path-row"):
            yield Label("Only mail from ")
            yield Input(self.initial_address, placeholder="(your address; empty: all mail)",
                        id="learn-from-address", compact=True)

    @property
    def from_address(self) -> str:
        return self.query_one("#learn-from-address", Input).value.strip()

    def changed(self) -> None:
        self.post_message(self.Changed(tuple(self.paths), self.from_address))

    def add_path(self, raw: str) -> None:
        path = Path(raw).expanduser()
        if not path.exists():  # one stat: the reading happens in the preview's thread
            self.notify(f"{path}: no such file or folder.", severity="warning")
            return
        text = str(path.resolve())
        if text not in self.paths:
            self.paths.append(text)
            self.query_one("#train-selected", OptionList).add_option(self.display(Path(text)))
            self.changed()

    def remove_highlighted(self) -> bool:
        options = self.query_one("#train-selected", OptionList)
        if not options.has_focus or options.highlighted is None:
            return False
        del self.paths[options.highlighted]
        options.remove_option_at_index(options.highlighted)
        self.changed()
        return True

    def display(self, path: Path) -> str:
        """Short: relative to the tree's folder when inside it, else with ~ for home."""
        root = self.root_resolved
        if path.is_relative_to(root):
            return str(Path(root.name) / path.relative_to(root))
        home = Path.home()
        return "~/" + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)

    @on(DirectoryTree.FileSelected)
    @on(DirectoryTree.DirectorySelected)
    def _tree_pick(self, event: DirectoryTree.FileSelected | DirectoryTree.DirectorySelected) -> None:
        event.stop()
        if isinstance(event, DirectoryTree.DirectorySelected) and event.node is self.query_one(WritingTree).root:
            return
        self.query_one("#train-path", Input).value = str(event.path)

    @on(Input.Submitted, "#train-path")
    @on(Button.Pressed, "#add-path")
    def _add(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        field = self.query_one("#train-path", Input)
        if field.value.strip():
            self.add_path(field.value.strip())
            field.value = ""

    @on(Input.Changed, "#learn-from-address")
    def _address_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._address_timer is not None:
            self._address_timer.stop()
        self._address_timer = self.set_timer(ADDRESS_PAUSE, self.changed)

    @on(Input.Submitted, "#learn-from-address")
    def _address_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if self._address_timer is not None:
            self._address_timer.stop()
        self.changed()
