"""What kind of source a path is (plain text, Markdown, an mbox, a Maildir, an .eml
file), told by its content where that is cheap and by its name otherwise, and the
rule each kind is read by (part of the token cache's key)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from . import mail, markdown

KINDS = ("text", "markdown", *mail.KINDS)
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
# Files that sit beside mail and are not writing: skipped with this reason.
NOT_WRITING = {".msf": "a mail client's index (.msf)", ".emlx": "an Apple Mail message (.emlx) is not read"}


def kind_of(path: Path) -> str:
    """One of KINDS. A folder is a Maildir (find_files lists no other folder)."""
    if path.is_dir():
        return "maildir"
    suffix = path.suffix.lower()
    if suffix == ".eml" or (path.parent.name in ("cur", "new") and mail.is_maildir(path.parent.parent)):
        return "eml"  # or one message of a Maildir, named on its own
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError:
        head = b""  # sniffing the file will say why it cannot be read
    if mail.looks_like_mbox(head) or (suffix == ".mbox" and head.startswith(b"From ")):
        return "mbox"
    return "markdown" if suffix in MARKDOWN_SUFFIXES else "text"


def not_writing(path: Path) -> str | None:
    """Why a file is skipped by its name alone, if it is."""
    return None if path.is_dir() else NOT_WRITING.get(path.suffix.lower())


def rule(kind: str, from_address: str | None = None, skip: Collection[str] = ()) -> str:
    """How a kind is read, beyond its bytes: "" for plain text (so caches made before
    there were readers still serve it)."""
    if kind == "markdown":
        return markdown.RULE
    if kind in mail.KINDS:
        return mail.rule(from_address, skip)
    return ""
