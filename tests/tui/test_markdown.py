"""Markdown files are highlighted (through Textual's tree-sitter support); other text,
and Markdown too large to re-highlight at every key, stays plain."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm_tui.tui.widgets import prose_area
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

from .conftest import settle

pytest.importorskip("tree_sitter_markdown", reason="textual[syntax] is a dependency: pip install -e .")

NOTES = "# Chapter one\n\nShe walked *slowly* to the `river`.\n"


async def test_markdown_is_highlighted_and_plain_text_is_not(make_app, tmp_path: Path):
    notes, plain = tmp_path / "notes.md", tmp_path / "notes.txt"
    notes.write_text(NOTES, encoding="utf-8")
    plain.write_text(NOTES, encoding="utf-8")
    app = make_app(notes)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        assert editor.language == "markdown"
        names = {name for row in editor._highlights.values() for _, _, name in row}
        assert any(name.startswith("heading") for name in names), names
        heading, body = editor._render_line(0), editor._render_line(2)
        assert heading.text.startswith("# Chapter one")
        assert {s.style for s in heading if s.text.strip()} != {s.style for s in body if s.text.strip()}
        await pilot.press("ctrl+end", "W", "o", "w", "space")  # typing: counts still kept
        await settle(pilot)
        info = app.editor_screen.status.info
        assert (info.words, info.chars) == (len(editor.text.split()), len(editor.text))
        await app.editor_screen.open_path(plain)
        assert editor.language is None and not editor._highlights


async def test_emphasis_code_and_links_are_highlighted_outside_code_blocks(make_app, tmp_path: Path):
    notes = tmp_path / "notes.md"
    notes.write_text("She walked *slowly* to the `river`, see [the map](https://example.org) **now**.\n\n"
                     "```\n*not emphasis* here\n```\n", encoding="utf-8")
    app = make_app(notes)
    async with app.run_test(size=(100, 30)):
        editor = app.query_one(GhostTextEditor)
        names = {name for _, _, name in editor._highlights[0]}
        assert {"italic", "inline_code", "link.label", "link.uri", "bold"} <= names, names
        assert not any(name == "italic" for _, _, name in editor._highlights[3])  # inside the code block
        line = editor._render_line(0)
        emphasised = next(s.style for s in line if "slowly" in s.text)
        plain = next(s.style for s in line if "walked" in s.text)
        assert emphasised != plain


async def test_large_markdown_stays_plain(make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(prose_area, "HIGHLIGHT_MAX_CHARS", len(NOTES) - 1)
    notes = tmp_path / "notes.md"
    notes.write_text(NOTES, encoding="utf-8")
    app = make_app(notes)
    async with app.run_test(size=(100, 30)):
        assert app.query_one(GhostTextEditor).language is None


async def test_highlighting_follows_the_screen(make_app, tmp_path: Path):
    notes = tmp_path / "long.md"
    notes.write_text("".join(f"## Part {n}\n\nText of part {n}.\n\n" for n in range(1, 201)), encoding="utf-8")
    app = make_app(notes)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(GhostTextEditor)
        last_heading = editor.document.line_count - 5  # "## Part 200"
        assert editor.document[last_heading] == "## Part 200"
        assert not editor._highlights.get(last_heading)  # far below the screen: not queried
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert editor._highlights.get(last_heading)
        assert not editor._highlights.get(0)  # and the top, far above, is let go
