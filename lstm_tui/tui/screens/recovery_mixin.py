"""The editor screen's recovery copies: this window's, written in the background
while there are unsaved changes, and those a crashed session left, offered back.

The copy is encoded and written in a thread, no more often than its last write took
ten times over, so a large document's copy never holds up typing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.widgets.text_area import Document

from ..line_endings import split_lines
from ..messages import RecoveryWritten
from ..recovery import Recovery, RecoveryStore
from .dialogs import ChoiceScreen

if TYPE_CHECKING:
    from ..widgets.ghost_editor import GhostTextEditor


class RecoveryMixin:
    """Mixed into EditorScreen through DocumentMixin, which provides the document state."""

    recovery: RecoveryStore
    _autosaved: tuple[object, int] | None = None  # (document, generation) the copy holds
    _autosave_busy = False  # a recovery copy is being written (in a thread)
    _next_autosave = 0.0  # time.monotonic() before which no copy is written
    _restored: Recovery | None = None  # a crashed session's copy now in the editor, unsaved
    AUTOSAVE_COST = 10  # a recovery copy is written at most once per this many times its last write

    if TYPE_CHECKING:
        editor: GhostTextEditor
        doc_path: Path | None
        modified: bool
        saved_text: str

    def autosave(self) -> None:
        """Keep this instance's recovery copy while there are unsaved changes (called
        every few seconds). It never touches a copy another instance left."""
        document = self.editor.document
        state = (document, getattr(document, "generation", None))
        if state == self._autosaved or self._autosave_busy or time.monotonic() < self._next_autosave:
            return
        if not self.modified:
            self.recovery.discard(self.doc_path)
        else:
            self._autosave_busy = True
            self._write_recovery(self.doc_path, list(document.lines), self.recovery.discards)
        self._autosaved = state if state[1] is not None else None

    @work(thread=True, group="autosave", exit_on_error=False, description="write the recovery copy")
    def _write_recovery(self, path: Path | None, lines: list[str], since: int) -> None:
        started = time.monotonic()
        try:
            self.recovery.write(path, lines, since)
        except OSError as exc:
            self.post_message(RecoveryWritten(time.monotonic() - started, str(exc)))
        else:
            self.post_message(RecoveryWritten(time.monotonic() - started, None))

    def on_recovery_written(self, event: RecoveryWritten) -> None:
        self._autosave_busy = False
        self._next_autosave = time.monotonic() + self.AUTOSAVE_COST * event.seconds
        if event.error:
            self._autosaved = None  # try again at the next tick
            self.notify(f"Could not write the recovery copy: {event.error}", severity="warning", timeout=5)

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

    async def _offer_to_move_aside(self, unreadable: list[tuple[Path, str]]) -> None:
        """Once: copies that cannot be read were warned about at every start, forever."""
        listed = "\n".join(f"{file.name}: {why}" for file, why in unreadable[:3])
        more = f"\n(and {len(unreadable) - 3} more)" if len(unreadable) > 3 else ""
        count = "1 recovery copy" if len(unreadable) == 1 else f"{len(unreadable)} recovery copies"
        answer = await self.app.push_screen_wait(ChoiceScreen(
            "Unreadable recovery copies",
            f"{count} could not be read, so nothing in them can be offered:\n{listed}{more}\n\n"
            "Move aside keeps them in a folder of their own, and they are not mentioned again; "
            "Leave asks again at the next start.",
            [("aside", "Move aside", "primary"), ("leave", "Leave", "default")]))
        if answer == "aside":
            aside = self.recovery.move_aside([file for file, _ in unreadable])
            self.notify(f"Moved to {aside}.", timeout=5)

    async def _replace_unsaved(self) -> bool:
        """Whether the writer agrees to put a copy in place of the editor's unsaved text
        (another copy restored a moment ago, say); that text's own copy is kept."""
        kept = ("Its recovery copy is kept and offered again at the next start."
                if self._restored is not None else "Replacing it loses it.")
        answer = await self.app.push_screen_wait(ChoiceScreen(
            "Replace the text in the editor?",
            f"The editor holds unsaved text. {kept}",
            [("replace", "Replace", "error"), ("keep", "Keep the editor's text", "primary")]))
        return answer == "replace"

    @work
    async def offer_recovery(self, found: list[Recovery]) -> None:
        for warning in self.recovery.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self.recovery.warnings.clear()
        if unreadable := self.recovery.unreadable[:]:
            self.recovery.unreadable.clear()
            await self._offer_to_move_aside(unreadable)
        for number, copy in enumerate(found, 1):
            count = f" ({number} of {len(found)})" if len(found) > 1 else ""
            answer = await self.app.push_screen_wait(ChoiceScreen(
                f"Recover unsaved text?{count}",
                f"lstm-tui did not close cleanly. A recovery copy exists:\n{copy.describe()}\n\n"
                "Restore puts it in the editor (unsaved); Discard deletes the copy; "
                "Keep for later offers it again next time.",
                [("restore", "Restore", "primary"), ("discard", "Discard", "error"),
                 ("later", "Keep for later", "default")]))
            if answer == "restore" and self.modified and not await self._replace_unsaved():
                answer = "later"
            if answer == "restore":
                self._let_go_of_restored()
                self._restored = copy
                # An older version's copy may hold CRLF: the editor is given "\n" alone.
                self.editor.load_text(split_lines(copy.text).text)
                self.editor.move_cursor(self.editor.document.end)
                document = self.editor.document  # the copy holds it; ours starts with the next edit
                self._autosaved = (document, getattr(document, "generation", None))
                self._document_loaded(saved_lines=Document(self.saved_text).lines)
                self.document_replaced()
            elif answer == "discard":
                self.recovery.discard_copy(copy.file)
            else:
                self.recovery.release(copy.file)
