"""Line endings kept byte for byte (issue: separators were rewritten as CRLF on save)."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lstm_tui.tui.line_endings import SEPARATORS, relayout, split_lines

# Arbitrary text, heavy in separators and short lines, so every mix of them comes up.
PIECES = st.one_of(st.sampled_from(sorted(SEPARATORS) + ["\r\n", "a", "b", "\u00e9", " ", "\t", "\u2603"]),
                   st.text(max_size=4))
TEXTS = st.lists(PIECES, max_size=40).map("".join)


def test_every_separator_is_one_splitlines_knows():
    assert {c for c in map(chr, range(0x3000)) if len(f"a{c}b".splitlines()) == 2} == SEPARATORS


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_unedited_text_round_trips_byte_for_byte(content: str):
    layout = split_lines(content)
    assert all(not (SEPARATORS & set(line)) for line in layout.lines)
    assert layout.content == content
    assert relayout(layout, layout.text).content == content


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.data())
def test_an_edited_line_is_the_only_change(content: str, data: st.DataObject):
    layout = split_lines(content)
    row = data.draw(st.integers(0, len(layout.lines) - 1))
    lines = list(layout.lines)
    lines[row] += "x"
    saved = relayout(layout, "\n".join(lines)).content
    before, after = content.splitlines(keepends=True), saved.splitlines(keepends=True)
    if row == len(layout.lines) - 1 and layout.lines[row] == "":
        assert after == before + ["x"]  # typed on the empty last line
    else:
        changed = [i for i, (x, y) in enumerate(zip(before, after)) if x != y]
        assert len(before) == len(after) and changed == [row]
        assert after[row] == layout.lines[row] + "x" + layout.ends[row]


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.data())
def test_an_added_line_gets_the_dominant_line_ending_and_nothing_else_changes(content: str, data: st.DataObject):
    layout = split_lines(content)
    assume("added" not in content)
    row = data.draw(st.integers(0, len(layout.lines)))
    lines = list(layout.lines)
    lines.insert(row, "added")
    pieces = [line + end for line, end in zip(layout.lines, layout.ends)]
    if row < len(layout.lines):
        expected = "".join(pieces[:row]) + "added" + layout.newline + "".join(pieces[row:])
    else:  # after the last line, which now needs a line ending of its own
        expected = "".join(pieces[:-1]) + layout.lines[-1] + layout.newline + "added"
    assert relayout(layout, "\n".join(lines)).content == expected


def test_mixed_endings_stay_per_line():
    content = "one\ntwo\r\nthree\nfour\n"
    layout = split_lines(content)
    assert layout.newline == "\n"
    edited = relayout(layout, layout.text.replace("three", "three!") + "five")
    assert edited.content == "one\ntwo\r\nthree!\nfour\nfive"
    added = relayout(layout, layout.text.replace("one\n", "one\nnew\n"))
    assert added.content == "one\nnew\ntwo\r\nthree\nfour\n"


def test_form_feeds_and_odd_separators_survive_an_edit_elsewhere():
    content = "page one\fpage two\x0bv\x1cfs\u2028ls\x85nel\rcr\r\nend"
    layout = split_lines(content)
    text = layout.text.replace("end", "the end")
    assert relayout(layout, text).content == content.replace("end", "the end")


def test_editor_text_with_other_breaks_still_keeps_the_file():
    layout = split_lines("a\r\nb\r\n")
    assert relayout(layout, "a\r\nb\r\nc").content == "a\r\nb\r\nc"


@given(st.text(st.sampled_from("ab\n\u00e9 "), max_size=40))
@settings(max_examples=300, deadline=None)
def test_newline_only_text_splits_as_any_text_does(text: str):
    from lstm_tui.tui.line_endings import _split_any

    assert split_lines(text) == _split_any(text)
