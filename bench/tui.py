"""TUI speed, driven by Textual's Pilot; prints one JSON object.

    python bench/tui.py [--keystrokes 40] [--no-training] [--documents page,1mb,20mb,longline]

- editable_seconds / model_ready_seconds: a fresh process from before the first
  lstm_tui import to the editor mounted and focused, and to the model loaded
  (the default bundle, or random weights of the default size if it is missing).
- ghost_*: keystroke to the first ghost character set in the editor (drawn on the
  next frame), with debounce 0 (the default: the pipeline itself) and with the
  default debounce if that is not 0.
- keystroke_*: keystroke to the character in the document, idle and while a
  training child process runs.
- open_<doc>_seconds: a fresh process from before the first lstm_tui import to the
  editor showing the whole document, focused (the model loads meanwhile).
- echo_<doc>_*: in that document (1 MB and 20 MB of prose hard-wrapped at 72 columns;
  one line of 100,000 characters; ``page``, 2.5 KB, for reference), keystroke to the
  frame that shows the character, typing at the end of the middle line with
  automatic suggestions on (the default settings: suggestions stream while typing
  goes on), ten keys a second, every tenth key Enter (in the long line, a space:
  typing stays in it); in the page also with automatic suggestions off, and beside
  a training child (echo_page_training) and with learning from the document (F5) on
  (echo_page_learning: a pass over the document every few seconds, on a thread).
User folders point at a temporary directory: nothing of yours is read or written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTUP_CHILD = r"""
import time, sys
t0 = time.perf_counter()
import asyncio
from lstm_tui.tui.app import LstmTuiApp

async def main():
    file = sys.argv[1] if len(sys.argv) > 1 else None
    end = tuple(map(int, sys.argv[2:4])) if file else None  # the document's end, once loaded
    app = LstmTuiApp(file, persist_settings=False)
    async with app.run_test(size=(120, 40)) as pilot:
        from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

        def editable():
            if not (app.screen.query(GhostTextEditor) and app.query_one(GhostTextEditor).has_focus):
                return False
            editor = app.query_one(GhostTextEditor)
            return end is None or (not editor.read_only and tuple(editor.document.end) == end)

        while not editable():
            await pilot.pause(0.002)
        editable = time.perf_counter() - t0
        while app.lm is None and not app.model_state.startswith("no model"):
            await pilot.pause(0.005)
        ready = time.perf_counter() - t0
        print(editable, ready, app.lm.name if app.lm else app.model_state)

asyncio.run(main())
"""


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(prefix: str, seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {f"{prefix}_p50_ms": round(statistics.median(ms), 2), f"{prefix}_p95_ms": round(_pct(ms, 0.95), 2),
            f"{prefix}_max_ms": round(max(ms), 2), f"{prefix}_n": len(ms)}


def startup(runs: int, file: Path | None = None) -> dict[str, object]:
    editable, ready, model = [], [], ""
    args = []
    if file is not None:
        text = file.read_text(encoding="utf-8")
        args = [str(file), str(text.count("\n")), str(len(text) - text.rfind("\n") - 1)]
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", STARTUP_CHILD, *args], capture_output=True, text=True,
                             check=True)
        e, r, model = out.stdout.split(maxsplit=2)
        editable.append(float(e))
        ready.append(float(r))
    return {"editable_seconds": round(statistics.median(editable), 3),
            "model_ready_seconds": round(statistics.median(ready), 3), "startup_runs": runs,
            "startup_model": model.strip()}


def load_lm():
    from lstm_tui.api import load_model
    from lstm_tui.core.errors import LstmTuiError

    try:
        return load_model(None, device="cpu")
    except LstmTuiError:
        from lstm_tui.benchmark import random_model

        return random_model("cpu")


async def ghost_latency(lm, keystrokes: int, debounce_ms: int) -> list[float]:
    from lstm_tui.benchmark import typing_text
    from lstm_tui.core.config import SamplingConfig
    from lstm_tui.settings import Settings
    from lstm_tui.tui.app import LstmTuiApp
    from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

    settings = Settings(sampling=SamplingConfig(max_tokens=12, seed=0), debounce_ms=debounce_ms)
    app = LstmTuiApp(lm=lm, settings=settings, persist_settings=False)
    text = typing_text(1000 + keystrokes)
    times: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        editor = app.query_one(GhostTextEditor)
        shown: list[float] = []
        render = editor._render_ghost

        def timed_render() -> None:  # the ghost is set for drawing (on the row or below it)
            render()
            if editor.ghost:
                shown.append(time.perf_counter())

        editor._render_ghost = timed_render  # type: ignore[method-assign]
        editor.insert(text[:1000])
        for char in text[1000:1000 + keystrokes]:
            await pilot.press("escape")
            await app.workers.wait_for_complete()
            shown.clear()
            started = time.perf_counter()
            await pilot.press({" ": "space", "\n": "enter"}.get(char, char))
            deadline = started + 3
            while not shown and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            if shown:
                times.append(shown[0] - started)
    return times


@contextlib.asynccontextmanager
async def training_child(on: bool):
    """A training child process running beside the app (when ``on``), as when a model
    trains from the training screen; yields a note of what it was doing."""
    from lstm_tui.benchmark import PASSAGE
    from lstm_tui.tui.training_child import TrainingChild, TrainRequest

    if not on:
        yield "idle"
        return
    corpus = Path(tempfile.mkdtemp()) / "corpus.txt"
    corpus.write_text(PASSAGE * 200, encoding="utf-8")
    child = TrainingChild(TrainRequest((str(corpus),), "bench-run", "default", "minutes", 3.0,
                                       ("--batch-size", "16", "--force")))
    await child.start()
    events = child.events()
    note = "training child started"
    async for event in events:  # wait until it is really training
        if event["event"] in ("progress", "error"):
            note = f"training child running ({event['event']})"
            break
    try:
        yield note
    finally:
        child.cancel()
        async for _ in events:
            pass
        await child.wait()


async def keystroke_latency(lm, keystrokes: int, training: bool) -> tuple[list[float], str]:
    from lstm_tui.benchmark import typing_text
    from lstm_tui.settings import Settings
    from lstm_tui.tui.app import LstmTuiApp
    from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

    app = LstmTuiApp(lm=lm, settings=Settings(), persist_settings=False)
    times: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot, training_child(training) as note:
        editor = app.query_one(GhostTextEditor)
        edited: list[float] = []
        original = editor.edit

        def timed_edit(edit):
            result = original(edit)
            edited.append(time.perf_counter())
            return result

        editor.edit = timed_edit  # type: ignore[method-assign]
        for char in typing_text(keystrokes):
            edited.clear()
            started = time.perf_counter()
            await pilot.press({" ": "space", "\n": "enter"}.get(char, char))
            if edited:
                times.append(edited[0] - started)
    return times, note


def document_text(kind: str) -> str:
    """The bench's documents: prose as a long text file has it, or one long line."""
    import textwrap

    from lstm_tui.benchmark import PASSAGE

    if kind == "page":  # for reference: what the size costs, over a page's echo
        return PASSAGE * 3
    if kind == "longline":
        return (PASSAGE.replace("\n", " ") * (100_000 // len(PASSAGE) + 1))[:100_000]
    size = {"1mb": 2**20, "20mb": 20 * 2**20}[kind]
    paragraphs = [textwrap.fill(p, 72) for p in PASSAGE.split("\n\n") if p.strip()]
    block = "\n\n".join(paragraphs) + "\n\n"
    return (block * (size // len(block) + 1))[:size]


async def document_echo(lm, file: Path, keystrokes: int, suggest: bool = True, training: bool = False,
                        line_breaks: bool = True, learn: bool = False,
                        notes: dict[str, object] | None = None) -> list[float]:
    """Keystroke to the frame showing it, in ``file``, typed at a quick typist's pace
    (every tenth key Enter, with ``line_breaks``), beside a training child if ``training``,
    with learning from the document (F5) on if ``learn``; ``notes`` gets the app's CPU
    seconds while typing and, when learning, its status."""
    from textual import events

    from lstm_tui.benchmark import typing_text
    from lstm_tui.settings import Settings
    from lstm_tui.tui.app import LstmTuiApp
    from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

    app = LstmTuiApp(file, lm=lm, settings=Settings(auto_suggest=suggest, learn=learn),
                       persist_settings=False)
    echoes: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        editor = app.query_one(GhostTextEditor)
        while tuple(editor.document.end) == (0, 0) or editor.read_only:
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        row = editor.document.line_count // 2
        editor.move_cursor((row, len(editor.document[row])))
        await pilot.pause()
        edited: list[float] = []
        frames: list[float] = []
        edit, display = editor.edit, app._display

        def timed_edit(change):
            result = edit(change)
            edited.append(time.perf_counter())
            return result

        def timed_display(screen, renderable):  # a frame is composed (headless: not written)
            display(screen, renderable)
            if edited and renderable is not None:
                frames.append(time.perf_counter())

        editor.edit = timed_edit  # type: ignore[method-assign]
        app._display = timed_display  # type: ignore[method-assign]
        async with training_child(training):  # then gone before the recovery copy is
            # discarded: an autosave while it stopped would leave one, offered to the next run
            cpu = time.process_time()
            for n, char in enumerate(typing_text(keystrokes).replace("\n", " "), 1):
                if n % 10 == 0:  # a line break now and then: every line below moves down
                    char = "\n" if line_breaks else " "
                edited.clear()
                frames.clear()
                started = time.perf_counter()
                # Straight to the driver, as a terminal's key arrives: Pilot's press would wait
                # for the app to fall idle, so for a streaming suggestion to end.
                key = {" ": "space", "\n": "enter"}.get(char, char)
                app._driver.send_message(events.Key(key, "\r" if char == "\n" else char))
                while not frames and time.perf_counter() - started < 30:
                    await asyncio.sleep(0.0005)
                if frames:
                    echoes.append(frames[0] - started)
                await asyncio.sleep(0.1)  # a quick typist's pace: suggestions stream between keys
            if notes is not None:
                notes["cpu_seconds"] = round(time.process_time() - cpu, 2)
                if learn:
                    notes["status"] = app.editor_screen.status.info.learning
        await app.workers.wait_for_complete()
        screen = app.editor_screen
        screen.session.recovery.discard(screen.session.path)  # not a crash: the next run is not offered it
    return echoes


def echo(lm, file: Path, keystrokes: int, name: str, result: dict[str, object], **options) -> None:
    """One echo measure into ``result``: its latencies, the app's CPU seconds while
    typing (all its threads; not a training child's) and what learning said, if on."""
    notes: dict[str, object] = {}
    result.update(_summary(name, asyncio.run(document_echo(lm, file, keystrokes, notes=notes, **options))))
    result.update({f"{name}_{key}": value for key, value in notes.items()})


def documents(lm, kinds: list[str], keystrokes: int, runs: int, training: bool) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="lstm-tui-bench-docs-"))
    result: dict[str, object] = {}
    for kind in kinds:
        file = folder / f"{kind}.txt"
        file.write_text(document_text(kind), encoding="utf-8")
        result[f"open_{kind}_seconds"] = startup(runs, file)["editable_seconds"]
        # In the long line, typing stays in it (a line break would move it to a short one).
        echo(lm, file, keystrokes, f"echo_{kind}", result, line_breaks=kind != "longline")
        if kind == "page":  # what the model's work costs the echo, and a training child beside it
            echo(lm, file, keystrokes, "echo_page_no_suggestions", result, suggest=False)
            if training:
                echo(lm, file, keystrokes, "echo_page_training", result, training=True)
            # Learning from the document (F5): a pass every few seconds on a thread of the
            # app; last, and forgotten after, so the other measures use the model as loaded.
            echo(lm, file, keystrokes, "echo_page_learning", result, learn=True)
            lm.forget()
    return result


def fresh_home() -> None:
    """User folders in a new temporary directory: nothing of yours is read or written,
    and nothing an earlier measure left is offered."""
    home = tempfile.mkdtemp(prefix="lstm-tui-bench-")
    for kind in ("DATA", "CONFIG", "CACHE"):
        os.environ[f"XDG_{kind}_HOME"] = os.path.join(home, kind.lower())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keystrokes", type=int, default=40)
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--no-training", action="store_true", help="skip the run with a training child")
    parser.add_argument("--documents", default="page,1mb,20mb,longline",
                        help="documents to open and type in (comma-separated; 'none' for none)")
    parser.add_argument("--only-documents", action="store_true", help="skip the other measures")
    args = parser.parse_args()
    fresh_home()
    result: dict[str, object] = {"cpu_count": os.cpu_count(), "load_average": os.getloadavg()[0]}
    if not args.only_documents:
        result.update(startup(args.startup_runs))
    lm = load_lm()
    result.update({"model": lm.name, "device": lm.device.type,
                   "parameters": lm.bundle.model.num_parameters()})
    kinds = [k for k in args.documents.split(",") if k and k != "none"]
    if kinds:
        result.update(documents(lm, kinds, args.keystrokes, args.startup_runs, not args.no_training))
    if args.only_documents:
        print(json.dumps(result, indent=2))
        return 0
    from lstm_tui.settings import Settings

    # Each measure starts as a first start does: the documents typed above left recent
    # files and recovery copies, which a start without a file offers (keys would go there).
    fresh_home()
    result.update(_summary("ghost_debounce0", asyncio.run(ghost_latency(lm, args.keystrokes, 0))))
    default = Settings().debounce_ms
    if default > 0:
        result[f"ghost_debounce{default}_note"] = "includes the debounce"
        result.update(_summary(f"ghost_debounce{default}",
                               asyncio.run(ghost_latency(lm, args.keystrokes, default))))
    fresh_home()
    idle, _ = asyncio.run(keystroke_latency(lm, args.keystrokes, training=False))
    result.update(_summary("keystroke_idle", idle))
    if not args.no_training:
        fresh_home()
        busy, note = asyncio.run(keystroke_latency(lm, args.keystrokes, training=True))
        result.update(_summary("keystroke_training", busy))
        result["keystroke_training_note"] = note
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
