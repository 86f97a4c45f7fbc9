"""The editor screen's document: open, save, save as, autosaved recovery copies.

The user's text is sacred: saves are atomic, a file that cannot be decoded is never
loaded (so never overwritten), and while there are unsaved changes a recovery copy
is written every few seconds and offered back after a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import TextArea

from ..documents import DocumentError, Recovery, RecoveryStore, read_document, write_document
from .dialogs import ChoiceScreen, PathPromptScreen

if TYPE_CHECKING:
    from ..widgets.ghost_editor import GhostTextEditor
    from ..widgets.status_bar import StatusBar


class DocumentMixin:
    """Mixed into EditorScreen, which provides ``editor``, ``status`` and ``app``."""

    doc_path: Path | None = None
    saved_text: str = ""
    recovery: RecoveryStore
    _autosaved: str | None = None

    if TYPE_CHECKING:
        editor: GhostTextEditor
        status: StatusBar

    def mount_document(self) -> None:
        self.recovery = RecoveryStore()
        file = self.app.initial_file
        if file is not None:
            self.load_path(file)
        else:
            self._update_doc_status()
        self.set_interval(self.app.autosave_seconds, self.autosave)
        self.offer_recovery(self.recovery.find(self.doc_path))

    @property
    def modified(self) -> bool:
        return self.editor.text != self.saved_text

    def load_path(self, path: Path) -> bool:
        try:
            text = read_document(path)
        except DocumentError as exc:
            self.notify(str(exc), title="Not opened", severity="error", timeout=12)
            self._update_doc_status()
            return False
        self.doc_path = path
        self.saved_text = text
        self._autosaved = None
        self.editor.load_text(text)
        self.editor.move_cursor(self.editor.document.end)
        self._update_doc_status()
        self.document_replaced()
        return True

    def document_replaced(self) -> None:
        """The editor now holds another document (opened, or restored from a recovery
        copy); the screen drops what belonged to the last one."""

    def _update_doc_status(self) -> None:
        text = self.editor.text
        name = self.doc_path.name if self.doc_path else "untitled"
        new = self.doc_path is None or not self.doc_path.exists()
        self.status.set(document=name, modified=text != self.saved_text, new=new,
                        words=len(text.split()), chars=len(text))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # A plain name, not @on: the decorator needs a MessagePump class, not a mixin.
        self._update_doc_status()

    # -- saving ---------------------------------------------------------------------------

    def save_to(self, path: Path) -> bool:
        text = self.editor.text
        try:
            write_document(path, text)
        except DocumentError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=12)
            return False
        if self.doc_path is not None and path != self.doc_path:
            self.recovery.discard(self.doc_path)
        self.recovery.discard(None)
        self.doc_path = path
        self.saved_text = text
        self.recovery.discard(path)
        self._autosaved = None
        self._update_doc_status()
        self.notify(f"Saved {path}", timeout=2)
        return True

    @work(exclusive=True, group="document")
    async def action_save(self) -> None:
        await self.save_flow()

    @work(exclusive=True, group="document")
    async def action_save_as(self) -> None:
        await self.save_as_flow()

    async def save_flow(self) -> bool:
        if self.doc_path is None:
            return await self.save_as_flow()
        return self.save_to(self.doc_path)

    async def save_as_flow(self) -> bool:
        start = str(self.doc_path) if self.doc_path else ""
        path = await self.app.push_screen_wait(PathPromptScreen("Save as", start))
        if path is None:
            return False
        if path.is_dir():
            self.notify(f"{path} is a folder; add a file name.", severity="error")
            return False
        if path.exists() and path != self.doc_path:
            answer = await self.app.push_screen_wait(ChoiceScreen(
                "Replace file?", f"{path} exists. Replace it?",
                [("yes", "Replace", "error"), ("no", "Cancel", "default")]))
            if answer != "yes":
                return False
        return self.save_to(path)

    @work(exclusive=True, group="document")
    async def action_open(self) -> None:
        if not await self.settle_changes("Open another file"):
            return
        root = self.doc_path.parent if self.doc_path else None
        path = await self.app.push_screen_wait(PathPromptScreen("Open", root=root))
        if path is not None:
            if self.doc_path is not None:
                self.recovery.discard(self.doc_path)
            self.recovery.discard(None)
            self.load_path(path)
            self.offer_recovery(self.recovery.find(self.doc_path))

    async def settle_changes(self, doing: str) -> bool:
        """Ask about unsaved changes; True if it is fine to go on."""
        if not self.modified:
            return True
        name = self.doc_path.name if self.doc_path else "the untitled document"
        answer = await self.app.push_screen_wait(ChoiceScreen(
            doing, f"Save changes to {name} first?",
            [("save", "Save", "primary"), ("discard", "Discard", "error"), ("cancel", "Cancel", "default")]))
        if answer == "save":
            return await self.save_flow()
        return answer == "discard"

    # -- recovery --------------------------------------------------------------------------

    def autosave(self) -> None:
        """Keep a recovery copy while there are unsaved changes (called every few seconds)."""
        text = self.editor.text
        if text == self._autosaved:
            return
        try:
            if text == self.saved_text:
                self.recovery.discard(self.doc_path)
            else:
                self.recovery.write(self.doc_path, text)
            self._autosaved = text
        except OSError as exc:
            self.notify(f"Could not write the recovery copy: {exc}", severity="warning", timeout=5)

    def discard_recovery(self) -> None:
        self.recovery.discard(self.doc_path)

    @work
    async def offer_recovery(self, found: Recovery | None) -> None:
        if found is None:
            return
        answer = await self.app.push_screen_wait(ChoiceScreen(
            "Recover unsaved text?",
            f"lstm-tui did not close cleanly last time. A recovery copy exists:\n{found.describe()}\n\n"
            "Restore puts it in the editor (unsaved); Discard deletes the copy.",
            [("restore", "Restore", "primary"), ("discard", "Discard", "error"), ("later", "Keep for later", "default")]))
        if answer == "restore":
            self.editor.load_text(found.text)
            self.editor.move_cursor(self.editor.document.end)
            if found.path is None:
                self.recovery.discard_file(found.file)  # re-saved under this session's name
            self.autosave()
            self._update_doc_status()
            self.document_replaced()
        elif answer == "discard":
            self.recovery.discard_file(found.file)
