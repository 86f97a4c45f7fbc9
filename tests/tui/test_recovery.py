"""Recovery copies that cannot be lost, and saves that do not overwrite others' text.

A crash is simulated by leaving ``run_test`` without quitting: the app's copy stays on
disk and its lock is let go, as the kernel lets go of a killed process's locks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lstm_tui import paths
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import append, autosave, notices, settle


def recovery_copies() -> list[Path]:
    return sorted(paths.recovery_dir().glob("*.json"))


def dialog_title(app) -> str:
    return str(app.screen.query_one(".dialog-title").render())


async def choose(pilot, choice: str) -> None:
    """Press a dialog's button and let the answer land."""
    await pilot.click(f"#choice-{choice}")
    await pilot.pause()


async def crash_after_typing(make_app, target: Path, words: str) -> None:
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        append(app, words)
        await autosave(pilot)


async def test_an_offered_copy_outlives_autosave_keep_for_later_and_a_second_crash(make_app, tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("Saved.\n", encoding="utf-8")
    await crash_after_typing(make_app, target, "Unsaved words.")
    assert len(recovery_copies()) == 1

    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "Recover unsaved text" in dialog_title(app)
        app.editor_screen.autosave()  # the timer fires while the offer is on screen
        await pilot.pause()
        assert len(recovery_copies()) == 1
        await pilot.press("escape")  # neither restore nor discard: keep it
        await settle(pilot)
        app.editor_screen.autosave()
        assert len(recovery_copies()) == 1
    # A second crash: the copy is still there and offered again.
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await choose(pilot, "restore")
        assert app.query_one(GhostTextEditor).text == "Saved.\nUnsaved words."
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert target.read_text() == "Saved.\nUnsaved words."
    assert recovery_copies() == []  # saved, so every copy of it is gone


async def test_two_windows_on_one_file_keep_their_own_copies(make_app, tmp_path):
    target = tmp_path / "two.txt"
    target.write_text("Start.\n", encoding="utf-8")
    app_a, app_b = make_app(target), make_app(target)
    async with app_a.run_test(size=(100, 30)) as pilot_a:
        append(app_a, "Words from window A.")
        await autosave(pilot_a)
        async with app_b.run_test(size=(100, 30)) as pilot_b:
            await pilot_b.pause()
            assert app_b.screen is app_b.editor_screen  # A's copy is live: not offered in B
            assert any("open with unsaved changes in 1 other" in m for m in notices(app_b))
            append(app_b, "b")
            await pilot_b.press("ctrl+s")
            await settle(pilot_b)
            assert target.read_text() == "Start.\nb"
            warned = notices(app_b)
            assert any("unsaved changes in 1 other lstm-tui window" in m for m in warned)
            await pilot_b.press("ctrl+q")
            await settle(pilot_b)
        assert len(recovery_copies()) == 1  # A's, untouched by B's save and quit
        await pilot_a.press("escape", "ctrl+s")  # A does not save over B's text unasked
        await pilot_a.pause()
        assert dialog_title(app_a) == "Changed on disk"
        await choose(pilot_a, "cancel")
    # A was killed. Its text is offered on the next start.
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "Recover unsaved text" in dialog_title(app)
        await choose(pilot, "restore")
        assert "Words from window A." in app.query_one(GhostTextEditor).text


async def test_every_copy_of_a_document_is_offered(make_app, tmp_path):
    target = tmp_path / "many.txt"
    await crash_after_typing(make_app, target, "first crash")
    await crash_after_typing(make_app, target, "second crash")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "(1 of 2)" in dialog_title(app)
        await choose(pilot, "discard")
        assert "(2 of 2)" in dialog_title(app)
        await choose(pilot, "restore")
        assert app.query_one(GhostTextEditor).text == "second crash"
        assert len(recovery_copies()) == 1  # the restored one stays until it is saved


async def test_bad_recovery_copies_are_offered_to_be_moved_aside_once(make_app, tmp_path):
    folder = paths.recovery_dir()
    folder.mkdir(parents=True)
    good = {"path": None, "text": "kept", "saved_at": 1.7e9}
    bad = {"huge.1-0000000a": {**good, "saved_at": 1e20}, "nan.1-0000000b": {**good, "saved_at": float("nan")},
           "type.1-0000000c": {**good, "text": 5}}
    for name, record in bad.items():
        (folder / f"untitled.{name.split('.')[1]}.json").write_text(json.dumps(record))
    (folder / "untitled.1-0000000d.json").write_text("[" * 100_000 + "]" * 100_000)
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert dialog_title(app) == "Unreadable recovery copies"
        assert "4 recovery copies could not be read" in str(app.screen.query_one(".dialog-message").render())
        await choose(pilot, "leave")
        await settle(pilot)
        assert app.screen is app.editor_screen
    assert len(recovery_copies()) == 4  # skipped, not deleted: a person may want to look
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert dialog_title(app) == "Unreadable recovery copies"  # left: asked again
        await choose(pilot, "aside")
        await settle(pilot)
        assert notices(app)[-1] == f"Moved to {folder / 'unreadable'}."
    assert recovery_copies() == [] and len(list((folder / "unreadable").glob("*.json"))) == 4
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen is app.editor_screen and not notices(app)  # not mentioned again


async def test_a_file_changed_by_another_program_is_not_overwritten(make_app, tmp_path):
    target = tmp_path / "ext.txt"
    target.write_text("Mine.\n", encoding="utf-8")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        target.write_text("Another program wrote this.\n", encoding="utf-8")
        editor.insert("More of mine.", editor.document.end)
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await pilot.pause()  # not settle: the save waits on the question
        assert dialog_title(app) == "Changed on disk"
        assert "was changed by another program" in str(app.screen.query_one(".dialog-message").render())
        await pilot.click("#choice-cancel")
        await settle(pilot)
        assert target.read_text() == "Another program wrote this.\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#choice-reload")
        await settle(pilot)
        assert editor.text == "Another program wrote this.\n" and not app.editor_screen.modified
        editor.action_undo()  # the writer's text is one undo away
        assert editor.text == "Mine.\nMore of mine."
        await pilot.press("ctrl+s")  # the disk is as last read now: no question
        await settle(pilot)
        assert target.read_text() == "Mine.\nMore of mine."
        target.write_text("Changed again.\n", encoding="utf-8")
        editor.insert("!", editor.document.end)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#choice-overwrite")
        await settle(pilot)
    assert target.read_text() == "Mine.\nMore of mine.!"


async def test_temp_files_of_a_killed_save_are_removed_at_start(make_app, tmp_path):
    target = tmp_path / "big.txt"
    target.write_text("text\n")
    dead = 2**22 + 12345  # beyond pid_max's default: no such process
    leftover = tmp_path / f".big.txt.lstm-tui-{dead}-abc123.tmp"
    leftover.write_text("half a save")
    other = tmp_path / ".big.txt.someone-else.tmp"
    other.write_text("not ours")
    live = tmp_path / f".big.txt.lstm-tui-{os.getpid()}-def456.tmp"
    live.write_text("a save in progress")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
    assert not leftover.exists() and other.exists() and live.exists()


def test_a_killed_process_leaves_its_copy_to_the_next_and_a_live_one_keeps_it(tmp_path):
    """The lock is the kernel's: real processes, a real SIGKILL."""
    import signal
    import subprocess
    import sys

    from lstm_tui.tui.recovery import RecoveryStore

    folder, doc = tmp_path / "rec", tmp_path / "doc.txt"
    doc.write_text("saved")
    code = ("import sys, time; from pathlib import Path; from lstm_tui.tui.recovery import RecoveryStore\n"
            f"s = RecoveryStore(Path({str(folder)!r})); s.write(Path({str(doc)!r}), 'typed in A')\n"
            "print('ready', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        assert child.stdout.readline().strip() == "ready"
        window_b = RecoveryStore(folder)
        assert window_b.find(doc) == [] and window_b.others_editing(doc) == 1
        window_b.close()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    after = RecoveryStore(folder)
    [copy] = after.find(doc)
    assert copy.text == "typed in A" and after.others_editing(doc) == 0


def test_lock_files_of_ended_instances_are_swept(tmp_path):
    from lstm_tui.tui.recovery import RecoveryStore

    folder = tmp_path / "rec"
    folder.mkdir()
    stale, young = folder / "1-0000000a.lock", folder / "2-0000000b.lock"
    kept = folder / "3-0000000c.lock"  # its crashed instance left a copy
    (folder / "untitled.3-0000000c.json").write_text('{"path": null, "text": "t", "saved_at": 1}')
    for lock in (stale, young, kept):
        lock.touch()
    for lock in (stale, kept):
        os.utime(lock, (1, 1))
    store = RecoveryStore(folder)
    assert not stale.exists() and young.exists() and kept.exists()
    store.close()


async def test_an_older_versions_copy_is_offered_and_keeps_the_line_endings(make_app, tmp_path):
    from lstm_tui.tui.recovery import RecoveryStore

    target = tmp_path / "old.txt"
    target.write_bytes(b"one\r\ntwo\r\n")
    folder = paths.recovery_dir()
    folder.mkdir(parents=True)
    legacy = folder / f"{RecoveryStore.key(target)}.json"  # one file per path, CRLF text
    legacy.write_text(json.dumps({"path": str(target.resolve()), "text": "one\r\ntwo\r\nthree", "saved_at": 1.7e9}))
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await choose(pilot, "restore")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert target.read_bytes() == b"one\r\ntwo\r\nthree" and not legacy.exists()


async def test_an_outside_change_of_the_same_size_and_time_is_noticed(make_app, tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("abcdefgh\n")
    os.utime(target, ns=(1_577_836_800_000_000_000,) * 2)
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        before = target.stat()
        target.write_text("ABCDEFGH\n")  # another program: same size, and the time set back
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        editor = app.query_one(GhostTextEditor)
        editor.insert("!", (0, 0))
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
        assert dialog_title(app) == "Changed on disk"
        await pilot.click("#choice-cancel")
        await settle(pilot)
    assert target.read_text() == "ABCDEFGH\n"


async def test_recovery_copies_and_their_folder_are_private_whatever_the_umask(make_app, tmp_path):
    paths.recovery_dir().mkdir(parents=True, mode=0o755)  # as an earlier version left it
    old = os.umask(0o000)
    try:
        app = make_app(tmp_path / "story.txt")
        async with app.run_test(size=(100, 30)) as pilot:
            append(app, "my unsaved words")
            await autosave(pilot)
            copies = list(paths.recovery_dir().glob("*.json"))
            assert copies and all(p.stat().st_mode & 0o777 == 0o600 for p in copies)
    finally:
        os.umask(old)
    assert paths.recovery_dir().stat().st_mode & 0o777 == 0o700


async def test_restoring_a_second_copy_asks_before_it_replaces_the_first(make_app):
    await crash_after_typing(make_app, None, "first untitled")
    await crash_after_typing(make_app, None, "second untitled")
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "(1 of 2)" in dialog_title(app)
        await choose(pilot, "restore")
        first = app.query_one(GhostTextEditor).text
        assert "(2 of 2)" in dialog_title(app)
        await choose(pilot, "restore")
        assert dialog_title(app) == "Replace the text in the editor?"
        await choose(pilot, "keep")
        await settle(pilot)
        assert app.query_one(GhostTextEditor).text == first  # not replaced
        assert app.screen is app.editor_screen
    assert len(recovery_copies()) == 2  # the other is kept for the next start
    app = make_app(None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await choose(pilot, "restore")
        first = app.query_one(GhostTextEditor).text
        await choose(pilot, "restore")
        assert dialog_title(app) == "Replace the text in the editor?"
        await choose(pilot, "replace")
        await settle(pilot)
        assert {first, app.query_one(GhostTextEditor).text} == {"first untitled", "second untitled"}
    assert len(recovery_copies()) == 2  # the replaced copy is kept, not lost
