"""Which models a training run is writing now: one lock file per model name, held
(flock) for the run's life and naming its process, so deleting a model can stop the
run first instead of seeing the run write the model again."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from . import paths
from .core.atomic import private_dir
from .core.errors import LstmTuiError

try:
    import fcntl
except ImportError:  # no flock (Windows): runs are not tracked
    fcntl = None  # type: ignore[assignment]


def lock_path(name: str) -> Path:
    return paths.data_dir() / "training" / f"{name}.lock"


@contextlib.contextmanager
def training(name: str) -> Iterator[None]:
    """Hold ``name``'s lock while a run trains it; LstmTuiError if a run already does."""
    if fcntl is None:
        yield
        return
    path = lock_path(name)
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise LstmTuiError(f"a training run of {name!r} is already going (process "
                               f"{_pid(path) or 'unknown'}); wait for it, or stop it first") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # lets go of the lock; the file stays (removing it would race a new run)


def trainer(name: str) -> int | None:
    """The process of the training run writing ``name`` now, or None if none is."""
    path = lock_path(name)
    if fcntl is None or not path.exists():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _pid(path) or -1  # held: a run is going
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None
