"""Markdown as a writer's prose: the markup dropped, the words kept, read line by line.

Dropped: front matter, fenced and indented code, HTML comments and tags, tables,
images, link URLs and reference definitions, thematic breaks. Kept without their
marks: link text, heading text (as a paragraph of its own), emphasis, inline code,
list items and block quotes. Line breaks stay as the file has them, so a
hard-wrapped file is still seen as one (and joined) by the caller.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

RULE = "markdown v1"  # bump when what is kept changes: it is part of the token cache's key
MAX_LINE = 1 << 22  # characters of one line held before it is read in parts

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_BREAK = re.compile(r"^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_TABLE_RULE = re.compile(r"^ *\|? *:?-+:? *(\| *:?-+:? *)+\|? *$")
_LIST = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>|<[^>\s@]+@[^>\s]+>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_CODE = re.compile(r"(`+)(.+?)\1")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def markdown_text(pieces: Iterable[str]) -> Iterator[str]:
    """The prose of normalised Markdown text given in pieces that end at line breaks
    (as data.iter_text reads a file), as lines that each end with a line break."""
    reader = _Reader()
    carry = ""  # the start of a line whose end is in a later piece
    for piece in pieces:
        lines = (carry + piece).split("\n")  # not splitlines: a form feed does not end a line
        carry = lines.pop()
        if len(carry) > MAX_LINE:  # a line too long to hold: read in parts
            lines.append(carry)
            carry = ""
        for line in lines:
            yield from reader.feed(line)
    if carry:
        yield from reader.feed(carry)
    yield from reader.feed(None)


class _Reader:
    """What one Markdown file's lines turn into, one line at a time. A paragraph's last
    line is held back one line, since the next may make it a heading (setext) or a
    table's header."""

    def __init__(self) -> None:
        self.first = True  # front matter may only open the file
        self.front: str | None = None  # its closing line while inside front matter
        self.fence: str | None = None  # the opening fence while inside fenced code
        self.comment = False  # inside an HTML comment
        self.code = False  # inside indented code
        self.table = False
        self.list = False  # the last block was a list, whose items' paragraphs are indented
        self.held: str | None = None  # the last paragraph line, not yet let out
        self.blank = True  # the last line let out was blank (or none was)

    def feed(self, line: str | None) -> Iterator[str]:
        if line is None:
            yield from self._release()
            return
        first, self.first = self.first, False
        if first and line.rstrip() in ("---", "+++"):
            self.front = line.rstrip()
            return
        if self.front is not None:
            if line.rstrip() in (self.front, "..."):
                self.front = None
            return
        if self.fence is not None:
            fence = _FENCE.match(line)
            if fence and fence.group(1)[0] == self.fence[0] and len(fence.group(1)) >= len(self.fence) \
                    and not line.strip().lstrip(self.fence[0]):
                self.fence = None
            return
        line = self._drop_comments(line)
        if line is None:
            return
        if not line.strip():
            self.table = False
            yield from self._release()
            yield from self._blank()
            return
        indented = line.startswith(("    ", "\t"))
        if self.code and indented:
            return
        self.code = False
        if _LIST.match(line):
            self.list = True
        elif indented and self.blank and self.held is None and not self.list:
            self.code = True
            return
        elif not indented:
            self.list = False
        if fence := _FENCE.match(line):
            self.fence = fence.group(1)
            yield from self._release()
            return
        if self.table or line.lstrip().startswith("|"):
            self.table = True
            self.held = None  # a table's header row, if it was held
            return
        if _TABLE_RULE.match(line) and self.held is not None and "|" in self.held:
            self.table, self.held = True, None
            return
        if _SETEXT.match(line) and self.held is not None:
            heading, self.held = self.held, None
            yield from self._heading(heading)
            return
        if _BREAK.match(line) or _REF_DEF.match(line):
            yield from self._release()
            return
        if heading := _ATX.match(line):
            yield from self._release()
            yield from self._heading(heading.group(2))
            return
        yield from self._release()
        self.held = line

    def _drop_comments(self, line: str) -> str | None:
        """The line without HTML comments (which may span lines); None when nothing but
        a comment was on it."""
        out: list[str] = []
        touched = self.comment or "<!--" in line
        while line:
            if self.comment:
                end = line.find("-->")
                if end < 0:
                    break
                self.comment, line = False, line[end + 3:]
                continue
            start = line.find("<!--")
            if start < 0:
                out.append(line)
                break
            out.append(line[:start])
            self.comment, line = True, line[start + 4:]
        text = "".join(out)
        return None if touched and not text.strip() else text

    def _release(self) -> Iterator[str]:
        if self.held is not None:
            text = inline_text(_block_text(self.held)).strip()
            self.held = None
            if text:
                self.blank = False
                yield text + "\n"

    def _blank(self) -> Iterator[str]:
        if not self.blank:
            self.blank = True
            yield "\n"

    def _heading(self, text: str) -> Iterator[str]:
        text = inline_text(text).strip()
        if text:
            yield from self._blank()
            yield text + "\n"
            self.blank = False
            yield from self._blank()


def _block_text(line: str) -> str:
    """A line without its block quote and list marks."""
    line = _LIST.sub("", _QUOTE.sub("", line), count=1).strip()
    return line[:-1] if line.endswith("\\") and not line.endswith("\\\\") else line  # a hard break


def inline_text(text: str) -> str:
    """One line of Markdown without its inline markup: images and autolinks dropped,
    links as their text, HTML tags, emphasis and code marks and escapes taken off."""
    codes: list[str] = []

    def keep_code(m: re.Match[str]) -> str:  # what is inside a code span is not markup
        codes.append(m.group(2).strip())
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE.sub(keep_code, text)
    text = _IMAGE.sub("", text)
    text = _AUTOLINK.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    for pattern in (_STRONG, _STRIKE):
        text = pattern.sub(lambda m: m.group(m.lastindex), text)
    text = _EM_STAR.sub(r"\1", text)
    text = _EM_UNDER.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    text = re.sub(r"(?<=\S) {2,}(?=\S)", " ", html.unescape(text))  # where markup was taken out
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], text)
