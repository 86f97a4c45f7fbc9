"""Fixtures for the TUI: an app around the tiny real model, with greedy sampling."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.settings import Settings
from tests.configs import ungated

# Greedy, short, no debounce, no learning from the document (the tiny model is shared
# between tests): suggestions are deterministic and quick.
GREEDY = ungated(temperature=0.0, top_k=1, top_p=1.0, repetition_penalty=1.5, max_tokens=8, seed=0)


@pytest.fixture
def settings() -> Settings:
    return Settings(sampling=GREEDY, preset="custom", debounce_ms=0, learn=False)


@pytest.fixture
def make_app(tiny_lm, settings):
    """Build the app with the tiny model already loaded (or a loader, to test loading)."""
    from lstm_tui.tui.app import LstmTuiApp

    def make(file: Path | str | None = None, **kwargs) -> LstmTuiApp:
        kwargs.setdefault("settings", settings)
        if "model_loader" not in kwargs:
            kwargs.setdefault("lm", tiny_lm)
        return LstmTuiApp(file, **kwargs)

    return make


@pytest.fixture(autouse=True)
def record_notices(monkeypatch):
    """Every message the app shows as a notification, in order, through the public
    ``App.notify`` that every widget's ``notify`` calls; read with ``notices(app)``."""
    from lstm_tui.tui.app import LstmTuiApp

    show = LstmTuiApp.notify

    def notify(self, message, *args, **kwargs):
        self.__dict__.setdefault("notices_shown", []).append(str(message))
        self.__dict__.setdefault("notice_kinds", []).append((kwargs.get("title", ""),
                                                             kwargs.get("severity", "information")))
        return show(self, message, *args, **kwargs)

    monkeypatch.setattr(LstmTuiApp, "notify", notify)


def notices(app) -> list[str]:
    return app.__dict__.get("notices_shown", [])


def notice_kinds(app) -> list[tuple[str, str]]:
    """(title, severity) of each notice shown."""
    return app.__dict__.get("notice_kinds", [])


async def settle(pilot) -> None:
    """Let workers finish and their messages land (a DirectoryTree's loader never ends,
    so it is left out)."""
    from textual.widgets import DirectoryTree

    for _ in range(2):
        workers = [w for w in pilot.app.workers if not isinstance(w.node, DirectoryTree)]
        if workers:  # an empty list would mean "all of them"
            await pilot.app.workers.wait_for_complete(workers)
        await pilot.pause()


async def autosave(pilot) -> None:
    """The autosave timer's work, now, and its recovery copy written (in a thread)."""
    app = pilot.app
    app.editor_screen.autosave()
    writes = [w for w in app.workers if w.group == "autosave"]
    if writes:
        await app.workers.wait_for_complete(writes)
    await pilot.pause()


def append(app, text: str) -> None:
    """Insert ``text`` at the end of the document (opening a file puts the cursor at its start)."""
    from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

    editor = app.query_one(GhostTextEditor)
    editor.insert(text, editor.document.end)
