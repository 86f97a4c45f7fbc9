"""LstmTuiApp: the writing assistant. Built with its model loader injected, so tests
pass a tiny real model; torch is imported only inside the loader, in a worker
thread, so the editor is on screen and typeable while the model loads."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.reactive import var
from textual.screen import Screen
from textual.theme import Theme

from ..core.config import PRESETS
from ..paths import resolve_model
from ..plain import plain
from ..settings import Settings, folder_model, load_settings, save_settings
from .commands import app_commands
from .document_session import DocumentSession
from .messages import (
    BackToEditor,
    DocumentMoved,
    FolderModelsChanged,
    ModelChosen,
    ModelFailed,
    ModelLoaded,
    ModelRenamed,
    SettingsEdited,
    TrainingProgressed,
)
from .screens.dialogs import confirm
from .screens.editor import EditorScreen
from .screens.help import GROUPS, HelpScreen, bindings_of, key_label, palette_binding, screen_groups
from .screens.models import ModelsScreen
from .widgets.ghost import COLOR_SYSTEMS, ghost_color
from .widgets.ghost_editor import GhostTextEditor
from .widgets.large_text import settle_heap
from .widgets.sampling_panel import SamplingPanel
from .workers import ModelLoader, default_loader, load_model_in_thread

if TYPE_CHECKING:
    from ..api import LanguageModel


class LstmTuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "lstm-tui"
    BINDINGS = [
        # The Footer fits 80 columns: Accept, Save, Sampling, Learn, Models, Help; F1 lists
        # the rest (tests/tui/test_key_order.py).
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False,
                tooltip="quit (asks first if there are unsaved changes)"),
        Binding("f1", "help", "Help", id="help", tooltip="this help"),
        Binding("f3", "train", "Learn", id="train",
                tooltip="learn my writing: fine-tune the model on your own files and mail"),
        Binding("f4", "models", "Models", id="models", tooltip="models: switch, rename, delete"),
    ]
    # What the editor's status bar says of the app, watched by the editor screen:
    training_progress: var[str] = var("")  # "training 42%" while a run goes on (the training screen says)
    model_shown: var[tuple[str, str]] = var(("loading model\u2026", ""))  # the model's name or state; its device

    def __init__(self, file: str | Path | None = None, *, model: str | None = None,
                 device: str = "auto", model_loader: ModelLoader | None = None,
                 lm: LanguageModel | None = None, settings: Settings | None = None,
                 persist_settings: bool = True, autosave_seconds: float = 5.0) -> None:
        super().__init__()
        initial_file = Path(file).expanduser() if file else None
        self.startup_warnings: list[str] = []  # files of the app's own that were unusable
        self.settings = settings or load_settings(warnings=self.startup_warnings)
        self.persist_settings = persist_settings
        self.device = device
        self.model_loader = model_loader or default_loader(device)
        self.pinned_model = model  # --model: this session writes with it, whatever the folder
        self.unloadable: set[str | None] = set()  # folders' models that failed to load this session
        self.model_spec = self.spec_for(initial_file)  # the model asked for last
        # The model last written with or the folder's, not one asked for on the command
        # line: if it is gone or broken, the shipped one takes its place.
        self._spec_from_settings = model is None and self.model_spec is not None
        self.lm: LanguageModel | None = lm
        self.model_state = "" if lm else "loading model\u2026"  # why there is no model, if none
        self.editor_screen = EditorScreen(DocumentSession(), initial_file, autosave_seconds, id="editor-screen")
        self._loaded_spec = self.model_spec if lm else None  # what self.lm was asked for as
        self._switch: tuple[str | None, bool] | None = None  # a switch in progress: (spec, remember it)
        self.show_model_state()

    def get_default_screen(self) -> Screen:
        return self.editor_screen

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, and ``$ghost`` and ``$ghost-style``: the suggestion's
        colour and style, told from the text in this terminal's colours (256 or 16
        colours can round a muted grey onto the text's own colour)."""
        variables = super().get_css_variables()
        variables["ghost"], variables["ghost-style"] = variables.get("text-muted", "gray"), "italic"
        try:
            text, background = Color.parse(variables["foreground"]), Color.parse(variables["surface"])
        except (KeyError, ColorParseError):  # a theme without plain colours for them
            return variables
        if text.ansi is not None or background.a == 0:  # the terminal's own colours (ansi-*)
            variables["ghost"] = "ansi_bright_black"
            return variables
        ghost = ghost_color(text, background, COLOR_SYSTEMS.get(self.console.color_system or ""))
        if ghost is None:  # no colour of the palette between them: faint instead
            ghost, variables["ghost-style"] = text, "italic dim"
        variables["ghost"] = ghost.hex
        return variables

    def on_mount(self) -> None:
        for warning in self.startup_warnings:
            self.notify(warning, severity="warning", timeout=10)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.lm is None:
            self.load_model(self.model_spec)

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        # Every notification is plain text (widgets pass markup=True by default): they
        # carry file names, errors and model names, where "[/" is not markup.
        super().notify(plain(message, keep_newlines=True), title=plain(title), severity=severity,
                       timeout=timeout, markup=False)

    def action_help_quit(self) -> None:
        """Ctrl+C (copy where text is selected) says how to quit, as Textual's does, in
        plain text: Textual's own says it with markup, which notify shows as text."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key_label(key)} to quit the app.", title="Do you want to quit?")
                return

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from app_commands(self)

    # -- the model ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def load_model(self, spec: str | None) -> None:
        load_model_in_thread(self.model_loader, spec, self.post_message)

    def switch_model(self, spec: str | None, remember: bool = True) -> None:
        """Load another model in the background; the current one stays until it is ready.
        ``remember``: it becomes the model written with next time (outside bound folders)."""
        self.model_shown = (f"loading {spec or 'default'}\u2026", "")
        self.model_spec = spec
        self._switch = (spec, remember)
        self.load_model(spec)

    def spec_for(self, document: Path | None) -> str | None:
        """The model a document is written with: --model's, else its folder's (F4's
        "For this folder"), else the one last chosen."""
        if self.pinned_model is not None:
            return self.pinned_model
        bound = folder_model(self.settings.folder_models, document)
        return bound[1] if bound and bound[1] not in self.unloadable else self.settings.model

    def document_moved(self, document: Path | None) -> None:
        """The document now open is ``document``: write it with its folder's model."""
        spec = self.spec_for(document)
        if (spec or "default") != (self.model_spec or "default"):
            self.switch_model(spec, remember=False)
        else:
            self.show_model_state()

    @on(ModelLoaded)
    def _model_loaded(self, event: ModelLoaded) -> None:
        self.lm = event.lm
        self.model_state = ""
        self._loaded_spec = self.model_spec
        self._show_model(event.lm)
        settle_heap()
        if self._switch is not None:
            spec, remember = self._switch
            self._switch = None
            if remember:
                self.update_settings(model=None if spec in (None, "default") else spec)
            self.notify(f"Now writing with {event.lm.label}.", timeout=3)

    @on(ModelFailed)
    def _model_failed(self, event: ModelFailed) -> None:
        name = event.spec or "the default model"
        self._switch = None
        self.unloadable.add(event.spec)
        if self.lm is None and self._spec_from_settings and event.spec == self.model_spec:
            self._spec_from_settings = False
            if event.spec == self.settings.model and not resolve_model(event.spec).exists():
                self.update_settings(model=None)  # renamed or deleted: forget it
            self.notify(f"{event.error}\nWriting with the default model instead.",
                        title=f"Could not load {name}", severity="warning", timeout=10)
            self.model_spec = None
            self.load_model(None)
            return
        self.model_spec = self._loaded_spec  # still writing with the one before
        if self.lm is None:
            self.model_state = f"no model ({name} did not load)"
            self.model_shown = (self.model_state, "")
        else:
            self._show_model(self.lm)
        self.notify(f"{event.error}\nTrain a model with F3, or pick another with F4.",
                    title=f"Could not load {name}", severity="error", timeout=10)

    def _show_model(self, lm: LanguageModel) -> None:
        bound = folder_model(self.settings.folder_models, self.editor_screen.session.path)
        if bound and self.pinned_model is None and bound[1] == self.model_spec:
            self.model_shown = (f"{lm.label} (for {Path(bound[0]).name or bound[0]}/)", lm.device.type)
        else:
            self.model_shown = (lm.label, lm.device.type)

    @on(ModelRenamed)
    def _model_renamed(self, event: ModelRenamed) -> None:
        """The model in use, if F4 renamed it, goes by its new name and folder (the status
        bar, F3's "Build on", F4's mark)."""
        lm = self.lm
        if lm is None or lm.path is None or Path(lm.path).resolve() != event.old.resolve():
            return
        lm.bundle.path = event.new
        lm.bundle.card["name"] = event.name
        if self.model_spec == event.old.name:
            self.model_spec = self._loaded_spec = event.name
        self._show_model(lm)

    def show_model_state(self) -> None:
        if self.lm is not None:
            self._show_model(self.lm)
        else:
            self.model_shown = (self.model_state, "")

    # -- settings ------------------------------------------------------------------------------

    def update_settings(self, **changes: object) -> None:
        """Replace the settings (frozen) and save them; a failed save only warns."""
        self.settings = self.settings.replace(**changes)
        if self.persist_settings:
            try:
                save_settings(self.settings)
            except OSError as exc:
                self.notify(f"Settings not saved: {exc}", severity="warning", timeout=4)

    def apply_preset(self, name: str) -> None:
        self.editor_screen.query_one(SamplingPanel).show_config(PRESETS[name], name)
        self.editor_screen.sampling_changed(PRESETS[name])
        self.update_settings(sampling=PRESETS[name], preset=name)
        self.notify(f"Sampling preset: {name}", timeout=2)

    def _theme_changed(self, theme: Theme) -> None:
        if theme.name != self.settings.theme:
            self.update_settings(theme=theme.name)

    # -- what the screens ask for (messages.py): they call no method of the app -------------

    @on(SettingsEdited)
    def _settings_edited(self, event: SettingsEdited) -> None:
        self.update_settings(**event.changes)

    @on(DocumentMoved)
    def _document_moved(self, event: DocumentMoved) -> None:
        self.document_moved(event.path)

    @on(FolderModelsChanged)
    def _folder_models_changed(self, event: FolderModelsChanged) -> None:
        if event.tied is not None:
            self.unloadable.discard(event.tied)  # asked for again: tried again
        self.update_settings(folder_models=event.folder_models)
        self.document_moved(event.document)

    @on(ModelChosen)
    def _model_chosen(self, event: ModelChosen) -> None:
        self.switch_model(event.spec)
        self.switch_to_editor()

    @on(BackToEditor)
    def _back_to_editor(self) -> None:
        self.switch_to_editor()

    @on(TrainingProgressed)
    def _training_progressed(self, event: TrainingProgressed) -> None:
        self.training_progress = event.text

    # -- screens -------------------------------------------------------------------------------

    def switch_to_editor(self) -> None:
        while self.screen is not self.editor_screen and len(self.screen_stack) > 1:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The key to the panel on screen is left out of the footer (it has nothing to do
        there), so an 80-column footer keeps the rest whole."""
        return action != getattr(self.screen, "PANEL_ACTION", None)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            groups = screen_groups(type(self.screen))
            keys_of = (EditorScreen, GhostTextEditor) if groups is GROUPS else (type(self.screen),)
            bindings = bindings_of((type(self), *keys_of))
            self.push_screen(HelpScreen(bindings | {"command_palette": palette_binding(type(self))}, groups))

    def action_train(self) -> None:
        # On first use: its charts, forms and preview (50 modules) take 0.1 s off the editor's start.
        from .screens.train import TrainScreen

        if not self.is_screen_installed("train"):
            self.install_screen(TrainScreen(), "train")
        if self.screen is not self.get_screen("train"):
            self.switch_to_editor()
            self.push_screen("train")

    def action_models(self) -> None:
        if not isinstance(self.screen, ModelsScreen):
            self.switch_to_editor()
            self.push_screen(ModelsScreen(document=self.editor_screen.session.path))

    @work(exclusive=True, group="quit")
    async def action_quit(self) -> None:
        self.switch_to_editor()
        if not await self.editor_screen.settle_changes("Quit"):
            return
        training = self.get_screen("train") if self.is_screen_installed("train") else None
        if training is not None and training.running:
            question = confirm("Training is running", f"{training.progress_said()} Quit all the same? It stops "
                               "and keeps a checkpoint: Learn my writing (F3) resumes it next time.",
                               yes="Quit", no="Keep training", danger=True)
            if await self.push_screen_wait(question) != "yes":
                return
        self.editor_screen.close_document()
        self.exit(0)

    def on_unmount(self) -> None:
        gc.unfreeze()  # what settle_heap set aside is collectable again
        self.editor_screen.session.close()  # copies stay on disk (a clean quit removed its own first)
        if self.is_screen_installed("train"):
            self.get_screen("train").stop_child()


def run(file: str | None = None, model: str | None = None, device: str = "auto") -> int:
    """Open the editor (``lstm-tui [FILE]``); returns the exit code."""
    app = LstmTuiApp(file, model=model, device=device)
    result = app.run()
    return int(result or 0) if app.return_code in (0, None) else int(app.return_code)
