"""The ghost text's state and layout, apart from the widget that draws them.

``Ghost`` is what the newest request suggested and how much of it was typed since;
``layout_ghost`` splits what is left into the part drawn after the cursor and rows
drawn below the text; ``ghost_color`` is its colour in a theme. Plain Python, so they
are tested without an app.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from rich.color import ColorSystem
from textual.color import Color

MAX_GHOST_ROWS = 8  # screen rows below the document that a long ghost may take
MIN_ROOM = 2  # cells a ghost needs on a row it cannot wrap from: a character and "\u2026"


@dataclass
class Ghost:
    stream: str = ""  # the newest request's text so far
    typed: str = ""  # what the user typed (or accepted) of it since the request
    alternatives: list[str] = field(default_factory=list)  # every option, once the request finished
    index: int = 0  # which option is shown; taken modulo the options that still fit
    anchor: tuple[int, int] | None = None  # where the cursor must stay for the ghost to stay

    @property
    def options(self) -> list[str]:
        """The suggestions that begin with what was typed and go on past it."""
        source = self.alternatives or ([self.stream] if self.stream else [])
        return [o for o in source if o.startswith(self.typed) and len(o) > len(self.typed)]

    @property
    def rest(self) -> str:
        """The shown option, less what was typed of it: what Tab inserts."""
        options = self.options
        return options[self.index % len(options)][len(self.typed):] if options else ""

    def finish(self, text: str, alternatives: list[str]) -> None:
        """The request ended with ``text`` and ``alternatives``: offer each once, not blank."""
        self.stream = text
        self.alternatives = list(dict.fromkeys(a for a in [text, *alternatives] if a.strip()))
        self.index = 0

    def clear(self) -> None:
        self.stream, self.typed, self.alternatives, self.index, self.anchor = "", "", [], 0, None


@dataclass(frozen=True)
class GhostStatus:
    """What the status bar and the Footer show of the ghost."""

    shown: bool = False  # a ghost is on screen
    index: int = 0  # which alternative is shown, from 0
    count: int = 0  # how many alternatives fit what was typed
    pending: bool = False  # a request is running


def layout_ghost(ghost: str, width: int, room: int | None, at_end: bool) -> tuple[str, list[str]]:
    """Split ``ghost`` into what is drawn after the cursor and the rows under the text.

    ``width`` is the wrap width, ``room`` the cells left after the cursor on its screen
    row (None: the ghost is not cut to the row) and ``at_end`` whether the cursor is at
    the end of the document. TextArea draws its suggestion inside the cursor's screen
    row and crops the rest. At the end of the document the rows below are free, so the
    ghost goes on there, word-wrapped like the text. Elsewhere they hold text: the
    cursor's row shows what fits, "\u2026" that the line goes on and "\u23ce" that more
    lines follow (Tab takes all of it).
    """
    first, newline, rest = ghost.partition("\n")
    mark = "\u23ce" if newline else ""
    if not ghost or room is None:
        return first + mark, []
    if not at_end:
        if len(first) + len(mark) <= room:
            return first + mark, []
        if room < MIN_ROOM:
            return "", []  # nothing of it would show
        cut = first.rfind(" ", 0, room)
        return first[:cut if cut > 0 else max(room - 1, 0)] + "\u2026", []
    inline, overflow = first, ""
    if len(first) > room:
        cut = first.rfind(" ", 0, room + 1)
        if cut <= 0:  # no word fits: a new word starts on the next row, a long one is cut
            cut = 0 if first.startswith(" ") else max(room, 0)
        inline, overflow = first[:cut], first[cut:].lstrip(" ")
    paragraphs = ([overflow] if overflow else []) + (rest.split("\n") if newline else [])
    rows = [row_text for p in paragraphs
            for row_text in (textwrap.wrap(p, width, break_on_hyphens=False) or [""])]
    return inline, rows[:MAX_GHOST_ROWS]


# -- the ghost's colour -----------------------------------------------------------------

GHOST_MIX = (0.45, 0.55, 0.65, 0.35, 0.75)  # how far from the text toward the background, in order tried
MIN_CONTRAST = 0.2  # luminance between the ghost and the text, in the terminal's own colours
MIN_READABLE = 0.1  # ... and between the ghost and the background
COLOR_SYSTEMS = {"256": ColorSystem.EIGHT_BIT, "standard": ColorSystem.STANDARD, "windows": ColorSystem.WINDOWS}


def _seen(color: Color, system: ColorSystem | None) -> tuple[int | None, float]:
    """What the terminal shows for ``color``: its palette number (None in true colour)
    and its luminance."""
    rich = color.rich_color if system is None else color.rich_color.downgrade(system)
    rgb = rich.get_truecolor()
    return rich.number, (0.2126 * rgb.red + 0.7152 * rgb.green + 0.0722 * rgb.blue) / 255


def ghost_color(text: Color, background: Color, system: ColorSystem | None = None) -> Color | None:
    """The text's colour moved toward the background, far enough that the ghost is told
    from the text at a glance in the terminal's colours: a 256- or 16-colour terminal
    rounds both to its palette, where a muted grey can land on the text's own colour.
    None where no palette colour will do: in 16 colours (the ghost is then drawn faint)."""
    if system in (ColorSystem.STANDARD, ColorSystem.WINDOWS):
        return None  # 16 colours: each terminal has its own palette (xterm's light grey is
        # almost white), so no palette colour is safely between text and background
    seen_text, seen_background = _seen(text, system), _seen(background, system)
    for mix in GHOST_MIX:
        ghost = text.blend(background, mix)
        seen = _seen(ghost, system)
        if system is not None and seen[0] in (seen_text[0], seen_background[0]):
            continue
        if abs(seen[1] - seen_text[1]) >= MIN_CONTRAST and abs(seen[1] - seen_background[1]) >= MIN_READABLE:
            return ghost
    return None
