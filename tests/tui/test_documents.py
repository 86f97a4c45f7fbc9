"""Documents on disk: atomic saves, refusing undecodable files, recovery copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lstm_tui.tui.documents import DocumentError, read_document, write_document
from lstm_tui.tui.recovery import RecoveryStore
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import settle


def recovery_copies() -> list[Path]:
    from lstm_tui import paths

    return sorted(paths.recovery_dir().glob("*.json"))


def test_missing_file_reads_empty(tmp_path: Path):
    opened = read_document(tmp_path / "new.txt")
    assert opened.text == "" and opened.disk is None


def test_binary_and_non_utf8_are_refused(tmp_path: Path):
    (tmp_path / "b.bin").write_bytes(b"abc\0def")
    (tmp_path / "l.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(DocumentError, match="binary"):
        read_document(tmp_path / "b.bin")
    with pytest.raises(DocumentError, match="not valid UTF-8"):
        read_document(tmp_path / "l.txt")


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "doc.txt"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    replaced = []
    real_replace = os.replace

    def spy(src, dst):
        # At the moment of the rename the new text is complete in a sibling temp file
        # and the original is untouched.
        assert Path(src).parent == target.parent and Path(src).read_text() == "new \u00e9"
        assert target.read_text() == "old"
        replaced.append(src)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_document(target, "new \u00e9")
    assert replaced and target.read_text(encoding="utf-8") == "new \u00e9"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["doc.txt"]


def test_failed_save_keeps_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "doc.txt"
    target.write_text("old", encoding="utf-8")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(DocumentError, match="could not be saved"):
        write_document(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.txt"]


def test_recovery_store_roundtrip(tmp_path: Path):
    crashed = RecoveryStore(tmp_path / "rec")
    doc = tmp_path / "doc.txt"
    doc.write_text("saved")
    crashed.write(doc, "saved plus unsaved")
    assert RecoveryStore(tmp_path / "rec").find(doc) == []  # its instance still runs
    crashed.close()  # as a crash does
    offering = RecoveryStore(tmp_path / "rec")
    [found] = offering.find(doc)
    assert found.text == "saved plus unsaved" and found.path == doc.resolve()
    assert RecoveryStore(tmp_path / "rec").find(doc) == []  # held while it is offered
    offering.release(found.file)  # "Keep for later"
    doc.write_text("saved plus unsaved")  # its text reached the document another way
    assert RecoveryStore(tmp_path / "rec").find(doc) == []
    assert not list((tmp_path / "rec").glob("*.json"))  # so it went


async def test_ctrl_s_saves_the_file(make_app, tmp_path: Path):
    target = tmp_path / "story.txt"
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.insert("Once upon a time")
        await pilot.press("escape")
        assert app.editor_screen.modified
        info = app.editor_screen.status.info
        assert (info.modified, info.words, info.chars, info.document) == (True, 4, 16, "story.txt")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert target.read_text(encoding="utf-8") == "Once upon a time"
        assert not app.editor_screen.modified
        assert app.editor_screen.status.info.modified is False


async def test_bad_file_opens_with_a_message_and_is_untouched(make_app, tmp_path: Path):
    target = tmp_path / "latin.txt"
    target.write_bytes("caf\xe9".encode("latin-1"))
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.editor_screen.doc_path is None  # never bound to the file, so never saved over it
        assert any("not valid UTF-8" in str(n.message) for n in app._notifications)
    assert target.read_bytes() == "caf\xe9".encode("latin-1")


async def test_crash_leaves_a_recovery_that_is_offered(make_app, tmp_path: Path):
    target = tmp_path / "novel.txt"
    target.write_text("Chapter one.\n", encoding="utf-8")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(GhostTextEditor).insert("It was a dark night.")
        app.editor_screen.autosave()  # the autosave timer's work, without waiting for it
        await pilot.pause()
    # The app ended without a clean quit (as in a crash): the copy stays.
    assert len(recovery_copies()) == 1

    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "Recover unsaved text" in str(app.screen.query_one(".dialog-title").render())
        await pilot.click("#choice-restore")
        await pilot.pause()
        editor = app.query_one(GhostTextEditor)
        assert "It was a dark night." in editor.text
        assert app.editor_screen.modified
        assert target.read_text() == "Chapter one.\n"  # restored into the editor, not saved


async def test_quit_with_unsaved_changes_asks(make_app, tmp_path: Path):
    app = make_app(tmp_path / "x.txt")
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(GhostTextEditor).insert("unsaved words")
        await pilot.press("escape")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert "Save changes" in str(app.screen.query_one(".dialog-message").render())
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert app.is_running and app.screen is app.editor_screen
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.click("#choice-save")
        await pilot.pause()
    assert (tmp_path / "x.txt").read_text() == "unsaved words"
    assert app.return_code == 0
