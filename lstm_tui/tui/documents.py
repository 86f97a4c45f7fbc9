"""The user's text on disk: opening safely, saving atomically, and recovery copies.

Nothing here touches widgets, so it is tested directly. A file that is binary or
not valid UTF-8 is refused with a sentence saying why, never decoded lossily.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..core.atomic import atomic_write_text

BINARY_SNIFF = 8192  # bytes looked at for a NUL, the mark of a binary file


class DocumentError(Exception):
    """A file cannot be opened or saved; the message is for the user."""


def read_document(path: Path) -> str:
    """The text of ``path``; "" if it does not exist yet (created on first save)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    except IsADirectoryError:
        raise DocumentError(f"{path} is a folder; open a text file instead.") from None
    except OSError as exc:
        raise DocumentError(f"{path} could not be read: {exc.strerror or exc}.") from None
    if b"\0" in data[:BINARY_SNIFF]:
        raise DocumentError(f"{path} looks like a binary file, so it was not opened; "
                            "lstm-tui edits plain text.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{path} is not valid UTF-8 (byte {exc.start}), so it was not opened and nothing "
            "in it was changed. Convert it first, e.g. iconv -f latin1 -t utf-8.") from None


def write_document(path: Path, text: str) -> None:
    """Save atomically: a temporary file in the same folder, fsync, then rename over."""
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise DocumentError(f"{path} could not be saved: {exc.strerror or exc}. "
                            "Your text is still in the editor; try Save As.") from None


@dataclass(frozen=True)
class Recovery:
    """A recovery copy found on disk: the text of a session that did not end cleanly."""

    file: Path  # the recovery file itself
    path: Path | None  # the document it belongs to; None for an untitled one
    text: str
    saved_at: float  # when it was written (seconds since the epoch)

    def describe(self) -> str:
        name = str(self.path) if self.path else "an untitled document"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"{name}, autosaved {when} ({len(self.text):,} characters)"


class RecoveryStore:
    """One recovery file per open document, under the user data dir.

    Written every few seconds while there are unsaved changes, deleted on save or a
    clean exit; what is left after a crash is offered on the next start.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.recovery_dir()

    def key(self, path: Path | None) -> str:
        if path is None:
            return f"untitled-{os.getpid()}"
        digest = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:16]
        return f"{path.name}-{digest}"

    def file_for(self, path: Path | None) -> Path:
        return self.folder / f"{self.key(path)}.json"

    def write(self, path: Path | None, text: str) -> Path:
        target = self.file_for(path)
        record = {"path": str(path.resolve()) if path else None, "text": text, "saved_at": time.time()}
        atomic_write_text(target, json.dumps(record, ensure_ascii=False))
        return target

    def discard(self, path: Path | None) -> None:
        self.file_for(path).unlink(missing_ok=True)

    def discard_file(self, file: Path) -> None:
        file.unlink(missing_ok=True)

    def _read(self, file: Path) -> Recovery | None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            return Recovery(file, Path(data["path"]) if data.get("path") else None,
                            str(data["text"]), float(data["saved_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def find(self, path: Path | None) -> Recovery | None:
        """The copy left for ``path`` (or the newest untitled one) that differs from disk."""
        if not self.folder.is_dir():
            return None
        if path is not None:
            found = self._read(self.file_for(path))
            if found is None:
                return None
            try:
                on_disk = read_document(path)
            except DocumentError:
                on_disk = None
            return None if found.text == on_disk else found
        untitled = [r for f in self.folder.glob("untitled-*.json")
                    if f != self.file_for(None) and (r := self._read(f)) and r.text.strip()]
        return max(untitled, key=lambda r: r.saved_at, default=None)
