"""The ghost's state and layout without an app: which options fit what was typed,
how a ghost splits between the cursor's row and the rows below, and when the
status bar and the Footer hear of a change."""

from __future__ import annotations

from lstm_tui.tui.widgets.ghost import MAX_GHOST_ROWS, Ghost, GhostStatus, layout_ghost
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor

# -- Ghost ------------------------------------------------------------------------------


def test_typing_the_ghost_leaves_the_rest_to_accept():
    ghost = Ghost(stream=" the sea")
    assert ghost.options == [" the sea"] and ghost.rest == " the sea"
    ghost.typed = " th"
    assert ghost.rest == "e sea"
    ghost.typed = " the sea"  # all of it taken: nothing left to offer
    assert ghost.options == [] and ghost.rest == ""
    ghost.typed = " a"  # typed something else
    assert ghost.rest == ""


def test_finished_alternatives_are_offered_once_and_filtered_by_what_was_typed():
    ghost = Ghost(stream=" the", index=2)
    ghost.finish(" the sea", [" the sea", "  ", " a boat", " the sky"])
    assert ghost.stream == " the sea" and ghost.index == 0
    assert ghost.alternatives == [" the sea", " a boat", " the sky"]  # no repeat, no blank
    ghost.typed = " the s"
    assert ghost.options == [" the sea", " the sky"]
    ghost.index = 3  # counted round the options that still fit
    assert ghost.rest == "ky"


def test_clearing_forgets_everything():
    ghost = Ghost(" a", " ", [" a", " b"], 1, (0, 3))
    ghost.clear()
    assert ghost == Ghost() and ghost.rest == ""


# -- layout_ghost -----------------------------------------------------------------------


def test_no_ghost_or_no_room_to_measure_is_drawn_as_it_is():
    assert layout_ghost("", 40, 10, at_end=True) == ("", [])
    assert layout_ghost(" a line\nand more", 40, None, at_end=True) == (" a line\u23ce", [])


def test_inside_the_text_a_ghost_stays_on_the_cursors_row():
    assert layout_ghost(" finished.\nMore", 40, 20, at_end=False) == (" finished.\u23ce", [])
    # Cut after the last word that fits, "\u2026" saying the line goes on.
    assert layout_ghost(" finished the letter", 40, 12, at_end=False) == (" finished\u2026", [])
    assert layout_ghost("abcdefgh", 40, 4, at_end=False) == ("abc\u2026", [])  # no space: cut in the word
    assert layout_ghost("abcdefgh", 40, 1, at_end=False) == ("", [])  # not a character would show


def test_at_the_end_a_ghost_wraps_into_the_rows_below():
    assert layout_ghost(" the cat", 10, 8, at_end=True) == (" the cat", [])
    assert layout_ghost(" the cat sat on the mat", 10, 8, at_end=True) == (" the cat", ["sat on the", "mat"])
    # Line breaks start new rows; an empty line stays one.
    assert layout_ghost("end.\n\nNext one", 10, 20, at_end=True) == ("end.", ["", "Next one"])


def test_at_the_end_a_word_that_does_not_fit_starts_the_next_row():
    assert layout_ghost(" longword", 10, 0, at_end=True) == ("", ["longword"])
    assert layout_ghost("longword", 10, 3, at_end=True) == ("lon", ["gword"])  # a word longer than the room


def test_rows_below_are_capped():
    inline, rows = layout_ghost("a" + "\nb" * 20, 10, 5, at_end=True)
    assert inline == "a" and rows == ["b"] * MAX_GHOST_ROWS


# -- GhostTextEditor.ghost_status -------------------------------------------------------


class FakeTimers:
    """set_timer's timers, run by hand: ``settle`` calls those not stopped."""

    class Timer:
        def __init__(self, callback):
            self.callback, self.stopped = callback, False

        def stop(self):
            self.stopped = True

    def __init__(self):
        self.timers = []

    def set_timer(self, delay, callback):
        self.timers.append(self.Timer(callback))
        return self.timers[-1]

    def settle(self):
        for timer in self.timers:
            if not timer.stopped:
                timer.callback()
        self.timers.clear()


def test_the_footer_follows_what_the_keys_do_once_it_settles(monkeypatch):
    """GhostChanged at each change; the bindings (a Footer recompose) only when what the
    keys do changed and stayed so: a ghost that a keystroke dismissed at once costs the
    keystroke no recompose."""
    editor = GhostTextEditor()  # not mounted: only its reactive is used
    posted, refreshed, clock = [], [], FakeTimers()
    settle = clock.settle
    monkeypatch.setattr(editor, "post_message", posted.append)
    monkeypatch.setattr(editor, "set_timer", clock.set_timer)
    monkeypatch.setattr(editor, "refresh_bindings", lambda: refreshed.append(editor.ghost_status))
    statuses = [
        GhostStatus(pending=True),  # asked: nothing to take yet
        GhostStatus(True, 0, 1, True),  # shown: Tab takes it
        GhostStatus(True, 0, 1, False),
        GhostStatus(True, 0, 3, False),  # alternatives: the cycle keys
        GhostStatus(True, 1, 3, False),
        GhostStatus(True, 1, 3, False),  # no change: no message
        GhostStatus(),  # gone
    ]
    for status in statuses:
        editor.ghost_status = status
        settle()
    assert [m.status for m in posted] == statuses[:5] + statuses[6:]
    assert refreshed == [statuses[1], statuses[3], statuses[6]]

    refreshed.clear()
    editor.ghost_status = GhostStatus(True, 0, 1, False)  # shown, then dismissed by a key
    editor.ghost_status = GhostStatus()
    settle()
    assert refreshed == [GhostStatus()]  # once, as it settled


async def test_typing_holds_the_footer_back_until_it_pauses(monkeypatch):
    """A Footer recompose in the middle of typing made the next keystroke's echo wait
    (bench/tui.py): while keys keep coming, the refresh waits for a pause."""
    from textual import events

    editor = GhostTextEditor()  # not mounted: its key handler and reactive are used
    refreshed, clock = [], FakeTimers()
    monkeypatch.setattr(editor, "post_message", lambda message: None)
    monkeypatch.setattr(editor, "set_timer", clock.set_timer)
    monkeypatch.setattr(editor, "refresh_bindings", lambda: refreshed.append(editor.ghost_status))
    editor.ghost_status = GhostStatus(True, 0, 1, False)  # a ghost: the Footer is to offer Tab
    (waiting,) = clock.timers
    await editor._on_key(events.Key("a", "a"))  # typed before it settled
    assert waiting.stopped and not clock.timers[-1].stopped  # the wait starts again
    clock.settle()
    assert refreshed == [GhostStatus(True, 0, 1, False)]
    await editor._on_key(events.Key("b", "b"))  # nothing pending: a key starts no wait
    assert clock.timers == []

