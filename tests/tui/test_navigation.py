"""Moving around and between documents: Ctrl+Home/End, go to line, where a file opens,
paths typed in the open and save-as dialogs, a new document, recent files."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from lstm_tui.tui.screens.dialogs import ChoiceScreen, PathPromptScreen, TextPromptScreen
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import notices, settle

LINES = "".join(f"Line {n} of the story.\n" for n in range(1, 51))


async def answer(pilot, value: str) -> None:
    """Type ``value`` into the open prompt and press Enter."""
    pilot.app.screen.query_one(Input).value = value
    await pilot.press("enter")
    await pilot.pause()


async def test_document_start_end_and_go_to_line(make_app, tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text(LINES, encoding="utf-8")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        assert editor.cursor_location == (0, 0)  # a file opens at its start
        await pilot.press("ctrl+end")
        assert editor.cursor_location == editor.document.end == (50, 0)
        await pilot.press("ctrl+home")
        assert editor.cursor_location == (0, 0)
        await pilot.press("ctrl+shift+end")
        assert editor.selected_text == LINES
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, TextPromptScreen)
        await answer(pilot, "30")
        assert editor.cursor_location == (29, 0) and editor.has_focus
        await pilot.press("ctrl+l")
        await answer(pilot, "12:6")
        assert editor.cursor_location == (11, 5)
        await pilot.press("ctrl+l")
        await answer(pilot, "999")  # past the end: the last line
        assert editor.cursor_location == (50, 0)
        await pilot.press("ctrl+l")
        await answer(pilot, "[b]x")  # not a number: said, as plain text
        assert editor.cursor_location == (50, 0)
        assert any("'[b]x' is not a line number" in m for m in notices(app))


async def test_a_file_reopens_where_it_was_left(make_app, tmp_path: Path):
    target = tmp_path / "story.txt"
    target.write_text(LINES, encoding="utf-8")
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(GhostTextEditor).move_cursor((20, 4))
        await pilot.press("ctrl+q")
        await settle(pilot)
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.query_one(GhostTextEditor).cursor_location == (20, 4)
    target.write_text("Short now.\n", encoding="utf-8")  # changed since: kept inside it
    app = make_app(target)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.query_one(GhostTextEditor).cursor_location == (1, 0)


async def test_dialog_paths_are_relative_to_the_folder_shown(make_app, tmp_path: Path):
    folder = tmp_path / "book"
    folder.mkdir()
    doc = folder / "chapter.txt"
    doc.write_text("Chapter one.\n", encoding="utf-8")
    (tmp_path / "story.md").write_text("The story.\n", encoding="utf-8")
    app = make_app(doc)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.editor_screen
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, PathPromptScreen)
        assert str(folder) in str(app.screen.query_one("#path-root").render())
        await answer(pilot, "../story.md")  # beside the document's folder, not the cwd
        await settle(pilot)
        assert screen.session.path == tmp_path / "story.md"
        assert app.query_one(GhostTextEditor).text == "The story.\n"
        # A mistyped name asks before it becomes an empty new document.
        await pilot.press("ctrl+o")
        await answer(pilot, "stroy.md")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.click("#choice-cancel")
        await settle(pilot)
        assert screen.session.path == tmp_path / "story.md"
        await pilot.press("ctrl+o")
        await answer(pilot, "notes.md")
        await pilot.click("#choice-new")
        await settle(pilot)
        assert screen.session.path == tmp_path / "notes.md" and app.query_one(GhostTextEditor).text == ""
        assert not (tmp_path / "notes.md").exists()  # created on the first save
        # Save as: the document's folder too.
        app.query_one(GhostTextEditor).insert("Notes.")
        await pilot.press("f12")
        await answer(pilot, "book/notes-copy.md")
        await settle(pilot)
        assert (folder / "notes-copy.md").read_text(encoding="utf-8") == "Notes."


async def test_new_document_and_recent_files(make_app, tmp_path: Path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("First.\n", encoding="utf-8")
    second.write_text("Second.\n", encoding="utf-8")
    app = make_app(first)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.editor_screen
        await screen.open_path(second)
        await settle(pilot)
        editor = app.query_one(GhostTextEditor)
        editor.insert("Unsaved ")
        [new] = [c for c in app.get_system_commands(app.screen) if c.title == "New document"]
        await new.callback()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceScreen)  # unsaved changes: asked first
        await pilot.click("#choice-discard")
        await settle(pilot)
        assert screen.session.path is None and editor.text == "" and not screen.modified
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.index("Open recent: second.txt") < titles.index("Open recent: first.txt")
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("down", "enter")  # the second newest
        await settle(pilot)
        assert screen.session.path == first and editor.text == "First.\n"


async def test_recent_files_are_offered_on_start_as_plain_text(make_app, tmp_path: Path):
    from textual.content import Content

    odd = tmp_path / "[b]odd.txt"
    odd.write_text("Odd.\n", encoding="utf-8")
    app = make_app(odd)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
    app = make_app()  # no file: the start says where the recent ones are
    async with app.run_test(size=(100, 30)) as pilot:
        placeholder = Content.from_text(app.query_one(GhostTextEditor).placeholder).plain
        assert "Ctrl+R reopens a recent file ([b]odd.txt)" in placeholder
        await pilot.press("ctrl+r", "enter")
        await settle(pilot)
        assert app.editor_screen.session.path == odd
