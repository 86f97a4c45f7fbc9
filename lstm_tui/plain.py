"""Text from files, models and cards made safe to show in a terminal.

A name or sample may hold escape sequences (which would retitle the terminal or
garble the screen) or square brackets (which Rich and Textual read as markup). The
callers show it as ``rich.text.Text`` or with markup off; this module makes every
control character visible as an escape instead of sending it to the terminal.
"""

from __future__ import annotations

import unicodedata


def _shown(char: str, keep_newlines: bool) -> str:
    if char == "\n" and keep_newlines:
        return char
    if char == "\t":
        return " "
    if char.isprintable() or unicodedata.category(char) == "Zs":  # spaces of every width
        return char
    # Controls (C0, DEL, C1), line separators and format characters such as bidi
    # overrides: shown as Python writes them, so a person sees what is there.
    return ascii(char)[1:-1]


def plain(value: object, keep_newlines: bool = False) -> str:
    """``value`` as text with no control characters or escape sequences left in it."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(_shown(c, keep_newlines) for c in text)
