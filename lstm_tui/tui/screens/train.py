"""TrainScreen, "Learn my writing": choose the writer's files and mail, see what would
be read and a suggested budget, fine-tune (or train from scratch), watch it learn and
hear what it gained.

The run is a child process (``TrainingChild``); this screen reads its events and
shows progress, speed, ETA, loss and validation charts with labelled axes, the latest
sample and skipped files, and at the end keystrokes saved on the writer's held-out
text, before and after. It stays installed, so a run goes on while you write (Esc).
"""

from __future__ import annotations

import asyncio
import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Collapsible,
    Footer,
    Input,
    Label,
    ProgressBar,
    RadioButton,
    RadioSet,
    RichLog,
    Select,
    Static,
)

from ... import paths
from ...catalog import list_models
from ...core.events import Event, log_lines
from ...core.gain import WriterGain
from ...core.train_options import RUN_FILE
from ...plain import plain
from ...training_lock import trainer
from ..messages import BackToEditor, ModelChosen, SettingsEdited, TrainingProgressed
from ..train_form import TrainForm, form_request, next_name, storable
from ..training_child import STOPPED_EXIT, TrainingChild, TrainRequest
from ..widgets.chart import AxisChart
from ..widgets.preview_panel import PreviewPanel
from ..widgets.writing_sources import WritingSources

if TYPE_CHECKING:
    from ..app import LstmTuiApp

BUDGETS = [("minutes", "minutes"), ("epochs", "epochs"), ("steps", "steps")]
DEFAULT_BUDGET = "10"  # minutes, until a preview suggests a budget


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def _run_to_resume(name: str) -> Path | None:
    """The run file ``lstm-tui train --name NAME --resume`` goes on from, if it is there."""
    run = paths.runs_dir() / name / RUN_FILE
    return run if run.exists() else None


def _ordinal(n: int) -> str:
    """ "first" to "tenth", then "11th", "12th", "21st"."""
    words = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
    if n <= len(words):
        return words[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class TrainScreen(Screen):
    HELP_TITLE = "Learn my writing"
    PANEL_ACTION = "train"  # the app's key to this screen, left out of its footer
    BINDINGS = [
        Binding("escape", "back", "Editor", id="back",
                tooltip="back to the editor (training goes on while you write)"),
        Binding("f5", "start", "Start", id="start_training",
                tooltip="start training on the files and mail listed (or resume a stopped run)"),
        Binding("f8", "cancel_training", "Cancel", id="cancel_training",
                tooltip="cancel the run; what it learned so far is kept, and F5 resumes it"),
        Binding("f9", "use_model", "Use model", id="use_model", tooltip="write with the model just trained"),
        Binding("delete", "remove_path", "Remove path", id="remove_path", show=False,
                tooltip="take the selected folder or file off the list"),
    ]

    app: LstmTuiApp

    def __init__(self, root: Path | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.root = root or Path.cwd()
        self.child: TrainingChild | None = None
        self.state = "idle"  # idle, running, done, stopped, failed
        self.output: str | None = None  # the finished model's folder
        self.gain: WriterGain | None = None  # what the finished fine-tune measured
        self.name_last = ""
        self.name_default = ""  # the name field's value as last filled in (not typed)
        self.budget_default = DEFAULT_BUDGET  # the budget field's, likewise
        self.losses: list[float] = []
        self.loss_steps: list[int] = []
        self.vals: list[float] = []
        self.val_steps: list[int] = []
        self.best_val: float | None = None  # the run's own best validation (not the parent's)
        self.fraction = 0.0  # of the running run's budget

    def compose(self) -> ComposeResult:
        settings = self.app.settings
        with Horizontal(id="train-body"):
            yield WritingSources(self.root, settings.learn_paths, settings.learn_from_address, id="train-pick")
            with VerticalScroll(id="train-run"):
                yield Static("Learn my writing: what would be read", classes="section-title")
                yield PreviewPanel(id="learn-preview")
                yield Static("Model", classes="section-title")
                with RadioSet(id="train-mode"):
                    yield RadioButton("Build on the model in use (minutes)", value=True, id="mode-finetune")
                    yield RadioButton("A whole new model (hours)", id="mode-scratch")
                with Horizontal(classes="field"):
                    yield Label("Name")
                    yield Input(placeholder="my-writing", id="train-name", compact=True)
                with Horizontal(classes="field"):
                    yield Label("Budget")
                    yield Input(DEFAULT_BUDGET, type="number", id="train-budget", compact=True)
                    yield Select(BUDGETS, value="minutes", allow_blank=False, id="train-budget-kind", compact=True)
                with Collapsible(title="Advanced", collapsed=True, id="train-advanced"):
                    with Horizontal(classes="field"):
                        yield Label("Options")  # of `lstm-tui train`, for those who know them
                        yield Input(placeholder="as for lstm-tui train (--help lists them)", id="train-extra",
                                    compact=True)
                with Horizontal(classes="buttons"):
                    yield Button("Start (F5)", id="start", variant="primary")
                    yield Button("Cancel (F8)", id="cancel", variant="error", disabled=True)
                    yield Button("Use model (F9)", id="use", variant="success", classes="hidden")
                yield ProgressBar(total=1.0, show_eta=False, id="train-progress")
                yield Static("Not started.", id="train-stats")
                yield AxisChart("Validation", "bits per byte on your held-out text (lower is better)",
                                id="val-chart")
                yield AxisChart("Training loss", "on the text it learns from (lower is better)", id="loss-chart")
                yield Label("Latest sample")
                yield Static("", id="train-sample")
                # Long lines wrap (a Log cut them at its edge): plain Text, never markup.
                yield RichLog(id="train-log", max_lines=500, wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        # Tab goes from field to field: the scrolling column itself took the focus, and
        # what was typed then went nowhere (focusing a field scrolls it into view).
        self.query_one("#train-run", VerticalScroll).can_focus = False
        settings = self.app.settings  # the choice remembered from last time
        if settings.learn_budget:  # a preview's suggestion does not replace it
            self.query_one("#train-budget", Input).value = settings.learn_budget
        self.query_one(PreviewPanel).show_preview(settings.learn_paths, settings.learn_from_address)
        self._offer_unfinished_run()

    @work(thread=True, exclusive=True, group="unfinished", exit_on_error=False)
    def _offer_unfinished_run(self) -> None:
        """A run stopped before its end (the app was closed while it trained) is offered
        to resume: the newest of the writer's models that a stopped run left unfinished.
        Listing reads each model's files: in a thread, so the screen opens at once."""
        entries = list_models(on_problem=lambda problem: None)  # F4 says what cannot be read
        stopped = [(run.stat().st_mtime, entry.name, entry.unfinished or {}) for entry in entries
                   if entry.kind == "user" and entry.unfinished and trainer(entry.name) is None
                   and (run := _run_to_resume(entry.name))]
        if stopped:
            _, name, where = max(stopped)
            self.app.call_from_thread(self._show_unfinished, name, where)

    def _show_unfinished(self, name: str, where: dict) -> None:
        field = self.query_one("#train-name", Input)
        if self.state != "idle" or field.value not in ("", self.name_default):
            return  # the writer began something else meanwhile
        self.name_last = self.name_default = name
        field.value = name
        self._set_state("stopped")
        self.query_one("#train-stats", Static).update(Text(plain(
            f"The training of {name} stopped at step {where.get('step', 0):,}, before its end: Resume (F5) "
            "goes on with it, with the budget it began with. Type another name to start a new model.")))

    def on_screen_resume(self) -> None:
        """Name the next model after the one in use (it is the parent of a fine-tune),
        unless a name was typed and not used yet."""
        lm = self.app.lm
        current = paths.DEFAULT_MODEL if lm is None else lm.label
        self.query_one("#mode-finetune", RadioButton).label = f"Build on {current} (minutes)"
        field = self.query_one("#train-name", Input)
        if self._resumes():  # the stopped run keeps its name, to be resumed
            return
        if field.value in ("", self.name_default) or (self.state == "done" and field.value == self.name_last):
            taken = lambda name: (paths.user_models_dir() / name).exists()
            field.value = self.name_default = next_name(current, taken)

    # -- choosing text ---------------------------------------------------------------------

    @property
    def selected(self) -> list[str]:
        return self.query_one(WritingSources).paths

    def add_path(self, raw: str) -> None:
        self.query_one(WritingSources).add_path(raw)

    def action_remove_path(self) -> None:
        self.query_one(WritingSources).remove_highlighted()

    @on(WritingSources.Changed)
    def sources_changed(self, event: WritingSources.Changed) -> None:
        """Remember the choice and preview it."""
        remembered = tuple(p for p in event.paths if storable(p))
        if (remembered, event.from_address) != (self.app.settings.learn_paths,
                                                self.app.settings.learn_from_address):
            self.post_message(SettingsEdited(learn_paths=remembered, learn_from_address=event.from_address))
        self.query_one(PreviewPanel).show_preview(event.paths, event.from_address)
        self.query_one("#train-run", VerticalScroll).scroll_home(animate=False)  # the new preview in sight

    @on(PreviewPanel.Ready)
    def _preview_ready(self, event: PreviewPanel.Ready) -> None:
        """Prefill the budget with the suggested minutes, unless the writer typed one."""
        field = self.query_one("#train-budget", Input)
        kind = self.query_one("#train-budget-kind", Select)
        if event.minutes and kind.value == "minutes" and field.value.strip() == self.budget_default:
            field.value = self.budget_default = str(event.minutes)

    # -- running -------------------------------------------------------------------------------

    def build_request(self) -> TrainRequest | None:
        """The run the form asks for, or None after saying what to fix."""
        lm = self.app.lm
        form = TrainForm(
            self.query_one("#train-name", Input).value, tuple(self.selected),
            self.query_one(WritingSources).from_address, self.query_one("#train-budget", Input).value,
            str(self.query_one("#train-budget-kind", Select).value), self.query_one("#train-extra", Input).value,
            fine_tune=self.query_one("#mode-finetune", RadioButton).value,
            current_model=(str(lm.path) if lm.path else lm.name) if lm else None)
        try:
            return form_request(form)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return None

    def action_start(self) -> None:
        if self.child is not None and self.child.running:
            self.notify("A run is in progress; cancel it first (F8).", severity="warning")
            return
        if self._resumes():
            request = TrainRequest((), self.name_last, resume=True)
        else:
            request = self.build_request()
        if request is not None:
            self.start(request)

    def _resumes(self) -> bool:
        """Whether F5 resumes the stopped run: its name is still in the form and its run
        is still there to resume (deleting the model in F4 removes it)."""
        return (self.state == "stopped" and self.query_one("#train-name", Input).value.strip() == self.name_last
                and _run_to_resume(self.name_last) is not None)

    @on(Input.Changed, "#train-name")
    def _name_changed(self) -> None:
        self.query_one("#start", Button).label = "Resume (F5)" if self._resumes() else "Start (F5)"

    @on(Input.Changed, "#train-budget")
    def _budget_changed(self, event: Input.Changed) -> None:
        """A budget the writer typed is remembered for next time."""
        typed = event.value.strip()
        minutes = self.query_one("#train-budget-kind", Select).value == "minutes"
        if minutes and typed and typed != self.budget_default and typed != self.app.settings.learn_budget:
            self.post_message(SettingsEdited(learn_budget=typed))

    @property
    def running(self) -> bool:
        return self.child is not None and self.child.running

    def progress_said(self) -> str:
        return f"{self.name_last} is {self.fraction:.0%} trained."

    def start(self, request: TrainRequest) -> None:
        self.name_last = request.name
        self.fraction = 0.0
        self.query_one("#train-stats", Static).update(Text(plain(
            ("Resuming " if request.resume else "Starting ") + f"{request.name}: reading your text\u2026")))
        self.losses, self.loss_steps, self.vals, self.val_steps = [], [], [], []
        self.best_val: float | None = None
        self.output, self.gain = None, None
        self.query_one("#train-stats", Static).remove_class("gain")
        self.query_one("#loss-chart", AxisChart).set_points([], [])
        self.query_one("#val-chart", AxisChart).set_points([], [])
        self.log_line(("resuming " if request.resume else "starting ")
                      + shlex.join(["lstm-tui", "train", *request.arguments()]))
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
        if child.ended_early and code not in (0, STOPPED_EXIT) and self.state == "running":
            self._set_state("idle")
            self.query_one("#train-stats", Static).update("Cancelled before training began; nothing to resume.")
        elif code not in (0, STOPPED_EXIT) and self.state == "running":
            tail = "\n".join(child.stderr_tail) or f"exit code {code}"
            self.fail(f"Training failed: {tail}")
        elif self.state == "running":
            self._set_state("done" if code == 0 else "stopped")

    def action_cancel_training(self) -> None:
        if self.child is not None and self.child.running:
            self.child.cancel()
            self.query_one("#train-stats", Static).update("Stopping: saving a checkpoint\u2026")

    def action_back(self) -> None:
        self.post_message(BackToEditor())

    def stop_child(self) -> None:
        if self.child is not None:
            self.child.cancel()

    def action_use_model(self) -> None:
        if self.state != "done" or not self.output:
            self.notify("No finished model yet.", severity="warning")
            return
        self.post_message(ModelChosen(self.output))

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
        self.query_one("#start", Button).label = "Resume (F5)" if self._resumes() else "Start (F5)"
        self.query_one("#cancel", Button).disabled = not running
        self.query_one("#use", Button).set_class(state != "done", "hidden")
        if not running:
            self.post_message(TrainingProgressed(""))

    def _say_gain(self, gain: WriterGain, stats: Static) -> None:
        """What the writer gained, in their words, is the result: said first and loudest;
        and when the new model does worse on their text, the advice to keep the old one."""
        if gain.helped:
            after = f"Model {self.name_last} is ready: Use model (F9) writes with it."
            note, title, severity = (f"{gain.sentence()} To write with {self.name_last}: Learn my writing (F3), "
                                     "then Use model (F9)."), "Learned your writing", "information"
        else:
            after = (f"Model {self.name_last} is kept in Models (F4) all the same; more of your text or "
                     "a longer budget may do better.")
            note, title, severity = gain.sentence(), "No gain on your writing", "warning"
        stats.update(Text(plain(f"{gain.said()}\n{after}", keep_newlines=True)))
        stats.add_class("gain")
        stats.scroll_visible()
        self.app.notify(note, title=title, severity=severity, timeout=12)

    def log_line(self, line: str) -> None:
        self.query_one("#train-log", RichLog).write(Text(plain(line, keep_newlines=True)))

    def fail(self, message: str) -> None:
        self._set_state("failed")
        message = plain(message, keep_newlines=True)  # an error may quote anything
        self.log_line(message)
        self.query_one("#train-stats", Static).update(Text(message.splitlines()[0]))
        self.app.notify(message, title="Training failed", severity="error", timeout=10)

    # -- events from the child ----------------------------------------------------------

    def handle_event(self, e: Event) -> None:
        kind = e.get("event")
        stats = self.query_one("#train-stats", Static)
        for line in log_lines(e, parent_label="parent model"):
            self.log_line(line)
        if kind == "progress":
            self.fraction = e["fraction"]
            self.query_one("#train-progress", ProgressBar).update(progress=e["fraction"])
            self.losses = (self.losses + [e["loss"]])[-300:]
            self.loss_steps = (self.loss_steps + [e["step"]])[-300:]
            self.query_one("#loss-chart", AxisChart).set_points(self.loss_steps, self.losses)
            best = f"  best validation {self.best_val:.3f}" if self.best_val is not None else ""
            stats.update(f"{e['fraction']:.0%} done, {_duration(e.get('eta_seconds'))} left  "
                         f"reading your text a {_ordinal(e['epoch'] + 1)} time  step {e['step']:,}  "
                         f"{e['tokens_per_second']:,.0f} tokens/s{best}")
            self.post_message(TrainingProgressed(f"training {e['fraction']:.0%}"))
        elif kind == "eval":
            # The parent's score is the chart's first point (step 0): where the run
            # started from, so even a short run that validates once draws a line.
            self.vals.append(e["val_bpb"])
            self.val_steps.append(e["step"])
            self.query_one("#val-chart", AxisChart).set_points(self.val_steps, self.vals)
            if not e.get("parent"):
                self.best_val = min(e["val_bpb"], self.best_val or math.inf)
        elif kind == "sample":
            # Model text, shown as text: "[/" in a sample is not markup.
            self.query_one("#train-sample", Static).update(Text(plain(e.get("text", ""), keep_newlines=True)))
        elif kind == "measuring":
            self.query_one("#train-progress", ProgressBar).update(progress=e["fraction"])
            stats.update(f"Measuring suggestions on your held-out text, before and after: {e['fraction']:.0%}")
            self.post_message(TrainingProgressed(f"measuring {e['fraction']:.0%}"))
        elif kind == "gain":
            self.gain = WriterGain.from_dict(e)
        elif kind == "done" and not e.get("stopped"):
            self.output = e["output"]
            self._set_state("done")
            self.query_one("#train-progress", ProgressBar).update(progress=1.0)
            if self.gain is not None:
                self._say_gain(self.gain, stats)
                return
            best, parent = e.get("best_bpb"), e.get("parent_bpb")
            if best is not None and parent is not None and best >= parent:
                # Too little of the writer's text was held out to measure keystrokes on,
                # yet the validation says it: the new model does worse there.
                said = (f"{self.name_last} did no better than the model it started from on your held-out "
                        f"text (validation {best:.3f} bits per byte, against {parent:.3f}): keep writing with "
                        "the one you have. More of your text would help.")
                stats.update(Text(plain(said + f"\nModel {self.name_last} is kept in Models (F4) all the same.",
                                        keep_newlines=True)))
                self.app.notify(said, title="No gain on your writing", severity="warning", timeout=12)
                return
            stats.update(f"Done: {self.name_last}" + (f", validation {best:.4f} bits/byte" if best else "")
                         + ". F9 writes with it.")
            self.app.notify(f"Model {self.name_last} is ready: Learn my writing (F3), then F9, "
                            "or Models (F4) switches to it.", title="Training done", timeout=8)
        elif kind == "stopped":
            self._set_state("stopped")
            stats.update(Text(plain(f"Stopped; checkpoint saved. Resume (F5) goes on with {self.name_last}; "
                                    "type another name to start a new model instead.")))
        elif kind == "error":
            self.fail(f"Training failed: {e.get('message')}")
