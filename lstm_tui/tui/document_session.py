"""The life of the document in the editor: which file it is, how that file looks on
disk, whether the text is saved, its recovery copies, and the recent files.

The user's text is sacred: saves are atomic (documents.py), a file that cannot be
decoded is never loaded (so never overwritten), a file changed by another program is
not saved over without asking, and while there are unsaved changes this window's
recovery copy is written every few seconds and offered back after a crash
(recovery.py).

No widget here. The editor screen hands over the editor's lines and an ``EditState``
and asks the writer wherever a decision is theirs: this object says what it found
(``OutsideChange``, ``CopiesFound``) and does what was decided. Nothing walks the
whole text per keystroke: ``looks_modified`` compares edit counts, ``modified`` two
line lists that share their unchanged strings (done after a pause in typing), and a
recovery copy is encoded and written in a thread (``RecoveryWrite``), no more often
than its last write took ``AUTOSAVE_COST`` times over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..core.atomic import remove_stale_temp_files
from .documents import (
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
from .line_endings import LineLayout, relayout, split_lines
from .recent import RecentDocuments
from .recovery import Recovery, RecoveryStore

# The editor's document and its edit count (None: a document that keeps none, so
# never known to be unchanged): equal states mean the same text, unedited between.
EditState = tuple[object, int | None]


@dataclass(frozen=True)
class OutsideChange:
    """The file was changed by another program since the editor last read or saved it."""

    was: DiskState | None  # when last read or saved; None: it did not exist then
    now: DiskState

    def describe(self) -> str:
        was = f"was {self.was.describe()}, " if self.was else "did not exist, "
        return f"{was}now {self.now.describe()}"


@dataclass(frozen=True)
class Saved:
    """What a save did, to tell the writer."""

    moved: bool  # the document has another file now (Save As, or an untitled one's first save)
    others_editing: int  # other lstm-tui windows with unsaved changes to the file, not in this save


@dataclass(frozen=True)
class RecoveryWrite:
    """A recovery copy to write in a thread (``DocumentSession.write_copy``)."""

    path: Path | None  # the document it is a copy of
    lines: list[str]  # the editor's lines when it was taken
    since: int  # the store's discards then: a discard since (a save) drops the write


@dataclass(frozen=True)
class CopiesFound:
    """What a look for recovery copies found, to tell or ask the writer."""

    others_editing: int  # other running windows with unsaved changes to this document
    unreadable: list[tuple[Path, str]]  # copies that cannot be read, and why
    copies: list[Recovery]  # copies crashed sessions left, oldest first, held until decided


class DocumentSession:
    """The document the editor holds, from opening it to closing the app."""

    AUTOSAVE_COST = 10  # a recovery copy is written at most once per this many times its last write

    def __init__(self, recovery: RecoveryStore | None = None, recent: RecentDocuments | None = None) -> None:
        self.recovery = recovery or RecoveryStore()
        self.recent = recent or RecentDocuments()
        self.path: Path | None = None  # the file; None for an untitled document
        self.layout: LineLayout = split_lines("")  # the file as last read or saved
        self.disk: DiskState | None = None  # the file on disk when last read or saved
        self._saved_lines: list[str] = [""]  # the editor's lines when last loaded or saved
        self._saved_state: EditState | None = None  # the edit state they had, when known
        self._autosaved: EditState | None = None  # the edit state the recovery copy holds
        self._autosave_busy = False  # a recovery copy is being written (in a thread)
        self._next_autosave = 0.0  # time.monotonic() before which no copy is written
        self._restored: Recovery | None = None  # a crashed session's copy in the editor, unsaved

    # -- which document ------------------------------------------------------------------

    def open(self, path: Path) -> str:
        """Make ``path`` the document; its text, for the editor. DocumentError says
        why it cannot be opened (then nothing here changes)."""
        opened = read_document(path)
        self.path = path
        remove_stale_temp_files(save_target(path).parent)  # a killed save's, not the writer's
        self._take(opened)
        return opened.text

    def new(self) -> None:
        """An untitled document, empty."""
        self.path = None
        self._take(OpenedDocument(split_lines(""), None))

    def leave(self, cursor: tuple[int, int]) -> None:
        """The editor is about to hold another document (this one's changes settled):
        remember where the cursor was, remove this window's copy, and keep a restored
        copy, whose text leaves the editor unsaved, for a later start."""
        self.remember_cursor(cursor)
        self.recovery.discard(self.path)
        self._let_go_of_restored()

    def quit(self, cursor: tuple[int, int]) -> None:
        """The app ends with the changes settled: no copy of this window's is left."""
        self.recovery.discard(self.path)
        self.remember_cursor(cursor)

    def close(self) -> None:
        """The app is ending: copies stay on disk (a clean quit removed its own first)."""
        self.recovery.close()

    def _take(self, opened: OpenedDocument) -> None:
        self.layout, self.disk, self._autosaved = opened.layout, opened.disk, None

    # -- recent files ------------------------------------------------------------------------

    def recent_files(self) -> list[Path]:
        """Files opened lately that still exist, newest first."""
        return [item.path for item in self.recent.existing()]

    def cursor_left(self) -> tuple[int, int] | None:
        """Where the cursor was when this document was last left, if it was."""
        return None if self.path is None else self.recent.cursor_for(self.path)

    def remember_cursor(self, cursor: tuple[int, int]) -> None:
        """Note where the cursor is in this document, for when it is opened again."""
        if self.path is not None:
            self.recent.remember(self.path, cursor)

    # -- saved or not --------------------------------------------------------------------------

    def mark_saved(self, lines: list[str], state: EditState) -> None:
        """The editor's ``lines``, at ``state``, are the saved text (just loaded or saved)."""
        self._saved_lines = list(lines)
        self._saved_state = state if state[1] is not None else None

    def modified(self, lines: list[str]) -> bool:
        """Whether the editor's ``lines`` differ from the saved text."""
        # Unchanged lines are the same string objects: the comparison is by identity
        # for all but the edited ones.
        return lines != self._saved_lines

    def looks_modified(self, state: EditState) -> bool:
        """Edited since the last load or save (an undo back to it still counts): what
        the status bar says while the writer types, at no cost."""
        return state != self._saved_state

    # -- saving ------------------------------------------------------------------------------

    def outside_change(self) -> OutsideChange | None:
        """How another program changed the file since it was last read or saved, if it did."""
        if self.path is None:
            return None
        now = changed_on_disk(save_target(self.path), self.disk)
        return None if now is None else OutsideChange(self.disk, now)

    @staticmethod
    def read_only(path: Path) -> bool:
        """Whether saving to ``path`` would replace a read-only file."""
        return is_read_only(save_target(path))

    def save(self, path: Path, text: str, cursor: tuple[int, int]) -> Saved:
        """Save the editor's ``text`` to ``path``, which becomes the document's file.
        DocumentError says why it was not saved (then nothing here changes); the
        caller marks the editor's lines saved (``mark_saved``)."""
        # Saved over the same file, the lines keep their separators; a new file takes
        # the layout's line endings too.
        layout = relayout(self.layout, text)
        if writes_in_place(path):
            # Not atomic: a kill -9 in the middle would leave the file half-written. The
            # text being saved goes to the recovery copy first, which outlives that crash
            # and is offered back at the next start (a saved file's copy goes below).
            try:
                self.recovery.write(path, text)
            except OSError as exc:
                raise DocumentError(f"{path} was not saved: its recovery copy could not be written first "
                                    f"({exc.strerror or exc}).") from None
        self.disk = write_document(path, layout.content)
        moved = self.path != path
        if moved:
            self.recovery.discard(self.path)
            self.recent.remember(path, cursor)
        self.path, self.layout = path, layout
        self.recovery.discard(path)
        if self._restored is not None:  # the restored text is in the document now
            self.recovery.discard_copy(self._restored.file)
            self._restored = None
        self._autosaved = None
        return Saved(moved, self.recovery.others_editing(path))

    def reload(self) -> str:
        """The file's text as it is on disk now, taken as the saved one; DocumentError
        says why it cannot be read (then nothing here changes)."""
        opened = read_document(self.path)
        self._take(opened)
        return opened.text

    def discard_changes(self) -> None:
        """The writer discarded the unsaved text: a restored copy's text goes with it."""
        if self._restored is not None:
            self.recovery.discard_copy(self._restored.file)
            self._restored = None
            self._autosaved = None  # if the text stays after all (Open cancelled), copy it again

    # -- this window's recovery copy -------------------------------------------------------------

    def autosave(self, lines: list[str], state: EditState) -> RecoveryWrite | None:
        """Called every few seconds: the copy to write now (in a thread, then
        ``copy_written``), if one is due. Without unsaved changes this window's copy
        goes; a copy another window left is never touched."""
        if state == self._autosaved or self._autosave_busy or time.monotonic() < self._next_autosave:
            return None
        write = None
        if not self.modified(lines):
            self.recovery.discard(self.path)
        else:
            self._autosave_busy = True
            write = RecoveryWrite(self.path, list(lines), self.recovery.discards)
        self._autosaved = state if state[1] is not None else None
        return write

    def write_copy(self, write: RecoveryWrite) -> str | None:
        """Write the copy (safe in a thread); what went wrong, if anything."""
        try:
            self.recovery.write(write.path, write.lines, write.since)
        except OSError as exc:
            return str(exc)
        return None

    def copy_written(self, seconds: float, failed: bool) -> None:
        """The write ``autosave`` asked for ended after ``seconds``."""
        self._autosave_busy = False
        self._next_autosave = time.monotonic() + self.AUTOSAVE_COST * seconds
        if failed:
            self._autosaved = None  # try again at the next tick

    # -- copies crashed sessions left -----------------------------------------------------------

    def look_for_copies(self) -> CopiesFound:
        """Other windows editing this document, and the copies crashed sessions left
        of it; each copy found is held until it is restored, discarded or kept."""
        path = self.path
        others = self.recovery.others_editing(path) if path is not None else 0
        copies = self.recovery.find(path)
        unreadable = self.recovery.unreadable[:]
        self.recovery.unreadable.clear()
        return CopiesFound(others, unreadable, copies)

    def move_aside(self, files: list[Path]) -> Path:
        """Unreadable copies go to a folder of their own, not mentioned again; the folder."""
        return self.recovery.move_aside(files)

    @property
    def holds_restored_copy(self) -> bool:
        """A copy restored into the editor is not saved yet (its copy is kept till then)."""
        return self._restored is not None

    def restore(self, copy: Recovery) -> str:
        """Put ``copy`` in place of the editor's text, unsaved; the text for the editor,
        which then says where it holds it (``restored_as``)."""
        self._let_go_of_restored()
        self._restored = copy
        # An older version's copy may hold CRLF: the editor is given "\n" alone.
        return split_lines(copy.text).text

    def restored_as(self, state: EditState) -> None:
        """The restored text is in the editor at ``state``: the file's text is still the
        saved one, and the copy holds the editor's (a copy of ours starts with an edit)."""
        self._saved_lines, self._saved_state = list(self.layout.lines), None
        self._autosaved = state

    def discard_copy(self, copy: Recovery) -> None:
        """The writer discarded an offered copy: it is removed for good."""
        self.recovery.discard_copy(copy.file)

    def keep_copy(self, copy: Recovery) -> None:
        """Keep an offered copy for later: another start offers it again."""
        self.recovery.release(copy.file)

    def _let_go_of_restored(self) -> None:
        """Its text leaves the editor unsaved: keep the copy for a later start."""
        if self._restored is not None:
            self.recovery.release(self._restored.file)
            self._restored = None
