"""The user's text on disk: opening safely, noticing outside changes, saving in place.

Nothing here touches widgets, so it is tested directly. A file that is binary or
not valid UTF-8 is refused with a sentence saying why, never decoded lossily. A file
is saved byte for byte as it was except where the writer edited it (line_endings.py),
through a symlink to its target, keeping its owner, group and mode.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.atomic import InPlaceWriteError, atomic_write_bytes, write_in_place
from ..core.jsonfile import open_regular
from .line_endings import LineLayout, split_lines

BINARY_SNIFF = 8192  # bytes looked at for a NUL, the mark of a binary file
# The largest file opened: the editor stays quick at 20 MB (docs/notes/speed.md), and a
# recovery copy of it must stay under recovery.MAX_COPY_BYTES.
MAX_DOCUMENT_BYTES = 64 * 2**20


class DocumentError(Exception):
    """A file cannot be opened or saved; the message is for the user."""


@dataclass(frozen=True)
class DiskState:
    """What a file on disk was when the editor last read or wrote it."""

    mtime_ns: int
    size: int
    sha256: str

    def describe(self) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(self.mtime_ns / 1e9))
        return f"{self.size:,} bytes, modified {when}"


@dataclass(frozen=True)
class OpenedDocument:
    layout: LineLayout  # the text as the editor shows it, and each line's separator
    disk: DiskState | None  # None: the file does not exist yet (created on first save)

    @property
    def text(self) -> str:
        return self.layout.text


def _state(path: Path, data: bytes) -> DiskState:
    st = path.stat()
    return DiskState(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest())


def _decode(path: Path, data: bytes) -> str:
    if b"\0" in data[:BINARY_SNIFF]:
        raise DocumentError(f"{path} looks like a binary file, so it was not opened; "
                            "lstm-tui edits plain text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{path} is not valid UTF-8 (byte {exc.start}), so it was not opened and nothing "
            "in it was changed. Convert it first, e.g. iconv -f latin1 -t utf-8.") from None


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of an editable size; never waits on a FIFO nor reads
    a device that never ends. DocumentError says why not; OSError as open raises it."""
    try:
        handle = open_regular(path)
    except ValueError:
        if path.is_dir():
            raise DocumentError(f"{path} is a folder; open a text file instead.") from None
        raise DocumentError(f"{path} is not a regular file (a pipe, a device or a socket), so it was "
                            "not opened; lstm-tui edits text files.") from None
    with handle:
        too_large = os.fstat(handle.fileno()).st_size > MAX_DOCUMENT_BYTES
        data = b"" if too_large else handle.read(MAX_DOCUMENT_BYTES + 1)
    if too_large or len(data) > MAX_DOCUMENT_BYTES:  # larger at once, or grown while read
        raise DocumentError(f"{path} is larger than {MAX_DOCUMENT_BYTES >> 20} MB, so it was not "
                            f"opened; lstm-tui edits files of up to {MAX_DOCUMENT_BYTES >> 20} MB.")
    return data


def read_document(path: Path) -> OpenedDocument:
    """The text of ``path``; empty if it does not exist yet (created on first save)."""
    try:
        data = _read_bytes(path)
    except FileNotFoundError:
        return OpenedDocument(split_lines(""), None)
    except IsADirectoryError:
        raise DocumentError(f"{path} is a folder; open a text file instead.") from None
    except OSError as exc:
        raise DocumentError(f"{path} could not be read: {exc.strerror or exc}.") from None
    return OpenedDocument(split_lines(_decode(path, data)), _state(path, data))


def changed_on_disk(path: Path, known: DiskState | None) -> DiskState | None:
    """The file's state now if its content is not what the editor last read or wrote
    (None when unchanged, or when it is gone: saving creates it again). The content
    decides, never size and time alone: a program can write the same number of bytes
    and set the time back (touch -d, a restore from a backup, a clock)."""
    if not path.exists():
        return None
    try:
        now = _state(path, _read_bytes(path))
    except (OSError, DocumentError):
        return None  # unreadable now: the save itself will say what is wrong
    return None if known is not None and now.sha256 == known.sha256 else now


def is_read_only(path: Path) -> bool:
    """No write permission, or no write bit at all (which root could ignore, silently)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not mode & 0o222 or not os.access(path, os.W_OK)


def save_target(path: Path) -> Path:
    """The file a save writes: a symlink's target, so the link stays a link."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


# What became of a file whose in-place save failed, said to the writer.
IN_PLACE_OUTCOMES = {
    "unchanged": "The file was not changed",
    "restored": "The file was put back as it was",
    "damaged": "Its old content could not be put back either, so the file is damaged",
}


def writes_in_place(path: Path) -> bool:
    """Whether a save of ``path`` rewrites the file itself rather than replacing it: a
    file with several hard links (so every name sees the new text), or a writable file
    in a folder where no temporary file can be made. Such a save is not atomic."""
    target = save_target(path)
    try:
        return target.exists() and (target.stat().st_nlink > 1 or not os.access(target.parent, os.W_OK))
    except OSError:
        return False


def write_document(path: Path, content: str) -> DiskState:
    """Save ``content`` (the file's full text, separators included) to ``path``."""
    target = save_target(path)
    data = content.encode("utf-8")
    try:
        if writes_in_place(path):
            write_in_place(target, data)
        else:
            atomic_write_bytes(target, data)
        return _state(target, data)
    except InPlaceWriteError as exc:
        raise DocumentError(f"{path} could not be saved: {exc}. {IN_PLACE_OUTCOMES[exc.state]}; "
                            "your text is still in the editor: free some space, or use Save As.") from None
    except OSError as exc:
        raise DocumentError(f"{path} could not be saved: {exc.strerror or exc}. "
                            "Your text is still in the editor; try Save As.") from None
