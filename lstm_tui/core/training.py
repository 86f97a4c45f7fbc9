"""Train or fine-tune a bundle: AdamW, warmup then cosine decay, truncated BPTT with
carried state, gradient clipping, AMP on CUDA, validation in bits per byte, atomic
checkpoints with exact resume, a stop flag that saves first, and DDP under torchrun.

Progress is reported as event dicts through a callback, so the CLI (rich or JSON
lines) and the TUI (a child process's JSON lines) consume the same stream.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .atomic import atomic_write_bytes, atomic_write_text, private_dir
from .averaging import WeightAverage
from .batches import BatchStream
from .bundle import Bundle, load_bundle, save_bundle
from .checkpoint import CHECKPOINT_FILE, read_checkpoint, write_checkpoint
from .config import RATES, ModelConfig, SamplingConfig
from .data import TokenArrays, sample_text, scan, split_files, tokenize_files
from .device import resolve_device
from .distributed import Distributed
from .errors import DataError, Writing
from .evaluate import total_bits
from .generation import StreamingGenerator
from .model import LSTMLanguageModel
from .precision import training_precision
from .schedule import batch_loss, learning_rate
from .tokenizer import MIN_VOCAB, Tokenizer, train_tokenizer
from .train_options import RUN_FILE, Progress, TrainOptions, read_run_options

__all__ = ["TrainingRun", "TrainOptions", "Progress", "read_run_options", "learning_rate", "training_precision"]

Emit = Callable[[dict[str, Any]], None]
CHECKPOINT_SECONDS = 300.0  # a killed run loses at most this much training time
RANK_SEED_STRIDE = 1_000_003  # rank r's dropout seed: the run's seed + r times this
# In a --minutes run, validation may take at most this share of the wall time: on a
# slow CPU one validation of a book takes half a minute, and six in ten minutes took
# over half the budget from training.
VALIDATION_SHARE = 0.1
FORWARD_SPEEDUP = 2.5  # a validation reads tokens about this much faster than training learns them
MIN_EVAL_SECONDS = 60.0  # a --minutes run validates at most this often


class TrainingRun:
    """One training run, from reading the files to the last checkpoint."""

    def __init__(self, options: TrainOptions, emit: Emit, should_stop: Callable[[], bool] = lambda: False,
                 device: str = "auto", resume: bool = False, keep_checkpoint: bool = False) -> None:
        self.options = options
        self.emit_raw = emit
        self.should_stop = should_stop
        self.device = resolve_device(device)
        self.resume = resume
        self.keep_checkpoint = keep_checkpoint  # else a finished run's folder is removed
        self.dist = Distributed(self.device)
        if self.dist.enabled and self.device.type == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
        self.run_dir = Path(options.run_dir)
        self.checkpoint_path = self.run_dir / CHECKPOINT_FILE
        # Before any text is read: a precision this device cannot run fails at once.
        self.precision = training_precision(options.precision, self.device)
        self.validation_seconds: float | None = None  # what the last validation took

    def emit(self, event: str, **data: Any) -> None:
        if self.dist.main:
            self.emit_raw({"event": event, "time": round(time.time(), 3), **data})

    # -- setting up ------------------------------------------------------------------

    def prepare(self) -> None:
        o = self.options
        corpus = scan(o.paths, unwrap=not o.keep_line_breaks)
        self.corpus = corpus
        self.emit("files", read=[[str(f.path), f.size] for f in corpus.files],
                  unwrapped=[str(f.path) for f in corpus.files if f.unwrap],
                  skipped=[[str(p), why] for p, why in corpus.skipped])
        if not corpus.files:
            raise DataError("no usable text among " + ", ".join(o.paths)
                            + (f" ({len(corpus.skipped)} files skipped)" if corpus.skipped else ""))
        train_files, val_files, tail = split_files(corpus, o.val_fraction, o.val_paths,
                                                   unwrap=not o.keep_line_breaks)
        parent: Bundle | None = load_bundle(o.from_model) if o.from_model else None
        if parent is not None:
            self.tokenizer = parent.tokenizer
            self.model_config = replace(parent.config, **o.rates())
        else:
            self.tokenizer = self._tokenizer(train_files)
            embed, hidden = o.model_width(self.device.type)
            if o.hidden_dim is None and o.embed_dim is None:
                self.emit("status", message=f"model width {hidden} for this budget (--hidden-dim sets it)")
            self.model_config = ModelConfig(vocab_size=self.tokenizer.vocab_size, embed_dim=embed,
                                            hidden_dim=hidden, num_layers=o.layers,
                                            tie_weights=o.tie_weights, **o.rates())
        # Unset defaults follow the model and budget, written to run.json so --resume
        # rebuilds the same run anywhere (a fine-tune keeps its unused width unset).
        width = {} if parent else {"embed_dim": self.model_config.embed_dim,
                                   "hidden_dim": self.model_config.hidden_dim}
        self.options = o = replace(o, lr=o.peak_lr(self.model_config.hidden_dim),
                                   batch_size=o.batch_rows(self.device.type), **width)
        self.parent = parent
        train_ids, val_ids = self._token_ids(train_files, val_files, tail)
        val_ids = val_ids[:o.val_max_tokens]
        val_bytes = sum(len(self.tokenizer.piece_bytes[int(i)]) for i in val_ids)
        if val_bytes == 0:
            raise DataError("the validation text is empty; add files or raise --val-fraction")
        self.data = TokenArrays(train_ids, val_ids, val_bytes)
        self.val_ids = torch.from_numpy(val_ids.astype(np.int64))  # once: every validation reads it
        self.emit("data", train_tokens=int(len(train_ids)), val_tokens=int(len(val_ids)),
                  val_bytes=int(val_bytes), train_files=len(train_files), val_files=len(val_files) or 1,
                  vocab_size=self.tokenizer.vocab_size)

    def _token_ids(self, train_files, val_files, tail: bool) -> tuple[np.ndarray, np.ndarray]:
        """Token ids from the disk cache; rank 0 builds a missing cache while the
        other ranks wait, so the work is done once."""
        cache = Path(self.options.cache_dir)

        def build() -> tuple[np.ndarray, np.ndarray | None]:
            if tail:
                return tokenize_files(train_files, self.tokenizer, cache, tail_fraction=self.options.val_fraction)
            val = np.asarray(tokenize_files(val_files, self.tokenizer, cache)[0])
            return tokenize_files(train_files, self.tokenizer, cache)[0], val

        if self.dist.main:
            train_ids, val_ids = build()
        self.dist.barrier()
        if not self.dist.main:
            train_ids, val_ids = build()  # a cache hit now
        if val_ids is None or len(val_ids) == 0:
            raise DataError("no validation text could be held out; add files or raise --val-fraction")
        return train_ids, np.asarray(val_ids)

    def _tokenizer(self, files) -> Tokenizer:
        o = self.options
        path = self.run_dir / "tokenizer.model"
        if o.tokenizer:
            return Tokenizer.load(o.tokenizer)
        if self.resume and path.exists():
            return Tokenizer.load(path)
        if self.dist.main:
            self.emit("status", message=f"training a tokenizer (up to {o.vocab_size} pieces)")
            tokenizer = train_tokenizer(sample_text(files, 20_000_000), max(MIN_VOCAB, o.vocab_size))
            with Writing(path, "the tokenizer"):
                private_dir(self.run_dir)
                atomic_write_bytes(path, tokenizer.proto, private=True)
        self.dist.barrier()
        return Tokenizer.load(path)

    def build(self) -> None:
        torch.manual_seed(self.options.seed)
        self.model = LSTMLanguageModel(self.model_config)
        if self.parent is not None:
            self.model.load_state_dict(self.parent.model.state_dict())
        # The same weights on every rank, but each its own dropout masks from here on.
        torch.manual_seed(self.options.seed + RANK_SEED_STRIDE * self.dist.rank)
        self.model.to(self.device)
        decay = [p for n, p in self.model.named_parameters() if p.dim() >= 2 and "embedding" not in n]
        rest = [p for n, p in self.model.named_parameters() if not (p.dim() >= 2 and "embedding" not in n)]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": self.options.weight_decay},
             {"params": rest, "weight_decay": 0.0}],
            # fused: one kernel for all parameters (5x faster than the loop on a CPU).
            lr=self.options.lr, betas=(0.9, 0.99), fused=self.device.type in ("cpu", "cuda"))
        self.net: torch.nn.Module = self.model
        if self.dist.enabled:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = DistributedDataParallel(self.model, device_ids=ids)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.precision.autocast == torch.float16)
        o = self.options
        # A few KB of text cannot fill 32 rows of 64 tokens: use fewer rows, and say so.
        rows = max(1, min(o.batch_size, len(self.data.train) // ((o.seq_len + 1) * self.dist.world)))
        if rows < o.batch_size:
            self.emit("status", message=f"little text: batch size lowered from {o.batch_size} to {rows}")
        self.batches = BatchStream(self.data.train, rows, o.seq_len, self.dist.rank, self.dist.world, o.seed)
        # The moving average of the weights, validated beside them (--ema), by rank 0
        # alone, which also saves the checkpoints.
        self.average = WeightAverage(self.model, o.ema) if o.ema and self.dist.main else None
        self.progress = Progress()
        self.carry: tuple[torch.Tensor, torch.Tensor] | None = None  # LSTM state between batches
        self.last_eval_step = -1
        self.last_checkpoint_seconds = 0.0

    # -- checkpoints -----------------------------------------------------------------

    def save_checkpoint(self) -> None:
        if not self.dist.main:
            return
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "progress": asdict(self.progress),
            "options": asdict(self.options),
            "model_config": self.model_config.to_dict(),
            "rng": {"torch": torch.get_rng_state(),
                    "cuda": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else []},
            "carry": None if self.carry is None else [t.detach().cpu() for t in self.carry],
            "average": None if self.average is None else self.average.state_dict(),
        }
        write_checkpoint(self.checkpoint_path, state)
        self.last_checkpoint_seconds = self.progress.seconds
        self.emit("checkpoint", path=str(self.checkpoint_path), step=self.progress.step)

    def write_run_file(self) -> None:
        """run.json: the options of this run, so ``--resume`` repeats them exactly."""
        if self.dist.main:
            with Writing(self.run_dir / RUN_FILE, "the run's options"):
                private_dir(self.run_dir)
                atomic_write_text(self.run_dir / RUN_FILE, json.dumps(asdict(self.options), indent=2))

    def load_checkpoint(self) -> None:
        state = read_checkpoint(self.checkpoint_path, self.model_config.to_dict())
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        self.progress = Progress(**state["progress"])
        if self.average is not None and state.get("average") is not None:
            self.average.load_state_dict(state["average"])
        carry = state.get("carry")
        if carry is not None and not self.dist.enabled:  # the saved state is rank 0's rows only
            # As float32: a state saved under autocast may be bf16, which the LSTM
            # refuses beside float32 inputs.
            self.carry = (carry[0].to(self.device, torch.float32), carry[1].to(self.device, torch.float32))
        torch.set_rng_state(state["rng"]["torch"])
        if self.device.type == "cuda" and state["rng"].get("cuda"):
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        if self.dist.rank:  # the checkpoint holds rank 0's generator: the others part from it
            torch.manual_seed(self.options.seed + RANK_SEED_STRIDE * self.dist.rank + self.progress.step)
        self.last_checkpoint_seconds = self.progress.seconds
        self.last_eval_step = self.progress.step
        self.emit("resumed", step=self.progress.step, epoch=self.progress.epoch,
                  best_bpb=_finite(self.progress.best_bpb))

    # -- the loop --------------------------------------------------------------------

    def fraction(self) -> float:
        b, p = self.options.budget(), self.progress
        if "minutes" in b:
            return p.seconds / self.training_seconds()
        total = b["steps"] if "steps" in b else b["epochs"] * self.batches.per_epoch
        return p.step / max(1, total)

    def eval_interval(self) -> int:
        if self.options.eval_every:
            return self.options.eval_every
        b = self.options.budget()
        if "minutes" in b:
            return 0  # by time instead, see _due_for_eval
        total = b["steps"] if "steps" in b else b["epochs"] * self.batches.per_epoch
        return max(10, int(total) // 20)

    def _due_for_eval(self, last_eval_seconds: float) -> bool:
        interval = self.eval_interval()
        if interval:
            return self.progress.step % interval == 0
        budget = 60 * self.options.budget()["minutes"]
        wait = max(min(600.0, max(MIN_EVAL_SECONDS, budget / 10)),
                   self.validation_cost() * (1 / VALIDATION_SHARE - 1))
        # Too little training left before the last validation, and this one is
        # skipped, since the last comes soon anyway.
        left = self.training_seconds() - self.progress.seconds
        return self.progress.seconds - last_eval_seconds >= wait and left >= wait

    def training_seconds(self) -> float:
        """A --minutes budget less the last validation, which ends inside it too."""
        budget = 60 * self.options.budget()["minutes"]
        return budget - min(self.validation_cost(), budget / 4)

    def validation_cost(self) -> float:
        """Seconds a validation takes: as the last one took, or before the first, as
        estimated from the training speed so far (0 before any step)."""
        if self.validation_seconds is not None:
            return self.validation_seconds
        p = self.progress
        if p.tokens == 0 or p.seconds <= 0:
            return 0.0
        passes = 1 if self.average is None else 2  # --ema validates the average as well
        return passes * len(self.val_ids) / (FORWARD_SPEEDUP * p.tokens / p.seconds)

    def validate(self, model: torch.nn.Module | None = None) -> float:
        bits = total_bits(self.model if model is None else model, self.val_ids, self.tokenizer.start_id,
                          self.device)
        return bits / self.data.val_bytes

    def sample(self, chars: int = 160) -> str:
        self.model.eval()
        generator = StreamingGenerator(self.model, self.tokenizer, self.device)
        prompt = self.tokenizer.decode(int(i) for i in self.data.val[1:13]).lstrip("\n")
        config = SamplingConfig(temperature=0.7, top_k=40, max_tokens=40, seed=self.progress.step)
        text = "".join(generator.stream(prompt, config))
        self.model.train()
        return (prompt + text)[:chars]

    def evaluate_and_keep(self) -> None:
        self.last_eval_step = self.progress.step
        if self.dist.main:
            started = time.perf_counter()
            raw = self.validate()
            # With --ema, the average and the raw weights both validate; the better is kept.
            averaged = None if self.average is None else self.validate(self.average.model)
            extra = {} if averaged is None else {"raw_bpb": raw, "average_bpb": averaged}
            bpb, model = (raw, self.model)
            if averaged is not None and averaged < raw:
                bpb, model = averaged, self.average.model
            improved = bpb < self.progress.best_bpb
            p = self.progress
            p.history.append({"step": p.step, "tokens": p.tokens, "seconds": round(p.seconds, 1),
                              "val_bpb": round(bpb, 5)} | {k: round(v, 5) for k, v in extra.items()})
            if improved:
                p.best_bpb = bpb
                self.save_bundle(model)
            self.validation_seconds = time.perf_counter() - started
            self.emit("eval", step=p.step, val_bpb=bpb, best_bpb=p.best_bpb, improved=improved,
                      seconds=round(self.validation_seconds, 2), **extra)
            self.emit("sample", step=p.step, text=self.sample())
            self.save_checkpoint()
        self.dist.barrier()

    def save_bundle(self, model: torch.nn.Module | None = None) -> None:
        """The bundle of ``model`` (the trained one unless told), with its card."""
        o, p = self.options, self.progress
        card = {
            "name": o.name,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "parent": self.parent.name if self.parent else None,
            "parent_path": str(self.parent.path) if self.parent else None,
            # The parent's own card, so the lineage survives its folder being replaced
            # (a warm restart of the shipped model is installed over it).
            "parent_card": self.parent.card if self.parent else None,
            "data": self.corpus.summary(),
            "budget": o.budget(),
            "device": self.device.type,
            "world_size": self.dist.world,
            "steps": p.step,
            "tokens_seen": p.tokens,
            "train_seconds": round(p.seconds, 1),
            "val_bits_per_byte": round(p.best_bpb, 5) if math.isfinite(p.best_bpb) else None,
            "parent_val_bits_per_byte": None if p.parent_bpb is None else round(p.parent_bpb, 5),
            "val_bytes": self.data.val_bytes,
            "parameters": self.model.num_parameters(),
            # Which weights these are, when a moving average was kept beside them (--ema).
            "weights": None if self.average is None else
            ("average" if model is self.average.model else "raw"),
            "recipe": {k: getattr(o, k) for k in ("batch_size", "seq_len", "lr", "warmup_steps",
                                                  "weight_decay", "clip", "ema")}
            | {k: getattr(self.model_config, k) for k in RATES}
            | {"precision": self.precision.label},
        }
        save_bundle(self.model if model is None else model, self.tokenizer, o.output, card)

    def run(self) -> dict[str, Any]:
        o = self.options
        try:
            self.prepare()
            self.build()
            if self.resume:
                self.load_checkpoint()
            self.write_run_file()
            self.emit("start", params=self.model.num_parameters(), device=self.device.type,
                      world_size=self.dist.world, budget=o.budget(), steps_per_epoch=self.batches.per_epoch,
                      model=self.model_config.to_dict(), output=o.output, resumed=self.resume)
            if self.parent is not None and self.progress.parent_bpb is None and self.dist.main:
                self.progress.parent_bpb = self.validate()
                self.emit("eval", step=0, val_bpb=self.progress.parent_bpb, best_bpb=None,
                          improved=False, parent=True)
            stopped = self.loop()
        finally:
            self.dist.close()
        if not stopped and not self.keep_checkpoint and self.dist.main:
            # Nothing left to resume: the checkpoint (134 MB at the default size) and
            # the run's tokenizer go; the model holds what is worth keeping.
            shutil.rmtree(self.run_dir, ignore_errors=True)
        result = {"output": o.output, "best_bpb": _finite(self.progress.best_bpb),
                  "parent_bpb": self.progress.parent_bpb, "steps": self.progress.step,
                  "tokens": self.progress.tokens, "seconds": round(self.progress.seconds, 1),
                  "stopped": stopped,
                  "checkpoint": str(self.checkpoint_path) if self.checkpoint_path.exists() else None}
        self.emit("done", **result)
        return result

    def loop(self) -> bool:
        """Train until the budget is spent; True if stopped early (checkpoint saved)."""
        o, p, model = self.options, self.progress, self.net
        model.train()
        last_eval = p.seconds
        window_tokens, window_start = 0, time.perf_counter()
        # The budget's clock is the wall clock from here on, validations and checkpoints
        # included: a 2-minute run takes two minutes (it took four when only the steps
        # counted).
        tick = window_start
        rows = self.batches.rows
        self._regularise_for_epoch()
        while True:
            # One collective per step: every rank must take the same branch, or one
            # waits at a barrier forever, and use the same learning rate.
            stop, due, save, fraction = self.dist.agree(
                self.should_stop(),
                0 < p.step != self.last_eval_step and self._due_for_eval(last_eval),
                p.seconds - self.last_checkpoint_seconds >= CHECKPOINT_SECONDS,
                self.fraction())
            done = fraction >= 1.0
            if due:
                last_eval = p.seconds
                self.evaluate_and_keep()
                model.train()
            elif save:
                self.save_checkpoint()
            if done:
                break
            if stop:
                self.save_checkpoint()
                if not math.isfinite(p.best_bpb) and self.dist.main:
                    self.save_bundle()  # something to use even before the first validation
                return True
            if p.batch_in_epoch >= self.batches.per_epoch:
                p.epoch += 1
                p.batch_in_epoch = 0
                self.carry = None
                self._regularise_for_epoch()
            x, y = self.batches.batch(p.batch_in_epoch, p.epoch)
            x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
            lr = learning_rate(o, p.step, fraction)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            # Truncated BPTT: the state carries over from the last window, but its
            # history is cut so backprop stays within seq_len tokens.
            if self.carry is not None:
                self.carry = (self.carry[0].detach(), self.carry[1].detach())
            loss, self.carry = batch_loss(model, x, y, self.carry, self.precision)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            # Clipping keeps a rare exploding LSTM gradient from wrecking the weights.
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), o.clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            if self.average is not None:
                self.average.update(self.model)
            p.step += 1
            p.batch_in_epoch += 1
            p.tokens += rows * o.seq_len * self.dist.world
            now = time.perf_counter()
            p.seconds += now - tick
            tick = now
            window_tokens += rows * o.seq_len * self.dist.world
            if p.step % 10 == 0 or p.step == 1:
                rate = window_tokens / max(now - window_start, 1e-9)
                window_tokens, window_start = 0, now
                fraction = self.fraction()
                eta = max(0.0, p.seconds / fraction * (1 - fraction)) if fraction > 0 else None
                self.emit("progress", step=p.step, epoch=p.epoch, loss=loss.item(),
                          bpb_estimate=loss.item() / math.log(2) * self._tokens_per_byte(),
                          lr=lr, tokens=p.tokens, tokens_per_second=rate,
                          fraction=min(1.0, fraction), eta_seconds=eta)
        if self.last_eval_step != p.step:
            self.evaluate_and_keep()
        return False

    def _regularise_for_epoch(self) -> None:
        """A new model trains without dropout of any kind in its first pass over the
        data, and at its rates after it; a fine-tune at its rates from the start.

        Dropout fights memorising text seen before; in a new model's first pass every
        batch is new. A 10-minute CPU run (less than a pass over the Gutenberg books)
        ended at 1.763 bits per byte without dropout and 1.780 with 0.1. A model that
        has trained with dropout is another matter: a 2 x 256 model fine-tuned on its
        own two books read 2.1039 on validation after 160 steps with dropout all along
        and 2.1076 with the first pass (118 steps) without.
        """
        self.model.set_regularisation(self.parent is not None or self.progress.epoch >= 1)

    def _tokens_per_byte(self) -> float:
        return len(self.data.val) / self.data.val_bytes


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
