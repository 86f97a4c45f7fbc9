"""Learning from the document while writing (F5)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from lstm_tui.settings import Settings
from lstm_tui.tui.learning_queue import LearningQueue
from lstm_tui.tui.screens.editor import EditorScreen

from .conftest import append, autosave, notices, settle

STORY = "Heathcliff said the moor was wild, and Nelly went up the hill. " * 3


@pytest.fixture(autouse=True)
def quick_learning(monkeypatch):
    monkeypatch.setattr(EditorScreen, "LEARN_SECONDS", 0.05)


async def until(pilot, condition, timeout: float = 10.0, workers: bool = True) -> None:
    """Let timers (and, unless a dialog is waiting for an answer, workers) run until
    ``condition()`` holds; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)
        if workers:
            await settle(pilot)


async def test_learning_adapts_the_model_and_f5_forgets(make_app, settings, tiny_lm, tmp_path):
    doc = tmp_path / "story.txt"
    doc.write_text(STORY)
    app = make_app(doc, settings=settings.replace(learn=True))
    base = tiny_lm.generator.model
    expected = len(tiny_lm.tokenizer.encode(STORY.rstrip()))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.editor_screen.status.info.learning.startswith("learned "))
        assert tiny_lm.learner.tokens_learned == expected
        assert tiny_lm.generator.model is not base
        # A few letters of a new word are not enough for another pass.
        await pilot.press("ctrl+end", "T", "h", "e")
        await until(pilot, lambda: app.editor_screen.learning.learned[1].endswith("The"))
        assert tiny_lm.learner.tokens_learned == expected
        await pilot.press("f5")
        await until(pilot, lambda: tiny_lm.generator.model is base)
        assert app.settings.learn is False and app.editor_screen.status.info.learning == ""
        assert tiny_lm.learner.tokens_learned == 0


async def test_learning_is_on_by_default_and_f5_forgets(make_app, tiny_lm, tmp_path):
    doc = tmp_path / "story.txt"
    doc.write_text(STORY)
    app = make_app(doc, settings=Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: tiny_lm.learner.tokens_learned > 0)
        assert app.editor_screen.status.info.learning.startswith("learn")
        await pilot.press("f5")
        await until(pilot, lambda: tiny_lm.learner.tokens_learned == 0)
        assert app.settings.learn is False and app.editor_screen.status.info.learning == ""


async def test_f5_turns_learning_on(make_app, tiny_lm, tmp_path):
    doc = tmp_path / "story.txt"
    doc.write_text(STORY)
    app = make_app(doc)  # learning off, as the fixtures' settings have it
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await settle(pilot)
        assert tiny_lm.learner.tokens_learned == 0
        await pilot.press("f5")
        await until(pilot, lambda: tiny_lm.learner.tokens_learned > 0)
        assert app.settings.learn is True


async def test_opening_another_document_forgets_the_last(make_app, settings, tiny_lm, tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(STORY)
    second.write_text("A short note.")
    app = make_app(first, settings=settings.replace(learn=True))
    base = tiny_lm.generator.model
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: tiny_lm.learner.tokens_learned > 0)
        app.editor_screen.load_path(second)
        await until(pilot, lambda: tiny_lm.generator.model is base)
        assert tiny_lm.learner.tokens_learned == 0  # and too little text to learn from yet


async def test_a_failed_pass_turns_learning_off_and_forgets(make_app, settings, tiny_lm, tmp_path, monkeypatch):
    doc = tmp_path / "story.txt"
    doc.write_text(STORY)
    app = make_app(doc, settings=settings.replace(learn=True))
    base = tiny_lm.generator.model
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: tiny_lm.generator.model is not base)

        def broken(text, should_stop=None):
            raise RuntimeError("out of memory")

        monkeypatch.setattr(tiny_lm.learner, "learn", broken)
        await pilot.press("end", "space", "W", "e", "l", "l", ",", "space")
        append(app, "then the rain came down on the hill all night. ")
        await until(pilot, lambda: app.settings.learn is False and tiny_lm.generator.model is base)
        assert any("out of memory" in m for m in notices(app))


async def test_restoring_a_recovery_copy_learns_it_anew(make_app, settings, tiny_lm, tmp_path):
    from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

    doc = tmp_path / "story.txt"
    doc.write_text(STORY)
    other = "The lamp burned low while she wrote the letter to her sister. " * 3
    app = make_app(doc)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(GhostTextEditor).load_text(other)  # unsaved, then a crash
        await autosave(pilot)
    app = make_app(doc, settings=settings.replace(learn=True))
    async with app.run_test(size=(100, 30)) as pilot:
        # The file as it was on disk, while the recovery dialog waits.
        await until(pilot, lambda: tiny_lm.learner.tokens_learned > 0, workers=False)
        await pilot.click("#choice-restore")
        await until(pilot, lambda: app.editor_screen.learning.learned is not None
                    and app.editor_screen.learning.learned[1] == app.editor_screen.editor.text)
        # Learned from the restored text alone, not on top of the file it replaced.
        assert tiny_lm.learner.tokens_learned == len(tiny_lm.tokenizer.encode(other.rstrip()))


# -- LearningQueue, without an app ---------------------------------------------------------


def make_queue(model="lm"):
    """A queue whose workers are only recorded, as ("learn", model, text) or ("forget", model)."""
    started = []
    queue = LearningQueue(lambda: model, lambda lm, text: started.append(("learn", lm, text)),
                          lambda lm: started.append(("forget", lm)))
    return queue, started


def test_a_pass_starts_only_when_idle_and_the_text_changed():
    queue, started = make_queue()
    doc = SimpleNamespace(text="One.", generation=1)
    queue.learn(doc)
    queue.learn(doc)  # the pass still runs
    assert started == [("learn", "lm", "One.")] and queue.busy
    assert queue.pass_ended("lm", "One.") and queue.learned == ("lm", "One.") and not queue.busy
    queue.learn(doc)  # unedited
    doc.generation = 2  # edited back to the same text
    queue.learn(doc)
    assert len(started) == 1
    doc.text, doc.generation = "One. Two.", 3
    queue.learn(doc)
    assert started[-1] == ("learn", "lm", "One. Two.")


def test_a_forget_during_a_pass_waits_for_it_and_its_result_is_ignored():
    queue, started = make_queue()
    doc = SimpleNamespace(text="One.", generation=1)
    queue.learn(doc)
    queue.forget()
    assert queue.forget_asked and started == [("learn", "lm", "One.")]  # the pass's stop hook sees it
    assert not queue.pass_ended("lm", "One.")
    assert queue.learned is None and started[-1] == ("forget", "lm") and queue.busy
    queue.learn(doc)  # the forget still runs
    assert len(started) == 2
    queue.forget_ended()
    assert not queue.busy and not queue.forget_asked
    queue.learn(doc)  # learned anew after the forget
    assert started[-1] == ("learn", "lm", "One.")


def test_a_forget_when_idle_starts_at_once_and_needs_a_model():
    queue, started = make_queue()
    queue.forget()
    assert started == [("forget", "lm")] and queue.busy
    queue, started = make_queue(model=None)
    queue.forget()
    queue.learn(SimpleNamespace(text="One.", generation=1))
    assert started == [] and not queue.busy


def test_a_failed_pass_forgets_and_a_failed_forget_does_not_retry():
    queue, started = make_queue()
    queue.learn(SimpleNamespace(text="One.", generation=1))
    queue.forget()  # asked for during the pass
    queue.failed(forgetting=False)
    assert started[-1] == ("forget", "lm") and queue.busy and not queue.forget_asked
    queue.failed(forgetting=True)
    assert len(started) == 2 and not queue.busy


async def test_a_model_of_the_writer_mixed_with_the_general_one_suggests_learns_and_forgets(
        make_app, settings, tiny_bundle, tmp_path):
    """The editor with a personal model that predicts together with the general one."""
    import torch

    from lstm_tui.api import LanguageModel
    from lstm_tui.core.bundle import load_bundle
    from lstm_tui.core.mixture import Mixture
    from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

    lm = LanguageModel(load_bundle(tiny_bundle), torch.device("cpu"), general=load_bundle(tiny_bundle))
    base = lm.generator.model
    assert isinstance(base, Mixture)
    doc = tmp_path / "story.txt"
    doc.write_text(STORY)
    app = make_app(doc, lm=lm, settings=settings.replace(learn=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: lm.learner.tokens_learned > 0)
        assert isinstance(lm.generator.model, Mixture) and lm.generator.model is not base
        editor = app.query_one(GhostTextEditor)
        await pilot.press("ctrl+end", "ctrl+g")  # asked for: shown whatever the gate says
        await until(pilot, lambda: bool(editor.ghost))
        await pilot.press("f5")
        await until(pilot, lambda: lm.generator.model is base)
