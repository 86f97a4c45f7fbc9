"""The models a user has: the shipped default and bundles in the user data dir.

Reads only config.json and card.json (no torch), so listing is instant.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import paths
from .core.amounts import counted, size_text
from .core.atomic import atomic_write_text
from .core.bundle_files import CARD_FILE, CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE, mixes_with, read_card, read_json
from .core.errors import BundleError, Writing
from .core.gain import WriterGain
from .core.jsonfile import read_json_object
from .core.train_options import MAX_RUN_FILE_BYTES, RUN_FILE
from .training_lock import trainer


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    kind: str  # "shipped" or "user"
    card: dict[str, Any]
    config: dict[str, Any]
    size: int  # bytes on disk
    error: str | None = None  # why the bundle cannot be loaded, if it cannot
    warnings: tuple[str, ...] = ()  # card fields ignored because they were malformed
    mixed: bool = False  # predicts together with the shipped model (core.mixture)

    @property
    def val_bpb(self) -> float | None:
        return self.card.get("val_bits_per_byte")

    @property
    def gain(self) -> WriterGain | None:
        """Keystrokes saved on the writer's held-out text, before and after its fine-tune."""
        raw = self.card.get("writer_gain")
        return WriterGain.from_dict(raw) if isinstance(raw, dict) else None

    @property
    def unfinished(self) -> dict[str, Any] | None:
        """Where a stopped run left this model (its step, the command to go on), or None."""
        return self.card.get("unfinished") or None

    @property
    def status(self) -> str:
        """The kind, or that a stopped run left it unfinished."""
        return f"{self.kind}, unfinished" if self.unfinished else self.kind

    def fmt_gain(self) -> str:
        return self.gain.short() if self.gain else "-"

    @property
    def parent(self) -> str | None:
        """The parent's name: "default" for the shipped model (its card names it otherwise)."""
        if paths.is_default_bundle(self.card.get("parent_path")):
            return paths.DEFAULT_MODEL
        return self.card.get("parent")

    @property
    def trained_on(self) -> str:
        data = self.card.get("data") or {}
        if "description" in data:
            return data["description"]
        if data.get("files"):
            return f"{counted(data['files'], 'file')}, {size_text(data.get('bytes', 0))}"
        return ""

    @property
    def created(self) -> str:
        return str(self.card.get("created", ""))[:10]

    def fmt_bpb(self) -> str:
        return f"{self.val_bpb:.3f}" if self.val_bpb is not None else "-"

    def fmt_params(self) -> str:
        n = self.card.get("parameters")
        return f"{n / 1e6:.1f}M" if n else "-"

    def fmt_size(self) -> str:
        return size_text(self.size)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "path": str(self.path), "kind": self.kind, "size": self.size,
                "val_bits_per_byte": self.val_bpb, "parent": self.parent, "created": self.created,
                "parameters": self.card.get("parameters"), "trained_on": self.trained_on,
                "writer_gain": self.gain.to_dict() if self.gain else None,
                "unfinished": self.unfinished, "mixed": self.mixed, "error": self.error}


def entry(path: Path, kind: str, shipped_tokens: bytes | None = None) -> ModelEntry:
    """The listing of the bundle in ``path``; ``shipped_tokens``, the shipped model's
    tokenizer file, tells whether it predicts together with the shipped model."""
    error, warnings = None, []
    try:
        config = read_json(path / CONFIG_FILE)
        card, warnings = read_card(path)
    except BundleError as exc:
        config, card, error = {}, {}, str(exc)
    try:
        if error is None and not (path / WEIGHTS_FILE).exists():
            error = f"{path / WEIGHTS_FILE}: missing"
        size = sum(f.stat().st_size for f in path.iterdir() if f.is_file()) if path.is_dir() else 0
    except OSError as exc:  # a folder of mode 000, say: listed, with the reason
        size, error = 0, error or f"{path}: cannot be read ({exc.strerror or exc})"
    name = paths.DEFAULT_MODEL if kind == "shipped" else path.name
    mixed = kind == "user" and error is None and mixes_with(path, card, paths.default_bundle(), shipped_tokens)
    return ModelEntry(name, path, kind, card, config, size, error, tuple(warnings), mixed)


def _holds_model(folder: Path) -> bool:
    try:
        return folder.is_dir() and not folder.name.startswith(".") and (folder / CONFIG_FILE).exists()
    except OSError:  # cannot look inside: listed, and its entry says why it cannot be used
        return True


def list_models(on_problem: Callable[[str], None] | None = None) -> list[ModelEntry]:
    """The shipped model and the user's. A models folder that cannot be read is told
    to ``on_problem`` (one line) and the shipped model still listed; without
    ``on_problem`` it raises ``BundleError``."""
    entries = []
    default = paths.default_bundle()
    if (default / CONFIG_FILE).exists():
        entries.append(entry(default, "shipped"))
    try:
        shipped_tokens = (default / TOKENIZER_FILE).read_bytes()
    except OSError:
        shipped_tokens = None  # nothing to mix with
    root = paths.user_models_dir()
    try:
        folders = sorted(root.iterdir()) if root.is_dir() else []
    except OSError as exc:
        problem = f"{root}: cannot list your models ({exc.strerror or exc})"
        if on_problem is None:
            raise BundleError(problem) from None
        on_problem(problem)
        folders = []
    entries.extend(entry(folder, "user", shipped_tokens) for folder in folders if _holds_model(folder))
    return entries


def rename_model(name: str, new_name: str) -> Path:
    paths.validate_name(new_name)
    src, dst = paths.user_models_dir() / name, paths.user_models_dir() / new_name
    if not src.is_dir():
        raise BundleError(f"{src}: no such user model")
    if dst.exists():
        raise BundleError(f"{dst}: a model of that name exists")
    if (pid := trainer(name)) is not None:  # the run would write the old name again
        raise BundleError(f"{src}: a training run is writing it (process {pid}); rename it once the run "
                          "has ended")
    src.rename(dst)
    # The card names the model (the editor's status bar, F3's "Build on"), and a run's
    # options name the folders it writes: both follow, or a resumed run wrote the old
    # name's model again.
    _renamed_in(dst / CARD_FILE, {"name": (None, new_name)})
    run, new_run = paths.runs_dir() / name, paths.runs_dir() / new_name
    if run.is_dir() and not new_run.exists():
        run.rename(new_run)  # an unfinished run follows its model, so --resume still finds it
        _renamed_in(new_run / RUN_FILE, {"name": (name, new_name), "output": (str(src), str(dst)),
                                         "run_dir": (str(run), str(new_run))})
    return dst


def _renamed_in(path: Path, changes: dict[str, tuple[str | None, str]]) -> None:
    """Each field of the JSON object in ``path`` that holds the old value of ``changes``
    (any value, where that is None) gets the new one (a file that is not there, or not
    readable, is left as it is)."""
    try:
        data = read_json_object(path, MAX_RUN_FILE_BYTES)
    except (OSError, ValueError):
        return
    renamed = {key: new for key, (old, new) in changes.items() if old is None or data.get(key) == old}
    if renamed:
        with Writing(path, "the renamed model's files"):
            atomic_write_text(path, json.dumps(data | renamed, indent=2) + "\n", private=True)


def delete_model(name: str) -> None:
    if name == paths.DEFAULT_MODEL:
        raise BundleError("the shipped default model cannot be deleted")
    folder = paths.user_models_dir() / name
    if not (folder / CONFIG_FILE).exists():
        raise BundleError(f"{folder}: no such user model")
    shutil.rmtree(folder)
    shutil.rmtree(paths.runs_dir() / name, ignore_errors=True)  # its checkpoint decodes to its text
