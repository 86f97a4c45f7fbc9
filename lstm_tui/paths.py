"""Where things live: platformdirs locations and the shipped default bundle."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import platformdirs

from .core.errors import BundleError

APP = "lstm-tui"
DEFAULT_MODEL = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def data_dir() -> Path:
    return platformdirs.user_data_path(APP)


def config_dir() -> Path:
    return platformdirs.user_config_path(APP)


def cache_dir() -> Path:
    return platformdirs.user_cache_path(APP)


def user_models_dir() -> Path:
    return data_dir() / "models"


def runs_dir() -> Path:
    """Training checkpoints, one folder per model name."""
    return data_dir() / "runs"


def recovery_dir() -> Path:
    return data_dir() / "recovery"


def default_bundle() -> Path:
    """The bundle shipped in the package (models/default in the repository)."""
    try:
        installed = Path(str(resources.files("lstm_tui.models") / DEFAULT_MODEL))
        if (installed / "config.json").exists():
            return installed
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL


def is_default_bundle(path: str | Path | None) -> bool:
    """Whether ``path`` is the shipped model's folder."""
    try:
        return path is not None and Path(path).resolve() == default_bundle().resolve()
    except OSError:
        return False


def validate_name(name: str) -> str:
    """A model name is a plain folder name: letters, digits, '.', '_' and '-'."""
    if name == DEFAULT_MODEL:
        raise ValueError(f"the name {name!r} is the shipped model's; choose another")
    if not _NAME.match(name) or name in (".", ".."):
        raise ValueError(f"invalid model name {name!r}: use letters, digits, '.', '_' or '-' "
                         "(no path separators), at most 64 characters")
    return name


def resolve_model(spec: str | Path | None) -> Path:
    """A model given as None (the default), a name of a user model, or a folder path."""
    if spec is None or str(spec) == DEFAULT_MODEL:
        return default_bundle()
    if not str(spec).strip():  # Path("") is the current folder
        raise BundleError("an empty model name; give a name, a folder, or 'default'")
    path = Path(spec).expanduser()
    if _NAME.match(str(spec)) and not path.exists():
        return user_models_dir() / str(spec)
    return path
