"""The training panel runs a real child process; the models screen lists and manages bundles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lstm_tui import paths
from lstm_tui.tui.screens.models import MIXED_LINE, ModelsScreen
from lstm_tui.tui.screens.train import TrainScreen
from lstm_tui.tui.training_child import TrainRequest

from .conftest import settle

SMALL = "--batch-size 4 --seq-len 32"


def test_request_arguments():
    r = TrainRequest(("/a", "/b"), "mine", "/models/x", "steps", 3.0, ("--seq-len", "32"))
    assert r.arguments() == ["/a", "/b", "--name", "mine", "--from", "/models/x", "--steps", "3",
                             "--seq-len", "32"]
    assert TrainRequest((), "mine", resume=True).arguments() == ["--name", "mine", "--resume"]


async def fill_training_form(pilot, corpus: Path, name: str, kind: str, budget: str) -> TrainScreen:
    await pilot.press("f3")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, TrainScreen)
    screen.add_path(str(corpus))
    screen.query_one("#train-name").value = name
    screen.query_one("#train-budget").value = budget
    screen.query_one("#train-budget-kind").value = kind
    screen.query_one("#train-extra").value = SMALL
    await pilot.pause()
    return screen


async def test_training_runs_to_completion_and_the_model_is_selectable(make_app, tiny_corpus):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fill_training_form(pilot, tiny_corpus, "tuned", "steps", "3")
        await pilot.press("f5")
        await settle(pilot)
        assert screen.state == "done", screen.query_one("#train-log").lines
        assert (paths.user_models_dir() / "tuned" / "config.json").exists()
        assert screen.vals and screen.losses
        await pilot.press("f9")  # write with the new model
        await settle(pilot)
        assert app.screen is app.editor_screen
        assert app.lm.name == "tuned"
        assert app.settings.model == str(paths.user_models_dir() / "tuned")
        await pilot.press("f4")
        await settle(pilot)
        models = app.screen
        assert isinstance(models, ModelsScreen)
        names = [e.name for e in models.entries]
        assert "tuned" in names


async def test_training_progress_shows_in_the_editors_status_bar(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        screen.handle_event({"event": "progress", "fraction": 0.42, "loss": 2.5, "step": 3, "epoch": 1,
                             "tokens_per_second": 900.0})
        await pilot.pause()  # the screen's message reaches the app
        assert app.editor_screen.status.info.training == "training 42%"
        screen._set_state("stopped")
        await pilot.pause()
        assert app.editor_screen.status.info.training == ""


async def test_a_narrow_status_bar_keeps_training_and_the_suggestions_state(make_app):
    """At 80 columns the row was cut after "unsure": training's progress never showed."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.editor_screen.status
        status.set(document="a-rather-long-chapter-name.md", words=12345, chars=67890, latency_ms=7.0, rate=900.0,
                   unsure=True, learning="learned 1,204 words", training="training 42%")
        await pilot.pause()
        shown = status.render_info()
        assert shown.cell_len <= 78
        for kept in ("a-rather-long-chapter-name.md", "training 42%", "unsure"):
            assert kept in shown.plain, shown.plain
        assert "tok/s" not in shown.plain and "chars" not in shown.plain  # the first to go
    wide = make_app()
    async with wide.run_test(size=(200, 24)) as pilot:
        status = wide.editor_screen.status
        status.set(words=12345, chars=67890, latency_ms=7.0, rate=900.0, training="training 42%")
        await pilot.pause()
        assert "900 tok/s" in status.render_info().plain and "67,890 chars" in status.render_info().plain


@pytest.mark.slow
async def test_cancel_leaves_a_resumable_checkpoint(make_app, tiny_corpus):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fill_training_form(pilot, tiny_corpus, "stopme", "minutes", "5")
        await pilot.press("f5")
        while not screen.losses:  # wait for the first progress event
            await pilot.pause(0.05)
        await pilot.press("f8")
        await settle(pilot)
        assert screen.state == "stopped"
        assert (paths.runs_dir() / "stopme" / "checkpoint.pt").exists()
        assert str(screen.query_one("#start").label).startswith("Resume")


async def test_a_run_cancelled_before_it_listens_ends_at_once(tiny_corpus, tiny_bundle):
    # A SIGINT sent while the child still imported torch was lost where SIGINT is
    # ignored (an xdist worker): the run trained on for its whole budget.
    import asyncio
    import signal

    from lstm_tui.tui.training_child import TrainingChild

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the child
    try:
        child = TrainingChild(TrainRequest((str(tiny_corpus),), "early", str(tiny_bundle), "minutes", 20.0,
                                           ("--max-passes", "100000")))
        await child.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    child.cancel()
    assert child.ended_early
    assert await asyncio.wait_for(child.wait(), timeout=60) != 0
    assert not (paths.runs_dir() / "early" / "checkpoint.pt").exists()


async def test_models_screen_rename_and_delete(make_app, tiny_bundle):
    for name in ("alpha", "beta"):
        shutil.copytree(tiny_bundle, paths.user_models_dir() / name)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        # The last model used, saved as its folder's path (as after training in the app):
        # renamed, the setting follows; deleted, it goes (it pointed at a missing folder).
        app.update_settings(model=str(paths.user_models_dir() / "alpha"))
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        users = lambda: [e.name for e in screen.entries if e.kind == "user"]
        assert users() == ["alpha", "beta"]
        screen.query_one("DataTable").move_cursor(row=[e.name for e in screen.entries].index("alpha"))
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("Input").value = "gamma"
        await pilot.press("enter")
        await pilot.pause()
        await settle(pilot)
        assert (paths.user_models_dir() / "gamma").is_dir()
        assert users() == ["beta", "gamma"]
        assert app.settings.model == "gamma"
        app.update_settings(model=str(paths.user_models_dir() / "beta"))
        screen.query_one("DataTable").move_cursor(row=[e.name for e in screen.entries].index("beta"))
        await pilot.press("d")
        await pilot.pause()
        await pilot.click("#choice-yes")
        await pilot.pause()
        await settle(pilot)
        assert not (paths.user_models_dir() / "beta").exists()
        assert users() == ["gamma"]
        assert app.settings.model is None


async def test_renaming_the_model_in_use_shows_its_new_name_everywhere(make_app, tiny_bundle):
    """Renamed in F4, the model in use kept its old name in the status bar and in F3's
    "Build on", even after a restart (its card kept the old name), and F4's mark of the
    model in use went (it pointed at the old folder)."""
    from lstm_tui import load_model

    shutil.copytree(tiny_bundle, paths.user_models_dir() / "alpha")
    lm = load_model(paths.user_models_dir() / "alpha", device="cpu")
    app = make_app(lm=lm, model="alpha")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        screen.query_one("DataTable").move_cursor(row=[e.name for e in screen.entries].index("alpha"))
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("Input").value = "garden-notes"
        await pilot.press("enter")
        await settle(pilot)
        current = [e.name for e in screen.entries if screen._is_current(e)]
        assert current == ["garden-notes"]
        assert app.model_shown[0] == "garden-notes"
        await pilot.press("escape")
        await pilot.pause()
        assert "garden-notes" in app.editor_screen.status.render_info().plain
    assert load_model(paths.user_models_dir() / "garden-notes", device="cpu").label == "garden-notes"


async def test_models_screen_lists_the_shipped_model_when_the_models_folder_cannot_be_read(
        make_app, tiny_bundle, monkeypatch):
    from .conftest import notices

    shutil.copytree(tiny_bundle, paths.user_models_dir() / "alpha")
    real = Path.iterdir

    def refused(self):  # root reads a 000 folder anyway: stand in for a user it stops
        if self == paths.user_models_dir():
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", refused)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        assert [e.name for e in app.screen.entries] == ["default"]
        assert notices(app)[-1] == f"{paths.user_models_dir()}: cannot list your models (Permission denied)"


async def test_models_screen_compares_models_on_the_writers_text(make_app, tiny_bundle):
    import json

    for name in ("plain", "mine"):
        shutil.copytree(tiny_bundle, paths.user_models_dir() / name)
    card_file = paths.user_models_dir() / "mine" / "card.json"
    card = json.loads(card_file.read_text()) if card_file.exists() else {}
    card |= {"val_bits_per_byte": 1.97, "writer_gain": {"before": 0.21, "after": 0.29, "precision_before": 0.5,
                                                        "precision_after": 0.6, "chars": 2400}}
    card_file.write_text(json.dumps(card))
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("DataTable")
        assert "Keys saved" in [str(c.label) for c in table.columns.values()]
        rows = {e.name: i for i, e in enumerate(screen.entries)}
        assert str(table.get_row_at(rows["mine"])[3]) == "29%, was 21%"
        assert str(table.get_row_at(rows["plain"])[3]) == "-"
        table.move_cursor(row=rows["mine"])
        await pilot.pause()
        detail = str(screen.query_one("#model-detail").render())
        assert "save 29% of keystrokes, 21% with its parent" in detail
        assert "1.970 bits/byte" in detail and "own validation text" in detail
        assert MIXED_LINE not in detail  # its tokens are not the shipped model's


async def test_models_screen_says_which_models_write_with_the_shipped_one(make_app):
    from lstm_tui.core.bundle import load_bundle, save_bundle
    from lstm_tui.core.config import ModelConfig
    from lstm_tui.core.model import LSTMLanguageModel

    shipped = load_bundle(paths.default_bundle())
    model = LSTMLanguageModel(ModelConfig(vocab_size=shipped.config.vocab_size, embed_dim=8, hidden_dim=8,
                                          num_layers=1, dropout=0.0))
    save_bundle(model, shipped.tokenizer, paths.user_models_dir() / "mine",
                {"parent": "default", "parent_path": str(paths.default_bundle())})
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await select_model(pilot, app, "mine")
        await pilot.pause()
        assert MIXED_LINE in str(app.screen.query_one("#model-detail").render()).replace("\n", " ")
        await select_model(pilot, app, "default")


async def select_model(pilot, app, name: str) -> None:
    """Open the models screen (F4) with ``name``'s row selected."""
    await pilot.press("f4")
    await settle(pilot)
    screen = app.screen
    screen.query_one("DataTable").move_cursor(row=[e.name for e in screen.entries].index(name))


async def test_deleting_a_model_being_trained_stops_the_run_so_it_stays_deleted(make_app, tiny_corpus, user_dirs,
                                                                               tmp_path):
    import asyncio
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_DATA_HOME": str(user_dirs / "data"), "XDG_CACHE_HOME": str(user_dirs / "cache"),
           "XDG_CONFIG_HOME": str(user_dirs / "config"), "XDG_STATE_HOME": str(user_dirs / "state")}
    # A real `lstm-tui train` in its own process, as a writer would start it in a terminal.
    run = subprocess.Popen([sys.executable, "-m", "lstm_tui", "train", str(tiny_corpus), "--name", "busy",
                            "--steps", "1000000", "--eval-every", "3", "--hidden-dim", "16", "--embed-dim", "16",
                            "--layers", "1", "--vocab-size", "400", "--batch-size", "2", "--seq-len", "8",
                            "--device", "cpu", "--threads", "1", "--events", "jsonl"],
                           env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "train.err").open("wb"))
    folder = paths.user_models_dir() / "busy"
    try:
        for _ in range(3000):  # the run's first model, after its first validation (a busy machine: minutes)
            if (folder / "card.json").exists() or run.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert (folder / "card.json").exists() and run.poll() is None, (tmp_path / "train.err").read_text()
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await select_model(pilot, app, "busy")
            await pilot.press("d")
            await pilot.pause()
            assert "A training run is writing it now" in str(app.screen.query_one(".dialog-message").render())
            assert app.focused.id == "choice-no"  # Enter out of habit deletes nothing
            await pilot.click("#choice-yes")
            await settle(pilot)
            assert run.wait(timeout=60) is not None
        assert not folder.exists() and not (paths.runs_dir() / "busy").exists()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


async def test_a_model_being_trained_is_not_renamed(make_app, tiny_bundle):
    """The run would write the old name again: a second copy, under the name the
    writer just gave up. (The run's lock is held here as a run holds it.)"""
    import os

    from lstm_tui.training_lock import training

    from .conftest import notices

    shutil.copytree(tiny_bundle, paths.user_models_dir() / "alpha")
    app = make_app()
    with training("alpha"):
        async with app.run_test(size=(120, 40)) as pilot:
            await select_model(pilot, app, "alpha")
            await pilot.press("r")
            await pilot.pause()
            app.screen.query_one("Input").value = "gamma"
            await pilot.press("enter")
            await settle(pilot)
            assert notices(app)[-1] == (f"{paths.user_models_dir() / 'alpha'}: a training run is writing it "
                                        f"(process {os.getpid()}); rename it once the run has ended")
    assert (paths.user_models_dir() / "alpha").is_dir() and not (paths.user_models_dir() / "gamma").exists()


async def test_the_status_bar_says_suggestions_are_off_in_words_and_nothing_while_on(make_app):
    """It said "auto" at all times, a word that told a new writer nothing."""
    from lstm_tui.tui.widgets.status_bar import MANUAL

    app = make_app()
    async with app.run_test(size=(120, 24)) as pilot:
        status = app.editor_screen.status
        assert " auto" not in status.render_info().plain and MANUAL not in status.render_info().plain
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "suggestions when asked (Ctrl+G)" in status.render_info().plain
        status.set(unsure=True)  # a suggestion held back, then automatic ones turned off:
        await pilot.press("ctrl+t", "ctrl+t")  # "unsure" beside "suggestions when asked"
        await pilot.pause()
        assert "unsure" not in status.render_info().plain
