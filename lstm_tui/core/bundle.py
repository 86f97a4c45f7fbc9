"""Model bundles on disk: config.json, model.safetensors, tokenizer.model, card.json.

Saving writes a temporary folder and renames it into place, so a bundle is never
half-written, and private to its owner (0700, its files 0600). Loading validates
every file and raises ``BundleError`` with one line naming the file and the problem.
Weights are safetensors: nothing is ever unpickled.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .atomic import fsync_dir, private_dir
from .bundle_files import (
    CARD_FILE,
    CONFIG_FILE,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
    check_card,
    read_card,
    read_config,
    read_json,
    replace_refusal,
)
from .config import BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, ModelConfig
from .errors import BundleError
from .interrupts import deferred_interrupts
from .jsonfile import load_json_object, open_regular
from .model import LSTMLanguageModel
from .tokenizer import Tokenizer

PICKLE_MAGIC = (b"\x80", b"PK\x03\x04")  # pickle protocol 2+ and torch.save's zip
MAX_HEADER_BYTES = 2**20  # a safetensors header lists a few tensors: some KB
# The weight types a bundle may hold: what save_bundle writes. Integer or boolean
# weights would load and generate garbage.
WEIGHT_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}
__all__ = [
    "CARD_FILE",
    "CONFIG_FILE",
    "TOKENIZER_FILE",
    "WEIGHTS_FILE",
    "Bundle",
    "check_card",
    "load_bundle",
    "read_card",
    "read_config",
    "read_json",
    "save_bundle",
]


@dataclass
class Bundle:
    model: LSTMLanguageModel
    tokenizer: Tokenizer
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    @property
    def name(self) -> str:
        return self.card.get("name") or (self.path.name if self.path else "unsaved")


def weights_header(path: Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Each tensor's dtype and shape as the safetensors header lists them, read without
    loading a byte of weights: a file that is not safetensors (a pickle among them) is
    refused before anything in it is believed."""
    try:
        f = open_regular(path)
    except FileNotFoundError:
        raise BundleError(f"{path}: missing") from None
    except OSError as exc:
        raise BundleError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise BundleError(f"{path}: {exc}") from None
    with f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(8)
        length = int.from_bytes(head, "little") if len(head) == 8 else -1
        raw = f.read(length) if 0 < length <= min(MAX_HEADER_BYTES, size - 8) else b""
    # A safetensors file opens with its header's length, then the header, a JSON object.
    # A pickle's first byte is 0x80, which a header length of 128 modulo 256 shares:
    # the structure decides, the magic bytes only name what a refused file is.
    if not raw.startswith(b"{"):
        if head.startswith(PICKLE_MAGIC):
            raise BundleError(f"{path}: is a pickle or torch.save file; only safetensors weights are loaded")
        raise BundleError(f"{path}: corrupt or truncated safetensors file (no valid header)")
    try:
        header = load_json_object(raw)
        tensors = {name: (entry["dtype"], tuple(entry["shape"]))
                   for name, entry in header.items() if name != "__metadata__"}
    except (ValueError, TypeError, KeyError) as exc:
        raise BundleError(f"{path}: corrupt safetensors header ({exc})") from None
    for name, (dtype, shape) in tensors.items():
        if dtype not in WEIGHT_DTYPES:
            raise BundleError(f"{path}: {name} holds {dtype} values; a model's weights are "
                              f"{', '.join(WEIGHT_DTYPES)}")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise BundleError(f"{path}: {name} has an invalid shape {list(shape)}")
    return tensors


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a file ``weights_header`` has checked."""
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BundleError(f"{path}: corrupt or truncated safetensors file ({reason})") from None


def _check_shapes(path: Path, header: dict[str, tuple[str, tuple[int, ...]]], config: ModelConfig) -> None:
    """The header's tensors against the shapes ``config`` implies, before anything is
    allocated: the model is laid out on the meta device, which holds no memory."""
    found = {name: shape for name, (_, shape) in header.items()}
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in LSTMLanguageModel(config).state_dict().items()}
    if config.tie_weights and "embedding.weight" in found:
        found.setdefault("decoder.weight", found["embedding.weight"])  # tied: stored once
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        raise BundleError(f"{path}: does not match {CONFIG_FILE} "
                          f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    for key, shape in expected.items():
        if found[key] != shape:
            raise BundleError(f"{path}: {key} has shape {found[key]}, {CONFIG_FILE} implies {shape}")


def load_bundle(folder: str | Path) -> Bundle:
    folder = Path(folder).expanduser()
    try:
        if not folder.exists():
            _restore_interrupted(folder)
        exists, is_dir = folder.exists(), folder.is_dir()
    except OSError as exc:  # a models folder of mode 000, say
        raise BundleError(f"{folder}: cannot be read ({exc.strerror or exc})") from None
    if not exists:
        raise BundleError(f"{folder}: no such model folder")
    if not is_dir:
        raise BundleError(f"{folder}: a model is a folder holding {CONFIG_FILE}, {WEIGHTS_FILE} "
                          f"and {TOKENIZER_FILE}, not a single file")
    config = read_config(folder)
    tokenizer = Tokenizer.load(folder / TOKENIZER_FILE)
    if tokenizer.vocab_size != config.vocab_size:
        raise BundleError(f"{folder / TOKENIZER_FILE}: has {tokenizer.vocab_size} pieces but "
                          f"{CONFIG_FILE} says vocab_size {config.vocab_size}")
    weights_path = folder / WEIGHTS_FILE
    _check_shapes(weights_path, weights_header(weights_path), config)
    state = load_weights(weights_path)
    for key, tensor in state.items():
        if not torch.isfinite(tensor).all():
            raise BundleError(f"{weights_path}: {key} holds NaN or infinite values; the model is broken")
    if config.tie_weights:
        state.setdefault("decoder.weight", state["embedding.weight"])
    model = LSTMLanguageModel(config)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    model.eval()
    return Bundle(model=model, tokenizer=tokenizer, card=read_card(folder)[0], path=folder)


def weights_for_saving(model: LSTMLanguageModel, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    if model.config.tie_weights:
        state.pop("decoder.weight", None)  # the same tensor as embedding.weight
    return state


def save_bundle(model: LSTMLanguageModel, tokenizer: Tokenizer, folder: str | Path,
                card: dict[str, Any] | None = None, dtype: torch.dtype = torch.float16,
                overwrite: bool = True) -> Path:
    """Write a bundle atomically: a sibling temporary folder, then a rename.

    Weights are stored in half precision by default: half the size, and bits per
    byte within a small fraction of a percent of float32.
    """
    folder = Path(folder).expanduser()
    if not folder.parent.exists():
        private_dir(folder.parent)  # a new models folder: a listing of them is private too
    if folder.exists() and not overwrite:
        raise BundleError(f"{folder}: already exists")
    if refusal := replace_refusal(folder):
        raise BundleError(f"{folder}: {refusal}, so no model was written there; choose a new folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        with deferred_interrupts():  # a second Ctrl+C waits for the bundle to be whole
            _write_bundle_files(model, tokenizer, tmp, folder, card, dtype)
    except (OSError, SafetensorError) as exc:  # a full disk, say
        shutil.rmtree(tmp, ignore_errors=True)
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise BundleError(f"{folder}: could not write the model ({reason})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _write_bundle_files(model: LSTMLanguageModel, tokenizer: Tokenizer, tmp: Path, folder: Path,
                        card: dict[str, Any] | None, dtype: torch.dtype) -> None:
    # Private whatever the umask (0700, 0600), as editors keep swap files: the tokenizer
    # holds the writer's words, and the weights can be made to recite their text.
    tmp.chmod(0o700)
    config = {"format": BUNDLE_FORMAT, "format_version": BUNDLE_FORMAT_VERSION,
              "architecture": "lstm", **model.config.to_dict(),
              "weights_dtype": str(dtype).removeprefix("torch.")}
    _write_json(tmp / CONFIG_FILE, config)
    save_file(weights_for_saving(model, dtype), str(tmp / WEIGHTS_FILE),
              metadata={"format": BUNDLE_FORMAT})
    tokenizer.save(tmp / TOKENIZER_FILE)
    _write_json(tmp / CARD_FILE, {"name": folder.name, **(card or {})})
    for path in tmp.iterdir():
        path.chmod(0o600)  # some writers create files 0644
        _fsync(path)
    _replace_dir(tmp, folder)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _restore_interrupted(folder: Path) -> None:
    """A replacement killed between its two renames leaves only the old copy: put it back."""
    leftovers = sorted(folder.parent.glob(f".{folder.name}.old-*")) if folder.parent.is_dir() else []
    if leftovers:
        os.replace(leftovers[-1], folder)


def _replace_dir(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst``; an existing ``dst`` is swapped out and removed only after."""
    if not dst.exists():
        os.replace(src, dst)
        fsync_dir(dst.parent)
        return
    old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
    os.replace(dst, old)
    try:
        os.replace(src, dst)
    except BaseException:
        os.replace(old, dst)
        raise
    fsync_dir(dst.parent)
    shutil.rmtree(old, ignore_errors=True)
