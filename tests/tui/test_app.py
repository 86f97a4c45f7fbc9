"""Startup, model loading, the help screen and the command palette."""

from __future__ import annotations

import threading

import pytest

from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import notices, settle


async def test_editor_is_typeable_while_the_model_loads(make_app, tiny_lm):
    release = threading.Event()

    def slow_loader(spec):
        release.wait(10)
        return tiny_lm

    app = make_app(model_loader=slow_loader)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("H", "i")
        assert app.query_one(GhostTextEditor).text == "Hi"
        assert "loading model" in app.editor_screen.status.info.model
        release.set()
        await settle(pilot)
        assert app.lm is tiny_lm
        assert app.editor_screen.status.info.model == "tiny"


async def test_a_model_that_fails_to_load_is_reported(make_app):
    def broken(spec):
        from lstm_tui.core.errors import BundleError

        raise BundleError("models/default/config.json: missing")

    app = make_app(model_loader=broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "no model" in app.editor_screen.status.info.model
        assert any("config.json: missing" in m for m in notices(app))
        await pilot.press("x")  # still a working editor
        assert app.query_one(GhostTextEditor).text == "x"


async def test_palette_lists_every_action(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
    for title in ("Accept suggestion", "Accept next word", "Dismiss suggestion", "Next alternative",
                  "Previous alternative", "Suggest now", "Toggle automatic suggestions", "Sampling panel",
                  "Preset: creative", "Save", "Save as", "Open file", "Train a model", "Models", "Help",
                  "Quit", "Theme"):
        assert any(t.startswith(title) for t in titles), title


async def test_alternatives_cycle(make_app, settings):
    from lstm_tui.core.config import SamplingConfig

    # Gate off, as the creative preset has it: samples the gate held back would not be offered.
    config = SamplingConfig(temperature=1.0, top_k=0, max_tokens=6, num_alternatives=4, seed=3,
                            min_confidence=0.0, continue_confidence=0.0)
    app = make_app(settings=settings.replace(sampling=config))
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.insert("The mornin")
        await pilot.press("g")
        await settle(pilot)
        first = editor.ghost
        index, count = app.editor_screen.status.info.alternative
        assert count > 1 and index == 0
        await pilot.press("ctrl+n")
        assert editor.ghost != first
        assert app.editor_screen.status.info.alternative == (1, count)
        await pilot.press("ctrl+b")
        assert editor.ghost == first


async def test_toggle_auto_suggestions(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+t")
        assert app.settings.auto_suggest is False
        editor = app.query_one(GhostTextEditor)
        editor.insert("The mornin")
        await pilot.press("g")
        await settle(pilot)
        assert editor.ghost == ""
        await pilot.press("ctrl+g")  # on demand still works
        await settle(pilot)
        assert editor.ghost


def test_the_tui_does_not_import_torch_until_the_model_loads():
    import subprocess
    import sys

    code = "import sys, lstm_tui.tui.app; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_a_last_model_that_is_gone_gives_way_to_the_default(make_app, settings, tiny_lm):
    from dataclasses import replace

    from lstm_tui.core.errors import BundleError

    asked = []

    def loader(spec):
        asked.append(spec)
        if spec == "renamed-away":
            raise BundleError("renamed-away: no such model folder")
        return tiny_lm

    app = make_app(model_loader=loader, settings=replace(settings, model="renamed-away"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert asked == ["renamed-away", None]
        assert app.lm is tiny_lm and app.settings.model is None  # not tried again next time
        assert any("default model instead" in m for m in notices(app))


async def test_a_model_asked_for_on_the_command_line_is_not_replaced(make_app, tiny_lm):
    asked = []

    def loader(spec):
        asked.append(spec)
        from lstm_tui.core.errors import BundleError
        raise BundleError(f"{spec}: no such model folder")

    app = make_app(model_loader=loader, model="typo")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert asked == ["typo"] and app.lm is None
        assert "no model" in app.editor_screen.status.info.model


async def test_alternative_keys_show_only_when_there_are_alternatives(make_app, settings):
    from textual.widgets._footer import FooterKey

    from lstm_tui.core.config import PRESETS

    def footer_keys(app) -> dict[str, str]:
        return {key.action: key.key for key in app.screen.query(FooterKey)}

    app = make_app()  # one suggestion per request (the default)
    async with app.run_test(size=(140, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.insert("The mornin")
        await pilot.press("g")
        await settle(pilot)
        assert editor.ghost and "cycle(1)" not in footer_keys(app)
        assert editor.check_action("cycle", (1,)) is False
        await pilot.press("ctrl+n")  # nothing, silently: the key is not bound now
        [command] = [c for c in app.get_system_commands(app.screen) if c.title == "Next alternative"]
        await command.callback()
        await pilot.pause()
        assert any("Alternatives to 2 or more" in m for m in notices(app))
        app.apply_preset("creative")
        assert PRESETS["creative"].num_alternatives > 1
        await pilot.pause()
        # Bound now, and said by the status bar with its Ctrl key (which works in tmux;
        # Alt+] does not reach the app there), not in the Footer: at 80 columns it cut F4.
        assert editor.check_action("cycle", (1,)) is None
        assert "cycle(1)" not in footer_keys(app)
        # A ghost with alternatives, then a preset without: the old ghost and its key go.
        await pilot.press("space", "w")
        await settle(pilot)
        assert editor.ghost_status.count > 1
        assert " of " in app.editor_screen.status.render_info().plain
        assert "(^n)" in app.editor_screen.status.render_info().plain
        app.apply_preset("suggest")
        await pilot.pause(0.5)  # the Footer follows once the ghost has settled
        assert editor.ghost == "" and "cycle(1)" not in footer_keys(app)


async def test_the_app_starts_past_fifos_where_its_own_files_are(make_app, tmp_path):
    """A FIFO where settings.toml, recent.json or a recovery copy should be held up the
    start for as long as nothing wrote to it: each is refused, never waited on."""
    import errno
    import os
    import threading
    import time

    from lstm_tui import paths
    from lstm_tui.settings import load_settings, settings_path

    fifos = [settings_path(), paths.data_dir() / "recent.json", paths.recovery_dir() / "untitled.1-0000000a.json"]
    for fifo in fifos:
        fifo.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(fifo)
    done = threading.Event()

    def writer():  # ends any read of them (as empty files), so a blocked start cannot hang the test
        while not done.is_set():
            for fifo in fifos:
                try:
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                except OSError as exc:
                    assert exc.errno in (errno.ENXIO, errno.ENOENT)  # no reader yet; moved aside
            time.sleep(0.01)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        warnings: list[str] = []
        load_settings(warnings=warnings)
        assert warnings == [f"{settings_path()} is not usable (not a regular file, so not read); "
                            "using the default settings."]
        app = make_app(None)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert "not a regular file" in str(app.screen.query_one(".dialog-message").render())
            await pilot.click("#choice-leave")
            await pilot.press("ctrl+q")
            await pilot.pause()
        assert app.return_code == 0
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("width", [80, 120])
async def test_the_footer_fits_the_window_with_what_matters_first(make_app, width):
    """At 120 columns the Footer was cut at "f3 Tra" (F4 and F1 hidden), at 80 at
    "f2 Samp"; every key it shows is now whole, left of the palette's."""
    from textual.widgets._footer import FooterKey

    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press(*"The morning")
        await settle(pilot)
        await pilot.pause(0.5)  # the Footer follows the ghost once typing pauses
        keys = list(app.screen.query(FooterKey))
        palette = next(k for k in keys if k.action == "command_palette")
        shown = [k for k in keys if k is not palette]
        assert [k.key for k in shown][:6] == ["tab", "ctrl+s", "f2", "f1", "f3", "f4"]
        assert all(k.region.right <= palette.region.x for k in shown)


async def test_ctrl_c_says_how_to_quit_in_plain_words(make_app):
    # Textual's own notice has markup, and every notice is plain text here: it read
    # "Press [b]ctrl+q[/b] to quit the app".
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_help_quit()
        await pilot.pause()
        assert "Press Ctrl+Q to quit the app." in notices(app)


@pytest.mark.parametrize(("key", "own"), [("f3", "train"), ("f4", "models")])
async def test_a_panels_footer_fits_80_columns_without_the_key_to_itself(make_app, key, own):
    """At 80 columns F3's footer was cut at "f3" and F4's at "f3 Lear"; the key to the
    panel on screen did nothing there."""
    from textual.widgets._footer import FooterKey

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await pilot.pause(0.5)
        keys = list(app.screen.query(FooterKey))
        palette = next(k for k in keys if k.action == "command_palette")
        shown = [k for k in keys if k is not palette]
        assert own not in [k.action for k in shown] and "help" in [k.action for k in shown]
        assert all(k.region.right <= palette.region.x for k in shown), [(k.key, k.region) for k in shown]
        await pilot.press("escape")
        await pilot.pause()
        assert "train" in [k.action for k in app.screen.query(FooterKey)]  # the editor's footer has it again


async def test_a_notice_leaves_the_status_bar_in_sight(make_app):
    """A notice covered the status bar's right end (training's progress) for its seconds."""
    from textual.widgets._toast import Toast

    app = make_app()
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        app.notify("Saved notes.txt: a notice of some length to show.")
        await pilot.pause(0.3)
        toast = app.screen.query_one(Toast)
        assert toast.region.bottom <= app.editor_screen.status.region.y
