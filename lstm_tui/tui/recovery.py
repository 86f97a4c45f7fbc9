"""Recovery copies: the writer's unsaved text, kept on disk until it is safe.

Each editor instance writes its own copy of its document (``KEY.INSTANCE.json``) and
holds a lock on ``INSTANCE.lock`` while it runs, so two windows on one file never
share or delete each other's copy. A copy whose lock nobody holds was left by a crash:
it is offered on the next start, and removed only when its text is saved to the
document or the writer discards it. While a copy is offered, or restored and not yet
saved, this instance holds its lock, so no other instance offers or removes it.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..core.atomic import atomic_write_bytes, private_dir, remove_stale_temp_files
from ..core.jsonfile import load_json_object, read_bounded
from .documents import DocumentError, read_document

try:
    import fcntl
except ImportError:  # Windows: no locks, so another window's copy counts as left behind
    fcntl = None  # type: ignore[assignment]

MAX_COPY_BYTES = 256 * 2**20  # a recovery copy larger than this is not read
LATEST_TIME = 1e10  # seconds since the epoch (year 2286): later is a corrupt copy
_COPY = re.compile(r"^(?P<key>.+)\.(?P<instance>\d+-[0-9a-f]{8})\.json$")
UNREADABLE_FOLDER = "unreadable"  # copies that could not be read, moved aside when the writer agrees
_LOCK = re.compile(r"^(?P<instance>\d+-[0-9a-f]{8})\.lock$")
SWEEP_AFTER = 60.0  # seconds: a younger lock file may belong to an instance still starting
ENCODE_BATCH = 2000  # lines JSON-encoded between yields of the GIL (a copy is written in a thread)


def encode_copy(path: Path | None, lines: list[str]) -> bytes:
    """The recovery file's JSON for a document of ``lines``, encoded a batch of lines at
    a time so the thread writing it lets the UI thread run (one ``json.dumps`` of 20 MB
    would hold the GIL for a tenth of a second)."""
    head = {"path": str(path.resolve()) if path else None, "saved_at": time.time(), "pid": os.getpid()}
    parts = [json.dumps(head, ensure_ascii=False)[:-1].encode("utf-8"), b', "text": "']
    for start in range(0, len(lines), ENCODE_BATCH):
        chunk = "\n".join(lines[start:start + ENCODE_BATCH])
        if start + ENCODE_BATCH < len(lines):
            chunk += "\n"
        parts.append(json.dumps(chunk, ensure_ascii=False)[1:-1].encode("utf-8"))
        time.sleep(0)  # hand the GIL back to the UI thread
    parts.append(b'"}')
    return b"".join(parts)


@dataclass(frozen=True)
class Recovery:
    """A recovery copy found on disk: the text of a session that did not end cleanly."""

    file: Path  # the recovery file itself
    instance: str  # the editor instance that wrote it
    path: Path | None  # the document it belongs to; None for an untitled one
    text: str
    saved_at: float  # when it was written (seconds since the epoch)

    def describe(self) -> str:
        name = str(self.path) if self.path else "an untitled document"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"{name}, autosaved {when} ({len(self.text):,} characters)"


def parse_copy(file: Path, instance: str, raw: bytes) -> Recovery:
    """A recovery file's record, checked field by field; ValueError says what is wrong."""
    data = load_json_object(raw)
    path, text, saved_at = data.get("path"), data.get("text"), data.get("saved_at")
    if not (path is None or (isinstance(path, str) and path and "\0" not in path)):
        raise ValueError("'path' is not a file path")
    if not isinstance(text, str):
        raise ValueError("'text' is not text")
    if isinstance(saved_at, bool) or not isinstance(saved_at, (int, float)) \
            or not math.isfinite(saved_at) or not 0 <= saved_at <= LATEST_TIME:
        raise ValueError("'saved_at' is not a time")
    return Recovery(file, instance, Path(path) if path else None, text, float(saved_at))


class RecoveryStore:
    """This instance's recovery copies, and the ones other instances left behind."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.recovery_dir()
        self.instance = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.unreadable: list[tuple[Path, str]] = []  # copies found that cannot be read, and why
        self._locks: dict[str, int] = {}  # instance -> fd of the lock this process holds
        self._claimed: dict[Path, str] = {}  # offered or restored copies -> their instance
        self._write_lock = threading.Lock()  # a copy written in a thread vs. a discard
        self.discards = 0  # grows with each discard: a write begun before one is dropped
        try:
            private_dir(self.folder)  # the copies hold the writer's unsaved text
            remove_stale_temp_files(self.folder)
        except OSError:
            pass  # writing a copy will say what is wrong
        self._lock(self.instance)
        self._sweep_locks()

    # -- this instance's copy ----------------------------------------------------------------

    @staticmethod
    def key(path: Path | None) -> str:
        if path is None:
            return "untitled"
        digest = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:16]
        return f"{path.name}-{digest}"

    def file_for(self, path: Path | None) -> Path:
        return self.folder / f"{self.key(path)}.{self.instance}.json"

    def write(self, path: Path | None, text: str | list[str], since: int | None = None) -> Path | None:
        """Write this instance's copy of ``path`` (its text, or its lines); safe in a thread.
        With ``since`` (``discards`` when the text was taken), nothing is written if the
        copy was discarded meanwhile (the text was saved, or the writer discarded it)."""
        target = self.file_for(path)
        data = encode_copy(path, [text] if isinstance(text, str) else text)
        with self._write_lock:
            if since is not None and since != self.discards:
                return None
            atomic_write_bytes(target, data, private=True)
        return target

    def discard(self, path: Path | None) -> None:
        """Remove this instance's own copy of ``path`` (its text is saved, or unchanged)."""
        with self._write_lock:
            self.discards += 1
            self.file_for(path).unlink(missing_ok=True)

    def close(self) -> None:
        """Let go of every lock (copies stay on disk); the lock file goes if nothing
        of this instance is left."""
        for instance in list(self._locks):
            self._unlock(instance)
        self._claimed.clear()

    # -- copies left behind --------------------------------------------------------------------

    def find(self, path: Path | None) -> list[Recovery]:
        """Copies of ``path`` (or untitled ones) left by instances that ended, oldest first,
        each now held by this instance until it is released, discarded or saved."""
        key = self.key(path)
        disk: list[str | None] = []  # the document's text, read once a copy needs it

        def on_disk() -> str | None:
            if not disk:
                try:
                    disk.append(read_document(path).text if path is not None else None)
                except DocumentError:
                    disk.append(None)
            return disk[0]

        found = []
        for file, instance in self._copies(key):
            if file in self._claimed or not self._claim(file, instance):
                continue
            copy = self._read(file, instance)
            if copy is None or (path is not None and copy.path != path.resolve()):
                self.release(file)
            elif (path is None and not copy.text.strip()) or copy.text == on_disk():
                self.discard_copy(file)  # its text is in the document already, or it is empty
            else:
                found.append(copy)
        return sorted(found, key=lambda c: c.saved_at)

    def others_editing(self, path: Path) -> int:
        """How many other running instances have unsaved changes to ``path``."""
        return sum(1 for file, instance in self._copies(self.key(path))
                   if instance not in self._locks and self._is_live(instance))

    def release(self, file: Path) -> None:
        """Keep the copy for later: another start may offer it again."""
        instance = self._claimed.pop(file, None)
        if instance is not None and instance not in self._claimed.values():
            self._unlock(instance)

    def discard_copy(self, file: Path) -> None:
        """The writer discarded it, or its text is saved: remove it for good."""
        file.unlink(missing_ok=True)
        self.release(file)

    def _copies(self, key: str) -> list[tuple[Path, str]]:
        copies = []
        for name in self._names():
            match = _COPY.match(name)
            if match and match["key"] == key and match["instance"] != self.instance:
                copies.append((self.folder / name, match["instance"]))
            elif name == f"{key}.json" or (key == "untitled" and re.match(r"^untitled-\d+\.json$", name)):
                copies.append((self.folder / name, name))  # an older version's copy: no lock
        return copies

    def _read(self, file: Path, instance: str) -> Recovery | None:
        try:
            # Bounded, and only a regular file: a FIFO named like a copy would hold up the start.
            return parse_copy(file, instance, read_bounded(file, MAX_COPY_BYTES))
        except OSError:
            return None
        except ValueError as exc:
            self.unreadable.append((file, str(exc)))
            return None

    def move_aside(self, files: list[Path]) -> Path:
        """Move copies that cannot be read into a folder of their own, where nothing
        looks for them (so no start warns of them again) and a person still can."""
        aside = private_dir(self.folder / UNREADABLE_FOLDER)
        for file in files:
            try:
                os.replace(file, aside / file.name)
            except OSError:
                continue
        return aside

    # -- locks ----------------------------------------------------------------------------------

    def _lock_file(self, instance: str) -> Path:
        return self.folder / f"{instance}.lock"

    def _lock(self, instance: str) -> bool:
        """Hold ``instance``'s lock; False if a running process holds it."""
        if fcntl is None or instance in self._locks:
            return True
        try:
            fd = os.open(self._lock_file(instance), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return instance != self.instance  # no lock possible: our own copies still work
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._locks[instance] = fd
        return True

    def _unlock(self, instance: str) -> None:
        fd = self._locks.pop(instance, None)
        if fd is None:
            return
        if not any(m and m["instance"] == instance for m in map(_COPY.match, self._names())):
            self._lock_file(instance).unlink(missing_ok=True)  # nothing of it is left
        os.close(fd)

    def _names(self) -> list[str]:
        try:
            return os.listdir(self.folder)
        except OSError:
            return []

    def _sweep_locks(self) -> None:
        """Remove the lock files of ended instances that left no copy (a crash with
        nothing unsaved leaves one)."""
        names = self._names()
        for name in names:
            match = _LOCK.match(name)
            try:
                old = match and time.time() - (self.folder / name).stat().st_mtime > SWEEP_AFTER
            except OSError:
                continue
            if old and not any(n.endswith(f".{match['instance']}.json") for n in names):
                if self._lock(match["instance"]):
                    self._unlock(match["instance"])  # removes it: nothing of it is left

    def _claim(self, file: Path, instance: str) -> bool:
        if not self._lock(instance):
            return False  # its instance is running (another window), or another holds it
        self._claimed[file] = instance
        return True

    def _is_live(self, instance: str) -> bool:
        if fcntl is None or not self._lock_file(instance).exists():
            return False
        if self._lock(instance):
            self._unlock(instance)
            return False
        return True
