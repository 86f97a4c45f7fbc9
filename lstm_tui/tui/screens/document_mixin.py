"""The editor screen's document: open, save, save as, autosaved recovery copies.

The user's text is sacred: saves are atomic, a file that cannot be decoded is never
loaded (so never overwritten), a file changed by another program is not saved over
without asking, and while there are unsaved changes this instance's own recovery
copy is written every few seconds and offered back after a crash (recovery_mixin.py).

Nothing here walks the whole document per keystroke: the counts come from the
document's own bookkeeping (widgets/large_text.py), "modified" is a comparison of line
lists that share their unchanged strings, done after a pause in typing, and the
recovery copy is encoded and written in a thread, no more often than its last write
took ten times over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content
from textual.timer import Timer
from textual.widgets import TextArea

from ...core.atomic import remove_stale_temp_files
from ...plain import plain
from ..documents import (
    DiskState,
    DocumentError,
    OpenedDocument,
    changed_on_disk,
    is_read_only,
    read_document,
    save_target,
    write_document,
    writes_in_place,
)
from ..line_endings import LineLayout, relayout, split_lines
from ..messages import WordsCounted
from ..recent import RecentDocuments
from ..recovery import RecoveryStore
from ..widgets.large_text import DocumentCounts, count_words, settle_heap
from ..widgets.prose_area import language_for
from .dialogs import ChoiceScreen, PathPromptScreen, RecentScreen
from .recovery_mixin import RecoveryMixin

if TYPE_CHECKING:
    from ..widgets.ghost_editor import GhostTextEditor
    from ..widgets.status_bar import StatusBar


class DocumentMixin(RecoveryMixin):
    """Mixed into EditorScreen, which provides ``editor``, ``status`` and ``app``."""

    doc_path: Path | None = None
    file_layout: LineLayout = split_lines("")  # the file as last read or saved
    disk: DiskState | None = None  # the file on disk when last read or saved
    recovery: RecoveryStore
    recent: RecentDocuments
    _saved_lines: list[str] = [""]  # the editor's lines when last loaded or saved
    _saved_state: tuple[object, int] | None = None  # (document, generation) when they were
    _base_words: int | None = None  # words of the document as loaded (None: being counted)
    _modified_timer: Timer | None = None
    SYNC_COUNT_LINES = 5000  # a loaded text with fewer lines is counted at once, not in a thread
    MODIFIED_CHECK_SECONDS = 0.3  # after this pause in typing, "modified" is checked exactly

    if TYPE_CHECKING:
        editor: GhostTextEditor
        status: StatusBar

    def mount_document(self) -> None:
        self.recovery = RecoveryStore()
        self.recent = RecentDocuments()
        file = self.app.initial_file
        if file is None or not self.load_path(file):
            self._document_loaded()
        if file is None and (recent := self.recent.existing()):
            names = ", ".join([plain(item.path.name) for item in recent[:3]] + ["\u2026"] * (len(recent) > 3))
            # Content, not a str: a str placeholder is read as markup, and "[b]" may be in a name.
            self.editor.placeholder = Content(f"{self.editor.placeholder} Ctrl+R reopens a recent file ({names}).")
        self.set_interval(self.app.autosave_seconds, self.autosave)
        self.check_recovery()

    def unmount_document(self) -> None:
        """The app is ending: copies stay on disk (a clean quit removed its own first)."""
        if hasattr(self, "recovery"):
            self.recovery.close()

    def remember_cursor(self) -> None:
        """Note where the cursor is in this document, for when it is opened again."""
        if self.doc_path is not None and hasattr(self, "recent"):
            self.recent.remember(self.doc_path, self.editor.cursor_location)

    @property
    def saved_text(self) -> str:
        return self.file_layout.text

    @property
    def modified(self) -> bool:
        # Unchanged lines are the same string objects: the comparison is by identity
        # for all but the edited ones.
        return self.editor.document.lines != self._saved_lines

    def _document_loaded(self, saved_lines: list[str] | None = None) -> None:
        """The editor holds a new text: count it, and take it (or ``saved_lines``) as saved."""
        document = self.editor.document
        self._mark_saved(saved_lines)
        self._base_words = None
        lines = list(document.lines)
        if len(lines) < self.SYNC_COUNT_LINES:
            self._base_words = count_words(lines)
        else:
            self._count_words(document, lines)
        self._update_doc_status()
        settle_heap()

    @work(thread=True, exclusive=True, group="count", exit_on_error=False,
          description="count the words of the loaded text")  # not the repr of every line
    def _count_words(self, document: object, lines: list[str]) -> None:
        self.post_message(WordsCounted(document, count_words(lines)))

    def on_words_counted(self, event: WordsCounted) -> None:
        if event.document is self.editor.document:
            self._base_words = event.words
            self._update_doc_status(exact=False)

    def _mark_saved(self, saved_lines: list[str] | None = None) -> None:
        """The editor's text is the saved one (or, given ``saved_lines``, that is)."""
        document = self.editor.document
        self._saved_lines = list(document.lines) if saved_lines is None else saved_lines
        generation = getattr(document, "generation", None)
        self._saved_state = (document, generation) if saved_lines is None and generation is not None else None

    def _looks_modified(self) -> bool:
        """Edited since the last load or save (an undo back to it still counts)."""
        document = self.editor.document
        return (document, getattr(document, "generation", None)) != self._saved_state

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
        self.editor.load_document(opened.text, language_for(path, len(opened.text)))
        self.editor.move_cursor((0, 0))
        row, column = self.recent.cursor_for(path) or (0, 0)  # where it was left last time
        self.editor.go_to_line(row + 1, column)
        self.recent.remember(path, self.editor.cursor_location)
        self._document_loaded()
        self.document_replaced()
        return True

    def _take(self, opened: OpenedDocument) -> None:
        self.file_layout, self.disk, self._autosaved = opened.layout, opened.disk, None

    def document_replaced(self) -> None:
        """The editor now holds another document (opened, or restored from a recovery
        copy); the screen drops what belonged to the last one."""

    def _update_doc_status(self, exact: bool = True) -> None:
        """The status bar's document part. ``exact``: compare with the saved text now
        (after loading or saving); otherwise any edit shows "modified" until the check
        that follows a pause in typing (an undo back to the saved text)."""
        document = self.editor.document
        if isinstance(document, DocumentCounts):
            words = None if self._base_words is None else self._base_words + document.word_delta
            chars = document.chars
        else:  # a document of another kind keeps no counts
            words, chars = None, None
        if not exact:  # typing: nothing that touches the disk or the whole text
            self.status.set(modified=self._looks_modified(), words=words, chars=chars)
            return
        name = self.doc_path.name if self.doc_path else "untitled"
        new = self.doc_path is None or not self.doc_path.exists()
        self.status.set(document=name, modified=self.modified, new=new, words=words, chars=chars)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # A plain name, not @on: the decorator needs a MessagePump class, not a mixin.
        self._update_doc_status(exact=False)
        if self._modified_timer is not None:
            self._modified_timer.stop()
        if self.MODIFIED_CHECK_SECONDS > 0:
            self._modified_timer = self.set_timer(self.MODIFIED_CHECK_SECONDS, self._update_doc_status)
        else:
            self.call_later(self._update_doc_status)

    # -- saving ---------------------------------------------------------------------------

    def save_to(self, path: Path) -> bool:
        text = self.editor.text
        # Saved over the same file, the lines keep their separators; a new file takes
        # the layout's line endings too.
        layout = relayout(self.file_layout, text)
        if writes_in_place(path):
            # Not atomic: a kill -9 in the middle would leave the file half-written. The
            # text being saved goes to the recovery copy first, which outlives that crash
            # and is offered back at the next start (a saved file's copy goes below).
            try:
                self.recovery.write(path, text)
            except OSError as exc:
                self.notify(f"{path} was not saved: its recovery copy could not be written first "
                            f"({exc.strerror or exc}).", title="Not saved", severity="error", timeout=12)
                return False
        try:
            self.disk = write_document(path, layout.content)
        except DocumentError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=12)
            return False
        moved = self.doc_path != path
        if moved:
            self.recovery.discard(self.doc_path)
            self.recent.remember(path, self.editor.cursor_location)
        self.doc_path, self.file_layout = path, layout
        if moved:
            self.app.document_moved(path)  # saved into a folder with a model of its own
        self._mark_saved()
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
        self._mark_saved()
        self._update_doc_status()

    async def save_as_flow(self) -> bool:
        start = self.doc_path.name if self.doc_path else ""
        root = self.doc_path.parent if self.doc_path else None
        path = await self.app.push_screen_wait(PathPromptScreen("Save as", start, root=root))
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
            await self.open_path(path)

    @work(exclusive=True, group="document")
    async def action_recent(self) -> None:
        documents = [item.path for item in self.recent.existing()]
        if not documents:
            self.notify("No recent documents yet: the files you open are listed here.", timeout=3)
            return
        path = await self.app.push_screen_wait(RecentScreen(documents))
        if path is not None:
            await self.open_another(path)

    async def open_another(self, path: Path) -> bool:
        """Open ``path`` after asking about unsaved changes (the palette's recent files)."""
        if not await self.settle_changes("Open another file"):
            return False
        return await self.open_path(path)

    async def open_path(self, path: Path) -> bool:
        """Open ``path`` in place of the current document (changes already settled);
        a path that does not exist is a new document only if the writer says so."""
        if not path.exists():
            answer = await self.app.push_screen_wait(ChoiceScreen(
                "No such file", f"{path} does not exist. Start a new document there? "
                "(The file is created when you save.)",
                [("new", "New document", "primary"), ("cancel", "Cancel", "default")]))
            if answer != "new":
                return False
        self.remember_cursor()
        self.recovery.discard(self.doc_path)
        self._let_go_of_restored()
        opened = self.load_path(path)
        self.check_recovery()
        return opened

    @work(exclusive=True, group="document")
    async def action_new(self) -> None:
        if not await self.settle_changes("New document"):
            return
        self.remember_cursor()
        self.recovery.discard(self.doc_path)
        self._let_go_of_restored()
        self.doc_path = None
        self._take(OpenedDocument(split_lines(""), None))
        self.editor.load_document("", None)
        self._document_loaded()
        self.document_replaced()

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
