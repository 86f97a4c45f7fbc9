"""User settings: sampling, preset, suggestion timing, theme and what to learn from, as
TOML in the config dir.

Read with ``tomllib``, written with ``tomli_w`` (any string a name or folder may hold,
control characters too, comes back as it went) to a temporary file that replaces the
old one atomically.
A missing or broken file gives the defaults; a broken value falls back alone.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from . import paths
from .core.atomic import atomic_write_text, remove_stale_temp_files
from .core.config import DEFAULT_PRESET, SamplingConfig
from .core.jsonfile import open_regular

SETTINGS_FILE = "settings.toml"
MAX_SETTINGS_BYTES = 2**20  # the app writes about 1 KB; a larger file is not read
RANGES = {"debounce_ms": (0, 10_000)}  # top-level numbers and the values they may take


@dataclass(frozen=True)
class Settings:
    sampling: SamplingConfig = field(default_factory=SamplingConfig)  # the next suggestion's config
    preset: str = DEFAULT_PRESET  # the preset last chosen, or "custom" after an edit
    debounce_ms: int = 0  # pause in typing before a suggestion is requested (0: at once; a
    # request costs only the new tokens and a stale stream stops within a token)
    auto_suggest: bool = True  # suggest while typing; off: only on request
    # Learn from the document while writing (F5): on, as it saves 1-2 points more keys
    # at no cost to the echo (docs/personal.md); a pass takes about half a core while
    # typing quickly, none while idle.
    learn: bool = True
    theme: str = "textual-dark"  # a Textual theme name
    model: str | None = None  # the model last switched to (a name or folder); None: default
    learn_paths: tuple[str, ...] = ()  # the files, folders and mailboxes "Learn my writing" reads
    learn_from_address: str = ""  # its "Only mail from" address; empty: mail from everyone
    learn_budget: str = ""  # its budget in minutes, as last typed; empty: the preview's suggestion
    # Folders whose documents open with a model of their own (F4's "For this folder"):
    # the folder's absolute path -> the model's name or folder.
    folder_models: dict[str, str] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def folder_model(bindings: dict[str, str], document: Path | None) -> tuple[str, str] | None:
    """The (folder, model) that ``bindings`` give a document: the deepest bound folder
    that holds it; None for an untitled document or one outside them all."""
    if document is None:
        return None
    path = Path(document).expanduser().resolve()
    held = [(folder, model) for folder, model in bindings.items() if path.is_relative_to(folder)]
    return max(held, key=lambda item: len(Path(item[0]).parts), default=None)


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def _read(path: Path) -> dict[str, Any]:
    """The file's TOML; ValueError says why it cannot be used."""
    with open_regular(path) as handle:  # a FIFO would hold up the start for good
        raw = handle.read(MAX_SETTINGS_BYTES + 1)
    if len(raw) > MAX_SETTINGS_BYTES:
        raise ValueError(f"larger than {MAX_SETTINGS_BYTES >> 20} MB")
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def load_settings(path: Path | None = None, warnings: list[str] | None = None) -> Settings:
    """The saved settings, or the defaults where the file or a value is unusable; what
    was ignored is added to ``warnings``."""
    path = path or settings_path()
    warnings = warnings if warnings is not None else []
    remove_stale_temp_files(path.parent)  # a save killed halfway leaves one
    try:
        data = _read(path)
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        warnings.append(f"{path} could not be read ({exc.strerror or exc}); using the default settings.")
        return Settings()
    except ValueError as exc:  # TOMLDecodeError is one
        warnings.append(f"{path} is not usable ({exc}); using the default settings.")
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
                    # one bad value keeps its default; the rest still apply
                    warnings.append(f"{path}: sampling.{f.name} is not usable; the default is kept.")
    values: dict[str, Any] = {"sampling": sampling}
    for f in fields(Settings):
        if f.name in data and f.name != "sampling":
            default = getattr(base, f.name)
            try:
                value = _coerce(data[f.name], default if default is not None else "")
                if f.name in RANGES and not RANGES[f.name][0] <= value <= RANGES[f.name][1]:
                    raise ValueError(value)
                values[f.name] = value
            except (TypeError, ValueError):
                warnings.append(f"{path}: {f.name} is not usable; the default is kept.")
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
        if not math.isfinite(value):
            raise ValueError(value)
        return float(value)
    if isinstance(like, str) and isinstance(value, str):
        return value
    if isinstance(like, tuple) and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(like, dict) and isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    if like is None and isinstance(value, int) and not isinstance(value, bool):
        return value  # seed: None in the defaults, an int when set
    raise TypeError(value)


def _storable(value: Any) -> bool:
    """Whether TOML, which is UTF-8, can hold ``value``: a folder name read from disk
    may carry bytes that are not UTF-8 (as lone surrogates), and is then left out
    rather than making the whole file unwritable."""
    if isinstance(value, tuple):
        return all(_storable(v) for v in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def dumps(settings: Settings) -> str:
    top = {f.name: value for f in fields(Settings)
           if f.name != "sampling" and (value := getattr(settings, f.name)) is not None and _storable(value)}
    # TOML has no null: an unset seed is simply left out.
    sampling = {key: value for key, value in settings.sampling.to_dict().items() if value is not None}
    return "# lstm-tui settings: written by the app, safe to edit by hand\n\n" + tomli_w.dumps(
        {**top, "sampling": sampling})


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    path = path or settings_path()
    atomic_write_text(path, dumps(settings))
    return path
