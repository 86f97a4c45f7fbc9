"""What a training run reads before its first step: the files, the tokenizer, the
model's shape, the parent of a fine-tune and the token ids, with the options' unset
defaults resolved for that model and budget (RunInputs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .atomic import atomic_write_bytes, private_dir
from .bundle import Bundle, load_bundle
from .config import ModelConfig
from .data import Corpus, TextFile, TokenArrays, sample_text, scan, split_files, tokenize_files
from .distributed import Distributed
from .errors import DataError, Writing
from .tokenizer import MIN_VOCAB, Tokenizer, train_tokenizer
from .train_options import TrainOptions

Emit = Callable[..., None]  # emit(event, **data)
TOKENIZER_SAMPLE_BYTES = 20_000_000  # of training text that a new tokenizer learns from
# A fine-tune on at most this much text holds out the end of every file, not whole files:
# a writer's three books or four years of posts cannot spare one whole for validation (a
# whole book was 29% of one writer's text), and the end of each is their later writing.
# Its training ids are then held in memory (2 bytes a token).
TAIL_SPLIT_BYTES = 64 << 20


@dataclass(frozen=True)
class RunInputs:
    options: TrainOptions  # as asked, with the width, rows and learning rate resolved
    corpus: Corpus
    tokenizer: Tokenizer
    model_config: ModelConfig
    parent: Bundle | None  # the model a fine-tune starts from
    data: TokenArrays
    val_ids: torch.Tensor  # data.val as int64, once: every validation reads it


def prepare_inputs(options: TrainOptions, device: torch.device, dist: Distributed, emit: Emit,
                   resume: bool) -> RunInputs:
    o = options
    corpus = scan(o.paths, unwrap=not o.keep_line_breaks, from_address=o.from_address)
    emit("files", read=[[str(f.path), f.size] for f in corpus.files],
         unwrapped=[str(f.path) for f in corpus.files if f.unwrap],
         skipped=[[str(p), why] for p, why in corpus.skipped])
    if not corpus.files:
        raise DataError("no usable text among " + ", ".join(o.paths)
                        + (f" ({len(corpus.skipped)} files skipped)" if corpus.skipped else ""))
    if o.from_model and not o.val_paths and corpus.total_bytes <= TAIL_SPLIT_BYTES:
        train_files, val_files, tail = list(corpus.files), [], True
    else:
        train_files, val_files, tail = split_files(corpus, o.val_fraction, o.val_paths,
                                                   unwrap=not o.keep_line_breaks, from_address=o.from_address)
    parent = load_bundle(o.from_model) if o.from_model else None
    if parent is not None:
        tokenizer = parent.tokenizer
        model_config = replace(parent.config, **o.rates())
    else:
        tokenizer = _tokenizer(o, train_files, dist, emit, resume)
        embed, hidden = o.model_width(device.type)
        if o.hidden_dim is None and o.embed_dim is None:
            emit("status", message=f"model width {hidden} for this budget (--hidden-dim sets it)")
        model_config = ModelConfig(vocab_size=tokenizer.vocab_size, embed_dim=embed, hidden_dim=hidden,
                                   num_layers=o.layers, tie_weights=o.tie_weights, **o.rates())
    # Unset defaults follow the model and budget, written to run.json so --resume
    # rebuilds the same run anywhere (a fine-tune keeps its unused width unset).
    width = {} if parent else {"embed_dim": model_config.embed_dim, "hidden_dim": model_config.hidden_dim}
    o = replace(o, lr=o.peak_lr(model_config.hidden_dim), batch_size=o.batch_rows(device.type), **width)
    train_ids, val_ids = _token_ids(o, tokenizer, dist, train_files, val_files, tail)
    val_ids = val_ids[:o.val_max_tokens]
    val_bytes = sum(len(tokenizer.piece_bytes[int(i)]) for i in val_ids)
    if val_bytes == 0:
        raise DataError("the validation text is empty; add files or raise --val-fraction")
    emit("data", train_tokens=len(train_ids), val_tokens=len(val_ids), val_bytes=int(val_bytes),
         train_files=len(train_files), val_files=len(val_files) or len(train_files), vocab_size=tokenizer.vocab_size)
    return RunInputs(o, corpus, tokenizer, model_config, parent, TokenArrays(train_ids, val_ids, val_bytes),
                     torch.from_numpy(val_ids.astype(np.int64)))


def _token_ids(o: TrainOptions, tokenizer: Tokenizer, dist: Distributed, train_files: list[TextFile],
               val_files: list[TextFile], tail: bool) -> tuple[np.ndarray, np.ndarray]:
    """Token ids from the disk cache; rank 0 builds a missing cache while the other
    ranks wait, so the work is done once."""
    cache = Path(o.cache_dir)

    def build() -> tuple[Any, Any]:
        if tail and len(train_files) == 1:
            return tokenize_files(train_files, tokenizer, cache, tail_fraction=o.val_fraction)
        if tail:  # the end of each file validates
            parts = [tokenize_files([f], tokenizer, cache, tail_fraction=o.val_fraction) for f in train_files]
            tails = [t for _, t in parts if t is not None and len(t)]
            return np.concatenate([head for head, _ in parts]), np.concatenate(tails) if tails else None
        val = np.asarray(tokenize_files(val_files, tokenizer, cache)[0])
        return tokenize_files(train_files, tokenizer, cache)[0], val

    if dist.main:
        train_ids, val_ids = build()
    dist.barrier()
    if not dist.main:
        train_ids, val_ids = build()  # a cache hit now
    if val_ids is None or len(val_ids) == 0:
        raise DataError("no validation text could be held out; add files or raise --val-fraction")
    return train_ids, np.asarray(val_ids)


def _tokenizer(o: TrainOptions, files: list[TextFile], dist: Distributed, emit: Emit, resume: bool) -> Tokenizer:
    """--tokenizer, or the one this run trained before (--resume), or a new one."""
    run_dir = Path(o.run_dir)
    path = run_dir / "tokenizer.model"
    if o.tokenizer:
        return Tokenizer.load(o.tokenizer)
    if resume and path.exists():
        return Tokenizer.load(path)
    if dist.main:
        emit("status", message=f"training a tokenizer (up to {o.vocab_size} pieces)")
        tokenizer = train_tokenizer(sample_text(files, TOKENIZER_SAMPLE_BYTES), max(MIN_VOCAB, o.vocab_size))
        with Writing(path, "the tokenizer"):
            private_dir(run_dir)
            atomic_write_bytes(path, tokenizer.proto, private=True)
    dist.barrier()
    return Tokenizer.load(path)
