"""Snapshots of every screen: fixed size, greedy sampling, no cursor blink, fixed speed figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.tui.widgets.ghost_editor import FOOTER_SETTLE_SECONDS, GhostTextEditor

from .conftest import settle

SIZE = (110, 32)


@pytest.fixture
def snap_app(make_app):
    def make():
        app = make_app()
        return app

    return make


async def _steady(pilot) -> None:
    app = pilot.app
    await pilot.pause()
    app.query_one(GhostTextEditor).cursor_blink = False
    await settle(pilot)
    app.editor_screen.status.set(latency_ms=12.0, rate=150.0)  # measured figures vary
    await pilot.pause()


def test_editor_with_ghost_text(snap_compare, snap_app):
    async def run_before(pilot) -> None:
        await pilot.pause()
        editor = pilot.app.query_one(GhostTextEditor)
        editor.cursor_blink = False
        editor.insert("The morning was grey and the road ran down to the rive")
        # The ghost for "rive" is let arrive and dismissed, so "r" always starts a fresh
        # one (had it arrived during the keypress, "r" would keep its rest instead).
        await settle(pilot)
        await pilot.press("escape", "r")
        await _steady(pilot)
        # What a ghost looks like, not what the tiny test model writes: the answer to the
        # request "r" made is given here.
        ghost = ", where the old mill stood."
        editor.finish_continuation(editor.request_id, ghost, [ghost])
        await pilot.pause(FOOTER_SETTLE_SECONDS + 0.1)  # the footer offers Tab once the ghost settles

    assert snap_compare(snap_app(), terminal_size=SIZE, run_before=run_before)


def test_sampling_panel(snap_compare, snap_app):
    async def run_before(pilot) -> None:
        await pilot.press("f2")
        await _steady(pilot)

    assert snap_compare(snap_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, snap_app):
    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(snap_app(), terminal_size=SIZE, run_before=run_before)


def test_train_screen(snap_compare, snap_app, tmp_path: Path):
    from lstm_tui.tui.screens.train import TrainScreen

    root = tmp_path / "writing"
    (root / "drafts").mkdir(parents=True)
    (root / "chapter1.md").write_text("It was a dark and stormy night.")
    (root / "notes.txt").write_text("notes")
    (root / "cover.png").write_bytes(b"\x89PNG")  # filtered out of the tree

    async def run_before(pilot) -> None:
        await _steady(pilot)
        pilot.app.install_screen(TrainScreen(root=root), "train")
        await pilot.press("f3")
        await pilot.pause()
        pilot.app.screen.add_path(str(root / "chapter1.md"))
        await settle(pilot)  # the preview, read in a thread
        pilot.app.screen.query_one("#train-selected").highlighted = None
        await pilot.pause()

    assert snap_compare(snap_app(), terminal_size=(110, 40), run_before=run_before)


def test_models_screen(snap_compare, snap_app):
    from lstm_tui.catalog import ModelEntry
    from lstm_tui.tui.screens.models import ModelsScreen

    card = {"val_bits_per_byte": 1.6234, "parameters": 7_300_000, "created": "2025-01-02T10:00:00",
            "data": {"files": 12, "bytes": 2_400_000}}
    config = {"num_layers": 2, "hidden_dim": 512, "vocab_size": 8000}
    entries = [
        ModelEntry("default", Path("/opt/lstm-tui/models/default"), "shipped", card, config, 30_000_000),
        ModelEntry("my-letters", Path("/home/me/.local/share/lstm-tui/models/my-letters"), "user",
                   {**card, "val_bits_per_byte": 1.41, "parent": "default", "created": "2025-02-03",
                    "writer_gain": {"before": 0.21, "after": 0.29, "precision_before": 0.52,
                                    "precision_after": 0.61, "chars": 2400}},
                   config, 30_100_000),
    ]

    async def run_before(pilot) -> None:
        await _steady(pilot)
        await pilot.app.push_screen(ModelsScreen(lister=lambda on_problem: entries))
        await settle(pilot)

    assert snap_compare(snap_app(), terminal_size=SIZE, run_before=run_before)
