"""Command palette (Ctrl+P) entries: every action of the app, by name."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from ..core.config import PRESETS
from ..plain import plain

RECENT_IN_PALETTE = 10  # recent documents listed in the palette (Ctrl+R lists them all)

if TYPE_CHECKING:
    from .app import LstmTuiApp


def app_commands(app: LstmTuiApp) -> Iterable[SystemCommand]:
    editor = app.editor_screen

    def on_editor(action: str, widget: bool = False):
        async def run() -> None:
            if app.screen is not editor:
                app.switch_to_editor()
            await (editor.editor if widget else editor).run_action(action)

        return run

    async def open_recent(path: Path) -> None:
        if app.screen is not editor:
            app.switch_to_editor()
        editor.run_worker(editor.open_another(path), group="document", exclusive=True)

    def cycle(step: int):
        async def run() -> None:
            if app.screen is not editor:
                app.switch_to_editor()
            editor.editor.action_cycle(step)  # not run_action: it says why when there is nothing to cycle

        return run

    yield SystemCommand("Accept suggestion", "Insert the whole ghost text (Tab)", on_editor("accept", True))
    yield SystemCommand("Accept next word", "Insert the ghost text's next word (Ctrl+Right)",
                        on_editor("accept_word", True))
    yield SystemCommand("Dismiss suggestion", "Hide the ghost text and stop generating (Esc)",
                        on_editor("dismiss", True))
    yield SystemCommand("Next alternative", "Show the next suggestion (Ctrl+N)",
                        cycle(1))
    yield SystemCommand("Previous alternative", "Show the previous suggestion (Ctrl+B)",
                        cycle(-1))
    yield SystemCommand("Suggest now", "Ask the model for a continuation at the cursor (Ctrl+G)",
                        on_editor("suggest", True))
    yield SystemCommand("Toggle automatic suggestions", "Suggest while typing, or only on Ctrl+G (Ctrl+T)",
                        on_editor("toggle_auto"))
    yield SystemCommand("Toggle learning from this document",
                        "Adapt suggestions to this document's names and style as you write (F5)",
                        on_editor("toggle_learning"))
    yield SystemCommand("Sampling panel", "Show or hide temperature, top-k, presets... (F2)",
                        on_editor("toggle_sampling"))
    for name in PRESETS:
        yield SystemCommand(f"Preset: {name}", f"Sample with the {name} preset",
                            lambda name=name: app.apply_preset(name))
    yield SystemCommand("Save", "Save the document (Ctrl+S)", on_editor("save"))
    yield SystemCommand("Save as", "Save the document under a new name (F12)", on_editor("save_as"))
    yield SystemCommand("Open file", "Open a text file (Ctrl+O)", on_editor("open"))
    yield SystemCommand("New document", "Start an untitled document", on_editor("new"))
    yield SystemCommand("Recent documents", "Pick a file opened lately (Ctrl+R)", on_editor("recent"))
    for recent in editor.session.recent_files()[:RECENT_IN_PALETTE]:
        yield SystemCommand(f"Open recent: {plain(recent.name)}", plain(str(recent)),
                            lambda path=recent: open_recent(path))
    yield SystemCommand("Find and replace", "Search the document, replace one or all (Ctrl+F)",
                        on_editor("find"))
    yield SystemCommand("Find next", "The next match of the find field (F8)", on_editor("find_next(True)"))
    yield SystemCommand("Find previous", "The previous match (Shift+F8)", on_editor("find_next(False)"))
    yield SystemCommand("Go to line", "Move the cursor to a line number (Ctrl+L)", on_editor("go_to_line"))
    yield SystemCommand("Go to the start", "Move the cursor to the start of the document (Ctrl+Home)",
                        on_editor("cursor_document_start", True))
    yield SystemCommand("Go to the end", "Move the cursor to the end of the document (Ctrl+End)",
                        on_editor("cursor_document_end", True))
    yield SystemCommand("Learn my writing", "Fine-tune the model on your own files, notes and mail (F3)",
                        app.action_train)
    yield SystemCommand("Train a model", "Fine-tune, or train from scratch, on your own files (F3)",
                        app.action_train)
    yield SystemCommand("Models", "Switch, rename or delete models (F4)", app.action_models)
    yield SystemCommand("Help", "List the keys (F1)", app.action_help)
    yield SystemCommand("Quit", "Quit lstm-tui (Ctrl+Q)", app.action_quit)
