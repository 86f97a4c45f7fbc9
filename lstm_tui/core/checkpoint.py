"""Training checkpoints on disk: written atomically, read without unpickling
anything but tensors and plain containers, and checked before they are used."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path
from typing import Any

import torch

from .atomic import atomic_writer, private_dir
from .errors import LstmTuiError
from .interrupts import deferred_interrupts

CHECKPOINT_FILE = "checkpoint.pt"
REQUIRED = frozenset({"model", "optimizer", "scaler", "progress", "model_config", "rng"})


def write_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Written atomically (a crash or a full disk leaves the previous checkpoint whole),
    readable by its owner alone, and whole even if Ctrl+C comes in the middle."""
    private_dir(path.parent)
    try:
        with deferred_interrupts(), atomic_writer(path, private=True) as f:
            torch.save(state, f)
    except (OSError, RuntimeError) as exc:  # torch.save reports a full disk as a RuntimeError
        kept = "; the previous one is intact" if path.exists() else ""
        raise LstmTuiError(f"{path}: could not write checkpoint ({_reason(exc)}){kept}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_checkpoint(path: Path, model_config: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint at ``path``, if it is one of ours and made for ``model_config``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on a stranger's pickle protocol
            state = torch.load(path, map_location="cpu", weights_only=True)
        known = isinstance(state, dict) and REQUIRED <= set(state)
    except FileNotFoundError:
        raise LstmTuiError(f"{path}: no checkpoint to resume from") from None
    except pickle.UnpicklingError:
        raise LstmTuiError(f"{path}: unreadable checkpoint (it holds Python objects, not only "
                           "tensors, and was not loaded)") from None
    except Exception as exc:  # a truncated or foreign file; torch's own text runs to many lines
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise LstmTuiError(f"{path}: unreadable checkpoint ({type(exc).__name__}"
                           + (f": {first})" if first else ")")) from None
    if not known:
        raise LstmTuiError(f"{path}: not an lstm-tui training checkpoint")
    if state["model_config"] != model_config:
        raise LstmTuiError(f"{path}: was made for a different model; "
                           "start again without --resume (or with --force)")
    return state
