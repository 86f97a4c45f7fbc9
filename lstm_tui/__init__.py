"""lstm-tui: a local, private writing assistant for the terminal.

``import lstm_tui`` is cheap: torch loads only when ``load_model`` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["load_model", "LanguageModel", "SamplingConfig", "ModelConfig", "__version__"]

if TYPE_CHECKING:
    from .api import LanguageModel, load_model
    from .core.config import ModelConfig, SamplingConfig


def __getattr__(name: str) -> Any:
    # PEP 562: each name loads on first use, so `import lstm_tui` imports nothing (api: torch).
    if name in ("load_model", "LanguageModel"):
        from . import api

        return getattr(api, name)
    if name in ("SamplingConfig", "ModelConfig"):
        from .core import config

        return getattr(config, name)
    if name == "__version__":  # pyproject.toml's, the one place it is written (the lookup costs 50 ms)
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("lstm-tui")
        except PackageNotFoundError:  # a checkout that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'lstm_tui' has no attribute {name!r}")
