"""EditorScreen: the writing surface, its ghost-text worker, the sampling sidebar and
the status bar. Document files (open, save, recovery) are handled by ``DocumentMixin``."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from ..learning_queue import LearningQueue
from ..messages import (
    ContinuationFailed,
    ContinuationFinished,
    ContinuationUpdated,
    DocumentForgotten,
    DocumentLearned,
    LearningFailed,
)
from ..widgets.find_bar import FindBar
from ..widgets.ghost_editor import GhostTextEditor
from ..widgets.sampling_panel import SamplingPanel
from ..widgets.status_bar import StatusBar
from ..workers import forget_document, generate_continuation, learn_from_document
from .dialogs import TextPromptScreen
from .document_mixin import DocumentMixin
from .find_mixin import FindMixin

if TYPE_CHECKING:
    from ...api import LanguageModel
    from ...core.config import SamplingConfig
    from ..app import LstmTuiApp


def offers_alternatives(config: SamplingConfig) -> bool:
    """Whether a request makes more than one suggestion to cycle through (beam
    hypotheses or extra samples; see workers.generate_continuation)."""
    return config.num_alternatives > 1


class EditorScreen(DocumentMixin, FindMixin, Screen):
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

    app: LstmTuiApp

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
        self.app.show_model_state()
        self.watch(self.app, "training_progress", lambda progress: self.status.set(training=progress))
        self.learning = LearningQueue(lambda: self.app.lm, self.learn, self.forget)
        self.mount_document()
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
        self.app.update_settings(sampling=event.config, preset=event.preset, debounce_ms=event.debounce_ms)

    def sampling_changed(self, config: SamplingConfig) -> None:
        self.editor.dismiss_ghost()  # made with the settings before: not what these would show
        self.editor.offers_alternatives = offers_alternatives(config)

    def action_toggle_auto(self) -> None:
        auto = not self.editor.auto_suggest
        self.editor.auto_suggest = auto
        if not auto:
            self.editor.dismiss_ghost()
        self.status.set(auto=auto)
        self.app.update_settings(auto_suggest=auto)
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
        self.app.update_settings(learn=False)
        self.status.set(learning="")
        self.notify(f"Learning from the document stopped: {event.error}", severity="error", timeout=8)
        self.learning.failed(event.forgetting)  # suggestions go back to the model as loaded

    def document_replaced(self) -> None:
        """What was learned from the last document is forgotten; the new one is
        learned from next, if learning is on."""
        self.learning.forget()
        if self.app.settings.learn:
            self.status.set(learning="learning")
        self.app.document_moved(self.doc_path)  # a folder may have a model of its own

    def action_toggle_learning(self) -> None:
        on = not self.app.settings.learn
        self.app.update_settings(learn=on)
        self.status.set(learning="learning" if on else "")
        if on:
            self.learn_new_text()
            self.notify("Learning from this document: suggestions adapt to its names and style as you "
                        "write. The model on disk is not changed.", timeout=4)
        else:
            self.learning.forget()
            self.notify("Stopped learning; suggestions come from the model as loaded.", timeout=3)

    def show_model(self, name: str, device: str = "") -> None:
        self.status.set(model=name, device=device)
