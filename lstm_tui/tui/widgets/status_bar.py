"""StatusBar: one line with the document, the model and the last suggestion's speed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

from ...plain import plain

MANUAL = "suggestions when asked (Ctrl+G)"  # automatic suggestions off (Ctrl+T)


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
    next_key: str = ""  # the key to the next alternative, as the Footer would show it
    auto: bool = True  # automatic suggestions on
    pending: bool = False  # a suggestion is streaming
    unsure: bool = False  # the last suggestion was held back: the model was not sure enough
    learning: str = ""  # e.g. "learned 1,204 words" while learning from the document is on
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

    def on_resize(self) -> None:
        self.update(self.render_info(), layout=False)  # what fits changed

    def set(self, **changes) -> None:
        new = replace(self.info, **changes)
        if new != self.info:
            self.info = new
            # One row of the screen's width whatever it says: no layout, which cost a
            # whole-screen reflow at every keystroke (the word count changes).
            self.update(self.render_info(), layout=False)

    def render_info(self) -> Text:
        """One row: what matters most is kept when the row is narrow (an 80-column
        terminal): the document, the model, the suggestion's state and training; the
        speed figures, the character count and the device go first."""
        i = self.info
        # (priority, text, style): the lowest priorities are dropped first to fit.
        parts: list[tuple[int, str, str]] = [(9, plain(i.document), "bold")]  # a file name, shown as it is
        if i.modified:
            parts.append((9, " \u25cf modified", "yellow"))
        else:
            parts.append((9, " new file" if i.new else " saved", "green"))
        if i.words is not None:
            parts.append((4, f"  {i.words:,} words", ""))
        elif i.chars is not None:
            parts.append((4, "  counting words\u2026", ""))
        if i.chars is not None:
            parts.append((1, f" {i.chars:,} chars", ""))
        parts.append((8, "  \u2502  ", ""))
        parts.append((8, plain(i.model), "bold"))  # a card's name may hold anything
        if i.device:
            parts.append((2, f" on {i.device.upper()}", ""))
        if i.latency_ms is not None:
            parts.append((0, f"  {i.latency_ms:.0f} ms", ""))
        if i.rate:
            parts.append((0, f" {i.rate:.0f} tok/s", ""))
        index, count = i.alternative
        if count > 1:
            key = f" ({i.next_key})" if i.next_key else ""
            parts.append((7, f"  {index + 1} of {count}{key}", "bold cyan"))
        if i.pending:
            parts.append((7, "  \u2026", "cyan"))
        elif i.unsure:
            parts.append((6, "  unsure", "dim"))
        if not i.auto:  # on, the default, goes without saying
            parts.append((6, f"  {MANUAL}", "yellow"))
        if i.learning:
            parts.append((5, f"  {i.learning}", "green"))
        if i.training:
            parts.append((8, f"  \u2502  {i.training}", "magenta"))
        width = self.size.width - 2 if self.size.width > 2 else None  # within the padding
        floor = 0
        while width is not None and sum(cell_len(t) for p, t, _ in parts if p >= floor) > width and floor < 9:
            floor += 1
        text = Text(no_wrap=True, overflow="ellipsis")
        for priority, piece, style in parts:
            if priority >= floor:
                text.append(piece, style=style)
        return text
