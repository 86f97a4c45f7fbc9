"""lstm-tui: a local, private writing assistant for the terminal.

``import lstm_tui`` is cheap: torch loads only when ``load_model`` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
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
    raise AttributeError(f"module 'lstm_tui' has no attribute {name!r}")
