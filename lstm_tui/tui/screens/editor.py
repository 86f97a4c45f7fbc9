"""EditorScreen: the writing surface, its ghost-text worker, the sampling sidebar and
the status bar. The document's life (open, save, recovery, outside changes) is a
``DocumentSession`` the screen owns; the screen asks the writer where a decision is
theirs (document_questions.py) and keeps the editor and the status bar in step."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, TextArea
from textual.worker import get_current_worker

from ...plain import plain
from ..document_session import CopiesFound, DocumentSession, EditState, RecoveryWrite
from ..documents import DocumentError
from ..learning_queue import LearningQueue
from ..messages import (
    ContinuationFailed,
    ContinuationFinished,
    ContinuationUpdated,
    DocumentForgotten,
    DocumentLearned,
    DocumentMoved,
    LearningFailed,
    RecoveryWritten,
    SettingsEdited,
    WordsCounted,
)
from ..widgets.find_bar import FindBar
from ..widgets.ghost_editor import GhostTextEditor
from ..widgets.large_text import DocumentCounts, count_words, settle_heap
from ..widgets.prose_area import language_for
from ..widgets.sampling_panel import SamplingPanel
from ..widgets.status_bar import StatusBar
from ..workers import forget_document, generate_continuation, learn_from_document
from . import document_questions as ask
from .dialogs import PathPromptScreen, RecentScreen, TextPromptScreen
from .find_mixin import FindMixin

if TYPE_CHECKING:
    from ...api import LanguageModel
    from ...core.config import SamplingConfig
    from ..app import LstmTuiApp


def offers_alternatives(config: SamplingConfig) -> bool:
    """Whether a request makes more than one suggestion to cycle through (beam
    hypotheses or extra samples; see workers.generate_continuation)."""
    return config.num_alternatives > 1


class EditorScreen(FindMixin, Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save",
                tooltip="save (atomically; the file is created on first save)"),
        Binding("f12,ctrl+shift+s", "save_as", "Save as", id="save_as", show=False, tooltip="save as"),
        Binding("ctrl+o", "open", "Open", id="open", show=False,
                tooltip="open a file (typed paths start at the folder shown)"),
        Binding("ctrl+l", "go_to_line", "Go to line", id="go_to_line", show=False,
                tooltip="go to a line (12, or 12:5 for a column)"),
        Binding("ctrl+r", "recent", "Recent", id="recent", show=False,
                tooltip="recent documents (Ctrl+P, \"New document\" for a new one)"),
        # The footer is full: F1 lists these.
        Binding("ctrl+f", "find", "Find", id="find", show=False,
                tooltip="find and replace: Enter next, Up previous, Esc back"),
        Binding("f8", "find_next(True)", "Find next", id="find_next", show=False,
                tooltip="next match of the find field"),
        Binding("shift+f8", "find_next(False)", "Find previous", id="find_previous", show=False,
                tooltip="previous match of the find field"),
        Binding("ctrl+t", "toggle_auto", "Auto", id="toggle_auto", show=False,
                tooltip="automatic suggestions on or off"),
        Binding("f2", "toggle_sampling", "Sampling", id="toggle_sampling",
                tooltip="sampling panel: presets, temperature, top-k, top-p, ..."),
        Binding("f5", "toggle_learning", "Adapt", id="toggle_learning", show=False,
                tooltip="learn this document's names and style as you write"),
    ]
    LEARN_SECONDS = 3.0  # how often new text is learned while learning is on
    SYNC_COUNT_LINES = 5000  # a loaded text with fewer lines is counted at once, not in a thread
    MODIFIED_CHECK_SECONDS = 0.3  # after this pause in typing, "modified" is checked exactly

    app: LstmTuiApp

    def __init__(self, session: DocumentSession, file: Path | None = None, autosave_seconds: float = 5.0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.session = session  # the document's life: its file, saved or not, recovery copies
        self.initial_file = file  # opened on mount
        self.autosave_seconds = autosave_seconds  # how often the recovery copy is kept up to date
        self._base_words: int | None = None  # words of the document as loaded (None: being counted)
        self._modified_timer: Timer | None = None  # the exact "modified" check after a pause in typing
        self.learning = LearningQueue(lambda: self.app.lm, self.learn, self.forget)

    def compose(self) -> ComposeResult:
        s = self.app.settings
        with Horizontal(id="main"):
            yield GhostTextEditor(id="editor", debounce=s.debounce_ms / 1000, auto_suggest=s.auto_suggest,
                                  alternatives=offers_alternatives(s.sampling),
                                  placeholder="Start writing. Suggestions appear as you type; Tab "
                                              "takes one. F1 lists the keys.")
            yield SamplingPanel(s.sampling, s.preset, s.debounce_ms, id="sampling", classes="hidden")
        yield FindBar(id="find", classes="hidden")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def editor(self) -> GhostTextEditor:
        return self.query_one("#editor", GhostTextEditor)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    def on_mount(self) -> None:
        self.editor.focus()
        # The next alternative's key is off the Footer: the status bar says it with "2 of 4".
        cycle = next(b for b in GhostTextEditor.BINDINGS if b.id == "next_alternative")
        first = replace(cycle, key=cycle.key.split(",")[0])  # the Footer's choice, Ctrl+N
        self.status.set(auto=self.app.settings.auto_suggest, next_key=self.app.get_key_display(first))
        self.watch(self.app, "model_shown", lambda shown: self.show_model(*shown))
        self.watch(self.app, "training_progress", lambda progress: self.status.set(training=progress))
        file = self.initial_file
        if file is None or not self.load_path(file):
            self._document_loaded()
        if file is None and (recent := self.session.recent_files()):
            names = ", ".join([plain(path.name) for path in recent[:3]] + ["\u2026"] * (len(recent) > 3))
            # Content, not a str: a str placeholder is read as markup, and "[b]" may be in a name.
            self.editor.placeholder = Content(f"{self.editor.placeholder} Ctrl+R reopens a recent file ({names}).")
        self.set_interval(self.autosave_seconds, self.autosave)
        self.check_recovery()
        if self.app.settings.learn:
            self.status.set(learning="learning")
        self.set_interval(self.LEARN_SECONDS, self.learn_new_text)

    # -- suggestions ---------------------------------------------------------------------

    @on(GhostTextEditor.SuggestionRequested)
    def _suggestion_requested(self, event: GhostTextEditor.SuggestionRequested) -> None:
        lm = self.app.lm
        if lm is None:
            self.editor.fail_continuation(event.request_id)
            if not event.auto:
                self.notify(self.app.model_state or "The model is still loading.", severity="warning",
                            timeout=3)
            return
        self.generate(lm, event.request_id, event.context, self.app.settings.sampling, asked=not event.auto)

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False,
          description="generate a suggestion")  # a description: no repr of the context per key
    def generate(self, lm: LanguageModel, request_id: int, context: str, config: SamplingConfig,
                 asked: bool = False) -> None:
        worker = get_current_worker()
        editor = self.editor

        def stale() -> bool:  # checked before every token
            return worker.is_cancelled or editor.request_id != request_id

        generate_continuation(lm, request_id, context, config, stale, self.post_message, asked)

    @on(ContinuationUpdated)
    def _continuation_updated(self, event: ContinuationUpdated) -> None:
        self.editor.show_continuation(event.request_id, event.text, event.guess)

    @on(ContinuationFinished)
    def _continuation_finished(self, event: ContinuationFinished) -> None:
        self.editor.finish_continuation(event.request_id, event.text, event.alternatives, event.guess)
        if event.request_id == self.editor.request_id:
            # Nothing shown, or a guess on request: the suggestion policy held it back
            # (a quiet hint, not a notice).
            self.status.set(latency_ms=None if event.latency is None else event.latency * 1000,
                            rate=event.rate, unsure=event.guess or not event.text.strip())

    @on(ContinuationFailed)
    def _continuation_failed(self, event: ContinuationFailed) -> None:
        self.editor.fail_continuation(event.request_id)
        self.notify(f"The model failed: {event.error}", severity="error", timeout=6)

    @on(GhostTextEditor.GhostChanged)
    def _ghost_changed(self, event: GhostTextEditor.GhostChanged) -> None:
        ghost = event.status
        self.status.set(alternative=(ghost.index, ghost.count), pending=ghost.pending)

    # -- navigation ------------------------------------------------------------------------

    @work(exclusive=True, group="document")
    async def action_go_to_line(self) -> None:
        lines = self.editor.document.line_count
        value = await self.app.push_screen_wait(TextPromptScreen(
            "Go to line", placeholder=f"a line from 1 to {lines:,}, or line:column"))
        self.editor.focus()
        if value is None:
            return
        match = re.fullmatch(r"(\d+)\s*(?::\s*(\d+))?", value.strip())
        if match is None:
            self.notify(f"{value!r} is not a line number: type one such as 12, or 12:5 for a column.",
                        severity="warning", timeout=4)
            return
        self.editor.go_to_line(int(match[1]), int(match[2] or 1) - 1)

    # -- settings ---------------------------------------------------------------------------

    @on(SamplingPanel.Changed)
    def _sampling_changed(self, event: SamplingPanel.Changed) -> None:
        self.editor.debounce = event.debounce_ms / 1000
        self.sampling_changed(event.config)
        self.post_message(SettingsEdited(sampling=event.config, preset=event.preset, debounce_ms=event.debounce_ms))

    def sampling_changed(self, config: SamplingConfig) -> None:
        self.editor.dismiss_ghost()  # made with the settings before: not what these would show
        self.editor.offers_alternatives = offers_alternatives(config)

    def action_toggle_auto(self) -> None:
        auto = not self.editor.auto_suggest
        self.editor.auto_suggest = auto
        if not auto:
            self.editor.dismiss_ghost()
        self.status.set(auto=auto, unsure=False)  # what was held back is gone with its ghost
        self.post_message(SettingsEdited(auto_suggest=auto))
        self.notify("Automatic suggestions on." if auto else "Automatic suggestions off; Ctrl+G asks for one.",
                    timeout=2)

    @on(SamplingPanel.Closed)
    def _sampling_closed(self) -> None:
        self.query_one("#sampling", SamplingPanel).add_class("hidden")
        self.editor.focus()

    def action_toggle_sampling(self) -> None:
        panel = self.query_one("#sampling", SamplingPanel)
        panel.toggle_class("hidden")
        if panel.has_class("hidden"):
            self.editor.focus()
        else:
            panel.query_one("#preset").focus()

    # -- learning from the document -------------------------------------------------------
    # LearningQueue decides when a worker starts; these start them and report back.

    def learn_new_text(self) -> None:
        """Start a learning pass if learning is on and the text changed since the last."""
        if self.app.settings.learn:
            self.learning.learn(self.editor.document)

    @work(thread=True, group="learn", exit_on_error=False, description="learn from the document")
    def learn(self, lm: LanguageModel, text: str) -> None:
        worker = get_current_worker()
        learning = self.learning
        learn_from_document(lm, text, lambda: worker.is_cancelled or learning.forget_asked, self.post_message)

    @work(thread=True, group="learn", exit_on_error=False)
    def forget(self, lm: LanguageModel) -> None:
        forget_document(lm, self.post_message)

    @on(DocumentLearned)
    def _document_learned(self, event: DocumentLearned) -> None:
        if self.learning.pass_ended(event.lm, event.text) and self.app.settings.learn:
            words = len(event.text.split())  # what a writer counts; the pass counts tokens
            self.status.set(learning=f"learned {words:,} words" if event.total else "learning")

    @on(DocumentForgotten)
    def _document_forgotten(self, event: DocumentForgotten) -> None:
        self.learning.forget_ended()

    @on(LearningFailed)
    def _learning_failed(self, event: LearningFailed) -> None:
        self.post_message(SettingsEdited(learn=False))
        self.status.set(learning="")
        self.notify(f"Learning from the document stopped: {event.error}", severity="error", timeout=8)
        self.learning.failed(event.forgetting)  # suggestions go back to the model as loaded

    def document_replaced(self) -> None:
        """The editor holds another document (opened, new, or restored from a recovery
        copy): what was learned from the last one is forgotten, and the new one is
        learned from next, if learning is on."""
        self.learning.forget()
        if self.app.settings.learn:
            self.status.set(learning="learning")
        self.post_message(DocumentMoved(self.session.path))  # a folder may have a model of its own

    def action_toggle_learning(self) -> None:
        on = not self.app.settings.learn
        self.post_message(SettingsEdited(learn=on))
        self.status.set(learning="learning" if on else "")
        if on:
            self.learning.learn(self.editor.document)  # the app takes the new setting a moment later
            self.notify("Learning from this document: suggestions adapt to its names and style as you "
                        "write. The model on disk is not changed.", timeout=4)
        else:
            self.learning.forget()
            self.notify("Stopped learning; suggestions come from the model as loaded.", timeout=3)

    def show_model(self, name: str, device: str = "") -> None:
        self.status.set(model=name, device=device)
        lm = self.app.lm
        self.query_one(SamplingPanel).show_model_gate(None if lm is None else lm.gate)

    # -- the document: the editor and the status bar --------------------------------------

    def _edit_state(self) -> EditState:
        document = self.editor.document
        return (document, getattr(document, "generation", None))

    @property
    def modified(self) -> bool:
        """The editor's text differs from the saved one."""
        return self.session.modified(self.editor.document.lines)

    def _document_loaded(self, as_saved: bool = True) -> None:
        """The editor holds a new text: count it and, with ``as_saved``, take it as saved."""
        document = self.editor.document
        if as_saved:
            self.session.mark_saved(document.lines, self._edit_state())
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

    @on(WordsCounted)
    def _words_counted(self, event: WordsCounted) -> None:
        if event.document is self.editor.document:
            self._base_words = event.words
            self._update_doc_status(exact=False)

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
            self.status.set(modified=self.session.looks_modified(self._edit_state()), words=words, chars=chars)
            return
        path = self.session.path
        new = path is None or not path.exists()
        self.status.set(document=path.name if path else "untitled", modified=self.modified, new=new,
                        words=words, chars=chars)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._update_doc_status(exact=False)
        if self._modified_timer is not None:
            self._modified_timer.stop()
        if self.MODIFIED_CHECK_SECONDS > 0:
            self._modified_timer = self.set_timer(self.MODIFIED_CHECK_SECONDS, self._update_doc_status)
        else:
            self.call_later(self._update_doc_status)

    # -- the document: opening ----------------------------------------------------------------

    def load_path(self, path: Path) -> bool:
        try:
            text = self.session.open(path)
        except DocumentError as exc:
            self.notify(str(exc), title="Not opened", severity="error", timeout=12)
            self._update_doc_status()
            return False
        self.editor.load_document(text, language_for(path, len(text)))
        self.editor.move_cursor((0, 0))
        row, column = self.session.cursor_left() or (0, 0)  # where it was left last time
        self.editor.go_to_line(row + 1, column)
        self.session.remember_cursor(self.editor.cursor_location)
        self._document_loaded()
        self.document_replaced()
        return True

    @work(exclusive=True, group="document")
    async def action_open(self) -> None:
        if not await self.settle_changes("Open another file"):
            return
        root = self.session.path.parent if self.session.path else None
        path = await self.app.push_screen_wait(PathPromptScreen("Open", root=root))
        if path is not None:
            await self.open_path(path)

    @work(exclusive=True, group="document")
    async def action_recent(self) -> None:
        documents = self.session.recent_files()
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
        if not path.exists() and await self.app.push_screen_wait(ask.start_new_file(path)) != "new":
            return False
        self.session.leave(self.editor.cursor_location)
        opened = self.load_path(path)
        self.check_recovery()
        return opened

    @work(exclusive=True, group="document")
    async def action_new(self) -> None:
        if not await self.settle_changes("New document"):
            return
        self.session.leave(self.editor.cursor_location)
        self.session.new()
        self.editor.load_document("", None)
        self._document_loaded()
        self.document_replaced()

    async def settle_changes(self, doing: str) -> bool:
        """Ask about unsaved changes; True if it is fine to go on."""
        if not self.modified:
            return True
        name = self.session.path.name if self.session.path else "the untitled document"
        answer = await self.app.push_screen_wait(ask.save_changes_first(doing, name))
        if answer == "save":
            return await self.save_flow()
        if answer == "discard":
            self.session.discard_changes()
        return answer == "discard"

    def close_document(self) -> None:
        """The app quits, the changes settled: no recovery copy of this window's is left."""
        self.session.quit(self.editor.cursor_location)

    # -- the document: saving ----------------------------------------------------------------

    def save_to(self, path: Path) -> bool:
        try:
            saved = self.session.save(path, self.editor.text, self.editor.cursor_location)
        except DocumentError as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=12)
            return False
        if saved.moved:
            self.post_message(DocumentMoved(path))  # saved into a folder with a model of its own
        self.session.mark_saved(self.editor.document.lines, self._edit_state())
        self._update_doc_status()
        self.notify(f"Saved {path}", timeout=2)
        if saved.others_editing:
            self.notify(f"{path.name} has unsaved changes in {saved.others_editing} other lstm-tui "
                        "window(s); they are not in this save.", severity="warning", timeout=10)
        return True

    @work(exclusive=True, group="document")
    async def action_save(self) -> None:
        await self.save_flow()

    @work(exclusive=True, group="document")
    async def action_save_as(self) -> None:
        await self.save_as_flow()

    async def save_flow(self) -> bool:
        path = self.session.path
        if path is None:
            return await self.save_as_flow()
        if (change := self.session.outside_change()) is not None:
            answer = await self.app.push_screen_wait(ask.changed_on_disk(path, change))
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
        if not self.session.read_only(path):
            return True
        return await self.app.push_screen_wait(ask.replace_read_only(path)) == "yes"

    def reload_from_disk(self) -> None:
        """The file's text from disk, as one undoable edit: the writer's text is a Ctrl+Z away."""
        try:
            text = self.session.reload()
        except DocumentError as exc:
            self.notify(str(exc), title="Not reloaded", severity="error", timeout=12)
            return
        self.editor.replace(text, (0, 0), self.editor.document.end)
        self.session.mark_saved(self.editor.document.lines, self._edit_state())
        self._update_doc_status()

    async def save_as_flow(self) -> bool:
        current = self.session.path
        start = current.name if current else ""
        root = current.parent if current else None
        path = await self.app.push_screen_wait(PathPromptScreen("Save as", start, root=root))
        if path is None:
            return False
        if path.is_dir():
            self.notify(f"{path} is a folder; add a file name.", severity="error")
            return False
        if path.exists() and path != current:
            answer = await self.app.push_screen_wait(ask.replace_file(path))
            if answer != "yes" or not await self.confirm_read_only(path):
                return False
        elif path == current:
            return await self.save_flow()
        return self.save_to(path)

    # -- the document: recovery copies -----------------------------------------------------

    def autosave(self) -> None:
        """Keep this window's recovery copy while there are unsaved changes (called
        every few seconds); the copy is encoded and written in a thread."""
        write = self.session.autosave(self.editor.document.lines, self._edit_state())
        if write is not None:
            self._write_recovery(write)

    @work(thread=True, group="autosave", exit_on_error=False, description="write the recovery copy")
    def _write_recovery(self, write: RecoveryWrite) -> None:
        started = time.monotonic()
        error = self.session.write_copy(write)
        self.post_message(RecoveryWritten(time.monotonic() - started, error))

    @on(RecoveryWritten)
    def _recovery_written(self, event: RecoveryWritten) -> None:
        self.session.copy_written(event.seconds, failed=event.error is not None)
        if event.error:
            self.notify(f"Could not write the recovery copy: {event.error}", severity="warning", timeout=5)

    def check_recovery(self) -> None:
        """Say if another window has unsaved changes to this document, and offer the
        copies crashed sessions left."""
        found = self.session.look_for_copies()
        if found.others_editing:
            self.notify(f"{self.session.path.name} is open with unsaved changes in {found.others_editing} "
                        "other lstm-tui window(s).", severity="warning", timeout=10)
        self.offer_recovery(found)

    @work
    async def offer_recovery(self, found: CopiesFound) -> None:
        if found.unreadable:
            if await self.app.push_screen_wait(ask.move_aside_unreadable(found.unreadable)) == "aside":
                aside = self.session.move_aside([file for file, _ in found.unreadable])
                self.notify(f"Moved to {aside}.", timeout=5)
        for number, copy in enumerate(found.copies, 1):
            answer = await self.app.push_screen_wait(ask.restore_copy(copy, number, len(found.copies)))
            if answer == "restore" and self.modified:
                replace_it = ask.replace_unsaved(self.session.holds_restored_copy)
                if await self.app.push_screen_wait(replace_it) != "replace":
                    answer = "later"
            if answer == "restore":
                self.editor.load_text(self.session.restore(copy))
                self.editor.move_cursor(self.editor.document.end)
                self.session.restored_as(self._edit_state())
                self._document_loaded(as_saved=False)
                self.document_replaced()
            elif answer == "discard":
                self.session.discard_copy(copy)
            else:
                self.session.keep_copy(copy)
