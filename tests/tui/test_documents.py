"""Documents on disk: atomic saves, refusing undecodable files, recovery copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lstm_tui.tui.documents import DocumentError, read_document, write_document
from lstm_tui.tui.recovery import RecoveryStore
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import append, autosave, notices, settle


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
        editor.insert("Once upon a time", editor.document.end)
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
        assert app.editor_screen.session.path is None  # never bound to the file, so never saved over it
        assert any("not valid UTF-8" in m for m in notices(app))
    assert target.read_bytes() == "caf\xe9".encode("latin-1")


async def test_crash_leaves_a_recovery_that_is_offered(make_app, tmp_path: Path):
    target = tmp_path / "novel.txt"
    target.write_text("Chapter one.\n", encoding="utf-8")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        append(app, "It was a dark night.")
        await autosave(pilot)
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
        append(app, "unsaved words")
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


SEPARATED = "form\ffeed\vvt\x1cfs\x1dgs\x1ers\u2028ls\u2029ps\x85nel\rcr only\r\ncrlf\nlf\n"


async def test_separators_survive_typing_and_saving(make_app, tmp_path: Path):
    target = tmp_path / "seps.txt"
    target.write_bytes(SEPARATED.encode("utf-8"))
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not app.editor_screen.modified  # opened as it is, not already changed
        await pilot.press("x", "escape", "backspace", "ctrl+s")
        await settle(pilot)
    assert target.read_bytes() == SEPARATED.encode("utf-8")


async def test_only_the_edited_line_changes(make_app, tmp_path: Path):
    target = tmp_path / "mixed.txt"
    original = b"one\ntwo\r\nthree\nfour\n"
    target.write_bytes(original)
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.move_cursor((2, 5))
        editor.insert("!")
        editor.move_cursor(editor.document.end)
        editor.insert("five", editor.document.end)
        await pilot.press("escape", "ctrl+s")
        await settle(pilot)
    assert target.read_bytes() == b"one\ntwo\r\nthree!\nfour\nfive"


def test_save_through_a_symlink_writes_its_target(tmp_path: Path):
    real, link = tmp_path / "real.txt", tmp_path / "link.txt"
    real.write_text("old")
    link.symlink_to(real.name)
    write_document(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_hard_links_are_written_in_place(tmp_path: Path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old")
    os.link(a, b)
    write_document(a, "new text")
    assert b.read_text() == "new text" and a.stat().st_ino == b.stat().st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_owner_and_group_are_kept(tmp_path: Path):
    target = tmp_path / "theirs.txt"
    target.write_text("old")
    os.chown(target, 1234, 5678)
    write_document(target, "new")
    assert (target.stat().st_uid, target.stat().st_gid) == (1234, 5678)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_honour_the_umask(tmp_path: Path, umask: int, mode: int):
    old = os.umask(umask)
    try:
        write_document(tmp_path / "new.txt", "text")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == mode


async def test_a_read_only_file_asks_before_it_is_replaced(make_app, tmp_path: Path):
    target = tmp_path / "ro.txt"
    target.write_text("old")
    target.chmod(0o444)
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        append(app, "new ")
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
        assert "read-only" in str(app.screen.query_one(".dialog-message").render())
        await pilot.click("#choice-no")
        await pilot.pause()
        assert target.read_text() == "old"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#choice-yes")
        await settle(pilot)
    assert target.read_text() == "oldnew " and target.stat().st_mode & 0o777 == 0o444


async def test_editing_through_a_symlink_keeps_the_link_and_no_copy(make_app, tmp_path: Path):
    real, link = tmp_path / "real.txt", tmp_path / "link.txt"
    real.write_text("old")
    link.symlink_to(real)
    app = make_app(link)
    async with app.run_test(size=(100, 30)) as pilot:
        append(app, "new ")
        app.editor_screen.autosave()
        await pilot.press("escape", "ctrl+s")
        await settle(pilot)
    assert link.is_symlink() and real.read_text() == "oldnew "
    assert recovery_copies() == []


class FullDisk:
    """A disk with ``free`` bytes left, for one file: writes into the space the file
    already holds succeed, growing it past that fails with ENOSPC, as does reserving
    more (posix_fallocate). Stands in for a full tmpfs, which needs root to mount."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, target: Path, free: int = 0) -> None:
        import builtins
        import errno

        self.limit = target.stat().st_size + free
        real_open, real_fallocate = builtins.open, os.posix_fallocate
        disk = self

        class Limited:
            def __init__(self, raw) -> None:
                self.raw = raw

            def __getattr__(self, name):
                return getattr(self.raw, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.raw.close()

            def write(self, data) -> int:
                room = disk.limit - self.raw.tell()
                if room <= 0:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return self.raw.write(bytes(data[:room]))

        def limited_open(file, mode="r", *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            if Path(file) == target and ("+" in mode or "w" in mode or "a" in mode):
                return Limited(handle.raw if hasattr(handle, "raw") else handle)
            return handle

        def limited_fallocate(fd, offset, length):
            if offset + length > disk.limit:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_fallocate(fd, offset, length)

        monkeypatch.setattr(builtins, "open", limited_open)
        monkeypatch.setattr(os, "posix_fallocate", limited_fallocate)


async def test_a_hard_linked_file_on_a_full_disk_is_not_destroyed(make_app, tmp_path: Path, monkeypatch):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    old = "".join(f"line {i} of the essay\n" for i in range(5000))
    a.write_text(old)
    os.link(a, b)
    app = make_app(a)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        editor.insert("A new opening. ", (0, 0))
        await pilot.press("escape")
        with monkeypatch.context() as m:
            FullDisk(m, a)
            await pilot.press("ctrl+s")
            await settle(pilot)
        assert a.read_text() == old and b.read_text() == old
        assert notices(app)[-1] == (f"{a} could not be saved: No space left on device. The file was not changed; "
                                    "your text is still in the editor: free some space, or use Save As.")
        assert app.editor_screen.modified
        await pilot.press("ctrl+s")  # space freed
        await settle(pilot)
    assert b.read_text() == "A new opening. " + old and a.stat().st_ino == b.stat().st_ino


def test_an_in_place_write_that_fails_midway_puts_the_old_text_back(tmp_path: Path, monkeypatch):
    import errno

    from lstm_tui.core import atomic

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old text\n" * 1000)
    os.link(a, b)
    real = atomic._write_all
    calls = []

    def failing(handle, data):  # the first write breaks halfway (an I/O error)
        calls.append(len(data))
        if len(calls) == 1:
            handle.write(data[: len(data) // 2])
            raise OSError(errno.EIO, "Input/output error")
        real(handle, data)

    monkeypatch.setattr(atomic, "_write_all", failing)
    with pytest.raises(DocumentError, match="Input/output error. The file was put back as it was"):
        write_document(a, "new text\n" * 500)
    assert b.read_text() == "old text\n" * 1000


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/null"])
def test_devices_are_refused_not_read(special: str):
    with pytest.raises(DocumentError) as refused:
        read_document(Path(special))
    assert str(refused.value) == (f"{special} is not a regular file (a pipe, a device or a socket), so it "
                                  "was not opened; lstm-tui edits text files.")


def test_a_file_too_large_to_edit_is_refused_unread(tmp_path: Path):
    from lstm_tui.tui.documents import MAX_DOCUMENT_BYTES

    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no disk space needed
    with pytest.raises(DocumentError, match=r"huge.txt is larger than 64 MB, so it was not opened"):
        read_document(huge)


async def test_a_fifo_is_refused_and_ctrl_q_still_quits(make_app, tmp_path: Path):
    import errno
    import threading
    import time

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = threading.Event()

    def writer():  # ends any read of the FIFO (as an empty file), so a blocked app cannot hang the test
        while not done.is_set():
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError as exc:
                assert exc.errno == errno.ENXIO  # no reader yet
            time.sleep(0.01)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        app = make_app(fifo)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert notices(app)[0] == (f"{fifo} is not a regular file (a pipe, a device or a socket), so it "
                                       "was not opened; lstm-tui edits text files.")
            await pilot.press("ctrl+q")
            await pilot.pause()
        assert app.return_code == 0
    finally:
        done.set()
        thread.join()


def test_without_posix_fallocate_a_full_disk_still_refuses_before_a_byte_changes(tmp_path: Path, monkeypatch):
    from lstm_tui.core.atomic import InPlaceWriteError, write_in_place

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    old = b"the essay as it was\n" * 500
    a.write_bytes(old)
    os.link(a, b)
    with monkeypatch.context() as m:
        FullDisk(m, a, free=10)
        m.delattr(os, "posix_fallocate")  # as on macOS: the space is reserved with zeros
        with pytest.raises(InPlaceWriteError) as caught:
            write_in_place(a, b"A new opening. " + old)
    assert caught.value.state == "unchanged" and b.read_bytes() == old
    monkeypatch.delattr(os, "posix_fallocate")
    write_in_place(a, b"A new opening. " + old)  # room enough: written
    assert b.read_bytes() == b"A new opening. " + old


async def test_an_in_place_save_keeps_the_text_in_a_recovery_copy_until_it_is_written(make_app, tmp_path: Path,
                                                                                      monkeypatch):
    """An in-place save is not atomic: a kill -9 in the middle leaves a half-written file.
    The text being saved is in a recovery copy before a byte of the file changes."""
    from lstm_tui.tui import documents

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("the old essay\n")
    os.link(a, b)
    copies_during_write = []
    real = documents.write_in_place

    def watched(target, data):  # where a kill -9 would strike
        copies_during_write.append([p.read_text() for p in recovery_copies()])
        real(target, data)

    monkeypatch.setattr(documents, "write_in_place", watched)
    app = make_app(a)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(GhostTextEditor).insert("A new opening. ", (0, 0))
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await settle(pilot)
    (copies,) = copies_during_write
    assert len(copies) == 1 and "A new opening. the old essay" in copies[0]
    assert b.read_text() == "A new opening. the old essay\n" and recovery_copies() == []  # saved: gone
