"""GhostTextEditor: a TextArea that shows a model's continuation as ghost text.

It knows nothing about models. After a pause in typing it posts
``SuggestionRequested(request_id, context)``; whoever owns the model answers with
``show_continuation(request_id, text)``. Every edit that is not the user typing
exactly what the ghost predicted starts a new request id, which is how a running
stream learns it is stale (its stop hook compares ids). Accepting inserts through
the normal edit path, as one undoable edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets.text_area import Edit

from ...core.policy import worth_showing
from ...core.writer import NEXT_WORD  # what Ctrl+Right takes of a ghost
from .ghost import MIN_ROOM, Ghost, GhostStatus, layout_ghost
from .prose_area import ProseArea
from .rows import visible_controls

CONTEXT_CHARS = 4000  # the text before the cursor sent to the model, at least
AFTER_CHARS = 200  # the text after the cursor a suggestion inside a line stops before
# The ghost stays shown (or gone), and the keys quiet, this long before the Footer follows.
FOOTER_SETTLE_SECONDS = 0.4


class GhostTextEditor(ProseArea):
    BINDINGS = [
        Binding("tab", "accept", "Accept", id="accept",
                tooltip="accept the suggestion (none: ask; line start: indent)"),
        Binding("ctrl+right", "accept_word", "Word", id="accept_word", show=False,
                tooltip="accept the next word of the suggestion"),
        # TextArea's own Right, which accepts the ghost here (action_cursor_right).
        Binding("right", "cursor_right", "Right", id="accept_right", show=False,
                tooltip="at the ghost text: accept it all"),
        Binding("escape", "dismiss", "Dismiss", id="dismiss", show=False,
                tooltip="dismiss the suggestion and stop generating"),
        # Ctrl first: the Footer shows a binding's first key, and Alt+] reaches no app in
        # tmux or screen (ESC ] starts a terminal control string there).
        # Off the Footer (80 columns hold the rest); the status bar's "2 of 4 (^n)" says it.
        Binding("ctrl+n,alt+right_square_bracket", "cycle(1)", "Next alt", id="next_alternative", show=False,
                tooltip="next alternative (\"2 of 4\"; set Alternatives in F2)"),
        Binding("ctrl+b,alt+left_square_bracket", "cycle(-1)", "Prev alt", id="previous_alternative",
                show=False, tooltip="previous alternative (the Alt keys fail in tmux)"),
        Binding("ctrl+g", "suggest", "Suggest", id="suggest", show=False,
                tooltip="suggest now (also when automatic suggestions are off)"),
    ]

    _editing = False  # inside edit(): cursor moves are the edit's own
    _after = ""  # the line's text after the cursor when the suggestion was asked for
    _footer_timer: Timer | None = None  # refreshes the bindings once the ghost settles
    _ghost_rows: list[str] = []  # the ghost's wrapped rest, drawn below the document's last line
    # What is shown of the ghost, set after each change to it; its watcher tells the screen.
    ghost_status: var[GhostStatus] = var(GhostStatus(), init=False)

    class SuggestionRequested(Message):
        """Continue ``context`` (the text before the cursor) as request ``request_id``.
        Inside a line, the ghost shown stops before it would repeat what follows the
        cursor (``policy.before_repeat``)."""

        def __init__(self, request_id: int, context: str, auto: bool) -> None:
            super().__init__()
            self.request_id = request_id
            self.context = context
            self.auto = auto

    @dataclass
    class GhostChanged(Message):
        """What is shown of the ghost changed (for the status bar)."""

        status: GhostStatus

    def __init__(self, text: str = "", *, debounce: float = 0.06, auto_suggest: bool = True,
                 alternatives: bool = False, **kwargs) -> None:
        self._ghost = Ghost()  # before TextArea's __init__, whose cursor moves watch_selection sees
        kwargs.setdefault("soft_wrap", True)
        kwargs.setdefault("tab_behavior", "indent")
        kwargs.setdefault("show_line_numbers", False)
        super().__init__(text, **kwargs)
        self.debounce = debounce  # seconds of quiet typing before a request
        self.auto_suggest = auto_suggest
        self._offers_alternatives = alternatives  # requests ask for more than one suggestion
        self.request_id = 0  # the newest request; older streams stop when they see it change
        self.pending = False  # a request is running
        self._timer: Timer | None = None

    # -- the ghost ---------------------------------------------------------------------

    @property
    def ghost(self) -> str:
        """The continuation still to accept (the full text, newlines included)."""
        return self._ghost.rest

    def _render_ghost(self) -> None:
        ghost = self.ghost
        at_end = self.cursor_location == self.document.end
        inline, rows = layout_ghost(ghost, self.wrap_width, self._room(), at_end)
        if ghost and not inline and not rows:
            # Typed into a full row: a ghost that cannot be seen is not there for Tab to take.
            self.dismiss_ghost()
            return
        self.suggestion = inline
        if rows != self._ghost_rows:
            self._ghost_rows = rows
            self._refresh_size()
            self.refresh()
            if rows:  # only at the end of the document: bring them into view, cursor kept
                height = self.scrollable_content_region.height
                below = Region(0, self.wrapped_document.height, 1, min(len(rows), max(0, height - 1)))
                if below.height:
                    self.scroll_to_region(below, animate=False, immediate=True)
        count = len(self._ghost.options)
        self.ghost_status = GhostStatus(bool(ghost), self._ghost.index % max(count, 1), count, self.pending)

    def watch_ghost_status(self, old: GhostStatus, new: GhostStatus) -> None:
        self.post_message(self.GhostChanged(new))
        # Only when what the keys can do changes, and once it has settled and typing
        # has paused: it makes the Footer recompose, and a keystroke that came during
        # one waited for it (docs/notes/speed.md).
        # The keys themselves follow at once (check_action reads ghost_status).
        if (old.shown, old.count > 1) != (new.shown, new.count > 1):
            self._footer_follows()

    def _footer_follows(self) -> None:
        """Refresh the Footer's bindings after FOOTER_SETTLE_SECONDS of quiet."""
        if self._footer_timer is not None:
            self._footer_timer.stop()
        self._footer_timer = self.set_timer(FOOTER_SETTLE_SECONDS, self._refresh_footer)

    def _refresh_footer(self) -> None:
        self._footer_timer = None
        self.refresh_bindings()

    def _room(self) -> int | None:
        """Cells left after the cursor on its screen row; None when a ghost is not cut
        to the row (no soft wrap, or a window too narrow to bother)."""
        width = self.wrap_width
        if not self.soft_wrap or width < 8:
            return None
        row, column = self.cursor_location
        offsets = [o for o in self.wrapped_document.get_offsets(row) if o <= column]
        return width - len(self.document[row][offsets[-1] if offsets else 0:column])

    def _why_no_suggestion(self) -> str | None:
        """Why a ghost could not be shown at the cursor, or None if it could."""
        if not self._between_words():
            return "Suggestions come between words: move the cursor to a word's end first."
        room = self._room()
        if self.cursor_location != self.document.end and room is not None and room < MIN_ROOM:
            return "This row is full, so a suggestion would not show: type on, or press Enter."
        return None

    def _refresh_size(self) -> None:
        super()._refresh_size()
        if self._ghost_rows:
            self.virtual_size = Size(self.virtual_size.width, self.virtual_size.height + len(self._ghost_rows))

    def render_line(self, y: int) -> Strip:
        rows = self._ghost_rows
        k = y + self.scroll_offset.y - self.wrapped_document.height
        if rows and 0 <= k < len(rows) and (self.has_focus or not self.hide_suggestion_on_blur):
            theme = self._theme
            base = theme.base_style if theme and theme.base_style is not None else self.rich_style
            ghost = base + self.get_component_rich_style("text-area--suggestion")
            segments = [Segment(" " * self.gutter_width, base), Segment(visible_controls(rows[k]), ghost)]
            return Strip(segments).extend_cell_length(self.size.width, base)
        return super().render_line(y)

    def on_resize(self) -> None:
        self._render_ghost()  # the rows wrap to the new width

    def show_continuation(self, request_id: int, text: str, guess: bool = False) -> None:
        """The stream for ``request_id`` has reached ``text``; stale ids are ignored.
        ``guess``: shown because it was asked for, though the model is unsure (drawn
        dimmer)."""
        if request_id != self.request_id:
            return
        self._ghost.stream = self._worth_showing(text)
        self.set_class(guess, "-guess")
        self._render_ghost()

    def finish_continuation(self, request_id: int, text: str, alternatives: list[str],
                            guess: bool = False) -> None:
        if request_id != self.request_id:
            return
        self.pending = False
        self._ghost.finish(self._worth_showing(text), [self._worth_showing(a) for a in alternatives])
        self.set_class(guess, "-guess")
        self._render_ghost()

    def _worth_showing(self, text: str) -> str:
        """What of a suggestion to show: none of it when it is too short to save a key,
        and inside a line, not what would repeat the text after the cursor."""
        return worth_showing(text, self._after)

    def fail_continuation(self, request_id: int) -> None:
        if request_id == self.request_id:
            self.pending = False
            self._render_ghost()

    def dismiss_ghost(self) -> None:
        """Hide the ghost and stop any running stream (its id is now stale)."""
        self.request_id += 1
        self.pending = False
        self._stop_timer()
        self._ghost.clear()
        self._render_ghost()

    # -- requests ----------------------------------------------------------------------

    def context_before_cursor(self) -> str:
        row, column = self.cursor_location
        start = row
        size = column
        while start > 0 and size < CONTEXT_CHARS:
            start -= 1
            size += len(self.document[start]) + 1
        return self.document.get_text_range((start, 0), (row, column))

    def _between_words(self) -> bool:
        """Whether a suggestion may go at the cursor: at a line's end, or inside it where
        no word goes on past the cursor (the text after it is then the ghost's limit)."""
        row, column = self.cursor_location
        after = self.document[row][column:column + 1]
        return self.selection.is_empty and not (after.isalnum() or (after and after in "'\u2019_"))

    def text_after_cursor(self) -> str:
        """The rest of the cursor's line (some of it: a suggestion needs its first word)."""
        row, column = self.cursor_location
        return self.document[row][column:column + AFTER_CHARS]

    def request_suggestion(self, auto: bool = False) -> bool:
        """Ask for a continuation at the cursor now; False where none could be shown
        (mid-line, or a full row)."""
        self._stop_timer()
        if self._why_no_suggestion():
            return False
        context = self.context_before_cursor()
        if auto and not context.strip():
            return False
        self.request_id += 1
        self.pending = True
        self._ghost.clear()
        self._ghost.anchor = self.cursor_location
        self._after = self.text_after_cursor()
        self._render_ghost()
        # Straight to the screen that owns the model: bubbling up through each parent's
        # message queue costs a few event-loop turns, which is most of the latency budget.
        target = self.screen if self.is_attached else self
        target.post_message(self.SuggestionRequested(self.request_id, context, auto))
        return True

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _schedule(self) -> None:
        self._stop_timer()
        if self.auto_suggest and self._between_words():
            if self.debounce <= 0:
                self.request_suggestion(auto=True)
            else:
                self._timer = self.set_timer(self.debounce, lambda: self.request_suggestion(auto=True))

    def _text_changed(self) -> None:
        """Any edit that was not the predicted text: the ghost is stale."""
        self.dismiss_ghost()
        self._schedule()

    # -- edits ---------------------------------------------------------------------------

    def edit(self, edit: Edit) -> object:
        ghost = self.ghost
        predicted = bool(ghost) and edit.from_location == edit.to_location == self.cursor_location \
            and self.selection.is_empty and ghost.startswith(edit.text) and bool(edit.text)
        self._editing = True
        try:
            result = super().edit(edit)
        finally:
            self._editing = False
        if predicted:
            self._ghost.typed += edit.text
            self._ghost.anchor = self.cursor_location
            self._render_ghost()
            if not self.ghost and not self.pending:
                self._schedule()  # all of it taken: the next one
        else:
            self._text_changed()
        return result

    def load_text(self, text: str) -> None:
        self.dismiss_ghost()
        super().load_text(text)

    def action_undo(self) -> None:
        super().action_undo()
        self._text_changed()

    def action_redo(self) -> None:
        super().action_redo()
        self._text_changed()

    def watch_selection(self) -> None:
        # Moving the cursor away from where the ghost sits dismisses it.
        if self._editing or self._ghost.anchor is None:
            return
        if not self.selection.is_empty or self.cursor_location != self._ghost.anchor:
            self.dismiss_ghost()

    def _on_blur(self, event: events.Blur) -> None:
        self._stop_timer()

    async def _on_key(self, event: events.Key) -> None:
        if self._footer_timer is not None:  # still typing: the Footer waits for a pause
            self._footer_follows()
        if event.key == "tab" and self.ghost:
            event.stop()
            event.prevent_default()
            self.action_accept()
        elif event.key == "tab" and self._after_text():
            # No ghost in mid-line: a writer reaching for one, not for indentation (when
            # the model was unsure, Tab put spaces in the sentence). It asks instead.
            event.stop()
            event.prevent_default()
            if not self.pending:
                self.action_suggest()
        elif event.key == "escape" and (self.ghost or self.pending):
            event.stop()
            event.prevent_default()
            self.dismiss_ghost()

    def _after_text(self) -> bool:
        """Whether the cursor follows text on its line (not only indentation)."""
        row, column = self.cursor_location
        return not self.document[row][:column].isspace() and column > 0

    # -- actions ----------------------------------------------------------------------

    def _insert_ghost(self, text: str) -> None:
        # Checkpoints on both sides make the accepted text one undo step of its own.
        self.history.checkpoint()
        self.insert(text)
        self.history.checkpoint()

    def action_accept(self) -> None:
        if self.ghost:
            self._insert_ghost(self.ghost)

    def action_accept_word(self) -> None:
        ghost = self.ghost
        if not ghost:
            self.action_cursor_word_right()
            return
        match = NEXT_WORD.match(ghost)
        self._insert_ghost(match.group(0) if match else ghost)

    def action_cursor_right(self, select: bool = False) -> None:
        # TextArea would insert the (display) suggestion; accept the real ghost instead.
        if self.ghost and not select:
            self.action_accept()
        else:
            super().action_cursor_right(select)

    def action_dismiss(self) -> None:
        self.dismiss_ghost()

    @property
    def offers_alternatives(self) -> bool:
        return self._offers_alternatives

    @offers_alternatives.setter
    def offers_alternatives(self, value: bool) -> None:
        if value != self._offers_alternatives:
            self._offers_alternatives = value
            self.refresh_bindings()  # the alternative keys show, or go

    def action_cycle(self, step: int) -> None:
        count = len(self._ghost.options)
        if not self._offers_alternatives:  # the palette runs actions the keys cannot
            self.notify("One suggestion at a time: set Alternatives to 2 or more in the sampling panel "
                        "(F2), or choose the precise or creative preset.", timeout=4)
        elif count > 1:
            self._ghost.index = (self._ghost.index + step) % count
            self._render_ghost()

    def action_suggest(self) -> None:
        if not self.request_suggestion(auto=False):
            self.notify(self._why_no_suggestion() or "No suggestion here.", severity="warning", timeout=3)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # From what is shown, which the watcher above refreshes the bindings for.
        if action in ("accept", "dismiss"):
            return True if self.ghost_status.shown else None
        if action == "cycle":  # hidden when only one suggestion is ever made
            return True if self.ghost_status.count > 1 else (None if self._offers_alternatives else False)
        return True
