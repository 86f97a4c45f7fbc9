"""SamplingPanel: presets and validated number fields for the next suggestion's config.

Every valid change builds a whole new frozen ``SamplingConfig`` (never mutating
the old one) and posts ``SamplingPanel.Changed``; the app applies and saves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.validation import Integer, Number
from textual.widgets import Input, Label, Select, Static

from ...core.config import PRESETS, SAMPLING_LIMITS, SamplingConfig


@dataclass(frozen=True)
class FieldSpec:
    name: str  # SamplingConfig field, or "debounce_ms"
    label: str
    kind: type  # int or float
    minimum: float
    maximum: float
    step: float
    help: str = ""  # the tooltip; "" takes the SamplingConfig field's own help

    @property
    def tooltip(self) -> str:
        return self.help or SamplingConfig.__dataclass_fields__[self.name].metadata["help"]


FIELDS = (
    FieldSpec("min_confidence", "Confidence", float, 0.0, 1.0, 0.05),
    FieldSpec("continue_confidence", "Keep going", float, 0.0, 1.0, 0.05),
    FieldSpec("document_cache", "Doc cache", float, 0.0, 0.95, 0.05),
    FieldSpec("temperature", "Temperature", float, 0.0, 3.0, 0.05),
    FieldSpec("top_k", "Top-k", int, 0, 1000, 5),
    FieldSpec("top_p", "Top-p", float, 0.01, 1.0, 0.05),
    FieldSpec("repetition_penalty", "Repetition", float, 0.5, 3.0, 0.05),
    FieldSpec("beam_width", "Beam width", int, 1, SAMPLING_LIMITS["beam_width"], 1),
    FieldSpec("num_alternatives", "Alternatives", int, 1, SAMPLING_LIMITS["num_alternatives"], 1),
    FieldSpec("max_tokens", "Max tokens", int, 1, SAMPLING_LIMITS["max_tokens"], 4),
    FieldSpec("debounce_ms", "Debounce ms", int, 0, 2000, 10, "pause in typing before a suggestion"),
)
HINT = ("A suggestion shows while the model is this sure of it: raise Confidence for fewer, surer "
        "ones. +/- or \u2191/\u2193 step a value; changes apply to the next suggestion and are saved.")
CHOICE_LABELS = {"preset": "Preset", "stop_at": "Stop", "line_breaks": "Line breaks"}
CHOICE_HELP = {"preset": "a set of values at once: suggest (sure words only), precise (beam search with "
                         "alternatives) or creative (sampled, always shown); an edit makes it custom",
               "stop_at": SamplingConfig.__dataclass_fields__["stop_at"].metadata["help"],
               "line_breaks": SamplingConfig.__dataclass_fields__["line_breaks"].metadata["help"]}
STOP_OPTIONS = [("no stop", "none"), ("at a newline", "newline"), ("at sentence end", "sentence")]
LINE_OPTIONS = [("as the document does", "document"), ("anywhere", "any")]
PRESET_OPTIONS = [(name, name) for name in PRESETS] + [("custom", "custom")]


LABELS = {spec.name: spec.label for spec in FIELDS}


def _fmt(value: float, kind: type) -> str:
    return str(int(value)) if kind is int else f"{value:.2f}".rstrip("0").rstrip(".") or "0"


class NumberField(Input):
    """A number input: +/- or Up/Down step it, and only values in range count."""

    def __init__(self, spec: FieldSpec, value: float) -> None:
        validator = (Integer if spec.kind is int else Number)(minimum=spec.minimum, maximum=spec.maximum)
        super().__init__(_fmt(value, spec.kind), id=f"field-{spec.name}", validators=[validator],
                         type="integer" if spec.kind is int else "number", tooltip=spec.tooltip,
                         compact=True)
        self.spec = spec

    def parsed(self) -> float | None:
        try:
            value = self.spec.kind(float(self.value))
        except ValueError:
            return None
        return value if self.spec.minimum <= value <= self.spec.maximum else None

    def step_by(self, direction: int) -> None:
        current = self.parsed()
        base = current if current is not None else self.spec.minimum
        value = min(self.spec.maximum, max(self.spec.minimum, base + direction * self.spec.step))
        self.value = _fmt(round(value, 4), self.spec.kind)
        self.cursor_position = len(self.value)

    async def _on_key(self, event: events.Key) -> None:
        steps = {"+": 1, "=": 1, "-": -1}
        if event.character in steps or event.key in ("up", "down"):
            event.stop()
            event.prevent_default()
            self.step_by(steps.get(event.character or "", 1 if event.key == "up" else -1))


class SamplingPanel(VerticalScroll):
    """The sidebar: a preset, the numbers, where suggestions stop. Esc closes it, and
    the writer's keys go back to the document (they went into a number field, which
    took none of them, and the panel stayed open)."""

    BINDINGS = [Binding("escape", "close", "Close", id="close_sampling", show=False)]

    class Closed(Message):
        """Esc in the panel: the screen hides it and gives the editor its keys back."""

    class Changed(Message):
        def __init__(self, config: SamplingConfig, preset: str, debounce_ms: int) -> None:
            super().__init__()
            self.config = config
            self.preset = preset
            self.debounce_ms = debounce_ms

    def __init__(self, config: SamplingConfig, preset: str, debounce_ms: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.preset = preset if preset in dict(PRESET_OPTIONS).values() else "custom"
        self.debounce_ms = debounce_ms
        self.model_gate: tuple[float, float] | None = None  # the model's own, if it has one

    def compose(self) -> ComposeResult:
        yield Static("Sampling", classes="panel-title")
        with Horizontal(classes="field"):
            yield Label(CHOICE_LABELS["preset"])
            yield Select(PRESET_OPTIONS, value=self.preset, allow_blank=False, id="preset", compact=True)
        for spec in FIELDS:
            with Horizontal(classes="field"):
                yield Label(spec.label)
                yield NumberField(spec, self._value(spec.name))
        with Horizontal(classes="field"):
            yield Label(CHOICE_LABELS["stop_at"])
            yield Select(STOP_OPTIONS, value=self.config.stop_at, allow_blank=False, id="stop_at",
                         compact=True)
        with Horizontal(classes="field"):
            yield Label(CHOICE_LABELS["line_breaks"])
            yield Select(LINE_OPTIONS, value=self.config.line_breaks, allow_blank=False, id="line_breaks",
                         compact=True, tooltip=CHOICE_HELP["line_breaks"])
        yield Static(HINT, classes="hint", id="sampling-hint", markup=False)
        yield Static("", classes="hint", id="model-gate", markup=False)

    def show_model_gate(self, gate: tuple[float, float] | None) -> None:
        """Say when the model's own gate (a personal model's) is in force instead of the
        two confidence fields: while they keep their defaults (SamplingConfig.for_model)."""
        self.model_gate = gate
        in_force = self.config.for_model(gate)
        said = "" if gate is None or in_force == self.config else (
            f"This model's own gate is in force: {LABELS['min_confidence']} {_fmt(gate[0], float)}, "
            f"{LABELS['continue_confidence']} {_fmt(gate[1], float)}, chosen on your writing. "
            "Set either field to use yours.")
        note = self.query_one("#model-gate", Static)
        note.update(said)
        note.display = bool(said)  # no blank line under the hint without it

    def _hint(self, text: str) -> None:
        self.query_one("#sampling-hint", Static).update(text)

    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        """The hint explains the field the keys go to."""
        widget = event.widget
        if isinstance(widget, NumberField):
            spec = widget.spec
            self._hint(f"{spec.label}: {spec.tooltip} ({_fmt(spec.minimum, spec.kind)} to "
                       f"{_fmt(spec.maximum, spec.kind)}). +/- or \u2191/\u2193 step it.")
        elif widget.id in CHOICE_HELP:
            self._hint(f"{CHOICE_LABELS[widget.id]}: {CHOICE_HELP[widget.id]}.")

    def action_close(self) -> None:
        self.post_message(self.Closed())

    def _value(self, name: str) -> float:
        return self.debounce_ms if name == "debounce_ms" else getattr(self.config, name)

    def show_config(self, config: SamplingConfig, preset: str) -> None:
        """Fill the fields from ``config`` without reporting it back as a change."""
        self.config, self.preset = config, preset
        with self.prevent(Input.Changed, Select.Changed):
            for spec in FIELDS:
                self.query_one(f"#field-{spec.name}", NumberField).value = _fmt(self._value(spec.name), spec.kind)
            self.query_one("#stop_at", Select).value = config.stop_at
            self.query_one("#line_breaks", Select).value = config.line_breaks
            self.query_one("#preset", Select).value = preset
        self.show_model_gate(self.model_gate)

    @on(Select.Changed, "#preset")
    def _preset_chosen(self, event: Select.Changed) -> None:
        if event.value in PRESETS:
            self.show_config(PRESETS[str(event.value)], str(event.value))
            self._report()

    @on(Select.Changed, "#stop_at, #line_breaks")
    def _choice_made(self, event: Select.Changed) -> None:
        self._apply(**{str(event.select.id): str(event.value)})

    @on(Input.Changed)
    def _number_changed(self, event: Input.Changed) -> None:
        field = event.input
        if not isinstance(field, NumberField):
            return
        event.stop()
        value = field.parsed()
        spec = field.spec
        if value is None:  # the validator marks it red; the last good value stays in force
            self._hint(f"{spec.label} takes {_fmt(spec.minimum, spec.kind)} to {_fmt(spec.maximum, spec.kind)}; "
                       f"{_fmt(self._value(spec.name), spec.kind)} is still in force.")
            return
        self._hint(f"{spec.label}: {spec.tooltip}.")
        if field.spec.name == "debounce_ms":
            self.debounce_ms = int(value)
            self._report()
        else:
            self._apply(**{field.spec.name: value})

    def _apply(self, **changes: object) -> None:
        try:
            config = self.config.replace(**changes)
        except ValueError as exc:
            self.notify(str(exc), severity="warning", timeout=3)
            return
        if config == self.config:
            return
        self.config = config
        self.preset = "custom"
        with self.prevent(Select.Changed):
            self.query_one("#preset", Select).value = "custom"
        self.show_model_gate(self.model_gate)
        self._report()

    def _report(self) -> None:
        self.post_message(self.Changed(self.config, self.preset, self.debounce_ms))
