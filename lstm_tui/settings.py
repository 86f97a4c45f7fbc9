"""User settings: sampling, preset, suggestion timing and theme, as TOML in the config dir.

Read with ``tomllib``; written by hand (the file is flat: a few top-level keys and
one ``[sampling]`` table) to a temporary file that replaces the old one atomically.
A missing or broken file gives the defaults; a broken value falls back alone.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from . import paths
from .core.atomic import atomic_write_text
from .core.config import DEFAULT_PRESET, SamplingConfig

SETTINGS_FILE = "settings.toml"


@dataclass(frozen=True)
class Settings:
    sampling: SamplingConfig = field(default_factory=SamplingConfig)  # the next suggestion's config
    preset: str = DEFAULT_PRESET  # the preset last chosen, or "custom" after an edit
    debounce_ms: int = 0  # pause in typing before a suggestion is requested (0: at once; a
    # request costs only the new tokens and a stale stream stops within a token)
    auto_suggest: bool = True  # suggest while typing; off: only on request
    learn: bool = False  # learn from the document while writing (F5)
    theme: str = "textual-dark"  # a Textual theme name
    model: str | None = None  # the model last switched to (a name or folder); None: default

    def replace(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults where the file or a value is unusable."""
    path = path or settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Settings()
    base = Settings()
    sampling = base.sampling
    raw = data.get("sampling")
    if isinstance(raw, dict):
        for f in fields(SamplingConfig):
            if f.name in raw:
                try:
                    sampling = sampling.replace(**{f.name: _coerce(raw[f.name], getattr(sampling, f.name))})
                except (TypeError, ValueError):
                    pass  # one bad value keeps its default; the rest still apply
    values: dict[str, Any] = {"sampling": sampling}
    for f in fields(Settings):
        if f.name in data and f.name != "sampling":
            default = getattr(base, f.name)
            try:
                values[f.name] = _coerce(data[f.name], default) if default is not None else str(data[f.name])
            except (TypeError, ValueError):
                pass
    return Settings(**values)


def _coerce(value: Any, like: Any) -> Any:
    if isinstance(like, bool):
        if not isinstance(value, bool):
            raise TypeError(value)
        return value
    if isinstance(like, int) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(value)
        return int(value)
    if isinstance(like, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(like, str) and isinstance(value, str):
        return value
    if like is None and isinstance(value, int) and not isinstance(value, bool):
        return value  # seed: None in the defaults, an int when set
    raise TypeError(value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def dumps(settings: Settings) -> str:
    lines = ["# lstm-tui settings: written by the app, safe to edit by hand", ""]
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if f.name != "sampling" and value is not None:
            lines.append(f"{f.name} = {_toml_value(value)}")
    lines += ["", "[sampling]"]
    for key, value in settings.sampling.to_dict().items():
        if value is not None:  # TOML has no null: an unset seed is simply left out
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    path = path or settings_path()
    atomic_write_text(path, dumps(settings))
    return path
