"""The editor screen's document: open, save, save as, autosaved recovery copies.

The user's text is sacred: saves are atomic, a file that cannot be decoded is never
loaded (so never overwritten), a file changed by another program is not saved over
without asking, and while there are unsaved changes this instance's own recovery
copy is written every few seconds and offered back after a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.widgets import TextArea

from ...core.atomic import remove_stale_temp_files
from ..documents import (
    DiskState,
    DocumentError,
    OpenedDocument,
    changed_on_disk,
    is_read_only,
    read_document,
    save_target,
    write_document,
)
from ..line_endings import LineLayout, relayout, split_lines
from ..recovery import Recovery, RecoveryStore
from .dialogs import ChoiceScreen, PathPromptScreen

if TYPE_CHECKING:
    from ..widgets.ghost_editor import GhostTextEditor
    from ..widgets.status_bar import StatusBar


class DocumentMixin:
    """Mixed into EditorScreen, which provides ``editor``, ``status`` and ``app``."""

    doc_path: Path | None = None
    file_layout: LineLayout = split_lines("")  # the file as last read or saved
    disk: DiskState | None = None  # the file on disk when last read or saved
    recovery: RecoveryStore
    _autosaved: str | None = None
    _restored: Recovery | None = None  # a crashed session's copy now in the editor, unsaved

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
        self.check_recovery()

    def unmount_document(self) -> None:
        """The app is ending: copies stay on disk (a clean quit removed its own first)."""
        if hasattr(self, "recovery"):
            self.recovery.close()

    @property
    def saved_text(self) -> str:
        return self.file_layout.text

    @property
    def modified(self) -> bool:
        return self.editor.text != self.saved_text

    def load_path(self, path: Path) -> bool:
        try:
            opened = read_document(path)
        except DocumentError as exc:
            self.notify(str(exc), title="Not opened", severity="error", timeout=12)
            self._update_doc_status()
            return False
        self.doc_path = path
        remove_stale_temp_files(save_target(path).parent)  # a killed save's, not the writer's
        self._take(opened)
        self.editor.load_text(opened.text)
        self.editor.move_cursor(self.editor.document.end)
        self._update_doc_status()
        self.document_replaced()
        return True

    def _take(self, opened: OpenedDocument) -> None:
        self.file_layout, self.disk, self._autosaved = opened.layout, opened.disk, None

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
        # Saved over the same file, the lines keep their separators; a new file takes
        # the layout's line endings too.
        layout = relayout(self.file_layout, text)
        try:
            self.disk = write_document(path, layout.content)
        except DocumentError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=12)
            return False
        if self.doc_path != path:
            self.recovery.discard(self.doc_path)
        self.doc_path, self.file_layout = path, layout
        self.recovery.discard(path)
        if self._restored is not None:  # the restored text is in the document now
            self.recovery.discard_copy(self._restored.file)
            self._restored = None
        self._autosaved = None
        self._update_doc_status()
        self.notify(f"Saved {path}", timeout=2)
        if others := self.recovery.others_editing(path):
            self.notify(f"{path.name} has unsaved changes in {others} other lstm-tui "
                        "window(s); they are not in this save.", severity="warning", timeout=10)
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
        path = self.doc_path
        now = changed_on_disk(save_target(path), self.disk)
        if now is not None:
            was = f"was {self.disk.describe()}, " if self.disk else "did not exist, "
            answer = await self.app.push_screen_wait(ChoiceScreen(
                "Changed on disk",
                f"{path} was changed by another program since lstm-tui last read or saved "
                f"it ({was}now {now.describe()}).\n\nOverwrite replaces it with your text; "
                "Reload puts its new text in the editor (Ctrl+Z brings yours back).",
                [("overwrite", "Overwrite", "error"), ("save_as", "Save as\u2026", "primary"),
                 ("reload", "Reload", "default"), ("cancel", "Cancel", "default")]))
            if answer == "save_as":
                return await self.save_as_flow()
            if answer == "reload":
                self.reload_from_disk()
                return False
            if answer != "overwrite":
                return False
        if not await self.confirm_read_only(path):
            return False
        return self.save_to(path)

    async def confirm_read_only(self, path: Path) -> bool:
        if not is_read_only(save_target(path)):
            return True
        answer = await self.app.push_screen_wait(ChoiceScreen(
            "Read-only file", f"{path} is read-only. Replace it anyway (it stays read-only)?",
            [("yes", "Replace", "error"), ("no", "Cancel", "default")]))
        return answer == "yes"

    def reload_from_disk(self) -> None:
        """The file's text from disk, as one undoable edit: the writer's text is a Ctrl+Z away."""
        try:
            opened = read_document(self.doc_path)
        except DocumentError as exc:
            self.notify(str(exc), title="Not reloaded", severity="error", timeout=12)
            return
        self._take(opened)
        self.editor.replace(opened.text, (0, 0), self.editor.document.end)
        self._update_doc_status()

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
            if answer != "yes" or not await self.confirm_read_only(path):
                return False
        elif path == self.doc_path:
            return await self.save_flow()
        return self.save_to(path)

    @work(exclusive=True, group="document")
    async def action_open(self) -> None:
        if not await self.settle_changes("Open another file"):
            return
        root = self.doc_path.parent if self.doc_path else None
        path = await self.app.push_screen_wait(PathPromptScreen("Open", root=root))
        if path is not None:
            self.recovery.discard(self.doc_path)
            self._let_go_of_restored()
            self.load_path(path)
            self.check_recovery()

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
        if answer == "discard" and self._restored is not None:
            self.recovery.discard_copy(self._restored.file)  # the writer discarded its text
            self._restored = None
            self._autosaved = None  # if the text stays after all (Open cancelled), copy it again
        return answer == "discard"

    # -- recovery --------------------------------------------------------------------------

    def autosave(self) -> None:
        """Keep this instance's recovery copy while there are unsaved changes (called
        every few seconds). It never touches a copy another instance left."""
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

    def _let_go_of_restored(self) -> None:
        """Its text leaves the editor unsaved: keep the copy for a later start."""
        if self._restored is not None:
            self.recovery.release(self._restored.file)
            self._restored = None

    def check_recovery(self) -> None:
        """Say if another window has unsaved changes to this document, and offer the
        copies crashed sessions left."""
        path = self.doc_path
        if path is not None and (others := self.recovery.others_editing(path)):
            self.notify(f"{path.name} is open with unsaved changes in {others} other lstm-tui "
                        "window(s).", severity="warning", timeout=10)
        self.offer_recovery(self.recovery.find(path))

    @work
    async def offer_recovery(self, found: list[Recovery]) -> None:
        for warning in self.recovery.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.recovery.warnings.clear()
        for number, copy in enumerate(found, 1):
            count = f" ({number} of {len(found)})" if len(found) > 1 else ""
            answer = await self.app.push_screen_wait(ChoiceScreen(
                f"Recover unsaved text?{count}",
                f"lstm-tui did not close cleanly. A recovery copy exists:\n{copy.describe()}\n\n"
                "Restore puts it in the editor (unsaved); Discard deletes the copy; "
                "Keep for later offers it again next time.",
                [("restore", "Restore", "primary"), ("discard", "Discard", "error"),
                 ("later", "Keep for later", "default")]))
            if answer == "restore":
                self._let_go_of_restored()
                self._restored = copy
                # An older version's copy may hold CRLF: the editor is given "\n" alone.
                self.editor.load_text(split_lines(copy.text).text)
                self.editor.move_cursor(self.editor.document.end)
                self._autosaved = self.editor.text  # the copy holds it; ours starts with the next edit
                self._update_doc_status()
                self.document_replaced()
            elif answer == "discard":
                self.recovery.discard_copy(copy.file)
            else:
                self.recovery.release(copy.file)
