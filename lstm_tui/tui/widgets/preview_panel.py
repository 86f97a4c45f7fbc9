"""PreviewPanel: what "Learn my writing" would read, in plain words, and the budget
those words suggest; the files are read in a thread, never on the event loop."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from ...core import preview as previews  # the module, so a test's patch of previews.preview holds
from ...core.errors import LstmTuiError
from ...core.mail import is_address
from ...plain import plain

EMPTY = "Choose folders, files or a mail folder on the left: what would be read shows here."
ANYONE_NOTE = "Mail from everyone is read: fill in \"Only mail from\" to keep only what you sent."


class PreviewPanel(Static):
    @dataclass
    class Ready(Message):
        """A preview is shown (the panel shows it; the screen may prefill the budget)."""

        text: str  # the preview in plain words
        words: int | None  # of the writer's own; None when nothing could be previewed
        minutes: int | None  # the suggested fine-tune budget
        asked: int = 0  # which choice it answers (PreviewPanel.asked when it was made)

    asked = 0  # choices previewed so far: an answer to an older one is not shown

    def show_preview(self, paths: tuple[str, ...], from_address: str) -> None:
        """Preview ``paths`` (mail only from ``from_address``, if one) in a thread."""
        self.asked += 1
        self.workers.cancel_group(self, "preview")
        if not paths:
            self.post_message(self.Ready(EMPTY, None, None, self.asked))
            return
        if from_address and not is_address(from_address):
            self.post_message(self.Ready(f"\"Only mail from\" needs an email address such as "
                                         f"me@example.com, not {from_address!r}.", None, None, self.asked))
            return
        self.update("Looking through what you chose\u2026")
        self.run_preview(paths, from_address or None, self.asked)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def run_preview(self, paths: tuple[str, ...], from_address: str | None, asked: int) -> None:
        try:
            found = previews.preview(paths, from_address)
        except (LstmTuiError, OSError) as exc:
            text, words, minutes = f"Cannot read this: {exc}", None, None
        else:
            notes = [n for n in found.notes if not n.startswith("Mail from everyone")]
            if from_address is None and found.messages_found:
                notes.append(ANYONE_NOTE)
            lines = found.describe().splitlines()[: -len(found.notes) or None] + notes
            words = found.words
            minutes = previews.suggested_minutes(words) if words else None
            if minutes:
                lines.append(f"Suggested budget: {minutes} minutes of fine-tuning, for {words:,} words "
                             "(filled in below unless you typed one).")
            text = "\n".join(lines)
        if not get_current_worker().is_cancelled:  # a newer choice has its own preview coming
            self.post_message(self.Ready(text, words, minutes, asked))

    def on_preview_panel_ready(self, event: Ready) -> None:
        if event.asked != self.asked:  # a newer choice was made while this one was read
            event.stop()
            return
        self.update(Text(plain(event.text, keep_newlines=True)))  # file names are not markup
