"""Training events: each kind's fields in one place, their JSON lines (what the
training child writes and the app reads), and one line of plain text for each, the
same in the CLI and the TUI.

A run reports through ``TrainingRun.emit(kind, **fields)``; ``lstm-tui train --events
jsonl`` writes each as a line (``encode``) and the app reads them back (``decode``).
The types say which fields each kind has; ``check`` holds an event to them (the
tests hold every event a run emits to it), and ``decode`` turns a line it cannot
trust into a log line rather than a crash.
"""

import json  # no "from __future__ import annotations": TypedDict reads NotRequired at class creation
from types import UnionType
from typing import Any, Literal, NotRequired, TypedDict, Union, get_args, get_type_hints


class Files(TypedDict):
    event: Literal["files"]
    read: list[list[Any]]  # [path, bytes] of each file read
    unwrapped: NotRequired[list[str]]  # files whose hard-wrapped paragraphs were joined
    skipped: NotRequired[list[list[str]]]  # [path, why]


class Status(TypedDict):
    event: Literal["status"]
    message: str


class Log(TypedDict):
    event: Literal["log"]
    message: str


class Data(TypedDict):
    event: Literal["data"]
    train_tokens: int
    val_tokens: int
    vocab_size: int


class Start(TypedDict):
    event: Literal["start"]
    params: int
    device: str
    world_size: int
    budget: dict[str, float]
    steps_per_epoch: NotRequired[int]
    resumed: NotRequired[bool]


class Resumed(TypedDict):
    event: Literal["resumed"]
    step: int


class Progress(TypedDict):
    event: Literal["progress"]
    step: int
    epoch: int
    loss: float
    tokens_per_second: float
    fraction: float
    eta_seconds: NotRequired[float | None]


class Eval(TypedDict):
    event: Literal["eval"]
    step: int
    val_bpb: float
    best_bpb: float | None
    improved: bool
    parent: NotRequired[bool]  # the parent model's validation, before a fine-tune
    raw_bpb: NotRequired[float]  # with a moving average: the raw weights' ...
    average_bpb: NotRequired[float]  # ... and the average's


class Sample(TypedDict):
    event: Literal["sample"]
    step: int
    text: str


class Checkpoint(TypedDict):
    event: Literal["checkpoint"]
    step: int


class Measuring(TypedDict):
    event: Literal["measuring"]
    fraction: float  # of the closing measurement, before and after


class Gain(TypedDict):
    event: Literal["gain"]
    message: str  # what the writer gained, in plain words
    before: float
    after: float
    chars: int


class Done(TypedDict):
    event: Literal["done"]
    output: str
    best_bpb: float | None
    steps: int
    stopped: bool


class Stopped(TypedDict):
    event: Literal["stopped"]
    message: str
    resume: list[str]  # the command that goes on


class Error(TypedDict):
    event: Literal["error"]
    message: str


Event = (Files | Status | Log | Data | Start | Resumed | Progress | Eval | Sample | Checkpoint | Measuring | Gain
         | Done | Stopped | Error)
KINDS: dict[str, type] = {get_args(get_type_hints(t)["event"])[0]: t for t in get_args(Event)}


def _fits(value: Any, kind: Any) -> bool:
    if kind is Any:
        return True
    options = get_args(kind) if isinstance(kind, UnionType) or getattr(kind, "__origin__", None) is Union \
        else (kind,)
    for option in options:
        base = getattr(option, "__origin__", option)
        if option is type(None) and value is None:
            return True
        if base is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if base is int and isinstance(value, int) and not isinstance(value, bool):
            return True
        if base in (str, bool, list, dict) and isinstance(value, base):
            return True
    return False


def check(event: Any) -> list[str]:
    """What is wrong with ``event`` as its kind's type has it ([]: nothing)."""
    if not isinstance(event, dict) or event.get("event") not in KINDS:
        return [f"not an event of a known kind: {event!r:.80}"]
    kind = KINDS[event["event"]]
    hints = get_type_hints(kind)
    problems = [f"{event['event']}: no {key!r}" for key in kind.__required_keys__ if key not in event]
    for key, value in event.items():
        if key in hints and key != "event" and not _fits(value, hints[key]):
            problems.append(f"{event['event']}: {key!r} is {value!r:.40}")
    return problems


def encode(event: dict[str, Any]) -> str:
    """One line of JSON for ``event`` (text kept as it is, not escaped to ASCII)."""
    return json.dumps(event, ensure_ascii=False)


def decode(line: str) -> Event:
    """The event on a line the training child wrote. A line that is not one (a stray
    print, a newer kind, a field of the wrong type) comes back as a log line: shown,
    never trusted."""
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return Log(event="log", message=line)
    if check(event):
        return Log(event="log", message=line)
    return event


def eval_line(event: Eval, parent_label: str = "parent") -> str:
    """"step 600: validation 1.4979 bits/byte (raw 1.4979, average 1.4982) (best, saved)"."""
    label = parent_label if event.get("parent") else f"step {event['step']}"
    both = (f" (raw {event['raw_bpb']:.4f}, average {event['average_bpb']:.4f})"
            if "raw_bpb" in event else "")
    kept = " (best, saved)" if event.get("improved") else ""
    return f"{label}: validation {event['val_bpb']:.4f} bits/byte{both}{kept}"


def files_lines(event: Files) -> list[str]:
    """The lines for a "files" event: what was read, what was unwrapped, what was skipped."""
    read = event.get("read", [])
    lines = [f"read {len(read)} file{'s' * (len(read) != 1)} ({sum(s for _, s in read):,} bytes)"]
    if unwrapped := event.get("unwrapped", []):
        n = len(unwrapped)
        lines.append(f"joined the hard-wrapped lines of each paragraph in {n} file{'s' * (n != 1)} "
                     "(--keep-line-breaks keeps them)")
    lines += [f"skipped {path}: {why}" for path, why in event.get("skipped", [])]
    return lines


def budget_text(budget: dict[str, float]) -> str:
    """{"minutes": 2.0} -> "2 minutes"."""
    return ", ".join(f"{amount:g} {kind if amount != 1 else kind.rstrip('s')}" for kind, amount in budget.items())


def log_lines(event: Event, parent_label: str = "parent") -> list[str]:
    """What a training event adds to a log, as plain-text lines; [] for the events a
    display shows otherwise (progress, sample, done)."""
    kind = event.get("event")
    if kind == "files":
        return files_lines(event)
    if kind in ("status", "log", "stopped", "gain"):
        return [str(event.get("message", ""))]
    if kind == "data":
        return [f"{event['train_tokens']:,} training tokens, {event['val_tokens']:,} validation tokens, "
                f"vocabulary {event['vocab_size']}"]
    if kind == "start":
        world = f" x{event['world_size']}" if event.get("world_size", 1) > 1 else ""
        return [f"{event['params']:,} parameters on {event['device']}{world}; budget {budget_text(event['budget'])}"]
    if kind == "resumed":
        return [f"resumed at step {event['step']}"]
    if kind == "eval":
        return [eval_line(event, parent_label)]
    if kind == "checkpoint":
        return [f"checkpoint saved at step {event['step']}"]
    return []
