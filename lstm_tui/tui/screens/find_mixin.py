"""The editor screen's find and replace: the find bar asks, a thread searches.

The search runs over a copy of the line list (a pointer per line, not the text), in a
thread, so a term missing from 20 MB never holds up the screen; its answer is dropped
if the document was edited meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from ..messages import SearchDone
from ..search import Location, count_matches, find_next, find_previous, pattern, replace_all
from ..widgets.find_bar import FindBar

if TYPE_CHECKING:
    from ..widgets.ghost_editor import GhostTextEditor


class FindMixin:
    """Mixed into EditorScreen, which provides ``editor``, ``notify`` and ``query_one``."""

    if TYPE_CHECKING:
        editor: GhostTextEditor

    @property
    def find_bar(self) -> FindBar:
        return self.query_one("#find", FindBar)

    def action_find(self) -> None:
        selected = self.editor.selected_text
        self.find_bar.open(selected if selected and "\n" not in selected else None)

    def action_find_next(self, forward: bool = True) -> None:
        bar = self.find_bar
        if not bar.term:
            self.action_find()
        else:
            self.find(bar.term, bar.match_case, forward)

    # Handlers by plain name, not @on: the decorator needs a MessagePump class, not a mixin.

    def on_find_bar_find(self, event: FindBar.Find) -> None:
        self.find(event.term, event.match_case, event.forward)

    def find(self, term: str, match_case: bool, forward: bool, replacement: str | None = None) -> None:
        """Select the next (previous) match after (before) the selection, wrapping round;
        with ``replacement``, replace every match instead."""
        editor = self.editor
        start, end = sorted(editor.selection)
        document = editor.document
        state = (document, getattr(document, "generation", None))
        self._search(state, list(document.lines), term, match_case, end if forward else start, forward,
                     replacement)

    @work(thread=True, exclusive=True, group="find", exit_on_error=False, description="search the document")
    def _search(self, state: tuple[object, int | None], lines: list[str], term: str, match_case: bool,
                origin: Location, forward: bool, replacement: str | None) -> None:
        regex = pattern(term, match_case)
        count = None
        if replacement is not None:
            found = replace_all(lines, regex, replacement)
        else:
            found = find_next(lines, regex, origin) if forward else find_previous(lines, regex, origin)
            if found is not None:
                count = count_matches(lines, regex, found[0])
        self.post_message(SearchDone(state, term, found, count))

    def on_search_done(self, event: SearchDone) -> None:
        editor = self.editor
        document = editor.document
        if event.state != (document, getattr(document, "generation", None)):
            return  # edited since: the writer has moved on
        if event.found is None:
            self._tell(event.term, "no match", warning=True)
        elif len(event.found) == 4:  # replace all: the stretch from the first match to the last
            start, end, text, count = event.found
            editor.history.checkpoint()  # one undo step, apart from the typing around it
            editor.replace(text, start, end)
            editor.history.checkpoint()
            self._tell(event.term, f"replaced {count:,}")
        else:
            editor.move_cursor(event.found[0])
            editor.move_cursor(event.found[1], select=True, center=True)
            if event.count:
                self._tell(event.term, "{:,} of {:,}".format(*event.count), closed_too=False)

    def _tell(self, term: str, result: str, warning: bool = False, closed_too: bool = True) -> None:
        """What a search found: in the find bar (a notification would cover it), and
        with ``closed_too`` as a notification when the bar is closed (F8 from the text)."""
        bar = self.find_bar
        bar.say(result, warning)
        if closed_too and bar.has_class("hidden"):
            self.notify(f"\u201c{term}\u201d: {result}", severity="warning" if warning else "information",
                        timeout=3)

    def on_find_bar_replace(self, event: FindBar.Replace) -> None:
        editor = self.editor
        if event.everywhere:
            self.find(event.term, event.match_case, True, replacement=event.replacement)
            return
        if pattern(event.term, event.match_case).fullmatch(editor.selected_text):  # the last match found
            start, end = sorted(editor.selection)
            editor.history.checkpoint()
            editor.replace(event.replacement, start, end)
            editor.history.checkpoint()
        self.find(event.term, event.match_case, True)

    def on_find_bar_closed(self, event: FindBar.Closed) -> None:
        self.editor.focus()
