"""DocumentSession without a screen: real files in tmp_path, the editor's lines as plain lists."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lstm_tui.tui.document_session import DocumentSession
from lstm_tui.tui.documents import DocumentError
from lstm_tui.tui.recent import RecentDocuments
from lstm_tui.tui.recovery import RecoveryStore

EDITOR = object()  # stands for the editor's document in an edit state


def lines_of(text: str) -> list[str]:
    """The editor's lines for ``text`` (it holds "\\n" alone)."""
    return text.split("\n")


def make_session(tmp_path: Path) -> DocumentSession:
    return DocumentSession(RecoveryStore(tmp_path / "recovery"), RecentDocuments(tmp_path / "recent.json"))


def open_as_editor(session: DocumentSession, path: Path, generation: int = 0) -> list[str]:
    """Open ``path`` as the screen does: the text goes to the editor and is the saved one."""
    lines = lines_of(session.open(path))
    session.mark_saved(lines, (EDITOR, generation))
    return lines


def copies_offered(tmp_path: Path, path: Path) -> list[str]:
    """The texts of the copies of ``path`` another window, starting now, would offer."""
    other = make_session(tmp_path)
    open_as_editor(other, path)
    return [copy.text for copy in other.look_for_copies().copies]


def test_a_save_keeps_crlf_and_the_mode(tmp_path: Path):
    target = tmp_path / "letter.txt"
    target.write_bytes(b"Dear Ann,\r\nThank you.\r\n")
    os.chmod(target, 0o640)
    session = make_session(tmp_path)
    assert session.open(target) == "Dear Ann,\nThank you.\n"  # the editor sees "\n" alone
    saved = session.save(target, "Dear Ann,\nThank you.\nBest, Bo\n", (2, 8))
    assert target.read_bytes() == b"Dear Ann,\r\nThank you.\r\nBest, Bo\r\n"  # the new line too
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not saved.moved and saved.others_editing == 0
    assert session.outside_change() is None  # what it wrote is what it knows


def test_a_first_save_moves_the_document_and_remembers_it(tmp_path: Path):
    session = make_session(tmp_path)
    session.new()
    target = tmp_path / "new.txt"
    saved = session.save(target, "One.\n", (1, 0))
    assert saved.moved and session.path == target and target.read_text() == "One.\n"
    assert session.recent_files() == [target] and session.recent.cursor_for(target) == (1, 0)


def test_a_file_that_cannot_be_opened_leaves_the_document_as_it_was(tmp_path: Path):
    first, binary = tmp_path / "first.txt", tmp_path / "image.bin"
    first.write_text("Words.\n")
    binary.write_bytes(b"\x89PNG\0\0")
    session = make_session(tmp_path)
    session.open(first)
    with pytest.raises(DocumentError, match="binary"):
        session.open(binary)
    assert session.path == first and session.layout.text == "Words.\n"


def test_modified_compares_lines_and_looks_modified_the_edit_count(tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text("Once.\nUpon.\n")
    session = make_session(tmp_path)
    lines = open_as_editor(session, target, generation=3)
    assert not session.modified(lines) and not session.looks_modified((EDITOR, 3))
    edited = [*lines[:-1], "A time.", ""]
    assert session.modified(edited) and session.looks_modified((EDITOR, 4))
    assert not session.modified(list(lines))  # undone back to the saved text
    assert session.looks_modified((EDITOR, 5))  # which the edit count alone cannot tell
    assert session.looks_modified((object(), 3))  # another document
    session.mark_saved(lines, (EDITOR, None))  # a document that keeps no edit count
    assert session.looks_modified((EDITOR, None))


def test_an_outside_change_is_found_even_with_the_same_size_and_time(tmp_path: Path):
    target = tmp_path / "notes.txt"
    target.write_text("Mine.\n")
    session = make_session(tmp_path)
    open_as_editor(session, target)
    assert session.outside_change() is None
    before = target.stat()
    target.write_text("Hers.\n")  # as long, and the time set back
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    change = session.outside_change()
    assert change is not None and change.was == session.disk and change.now.size == before.st_size
    assert change.describe().startswith("was 6 bytes") and ", now 6 bytes" in change.describe()
    assert session.reload() == "Hers.\n" and session.outside_change() is None
    target.unlink()
    assert session.outside_change() is None  # gone: a save creates it again


def test_an_untitled_document_or_a_new_file_has_no_outside_change(tmp_path: Path):
    session = make_session(tmp_path)
    assert session.outside_change() is None
    session.open(tmp_path / "later.txt")  # does not exist yet
    assert session.disk is None and session.outside_change() is None
    (tmp_path / "later.txt").write_text("Someone else's.\n")
    change = session.outside_change()
    assert change is not None and change.was is None and change.describe().startswith("did not exist, now ")


def test_read_only_is_told_through_a_symlink(tmp_path: Path):
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("x")
    link.symlink_to(target)
    os.chmod(target, 0o444)
    assert DocumentSession.read_only(link) and DocumentSession.read_only(target)
    os.chmod(target, 0o644)
    assert not DocumentSession.read_only(link)


def test_a_recovery_copy_is_written_and_found_after_a_crash(tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text("Saved.\n")
    crashed = make_session(tmp_path)
    lines = open_as_editor(crashed, target)
    assert crashed.autosave(lines, (EDITOR, 0)) is None  # nothing unsaved: nothing to copy
    edited = ["Saved.", "Unsaved.", ""]
    write = crashed.autosave(edited, (EDITOR, 1))
    assert write is not None and write.lines == edited and write.path == target
    assert crashed.autosave(edited, (EDITOR, 2)) is None  # one write at a time
    assert crashed.write_copy(write) is None
    crashed.copy_written(0.0, failed=False)
    assert crashed.autosave(edited, (EDITOR, 1)) is None  # the copy holds this state already
    [copy_file] = (tmp_path / "recovery").glob("*.json")
    crashed.recovery.close()  # the process ends without a clean quit: the copy stays

    session = make_session(tmp_path)
    open_as_editor(session, target)
    found = session.look_for_copies()
    assert found.others_editing == 0 and found.unreadable == []
    [copy] = found.copies
    assert copy.file == copy_file and copy.text == "Saved.\nUnsaved.\n"
    assert session.restore(copy) == "Saved.\nUnsaved.\n"
    restored = lines_of(copy.text)
    session.restored_as((EDITOR, 7))
    assert session.holds_restored_copy and session.modified(restored)  # restored, not saved
    assert session.autosave(restored, (EDITOR, 7)) is None  # the crashed session's copy holds it
    session.save(target, copy.text, (1, 0))
    assert not session.holds_restored_copy and target.read_text() == "Saved.\nUnsaved.\n"
    assert list((tmp_path / "recovery").glob("*.json")) == []  # saved: no copy is left


def test_writes_wait_ten_times_as_long_as_the_last_took_and_a_failed_one_is_retried(tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text("Saved.\n")
    slow, failing = make_session(tmp_path), make_session(tmp_path)
    for session in (slow, failing):
        open_as_editor(session, target)
        assert session.autosave(["Edited.", ""], (EDITOR, 1)) is not None
    slow.copy_written(3600.0, failed=False)  # it took an hour: the next waits ten
    assert slow.autosave(["Edited again.", ""], (EDITOR, 2)) is None
    failing.copy_written(0.0, failed=True)
    assert failing.autosave(["Edited.", ""], (EDITOR, 1)) is not None  # the same state, tried again


def test_a_copy_taken_before_a_save_is_not_written_after_it(tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text("Saved.\n")
    session = make_session(tmp_path)
    open_as_editor(session, target)
    write = session.autosave(["Edited.", ""], (EDITOR, 1))
    session.save(target, "Edited.\n", (0, 0))  # the save went first
    assert session.write_copy(write) is None
    assert list((tmp_path / "recovery").glob("*.json")) == []


def test_discarding_the_changes_removes_a_restored_copy_and_leaving_keeps_it(tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text("Saved.\n")
    folder = tmp_path / "recovery"

    def crash_with(text: str) -> None:
        crashed = make_session(tmp_path)
        open_as_editor(crashed, target)
        crashed.write_copy(crashed.autosave(lines_of(text), (EDITOR, 1)))
        crashed.recovery.close()

    crash_with("Saved.\nFirst.\n")
    session = make_session(tmp_path)
    open_as_editor(session, target)
    [copy] = session.look_for_copies().copies
    session.restore(copy)
    session.discard_changes()  # the writer chose Discard
    assert not session.holds_restored_copy and list(folder.glob("*.json")) == []

    crash_with("Saved.\nSecond.\n")
    session = make_session(tmp_path)
    open_as_editor(session, target)
    [copy] = session.look_for_copies().copies
    session.restore(copy)
    session.leave((0, 0))  # another file opened: the restored text leaves unsaved
    assert not session.holds_restored_copy and list(folder.glob("*.json")) == [copy.file]
    assert copies_offered(tmp_path, target) == ["Saved.\nSecond.\n"]


def test_a_copy_kept_for_later_is_offered_again_and_a_discarded_one_is_not(tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text("Saved.\n")
    crashed = make_session(tmp_path)
    open_as_editor(crashed, target)
    crashed.write_copy(crashed.autosave(["Saved.", "Lost?", ""], (EDITOR, 1)))
    crashed.recovery.close()
    first = make_session(tmp_path)
    open_as_editor(first, target)
    [copy] = first.look_for_copies().copies
    assert copies_offered(tmp_path, target) == []  # held while it is offered
    first.keep_copy(copy)
    second = make_session(tmp_path)
    open_as_editor(second, target)
    [again] = second.look_for_copies().copies
    second.discard_copy(again)
    assert copies_offered(tmp_path, target) == []


def test_leaving_and_quitting_remember_the_cursor_and_remove_this_windows_copy(tmp_path: Path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("A.\n" * 5)
    second.write_text("B.\n")
    session = make_session(tmp_path)
    open_as_editor(session, first)
    session.write_copy(session.autosave(["Edited."], (EDITOR, 1)))
    assert len(list((tmp_path / "recovery").glob("*.json"))) == 1
    session.leave((3, 1))
    assert list((tmp_path / "recovery").glob("*.json")) == []
    open_as_editor(session, second)
    session.quit((0, 2))
    assert session.recent.cursor_for(first) == (3, 1) and session.recent.cursor_for(second) == (0, 2)
    session.open(first)
    assert session.cursor_left() == (3, 1)
