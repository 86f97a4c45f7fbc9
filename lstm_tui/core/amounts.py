"""Amounts in plain words: "1 file", "14 files", "43.1 KB"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 file", "2 files"; ``plural`` where it is not the noun and an s ("copies")."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def size_text(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"
