"""Recent documents: the files last opened, newest first, and where the cursor was in each.

Kept in ``recent.json`` under the user data folder. A damaged or foreign file is ignored
(the list starts again), never an error: it is a convenience, not the user's text.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..core.atomic import atomic_write_text
from ..core.jsonfile import load_json_object, read_bounded

MAX_RECENT = 30  # documents remembered
MAX_FILE_BYTES = 1 << 20  # a recent.json larger than this is not read


@dataclass(frozen=True)
class RecentDocument:
    path: Path  # absolute
    cursor: tuple[int, int]  # (line, column) when it was last left
    opened_at: float  # seconds since the epoch


def _entry(item: object) -> RecentDocument | None:
    if not isinstance(item, dict):
        return None
    path, cursor, at = item.get("path"), item.get("cursor"), item.get("opened_at")
    if not (isinstance(path, str) and path and "\0" not in path and os.path.isabs(path)):
        return None
    if not (isinstance(cursor, list) and len(cursor) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in cursor)):
        cursor = [0, 0]
    if isinstance(at, bool) or not isinstance(at, (int, float)):
        at = 0.0
    return RecentDocument(Path(path), (cursor[0], cursor[1]), float(at))


class RecentDocuments:
    """The list on disk; every change is written at once (it is small)."""

    def __init__(self, file: Path | None = None) -> None:
        self.file = file or paths.data_dir() / "recent.json"
        self.items: list[RecentDocument] = self._read()

    def _read(self) -> list[RecentDocument]:
        try:
            data = load_json_object(read_bounded(self.file, MAX_FILE_BYTES))  # never a FIFO's wait
        except (OSError, ValueError):
            return []
        entries = data.get("documents")
        found = [_entry(item) for item in entries] if isinstance(entries, list) else []
        return [entry for entry in found if entry is not None][:MAX_RECENT]

    @staticmethod
    def _key(path: Path) -> Path:
        return Path(os.path.abspath(path))

    def cursor_for(self, path: Path) -> tuple[int, int] | None:
        key = self._key(path)
        return next((item.cursor for item in self.items if item.path == key), None)

    def remember(self, path: Path, cursor: tuple[int, int]) -> None:
        """``path`` was opened or left with the cursor at ``cursor``: it goes first."""
        key = self._key(path)
        entry = RecentDocument(key, (int(cursor[0]), int(cursor[1])), time.time())
        self.items = [entry, *(item for item in self.items if item.path != key)][:MAX_RECENT]
        self._write()

    def existing(self) -> list[RecentDocument]:
        return [item for item in self.items if item.path.is_file()]

    def _write(self) -> None:
        record = {"documents": [{"path": str(item.path), "cursor": list(item.cursor),
                                 "opened_at": item.opened_at} for item in self.items]}
        try:
            atomic_write_text(self.file, json.dumps(record, ensure_ascii=False, indent=1), private=True)
        except OSError:
            pass  # a convenience: the editor goes on without it
