"""StatusBar: one line with the document, the model and the last suggestion's speed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.widgets import Static

from ...plain import plain


@dataclass(frozen=True)
class StatusInfo:
    document: str = "untitled"  # file name shown
    modified: bool = False
    new: bool = False  # the file does not exist yet (created on first save)
    words: int | None = 0  # None: not counted (yet)
    chars: int | None = 0
    model: str = "loading model\u2026"  # name, or what is happening to it
    device: str = ""  # cpu, cuda, mps
    latency_ms: float | None = None  # last suggestion: request to first character
    rate: float | None = None  # last suggestion: tokens per second
    alternative: tuple[int, int] = (0, 0)  # shown index from 0, count
    auto: bool = True  # automatic suggestions on
    pending: bool = False  # a suggestion is streaming
    unsure: bool = False  # the last suggestion was held back: the model was not sure enough
    learning: str = ""  # e.g. "learned 1,204 tokens" while learning from the document is on
    training: str = ""  # e.g. "training 42%"


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { width: 1fr; height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.info = StatusInfo()

    def on_mount(self) -> None:
        self.update(self.render_info())

    def set(self, **changes) -> None:
        new = replace(self.info, **changes)
        if new != self.info:
            self.info = new
            # One row of the screen's width whatever it says: no layout, which cost a
            # whole-screen reflow at every keystroke (the word count changes).
            self.update(self.render_info(), layout=False)

    def render_info(self) -> Text:
        i = self.info
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(plain(i.document), style="bold")  # a file name, shown as it is
        if i.modified:
            text.append(" \u25cf modified", style="yellow")
        else:
            text.append(" new file" if i.new else " saved", style="green")
        if i.words is not None:
            text.append(f"  {i.words:,} words")
        elif i.chars is not None:
            text.append("  counting words\u2026")
        if i.chars is not None:
            text.append(f" {i.chars:,} chars")
        text.append("  \u2502  ")
        text.append(plain(i.model), style="bold")  # a card's name may hold anything
        if i.device:
            text.append(f" on {i.device.upper()}")
        if i.latency_ms is not None:
            text.append(f"  {i.latency_ms:.0f} ms")
        if i.rate:
            text.append(f" {i.rate:.0f} tok/s")
        index, count = i.alternative
        if count > 1:
            text.append(f"  {index + 1} of {count}", style="bold cyan")
        if i.pending:
            text.append("  \u2026", style="cyan")
        elif i.unsure:
            text.append("  unsure", style="dim")
        text.append("  auto" if i.auto else "  manual (Ctrl+G)", style="" if i.auto else "yellow")
        if i.learning:
            text.append(f"  {i.learning}", style="green")
        if i.training:
            text.append(f"  \u2502  {i.training}", style="magenta")
        return text
