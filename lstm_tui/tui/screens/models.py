"""ModelsScreen: the shipped default and your models, with their card facts;
switch to one, rename or delete it (the shipped default cannot be deleted).

Models are compared by what a fine-tune measured on the writer's own held-out text
("Keys saved": keystrokes saved on it, after and before); validation bits per byte is
only a detail, since each model's is on its own validation text.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...catalog import delete_model, list_models, rename_model
from ...core.errors import LstmTuiError
from ...plain import plain
from ...training_lock import trainer
from ..messages import BackToEditor, FolderModelsChanged, ModelChosen, ModelRenamed, SettingsEdited
from .dialogs import TextPromptScreen, confirm
from .help import key_label

if TYPE_CHECKING:
    from ...catalog import ModelEntry
    from ..app import LstmTuiApp

# Lists the models; a folder it cannot read is told to its argument, one line each.
Lister = Callable[[Callable[[str], None]], "list[ModelEntry]"]


def _catalog_lister(on_problem: Callable[[str], None]) -> list[ModelEntry]:
    return list_models(on_problem=on_problem)  # reads each bundle's JSON files: disk work, so in a thread


def names(entry: ModelEntry, spec: str | None) -> bool:
    """Whether a model spec (a setting's name or folder) means ``entry``."""
    if spec in (None, "default"):
        return entry.kind != "user"
    return spec == entry.name or Path(spec).expanduser().resolve() == entry.path.resolve()


def _spec(entry: ModelEntry) -> str:
    return entry.name if entry.kind == "user" else "default"


def _gain_line(entry: ModelEntry) -> str:
    gain = entry.gain
    if gain is None:
        if entry.parent:  # a fine-tune with too little held out to type on
            return ("On your writing: not measured (too little of your text was held out to type on; "
                    "a few thousand words of your own are enough).")
        return "On your writing: not measured (a fine-tune in F3 measures it on your held-out text)."
    return (f"On your writing: suggestions save {round(100 * gain.after)}% of keystrokes, "
            f"{round(100 * gain.before)}% with its parent ({gain.chars:,} characters of your held-out text). "
            + gain.gate_sentence()).rstrip()


MIXED_LINE = ("It writes together with the shipped model: each suggestion leans on whichever of the two "
              "has guessed the document better so far.")


class ModelsScreen(Screen):
    HELP_TITLE = "Models"
    PANEL_ACTION = "models"  # the app's key to this screen, left out of its footer
    BINDINGS = [
        Binding("escape", "back", "Editor", id="back", tooltip="back to the editor"),
        Binding("enter", "switch", "Write with it", id="switch_model", tooltip="write with the selected model"),
        Binding("r", "rename", "Rename", id="rename_model", show=False,  # said below the list, and in F1
                tooltip="rename the selected model"),
        Binding("d,delete", "delete", "Delete", id="delete_model", tooltip="delete the selected model (asks first)"),
        Binding("f", "bind_folder", "For this folder", id="bind_folder",
                tooltip="open the documents of the current document's folder with this model"),
    ]
    # The keys that act on the selected model, said under it (read from the bindings).
    KEYS_SAID = "; ".join(f"{key_label(b.key)}: {b.tooltip}" for b in BINDINGS if b.id != "back") + "."

    app: LstmTuiApp

    def __init__(self, lister: Lister | None = None, document: Path | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lister = lister or _catalog_lister
        self.document = document  # the editor's document, whose folder "For this folder" ties
        self.entries: list[ModelEntry] = []
        # The folders tied to models (folder -> spec), as this screen last set them: the
        # app takes each change a moment later (FolderModelsChanged, SettingsEdited).
        self.folder_models: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Static("Models", classes="section-title")
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=True, id="models-table")
        table.add_columns(" ", "Name", "Kind", "Keys saved", "For folder", "Params", "Size", "Created",
                          "Parent", "Trained on")
        yield table
        yield Static("Loading\u2026", id="model-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.folder_models = dict(self.app.settings.folder_models)
        self.query_one(DataTable).focus()
        self.refresh_list()

    @work(thread=True, exclusive=True, group="models", exit_on_error=False)
    def refresh_list(self, keep: str | None = None) -> None:
        def warn(problem: str) -> None:  # the shipped model and the others are listed all the same
            self.app.call_from_thread(self.notify, problem, severity="warning", timeout=10)

        try:
            entries = self.lister(warn)
        except Exception as exc:
            self.app.call_from_thread(self.notify, f"Could not list models: {exc}", severity="error")
            entries = []
        self.app.call_from_thread(self.show_entries, entries, keep)

    def _is_last_used(self, entry: ModelEntry) -> bool:
        """Whether the saved "last model" setting names ``entry``: by its name, or by
        its folder's path (a model trained in the app is switched to by path)."""
        last = self.app.settings.model
        return bool(last) and names(entry, last)

    def _folders(self, entry: ModelEntry) -> list[Path]:
        """The folders whose documents open with ``entry``."""
        return [Path(folder) for folder, spec in self.folder_models.items() if names(entry, spec)]

    def _is_current(self, entry: ModelEntry) -> bool:
        lm = self.app.lm
        return bool(lm and lm.path and Path(lm.path).resolve() == entry.path.resolve())

    def show_entries(self, entries: list[ModelEntry], keep: str | None = None) -> None:
        """List ``entries``, the cursor on the model named ``keep`` (else where it was)."""
        table = self.query_one(DataTable)
        was = self.current()
        keep = keep or (was.name if was else None)
        self.entries = entries
        table.clear()
        for e in entries:
            mark = Text("\u25cf", style="green") if self._is_current(e) else Text("")
            name = Text(plain(e.name), style="red" if e.error else "bold")
            # Text cells: a str cell is read as markup, and a card's fields may hold anything.
            folders = ", ".join(f"{p.name or p}/" for p in self._folders(e)) or "-"
            cells = (e.status, e.fmt_gain(), folders, e.fmt_params(), e.fmt_size(), e.created, e.parent or "-",
                     e.trained_on or "-")
            table.add_row(mark, name, *(Text(plain(c)) for c in cells), key=e.name)
        if not entries:
            self.query_one("#model-detail", Static).update(
                "No models yet. Train one on your own writing with F3.")
        else:
            names = [e.name for e in entries]
            if keep in names:
                table.move_cursor(row=names.index(keep))
            self._show_detail(table.cursor_row)

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_switch()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        entry = self.current()
        if entry is None:
            return
        # The keys right below the name: the lines after them are cut in a short terminal.
        lines = [f"{entry.name}  ({entry.kind})  {entry.path}", self.KEYS_SAID]
        if entry.error:
            lines.append(f"cannot be loaded: {entry.error}")
        if (stopped := entry.unfinished) is not None:
            lines.append(f"Unfinished: its training stopped at step {stopped.get('step', '?')}; "
                         f"it goes on with: {stopped.get('resume', 'lstm-tui train --resume')}")
        cfg = entry.config
        if cfg:
            lines.append(f"{cfg.get('num_layers', '?')} LSTM layers of {cfg.get('hidden_dim', '?')}, "
                         f"vocabulary {cfg.get('vocab_size', '?')}")
        lines.append(_gain_line(entry))
        if entry.mixed:
            lines.append(MIXED_LINE)
        for folder in self._folders(entry):
            lines.append(f"Documents in {folder} open with it.")
        if entry.val_bpb is not None:
            parent = entry.card.get("parent_val_bits_per_byte")
            was = f" (its parent: {parent:.3f})" if parent is not None else ""
            lines.append(f"Validation on its own validation text: {entry.val_bpb:.3f} bits/byte{was}; "
                         "not comparable between models trained on different text.")
        self.query_one("#model-detail", Static).update(Text(plain("\n".join(lines), keep_newlines=True)))

    async def _stop_training(self, name: str, pid: int) -> bool:
        """Ask the run training ``name`` to stop (as Ctrl+C does: after the step, saving
        a checkpoint), then at once; True when it has let go of the name."""
        for _ in range(2):  # the second signal stops it at once, after any write in progress
            try:
                if pid > 0:
                    os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            except OSError:
                return False  # another user's run: not ours to stop
            for _ in range(100):
                if trainer(name) is None:
                    return True
                await asyncio.sleep(0.1)
        return trainer(name) is None

    def current(self) -> ModelEntry | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row is None or table.cursor_row >= len(self.entries):
            return None
        return self.entries[table.cursor_row]

    # -- actions --------------------------------------------------------------------------

    def action_back(self) -> None:
        self.post_message(BackToEditor())

    def action_switch(self) -> None:
        entry = self.current()
        if entry is None:
            return
        if entry.error:
            self.notify(entry.error, title="This model cannot be loaded", severity="error")
            return
        self.post_message(ModelChosen(_spec(entry)))

    def action_bind_folder(self) -> None:
        """Tie the highlighted model to the current document's folder (or, if it is
        tied there already, untie it): documents under it open with that model."""
        entry = self.current()
        if entry is None:
            return
        document = self.document
        if document is None:
            self.notify("Save the document first: a model is tied to the folder a document is in.",
                        severity="warning")
            return
        if entry.error:
            self.notify(entry.error, title="This model cannot be loaded", severity="error")
            return
        folder = str(document.expanduser().resolve().parent)
        bindings = self.folder_models
        if folder in bindings and names(entry, bindings[folder]):
            del bindings[folder]
            tied = None
            message = f"Documents in {folder} no longer have a model of their own."
        else:
            bindings[folder] = tied = _spec(entry)
            message = f"Documents in {folder} now open with {entry.name}."
        self.post_message(FolderModelsChanged(dict(bindings), tied, document))
        self.notify(message)
        self.show_entries(self.entries)

    def _user_entry(self, done: str) -> ModelEntry | None:
        """The highlighted model if it is one of the user's (the shipped one cannot be
        renamed or deleted: say so)."""
        entry = self.current()
        if entry is not None and entry.kind != "user":
            self.notify(f"The shipped default model cannot be {done}.", severity="warning")
            return None
        return entry

    @work(exclusive=True, group="models-edit")
    async def action_rename(self) -> None:
        entry = self._user_entry("renamed")
        if entry is None:
            return
        new = await self.app.push_screen_wait(TextPromptScreen(f"Rename {entry.name} to", entry.name))
        if not new or new == entry.name:
            return
        try:
            moved = rename_model(entry.name, new)
        except (LstmTuiError, ValueError, OSError) as exc:
            self.notify(str(exc), title="Not renamed", severity="error")
            return
        self.post_message(ModelRenamed(entry.path, moved, new))  # before the list below is shown again
        changes: dict[str, object] = {}
        if self._is_last_used(entry):
            changes["model"] = new
        if self._folders(entry):  # the folders tied to it follow the new name
            self.folder_models = {folder: new if names(entry, spec) else spec
                                  for folder, spec in self.folder_models.items()}
            changes["folder_models"] = dict(self.folder_models)
        if changes:
            self.post_message(SettingsEdited(**changes))
        self.notify(f"Renamed {entry.name} to {new}.")
        self.refresh_list(keep=new)

    @work(exclusive=True, group="models-edit")
    async def action_delete(self) -> None:
        entry = self._user_entry("deleted")
        if entry is None:
            return
        if self._is_current(entry):
            self.notify("This model is in use; switch to another one first.", severity="warning")
            return
        running = trainer(entry.name)
        stopping = (f"\n\nA training run is writing it now (process {running}); deleting stops the run "
                    "first, or it would write the model again.") if running else ""
        answer = await self.app.push_screen_wait(confirm(
            "Delete model?", f"Delete {entry.name} ({entry.fmt_size()}) from {entry.path}? "
            f"This cannot be undone.{stopping}", yes="Stop the run and delete" if running else "Delete",
            danger=True))
        if answer != "yes":
            return
        try:
            if running and not await self._stop_training(entry.name, running):
                self.notify(f"The training run of {entry.name} (process {running}) did not stop, so the "
                            "model was not deleted; stop it, then delete.", title="Not deleted", severity="error")
                return
            delete_model(entry.name)
        except (LstmTuiError, OSError) as exc:
            self.notify(str(exc), title="Not deleted", severity="error")
            return
        changes: dict[str, object] = {}
        if self._is_last_used(entry):
            changes["model"] = None
        if self._folders(entry):  # its folders go back to the model written with elsewhere
            self.folder_models = {folder: spec for folder, spec in self.folder_models.items()
                                  if not names(entry, spec)}
            changes["folder_models"] = dict(self.folder_models)
        if changes:
            self.post_message(SettingsEdited(**changes))
        self.notify(f"Deleted {entry.name}.")
        self.refresh_list()
