"""The app's own files, read defensively: only regular files (never a FIFO that would
hang or a device that never ends), bounded in size, and for JSON objects any encoding,
syntax or nesting problem a ValueError with a reason, never a traceback."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO


def open_regular(path: Path) -> BinaryIO:
    """``path`` open for reading if it is a regular file (a link to one is fine);
    ValueError otherwise, OSError as open raises it. A FIFO is refused, not waited on
    (O_NONBLOCK: opening one for reading would wait for a writer forever)."""
    handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)), "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise ValueError("not a regular file, so not read")
    return handle


def read_bounded(path: Path, max_bytes: int) -> bytes:
    """``path``'s bytes if it is a regular file of at most ``max_bytes``; ValueError with
    the reason otherwise, OSError as open raises it."""
    with open_regular(path) as handle:
        if os.fstat(handle.fileno()).st_size > max_bytes:
            raise ValueError(f"larger than {max_bytes:,} bytes, so not read")
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:  # grew while read
        raise ValueError(f"larger than {max_bytes:,} bytes, so not read")
    return raw


def load_json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except RecursionError:
        raise ValueError("not valid JSON (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def read_json_object(path: Path, max_bytes: int) -> dict[str, Any]:
    """``path``'s JSON object; OSError (FileNotFoundError too) as open raises it."""
    return load_json_object(read_bounded(path, max_bytes))
