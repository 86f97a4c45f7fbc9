"""TrainScreen: pick text, fine-tune or train from scratch, and watch it learn.

The run is a child process (``TrainingChild``); this screen reads its events and
shows progress, speed, ETA, live loss and validation charts, the latest sample and
skipped files. It stays installed, so a run goes on while you write (Esc).
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DirectoryTree,
    Footer,
    Input,
    Label,
    Log,
    OptionList,
    ProgressBar,
    RadioButton,
    RadioSet,
    Select,
    Sparkline,
    Static,
)

from ... import paths
from ...plain import plain
from ...core.events import log_lines
from ..training_child import STOPPED_EXIT, TrainingChild, TrainRequest

if TYPE_CHECKING:
    from ..app import LstmTuiApp

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".org", ".tex", ".text", ".adoc", ".fountain", ".html"}
BUDGETS = [("minutes", "minutes"), ("epochs", "epochs"), ("steps", "steps")]


class TextDirectoryTree(DirectoryTree):
    """Folders and text files only; hidden entries left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [p for p in paths if not p.name.startswith(".")
                and (p.is_dir() or p.suffix.lower() in TEXT_SUFFIXES)]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


class TrainScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Editor", id="back"),
        Binding("f5", "start", "Start", id="start_training"),
        Binding("f8", "cancel_training", "Cancel run", id="cancel_training"),
        Binding("f9", "use_model", "Use new model", id="use_model"),
        Binding("delete", "remove_path", "Remove path", id="remove_path", show=False),
    ]

    app: LstmTuiApp

    def __init__(self, root: Path | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.root = root or Path.cwd()
        self.selected: list[str] = []
        self.child: TrainingChild | None = None
        self.state = "idle"  # idle, running, done, stopped, failed
        self.output: str | None = None  # the finished model's folder
        self.name_last = ""
        self.losses: list[float] = []
        self.vals: list[float] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="train-body"):
            with Vertical(id="train-pick"):
                yield Static("Text to train on", classes="section-title")
                tree = TextDirectoryTree(self.root, id="train-tree")
                tree.root.set_label(self.root.name or str(self.root))
                yield tree
                with Horizontal(classes="path-row"):
                    yield Input(placeholder="a file or folder path, then Enter", id="train-path", compact=True)
                    yield Button("Add", id="add-path", compact=True)
                yield Label("Selected (Delete removes):")
                yield OptionList(id="train-selected")
            with VerticalScroll(id="train-run"):
                yield Static("Model", classes="section-title")
                with RadioSet(id="train-mode"):
                    yield RadioButton("Fine-tune the current model", value=True, id="mode-finetune")
                    yield RadioButton("Train from scratch (new tokenizer)", id="mode-scratch")
                with Horizontal(classes="field"):
                    yield Label("Name")
                    yield Input(placeholder="my-writing", id="train-name", compact=True)
                with Horizontal(classes="field"):
                    yield Label("Budget")
                    yield Input("10", type="number", id="train-budget", compact=True)
                    yield Select(BUDGETS, value="minutes", allow_blank=False, id="train-budget-kind", compact=True)
                with Horizontal(classes="field"):
                    yield Label("Extra options")
                    yield Input(placeholder="--batch-size 16 --seq-len 64", id="train-extra", compact=True)
                with Horizontal(classes="buttons"):
                    yield Button("Start (F5)", id="start", variant="primary")
                    yield Button("Cancel (F8)", id="cancel", variant="error", disabled=True)
                    yield Button("Use model (F9)", id="use", variant="success", classes="hidden")
                yield ProgressBar(total=1.0, show_eta=False, id="train-progress")
                yield Static("Not started.", id="train-stats")
                yield Label("Training loss")
                yield Sparkline([], id="loss-chart")
                yield Label("Validation bits per byte (lower is better)")
                yield Sparkline([], id="val-chart")
                yield Label("Latest sample")
                yield Static("", id="train-sample")
                yield Log(id="train-log", max_lines=500)
        yield Footer()

    def on_mount(self) -> None:
        lm = self.app.lm
        base = lm.name if lm else "model"
        self.query_one("#train-name", Input).value = f"{base}-tuned" if base != "default" else "my-writing"

    # -- choosing text ---------------------------------------------------------------------

    def add_path(self, raw: str) -> None:
        path = Path(raw).expanduser()
        if not path.exists():
            self.notify(f"{path}: no such file or folder.", severity="warning")
            return
        text = str(path.resolve())
        if text not in self.selected:
            self.selected.append(text)
            self.query_one("#train-selected", OptionList).add_option(self._display(path.resolve()))

    def _display(self, path: Path) -> str:
        """Short: relative to the tree's folder when inside it, else with ~ for home."""
        root = self.root.resolve()
        if path.is_relative_to(root):
            return str(Path(root.name) / path.relative_to(root))
        home = Path.home()
        return "~/" + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)

    @on(DirectoryTree.FileSelected)
    @on(DirectoryTree.DirectorySelected)
    def _tree_pick(self, event: DirectoryTree.FileSelected | DirectoryTree.DirectorySelected) -> None:
        if isinstance(event, DirectoryTree.DirectorySelected) and event.node is self.query_one(TextDirectoryTree).root:
            return
        self.query_one("#train-path", Input).value = str(event.path)

    @on(Input.Submitted, "#train-path")
    @on(Button.Pressed, "#add-path")
    def _add(self) -> None:
        field = self.query_one("#train-path", Input)
        if field.value.strip():
            self.add_path(field.value.strip())
            field.value = ""

    def action_remove_path(self) -> None:
        options = self.query_one("#train-selected", OptionList)
        if options.has_focus and options.highlighted is not None:
            del self.selected[options.highlighted]
            options.remove_option_at_index(options.highlighted)

    # -- running -------------------------------------------------------------------------------

    def build_request(self) -> TrainRequest | None:
        name = self.query_one("#train-name", Input).value.strip()
        try:
            paths.validate_name(name)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return None
        if (paths.user_models_dir() / name / "config.json").exists():
            self.notify(f"A model named {name!r} exists; choose another name.", severity="error")
            return None
        if not self.selected:
            self.notify("Add at least one file or folder of text first.", severity="error")
            return None
        try:
            budget = float(self.query_one("#train-budget", Input).value)
            extra = tuple(shlex.split(self.query_one("#train-extra", Input).value))
        except ValueError as exc:
            self.notify(f"Check the budget and extra options: {exc}", severity="error")
            return None
        if budget <= 0:
            self.notify("The budget must be more than zero.", severity="error")
            return None
        from_model = None
        if self.query_one("#mode-finetune", RadioButton).value:
            lm = self.app.lm
            if lm is None:
                self.notify("No model is loaded to fine-tune; train from scratch instead.", severity="error")
                return None
            from_model = str(lm.path) if lm.path else lm.name
        kind = str(self.query_one("#train-budget-kind", Select).value)
        return TrainRequest(tuple(self.selected), name, from_model, kind, budget, extra)

    def action_start(self) -> None:
        if self.child is not None and self.child.running:
            self.notify("A run is in progress; cancel it first (F8).", severity="warning")
            return
        if self.state == "stopped":
            request = TrainRequest((), self.name_last, resume=True)
        else:
            request = self.build_request()
        if request is not None:
            self.start(request)

    def start(self, request: TrainRequest) -> None:
        self.name_last = request.name
        self.losses, self.vals, self.output = [], [], None
        self.query_one("#loss-chart", Sparkline).data = []
        self.query_one("#val-chart", Sparkline).data = []
        self.query_one("#train-log", Log).write_line(
            ("resuming " if request.resume else "starting ") + shlex.join(["lstm-tui", "train", *request.arguments()]))
        self._set_state("running")
        self.run_child(request)

    @work(exclusive=True, group="training", exit_on_error=False)
    async def run_child(self, request: TrainRequest) -> None:
        from ...core.device import set_inference_threads

        child = self.child = TrainingChild(request)
        # Suggestions leave the child its cores; off this thread, since torch may not be
        # imported yet (the model still loading) and importing it takes seconds.
        await asyncio.to_thread(set_inference_threads, None, child.threads)
        try:
            await child.start()
            async for event in child.events():
                self.handle_event(event)
            code = await child.wait()
        finally:
            child.cancel()  # the app is closing: the child saves a checkpoint and stops
            set_inference_threads()
        if code not in (0, STOPPED_EXIT) and self.state == "running":
            tail = "\n".join(child.stderr_tail) or f"exit code {code}"
            self.fail(f"Training failed: {tail}")
        elif self.state == "running":
            self._set_state("done" if code == 0 else "stopped")

    def action_cancel_training(self) -> None:
        if self.child is not None and self.child.running:
            self.child.cancel()
            self.query_one("#train-stats", Static).update("Stopping: saving a checkpoint\u2026")

    def action_back(self) -> None:
        self.app.switch_to_editor()

    def stop_child(self) -> None:
        if self.child is not None:
            self.child.cancel()

    def action_use_model(self) -> None:
        if self.state != "done" or not self.output:
            self.notify("No finished model yet.", severity="warning")
            return
        self.app.switch_model(self.output)
        self.app.switch_to_editor()

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel_training()

    @on(Button.Pressed, "#use")
    def _use_pressed(self) -> None:
        self.action_use_model()

    def _set_state(self, state: str) -> None:
        self.state = state
        running = state == "running"
        self.query_one("#start", Button).disabled = running
        self.query_one("#start", Button).label = "Resume (F5)" if state == "stopped" else "Start (F5)"
        self.query_one("#cancel", Button).disabled = not running
        self.query_one("#use", Button).set_class(state != "done", "hidden")
        if not running:
            self.app.training_progress = ""

    def fail(self, message: str) -> None:
        self._set_state("failed")
        message = plain(message, keep_newlines=True)  # an error may quote anything
        self.query_one("#train-log", Log).write_line(message)
        self.query_one("#train-stats", Static).update(Text(message.splitlines()[0]))
        self.app.notify(message, title="Training failed", severity="error", timeout=10)

    # -- events from the child ----------------------------------------------------------

    def handle_event(self, e: dict[str, Any]) -> None:
        kind = e.get("event")
        log = self.query_one("#train-log", Log)
        stats = self.query_one("#train-stats", Static)
        for line in log_lines(e, parent_label="parent model"):
            log.write_line(plain(line))
        if kind == "progress":
            self.query_one("#train-progress", ProgressBar).update(progress=e["fraction"])
            self.losses = (self.losses + [e["loss"]])[-300:]
            self.query_one("#loss-chart", Sparkline).data = self.losses
            best = f"  best val {min(self.vals):.3f} bpb" if self.vals else ""
            stats.update(f"step {e['step']}  epoch {e['epoch']}  loss {e['loss']:.3f}  "
                         f"{e['tokens_per_second']:,.0f} tok/s  ETA {_duration(e.get('eta_seconds'))}{best}")
            self.app.training_progress = f"training {e['fraction']:.0%}"
        elif kind == "eval":
            if not e.get("parent"):
                self.vals.append(e["val_bpb"])
                self.query_one("#val-chart", Sparkline).data = list(self.vals)
        elif kind == "sample":
            # Model text, shown as text: "[/" in a sample is not markup.
            self.query_one("#train-sample", Static).update(Text(plain(e.get("text", ""), keep_newlines=True)))
        elif kind == "done" and not e.get("stopped"):
            self.output = e["output"]
            self._set_state("done")
            self.query_one("#train-progress", ProgressBar).update(progress=1.0)
            best = e.get("best_bpb")
            stats.update(f"Done: {self.name_last}" + (f", validation {best:.4f} bits/byte" if best else "")
                         + ". F9 writes with it.")
            self.app.notify(f"Model {self.name_last} is ready. F9 on the training screen (or the "
                            "Models screen) switches to it.", title="Training done", timeout=8)
        elif kind == "stopped":
            self._set_state("stopped")
            stats.update("Stopped; checkpoint saved. F5 resumes.")
        elif kind == "error":
            self.fail(f"Training failed: {e.get('message')}")
