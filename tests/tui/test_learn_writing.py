""""Learn my writing" (F3): choosing files and mail, the preview and its budget, the
remembered choice, labelled charts, what the writer gained, and training again."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lstm_tui import load_model, paths
from lstm_tui.core import preview as core_preview
from lstm_tui.core.preview import suggested_minutes
from lstm_tui.settings import Settings, load_settings
from lstm_tui.tui.screens.train import TrainScreen
from lstm_tui.tui.train_form import TrainForm, form_request, next_name
from lstm_tui.tui.widgets.chart import AxisChart
from lstm_tui.tui.widgets.sampling_panel import SamplingPanel
from lstm_tui.tui.widgets.writing_sources import WritingTree

from ..conftest import TINY_TEXT, gated_copy
from .conftest import notice_kinds, notices, settle

MBOX = """\
From me@example.com Mon Jan  1 00:00:00 2024
From: Me <me@example.com>
To: you@example.com
Subject: hello

Dear friend, the river was high after the rain and the willows bent over it.
I will write again soon.

From other@example.com Mon Jan  2 00:00:00 2024
From: Other <other@example.com>
To: me@example.com
Subject: re

Thanks for the letter, it was lovely to hear from you about the river.
"""


@pytest.fixture
def writing(tmp_path: Path) -> Path:
    folder = tmp_path / "writing"
    (folder / "mail").mkdir(parents=True)
    (folder / "notes.txt").write_text("The morning was grey and the road ran down to the river.\n")
    (folder / "mail" / "Inbox").write_text(MBOX)  # Thunderbird's mailboxes have no extension
    (folder / "mail" / "one.eml").write_text(MBOX.split("\n", 1)[1].split("\n\nFrom other")[0])
    return folder


async def open_learning(pilot) -> TrainScreen:
    """Press F3 and wait for "Learn my writing" to settle."""
    await pilot.press("f3")
    await settle(pilot)
    return pilot.app.screen


def test_suggested_minutes():
    assert suggested_minutes(0) == suggested_minutes(100_000) == 5
    assert suggested_minutes(300_000) == 15
    assert 5 < suggested_minutes(200_000) < 15
    assert suggested_minutes(10_000_000) == 30


def test_next_name():
    nothing = lambda name: False
    assert next_name("default", nothing) == "my-writing"
    assert next_name("my-writing", nothing) == "my-writing-2"
    assert next_name("letters-2", nothing) == "letters-3"
    assert next_name("letters", lambda name: name == "letters-2") == "letters-3"


def test_a_name_typed_with_spaces_is_the_name_with_hyphens(tmp_path):
    """ "garden notes" was refused: "invalid model name 'garden notes': use letters...". """
    form = TrainForm(name=" garden  notes ", paths=(str(tmp_path),), from_address="", budget="5",
                     budget_kind="minutes", extra="", fine_tune=True, current_model="default")
    assert form_request(form).name == "garden-notes"
    with pytest.raises(ValueError, match="invalid model name"):
        form_request(TrainForm(**{**form.__dict__, "name": "garden/notes"}))


def test_the_tree_shows_mail_files(writing):
    entries = [*writing.iterdir(), *(writing / "mail").iterdir()]
    shown = {p.name for p in WritingTree.filter_paths(None, entries)}  # type: ignore[arg-type]
    assert {"Inbox", "one.eml", "notes.txt", "mail"} <= shown


async def test_choosing_writing_previews_it_in_a_thread_and_is_remembered(make_app, writing, monkeypatch):
    threads = []
    real = core_preview.preview

    def recording(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(core_preview, "preview", recording)
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        assert isinstance(screen, TrainScreen)
        assert screen.query_one("#mode-finetune").value  # fine-tune is the default
        assert screen.query_one("#train-advanced").collapsed  # the raw options are tucked away
        assert screen.query_one("#train-extra") in screen.query_one("#train-advanced").query("Input")
        screen.add_path(str(writing))
        await settle(pilot)
        text = str(screen.query_one("#learn-preview").render())
        assert "Words of your own" in text and "2 mbox" not in text
        assert "Mail: 2 messages (and 1 copy of them in other mailboxes" in text  # one.eml is in Inbox too
        assert 'fill in "Only mail from"' in text
        assert "Suggested budget: 5 minutes" in text
        assert screen.query_one("#train-budget").value == "5"  # prefilled from the preview
        screen.query_one("#learn-from-address").focus()
        await pilot.press(*"me@example.com", "enter")
        await settle(pilot)
        text = str(screen.query_one("#learn-preview").render())
        assert "only those from me@example.com" in text
        assert threads and not any(threads)  # every preview read the files off the event loop
        screen.query_one("#train-budget").value = "12"  # typed: a new preview keeps it
        screen.add_path(str(writing / "notes.txt"))
        await settle(pilot)
        assert screen.query_one("#train-budget").value == "12"
        request = screen.build_request()
        assert request is not None and request.from_address == "me@example.com"
        assert request.arguments()[-4:-2] == ["--from-address", "me@example.com"]
    saved = load_settings()
    assert saved.learn_paths == (str(writing.resolve()), str((writing / "notes.txt").resolve()))
    assert saved.learn_from_address == "me@example.com"

    again = make_app(settings=saved)  # the next session
    async with again.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        assert screen.selected == list(saved.learn_paths)
        assert screen.query_one("#learn-from-address").value == "me@example.com"
        assert "only those from me@example.com" in str(screen.query_one("#learn-preview").render())


async def test_a_wrong_address_is_said_and_not_trained_with(make_app, writing):
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        await pilot.press("f3")
        screen = app.screen
        screen.add_path(str(writing))
        screen.query_one("#learn-from-address").value = "not an address"
        screen.query_one("#learn-from-address").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "needs an email address" in str(screen.query_one("#learn-preview").render())
        assert screen.build_request() is None


async def test_learning_shows_labelled_charts_the_gain_and_continues_from_it(make_app, tmp_path):
    # Enough text that the held-out slice holds passages to measure keystrokes saved on.
    letters = tmp_path / "letters"
    letters.mkdir()
    for i in range(4):
        (letters / f"letter{i}.txt").write_text(TINY_TEXT * 4)
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        assert screen.query_one("#train-name").value == "tiny-2"  # named after the model in use
        screen.add_path(str(letters))
        await settle(pilot)
        screen.query_one("#train-name").value = "mine"
        screen.query_one("#train-budget").value = "3"
        screen.query_one("#train-budget-kind").value = "steps"
        screen.query_one("#train-extra").value = "--batch-size 4 --seq-len 32 --eval-every 1"
        await pilot.press("f5")
        await settle(pilot)
        assert screen.state == "done", screen.query_one("#train-log").lines
        val = screen.query_one("#val-chart", AxisChart)
        y, first, last = val.axes()
        assert f"{max(screen.vals):.3f}" in y and f"{min(screen.vals):.3f}" in y
        assert first == f"step {screen.val_steps[0]}" and last == f"step {screen.val_steps[-1]}"
        assert screen.val_steps[0] == 0  # the parent's score: where the line starts from
        assert "bits per byte on your held-out text" in str(val.query_one(".chart-title").render())
        loss = screen.query_one("#loss-chart", AxisChart)
        assert loss.axes()[1] == f"step {screen.loss_steps[0]}" and "\u2524" in loss.axes()[0]
        stats = str(screen.query_one("#train-stats").render())
        assert screen.gain is not None, screen.query_one("#train-log").lines
        assert stats.startswith("On your writing, suggestions")
        assert any(n.startswith("On your writing") for n in notices(app))
        assert not screen.query_one("#use").has_class("hidden")
        await pilot.press("f9")
        await settle(pilot)
        assert app.lm.name == "mine"
        await pilot.press("f3")  # training again later: the personal model is the parent
        await settle(pilot)
        assert screen.query_one("#train-name").value == "mine-2"
        assert "Build on mine (minutes)" == str(screen.query_one("#mode-finetune").label)
        request = screen.build_request()
        assert request is not None and request.from_model == str(paths.user_models_dir() / "mine")


async def test_without_a_gain_the_end_says_done(make_app):
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        screen.name_last = "scratch"
        screen.handle_event({"event": "done", "output": "/models/scratch", "best_bpb": 2.5})
        await pilot.pause()
        assert str(screen.query_one("#train-stats").render()).startswith("Done: scratch")


async def test_a_fine_tune_too_small_to_measure_that_validated_worse_says_to_keep_the_old_model(make_app):
    # 467 words of mail: too little held out for keystrokes (no gain event), and the
    # validation rose from the parent's 3.035 to 4.286; it said "F9 writes with it".
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        screen.name_last = "my-mail"
        screen.handle_event({"event": "done", "output": "/models/my-mail", "best_bpb": 4.2861,
                             "parent_bpb": 3.035})
        await pilot.pause()
        stats = str(screen.query_one("#train-stats").render())
        assert stats.startswith("my-mail did no better than the model it started from")
        assert "4.286" in stats and "3.035" in stats and "F9" not in stats
        assert ("No gain on your writing", "warning") in notice_kinds(app)


async def test_a_fine_tune_that_did_worse_on_the_writers_text_says_to_keep_the_old_model(make_app):
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        screen.name_last = "worse"
        screen.handle_event({"event": "gain", "before": 0.30, "after": 0.25, "precision_before": 0.5,
                             "precision_after": 0.5, "chars": 2400, "gate": [0.3, 0.35]})
        screen.handle_event({"event": "done", "output": "/models/worse", "best_bpb": 2.5})
        await pilot.pause()
        stats = str(screen.query_one("#train-stats").render())
        assert "down from 30%" in stats and "keep writing with it" in stats
        assert "kept in Models (F4)" in stats and "F9" not in stats
        assert "at least 30% sure" in stats  # the gate its closing measurement chose
        assert ("No gain on your writing", "warning") in notice_kinds(app)


async def test_the_palette_opens_learn_my_writing(make_app):
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Learn my writing" in commands
        commands["Learn my writing"].callback()
        await settle(pilot)
        assert isinstance(app.screen, TrainScreen)


async def test_tab_goes_from_field_to_field_and_the_focused_one_stands_out(make_app):
    """Tab once went to the scrolling column, where typing went nowhere; the focused
    field was a shade apart from the rest (nothing in 16 colours)."""
    from textual.containers import ScrollableContainer
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        chain = app.screen.focus_chain
        assert chain and not any(isinstance(w, ScrollableContainer) and not isinstance(w, Input) for w in chain
                                 if w.id == "train-run")
        app.screen.query_one("#train-name", Input).focus()
        await pilot.pause()
        label = app.screen.query_one("#train-name").parent.query_one("Label")
        assert label.rich_style.reverse and label.rich_style.bold
        app.screen.query_one("#train-budget", Input).focus()
        await pilot.pause()
        assert not label.rich_style.reverse


async def test_a_preview_of_an_older_choice_never_replaces_the_newer_one(make_app, writing):
    """The thread reading the files could post its answer just after the writer changed
    the choice: the older answer was shown last (seen as a flaky test under load)."""
    from lstm_tui.tui.widgets.preview_panel import PreviewPanel

    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        await pilot.press("f3")
        panel = app.screen.query_one(PreviewPanel)
        panel.show_preview((str(writing),), "not an address")
        await settle(pilot)
        panel.post_message(PreviewPanel.Ready("an older choice's files", 10, 5, panel.asked - 1))
        await settle(pilot)
        assert "needs an email address" in str(panel.render())


async def test_the_sampling_panel_says_when_a_personal_models_own_gate_is_in_force(make_app, tiny_bundle, tmp_path):
    mine = gated_copy(tiny_bundle, tmp_path / "mine", [0.4, 0.45])
    app = make_app(lm=load_model(mine, device="cpu"), settings=Settings(learn=False))  # the default gate
    async with app.run_test(size=(130, 50)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        panel = app.screen.query_one(SamplingPanel)
        said = str(panel.query_one("#model-gate").render())
        assert "Confidence 0.4," in said and "Keep going 0.45" in said
        panel.query_one("#field-min_confidence").value = "0.5"  # the writer's own gate wins
        await pilot.pause()
        assert str(panel.query_one("#model-gate").render()) == ""


async def test_a_run_the_app_closed_on_is_offered_to_resume_and_another_name_starts_afresh(make_app, tiny_bundle):
    # Quitting while a run trained kept its checkpoint, but F3 said "Not started." and
    # Start with its name replaced it; Resume then ignored a changed name.
    import json
    import shutil

    from lstm_tui.core.train_options import RUN_FILE

    folder = paths.user_models_dir() / "my-writing-2"
    shutil.copytree(tiny_bundle, folder)
    card = json.loads((folder / "card.json").read_text())
    card["unfinished"] = {"step": 110, "resume": "lstm-tui train --name my-writing-2 --resume"}
    (folder / "card.json").write_text(json.dumps(card))
    (paths.runs_dir() / "my-writing-2").mkdir(parents=True)
    (paths.runs_dir() / "my-writing-2" / RUN_FILE).write_text("{}")
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        assert screen.state == "stopped" and screen.query_one("#train-name").value == "my-writing-2"
        assert "stopped at step 110" in str(screen.query_one("#train-stats").render())
        assert str(screen.query_one("#start").label) == "Resume (F5)"
        screen.query_one("#train-name").value = "my-mail"
        await pilot.pause()
        assert str(screen.query_one("#start").label) == "Start (F5)"
        assert not screen._resumes()
        screen.query_one("#train-name").value = "my-writing-2"
        await pilot.pause()
        assert screen._resumes()
        shutil.rmtree(paths.runs_dir() / "my-writing-2")  # deleted in F4: nothing left to resume
        assert not screen._resumes()


async def test_a_typed_budget_in_minutes_is_remembered_over_the_suggestion(make_app, writing, settings):
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        app.screen.query_one("#train-budget").value = "1"
        await settle(pilot)
        assert app.settings.learn_budget == "1"
    again = make_app(settings=app.settings.replace(learn_paths=(str(writing),)))
    async with again.run_test(size=(130, 50)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        assert "Suggested budget" in str(again.screen.query_one("#learn-preview").render())
        assert again.screen.query_one("#train-budget").value == "1"  # not the suggested 5


async def test_quitting_while_a_run_trains_asks_first(make_app, tmp_path):
    letters = tmp_path / "letters"
    letters.mkdir()
    (letters / "a.txt").write_text(TINY_TEXT * 4)
    app = make_app()
    async with app.run_test(size=(130, 50)) as pilot:
        screen = await open_learning(pilot)
        screen.add_path(str(letters))
        await settle(pilot)
        screen.query_one("#train-name").value = "long"
        screen.query_one("#train-budget").value = "20"
        screen.query_one("#train-extra").value = "--max-passes 100000"  # a little text is read in seconds
        await pilot.press("f5")
        for _ in range(1200):  # the child trains (torch takes seconds to import on a busy machine)
            await pilot.pause(0.05)
            if screen.losses:
                break
        assert screen.running and screen.losses
        await pilot.press("ctrl+q")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.screen.__class__.__name__ == "ChoiceScreen":
                break
        assert "Training is running" in str(app.screen.query_one(".dialog-title").render())
        await pilot.click("#choice-no")  # keep training
        await pilot.pause()
        assert app.is_running and screen.running
        screen.action_cancel_training()
        await settle(pilot)
        assert screen.state == "stopped"


async def test_the_model_choice_marks_the_option_that_is_on_and_not_the_other(make_app):
    """Both options of F3's model choice drew their mark in the colour of its
    background, so which was chosen (minutes or hours of training) could not be seen."""
    from textual.widgets import RadioButton

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        on, off = (app.screen.query_one(f"#mode-{m}", RadioButton) for m in ("finetune", "scratch"))
        assert on.value and not off.value
        mark = lambda b: b.get_component_rich_style("toggle--button")
        assert mark(off).color == mark(off).bgcolor  # blank
        assert mark(on).color != mark(on).bgcolor  # seen


async def test_a_long_line_of_the_training_log_wraps_whole(make_app):
    """At 120 columns the log cut "On your writing, suggestions now save 65% of keystrokes, u"."""
    app = make_app()
    async with app.run_test(size=(80, 40)) as pilot:
        screen = await open_learning(pilot)
        await pilot.pause()
        words = " ".join(f"w{i}" for i in range(60)) + " [b]not markup[/b]"
        screen.log_line(words)
        await pilot.pause()
        shown = " ".join(strip.text.strip() for strip in screen.query_one("#train-log").lines)
        assert " ".join(shown.split()) == words
