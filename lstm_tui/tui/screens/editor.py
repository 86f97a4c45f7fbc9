"""EditorScreen: the writing surface, its ghost-text worker, the sampling sidebar and
the status bar. Document files (open, save, recovery) are handled by ``DocumentMixin``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from ..messages import ContinuationFailed, ContinuationFinished, ContinuationUpdated
from ..widgets.ghost_editor import GhostTextEditor
from ..widgets.sampling_panel import SamplingPanel
from ..widgets.status_bar import StatusBar
from ..workers import generate_continuation
from .document_mixin import DocumentMixin

if TYPE_CHECKING:
    from ...api import LanguageModel
    from ...core.config import SamplingConfig
    from ..app import LstmTuiApp


class EditorScreen(DocumentMixin, Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("f12,ctrl+shift+s", "save_as", "Save as", id="save_as", show=False),
        Binding("ctrl+o", "open", "Open", id="open"),
        Binding("ctrl+t", "toggle_auto", "Auto", id="toggle_auto"),
        Binding("f2", "toggle_sampling", "Sampling", id="toggle_sampling"),
    ]

    app: LstmTuiApp

    def compose(self) -> ComposeResult:
        s = self.app.settings
        with Horizontal(id="main"):
            yield GhostTextEditor(id="editor", debounce=s.debounce_ms / 1000, auto_suggest=s.auto_suggest,
                                  placeholder="Start writing. Suggestions appear as you type; Tab "
                                              "takes one. F1 lists the keys.")
            yield SamplingPanel(s.sampling, s.preset, s.debounce_ms, id="sampling", classes="hidden")
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
        self.status.set(auto=self.app.settings.auto_suggest)
        self.app.show_model_state()
        self.mount_document()

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
        self.generate(lm, event.request_id, event.context, self.app.settings.sampling)

    @work(thread=True, exclusive=True, group="suggest", exit_on_error=False)
    def generate(self, lm: LanguageModel, request_id: int, context: str, config: SamplingConfig) -> None:
        worker = get_current_worker()
        editor = self.editor

        def stale() -> bool:  # checked before every token
            return worker.is_cancelled or editor.request_id != request_id

        generate_continuation(lm, request_id, context, config, stale, self.post_message)

    @on(ContinuationUpdated)
    def _continuation_updated(self, event: ContinuationUpdated) -> None:
        self.editor.show_continuation(event.request_id, event.text)

    @on(ContinuationFinished)
    def _continuation_finished(self, event: ContinuationFinished) -> None:
        self.editor.finish_continuation(event.request_id, event.text, event.alternatives)
        if event.request_id == self.editor.request_id:
            self.status.set(latency_ms=None if event.latency is None else event.latency * 1000,
                            rate=event.rate)

    @on(ContinuationFailed)
    def _continuation_failed(self, event: ContinuationFailed) -> None:
        self.editor.fail_continuation(event.request_id)
        self.notify(f"The model failed: {event.error}", severity="error", timeout=6)

    @on(GhostTextEditor.GhostChanged)
    def _ghost_changed(self, event: GhostTextEditor.GhostChanged) -> None:
        self.status.set(alternative=(event.index, event.count), pending=event.pending)

    # -- settings ---------------------------------------------------------------------------

    @on(SamplingPanel.Changed)
    def _sampling_changed(self, event: SamplingPanel.Changed) -> None:
        self.editor.debounce = event.debounce_ms / 1000
        self.app.update_settings(sampling=event.config, preset=event.preset, debounce_ms=event.debounce_ms)

    def action_toggle_auto(self) -> None:
        auto = not self.editor.auto_suggest
        self.editor.auto_suggest = auto
        if not auto:
            self.editor.dismiss_ghost()
        self.status.set(auto=auto)
        self.app.update_settings(auto_suggest=auto)
        self.notify("Automatic suggestions on." if auto else "Automatic suggestions off; Ctrl+G asks for one.",
                    timeout=2)

    def action_toggle_sampling(self) -> None:
        panel = self.query_one("#sampling", SamplingPanel)
        panel.toggle_class("hidden")
        if panel.has_class("hidden"):
            self.editor.focus()
        else:
            panel.query_one("#preset").focus()

    def show_model(self, name: str, device: str = "") -> None:
        self.status.set(model=name, device=device)
