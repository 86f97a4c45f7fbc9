"""Atomic file writes: a crash leaves either the old file or the new one, never half;
and the one in-place rewrite, for files a rename cannot replace.

The temporary file is named ``.NAME.lstm-tui-PID-XXXX.tmp`` so that one left by a
killed save is recognisably ours, and removed at the next start once PID has ended.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_TAG = ".lstm-tui-"
_TEMP = re.compile(r"^\..+\.lstm-tui-(\d+)-[^.]+\.tmp$")
STALE_TEMP_SECONDS = 24 * 3600  # a temp file this old is stale even if its PID was reused


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where that is not possible."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def private_dir(folder: Path) -> Path:
    """``folder``, created if need be, readable by its owner alone (0700): token caches
    and checkpoints decode back to the training text."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if folder.stat().st_mode & 0o077:
        try:
            folder.chmod(0o700)
        except OSError:  # not ours: leave it as it is
            pass
    return folder


def current_umask() -> int:
    try:  # Linux says it without changing it (os.umask would, for every thread)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _keep_owner_and_mode(tmp: str, old: os.stat_result) -> None:
    """Give the new file the old one's mode, and its owner and group where allowed
    (a user may give a file to a group they belong to, only root to another user)."""
    if hasattr(os, "chown"):
        for uid, gid in ((old.st_uid, old.st_gid), (-1, old.st_gid)):
            try:
                os.chown(tmp, uid, gid)
                break
            except OSError:
                continue
    os.chmod(tmp, old.st_mode & 0o7777)  # after chown, which may clear set-id bits


@contextlib.contextmanager
def atomic_writer(path: Path, *, private: bool = False) -> Iterator[BinaryIO]:
    """A file to write ``path`` through: a temporary file in the same folder, flushed to
    disk and renamed over ``path`` when the block ends, removed if it raises. The one
    way this app replaces a file.

    An existing file's mode, owner and group are kept; a new one gets 0666 less the
    umask, or 0600 when ``private`` (recovery copies, checkpoints, token caches).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}{TEMP_TAG}{os.getpid()}-", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            old = path.stat()
        except FileNotFoundError:
            os.chmod(tmp, 0o600 if private else 0o666 & ~current_umask())
        else:
            _keep_owner_and_mode(tmp, old)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes, *, private: bool = False) -> None:
    with atomic_writer(path, private=private) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str, *, private: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), private=private)


class InPlaceWriteError(Exception):
    """An in-place rewrite failed; ``state`` says what became of the file:
    "unchanged" (refused before a byte changed), "restored" (its old content is back)
    or "damaged" (the old content could not be put back either)."""

    def __init__(self, cause: OSError, state: str) -> None:
        super().__init__(cause.strerror or str(cause))
        self.cause, self.state = cause, state


def _write_all(handle: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = handle.write(view)
        if not written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _rewrite(handle: BinaryIO, data: bytes) -> None:
    handle.seek(0)
    _write_all(handle, data)
    handle.truncate(len(data))
    handle.flush()
    os.fsync(handle.fileno())


def _reserve(handle: BinaryIO, old_size: int, size: int) -> None:
    """Make the file ``size`` bytes long on disk, its first ``old_size`` unchanged."""
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(handle.fileno(), 0, size)
        return
    # macOS has no posix_fallocate: zeros written past the end reserve the space as well.
    handle.seek(old_size)
    _write_all(handle, bytes(size - old_size))
    handle.flush()
    os.fsync(handle.fileno())


def write_in_place(path: Path, data: bytes) -> None:
    """Rewrite ``path`` in the file itself (the same inode), as a file with several hard
    links needs (a rename would leave the other names on the old text), or one in a
    folder where no temporary file can be made. Not atomic, so made safe another way:
    the space the new content needs is reserved before a byte changes, so a full disk
    refuses with the file untouched; a write that fails anyway puts the old content
    back (it fits: it was there). Raises ``InPlaceWriteError`` saying which happened."""
    with open(path, "r+b", buffering=0) as handle:
        old = handle.read()
        if len(data) > len(old):
            try:
                _reserve(handle, len(old), len(data))
            except OSError as exc:  # no space, or a filesystem that cannot promise it
                try:
                    handle.truncate(len(old))  # a partial reservation may have grown it
                except OSError:
                    pass
                raise InPlaceWriteError(exc, "unchanged") from None
        try:
            _rewrite(handle, data)
        except OSError as exc:
            try:
                _rewrite(handle, old)
            except OSError:
                raise InPlaceWriteError(exc, "damaged") from None
            raise InPlaceWriteError(exc, "restored") from None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or a platform that cannot tell: leave it
    return True


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Remove this app's temporary files in ``folder`` left by a save that was killed
    (their process has ended). Other programs' files are never touched."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMP.match(name)
        if not match:
            continue
        file = folder / name
        try:
            old = time.time() - file.lstat().st_mtime > STALE_TEMP_SECONDS
            if old or not _pid_alive(int(match.group(1))):
                file.unlink()
                removed.append(file)
        except OSError:
            continue
    return removed
