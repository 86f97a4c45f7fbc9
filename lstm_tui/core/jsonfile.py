"""JSON objects in the app's own files, read defensively: bounded in size, and any
encoding, syntax or nesting problem a ValueError with a reason, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValueError(f"larger than {max_bytes:,} bytes, so not read")
    return load_json_object(raw)
