"""A bundle's files by name, and its JSON files read and checked: what listing models
needs, without torch (importing it takes seconds on a busy machine)."""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .config import BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, ModelConfig
from .errors import BundleError
from .jsonfile import read_json_object

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.model"
CARD_FILE = "card.json"
BUNDLE_FILES = frozenset({CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE, CARD_FILE})
MAX_JSON_BYTES = 4 * 2**20  # config.json and card.json are a few KB: a larger one is not ours
# The card fields that screens and listings format, and what each must be; a field of
# another type is dropped with a warning, so a hand-edited card cannot crash them.
CARD_TYPES: dict[str, type] = {"name": str, "created": str, "parent": str, "val_bits_per_byte": float,
                               "parent_val_bits_per_byte": float, "parameters": int, "data": dict,
                               "unfinished": dict}
CARD_DATA_TYPES: dict[str, type] = {"description": str, "files": int, "bytes": int}


def fine_tuned_apart(card: dict[str, Any], folder: str | Path | None, general: str | Path | None) -> bool:
    """Whether the model at ``folder`` with ``card`` was fine-tuned (its card names a
    parent) and is not the general model at ``general`` itself: what, besides its
    tokens, a model needs to predict together with the general one (reads no file)."""
    if general is None or not card.get("parent"):
        return False
    try:
        return folder is None or Path(folder).resolve() != Path(general).resolve()
    except OSError:
        return False


def mixes_with(folder: Path, card: dict[str, Any], general: Path | None, general_tokens: bytes | None) -> bool:
    """Whether the bundle in ``folder`` predicts together with the general model at
    ``general``, whose tokenizer file holds ``general_tokens`` (``mixture.general_model``'s
    rule, from the files, without torch): it was fine-tuned apart from it and its
    tokenizer is the general model's."""
    if general_tokens is None or not fine_tuned_apart(card, folder, general):
        return False
    try:
        return (folder / TOKENIZER_FILE).read_bytes() == general_tokens
    except OSError:
        return False


def replace_refusal(folder: Path) -> str | None:
    """Why a bundle may not be written over ``folder`` (None: it may). Replacing a
    folder removes it, so only a folder that holds a bundle's files and nothing else
    (or nothing at all) may be replaced: never a folder of texts a writer named by
    mistake, nor a file."""
    try:
        if not folder.is_dir() or folder.is_symlink():
            return None if not os.path.lexists(folder) else "is not a folder"
        names = sorted(os.listdir(folder))
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    others = [n for n in names if n not in BUNDLE_FILES]
    if others:
        shown = ", ".join(repr(n) for n in others[:3]) + (", ..." if len(others) > 3 else "")
        return f"holds files that are not part of a model ({shown})"
    return None


def read_json(path: Path) -> dict[str, Any]:
    try:
        return read_json_object(path, MAX_JSON_BYTES)
    except FileNotFoundError:
        raise BundleError(f"{path}: missing") from None
    except OSError as exc:
        raise BundleError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise BundleError(f"{path}: {exc}") from None


def _fits(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return isinstance(value, kind)


def _checked(fields: dict[str, Any], types: dict[str, type], where: str) -> tuple[dict[str, Any], list[str]]:
    kept, problems = {}, []
    for key, value in fields.items():
        kind = types.get(key)
        if kind is None or value is None or _fits(value, kind):
            kept[key] = value
        else:
            problems.append(f"{where}: '{key}' is not {'a number' if kind in (int, float) else kind.__name__}; ignored")
    return kept, problems


def check_card(card: dict[str, Any], where: str = CARD_FILE) -> tuple[dict[str, Any], list[str]]:
    """The card with every field the app formats of the right type, and what was dropped."""
    kept, problems = _checked(card, CARD_TYPES, where)
    if isinstance(kept.get("data"), dict):
        kept["data"], more = _checked(kept["data"], CARD_DATA_TYPES, f"{where} data")
        problems += more
    return kept, problems


def read_config(folder: Path) -> ModelConfig:
    path = folder / CONFIG_FILE
    data = read_json(path)
    if data.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{path}: not an lstm-tui bundle (format is {data.get('format')!r})")
    version = data.get("format_version")
    if version != BUNDLE_FORMAT_VERSION:
        raise BundleError(f"{path}: unknown format version {version!r} "
                          f"(this lstm-tui reads version {BUNDLE_FORMAT_VERSION})")
    if data.get("architecture", "lstm") != "lstm":
        raise BundleError(f"{path}: unknown architecture {data.get('architecture')!r}")
    try:
        return ModelConfig.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise BundleError(f"{path}: {exc}") from None


def read_card(folder: Path) -> tuple[dict[str, Any], list[str]]:
    """The checked card (empty if there is none), and warnings about fields dropped."""
    path = folder / CARD_FILE
    try:
        present = path.exists()
    except OSError as exc:  # a folder that may be listed but not searched
        raise BundleError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return check_card(read_json(path), str(path)) if present else ({}, [])


def training_card(*, name: str, parent: tuple[str, str, dict[str, Any]] | None, data: dict[str, Any],
                  budget: dict[str, float], device: str, world_size: int, steps: int, tokens: int,
                  seconds: float, best_bpb: float, parent_bpb: float | None, val_bytes: int, parameters: int,
                  weights: str | None, recipe: dict[str, Any], machine: dict[str, Any] | None = None,
                  ) -> dict[str, Any]:
    """card.json of a model a training run saved. ``parent`` is a fine-tune's parent
    (name, folder, its own card: the lineage survives the folder being replaced, as a
    warm restart of the shipped model is installed over it); ``weights`` says which
    were saved when a moving average was kept beside them ("average" or "raw")."""
    return {
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "parent": parent[0] if parent else None,
        "parent_path": parent[1] if parent else None,
        "parent_card": parent[2] if parent else None,
        "data": data,
        "budget": budget,
        "device": device,
        "machine": machine,  # the CPU and its kernel flags (core.machine), for the model's history
        "world_size": world_size,
        "steps": steps,
        "tokens_seen": tokens,
        "train_seconds": round(seconds, 1),
        "val_bits_per_byte": round(best_bpb, 5) if math.isfinite(best_bpb) else None,
        "parent_val_bits_per_byte": None if parent_bpb is None else round(parent_bpb, 5),
        "val_bytes": val_bytes,
        "parameters": parameters,
        "weights": weights,
        "recipe": recipe,
    }
