"""What a training run is asked to do (TrainOptions) and how far it has come (Progress)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path

from .config import RATES, check_sizes, option
from .errors import LstmTuiError
from .jsonfile import read_json_object
from .mail import is_address

RUN_FILE = "run.json"
MAX_RUN_FILE_BYTES = 2**20  # a run's options are about 1 KB
SHORT_CPU_MINUTES = 30  # up to this budget a CPU run is "short": a 256-wide model, 16 rows
WIDE_LR = 5e-3  # peak learning rate of a new model wider than 256
# A fine-tune's: a few hundred KB to a few MB of a writer's text in minutes on a CPU
# (bench/personal.py --tune, docs/personal.md: 5e-4 took the blog's held-out text to
# 1.722 bits per byte in 240 steps, 1e-3 to 1.656, 2e-3 to 1.598).
FINE_TUNE_LR = 2e-3
# The share of what a fine-tune learned that its saved model keeps: the rest of the way
# it goes back toward the parent (blend_toward), so that the writer's model still knows
# the English it knew (bench/personal.py --proxy --blends, docs/personal.md). A model
# that will predict together with the shipped one (mixture.py) keeps all of it: the
# mixture keeps the English, and on the proxies all of it saved 0.4 to 1.6 points more
# of the writer's keystrokes at the same gate than three quarters.
FINE_TUNE_BLEND = 0.75
# The most passes over the writer's text a fine-tune on a --minutes budget makes. On
# the proxies at the recipe's 16 rows (bench/personal.py --proxy, docs/personal.md),
# the novelist's later book got worse from 4 passes to 8 (+3.3 points to +2.4) and she
# lost 2.7 more points of general English; 467 words of mail, 234 passes in a minute,
# made a model worse than its parent.
FINE_TUNE_MAX_PASSES = 4.0
# The same for a fine-tune that will predict together with the shipped model: the
# mixture keeps general English (1.506 bits per byte on the general texts after 4 passes
# and after 8), and on the same proxies the blog gained 2.5 points more from 4 passes to
# 8 while the novelist's book stayed where it was (+3.2, +3.3).
MIXED_MAX_PASSES = 8.0
# How a file wrapped at a fixed width is read, by training and by evaluation alike.
KEEP_LINE_BREAKS_HELP = ("keep the line breaks of hard-wrapped files (verse, code); by default each "
                         "paragraph of a file wrapped at a fixed width is joined into one line")
BUDGETS = ("minutes", "epochs", "steps")  # a run's budget: one of these, in this order of precedence
PRECISIONS = ("auto", "fp32", "bf16", "bf16-output", "fp16")
# A step's activations grow with rows times window (times width and vocabulary): the
# defaults use 1,024 tokens a step; these limits are a hundred times that and more.
MAX_BATCH_SIZE = 4096
MAX_SEQ_LEN = 8192
MAX_STEP_TOKENS = 2**17
FLAGS = {"vocab_size": "--vocab-size", "embed_dim": "--embed-dim", "hidden_dim": "--hidden-dim",
         "num_layers": "--layers"}


_SHORT = f"{SHORT_CPU_MINUTES} minutes"


@dataclass(frozen=True)
class TrainOptions:
    """What a run is asked to do. A field's ``help`` is what ``lstm-tui train --help``
    says of it, and a plain default is shown beside it (train_cli derives both)."""

    paths: tuple[str, ...]  # files and folders of training text
    name: str  # bundle name (folder under the user models dir)
    output: str  # bundle folder written with the best validation weights
    run_dir: str  # checkpoints live here
    cache_dir: str  # token id cache
    from_model: str | None = None  # parent bundle folder to fine-tune; None trains anew
    tokenizer: str | None = option(None, "use this SentencePiece tokenizer.model instead of training one")
    minutes: float | None = option(None, "training budget in minutes of wall time, validations included "
                                       "(default: 10)")
    epochs: float | None = option(None, "training budget in passes over the data")
    steps: int | None = option(None, "training budget in optimizer steps")
    max_passes: float | None = option(None, "end a --minutes run once it has read its text this many times, "
                                          "even with time left (default: "
                                          f"{MIXED_MAX_PASSES:g} to fine-tune a model that predicts together "
                                          f"with the shipped one, {FINE_TUNE_MAX_PASSES:g} for another "
                                          "fine-tune, else none)")
    vocab_size: int = option(8000, "upper bound on tokenizer pieces")
    embed_dim: int | None = option(None, "embedding width (default: the hidden width)")
    hidden_dim: int | None = option(None, f"LSTM width (default: 256 for a CPU budget of up to {_SHORT}, else 512)")
    layers: int = option(2, "LSTM layers")
    # Regularisation rates (see ModelConfig); None: ModelConfig's default for a new
    # model, the parent's rate for a fine-tune.
    dropout: float | None = option(None, "dropout rate")
    weight_drop: float | None = option(None, "DropConnect rate on the LSTM's recurrent weights")
    embed_drop: float | None = option(None, "rate at which whole words are dropped from the input")
    tie_weights: bool = True
    batch_size: int | None = option(None, "rows per step, per process under torchrun (default: 16 for a CPU "
                                        f"budget of up to {_SHORT}, else 32)")
    seq_len: int = option(64, "truncated BPTT window in tokens")
    lr: float | None = option(None, f"peak learning rate (default: 8e-3 for a 256-wide model, {WIDE_LR:.0e} wider, "
                                  f"{FINE_TUNE_LR:.0e} to fine-tune)".replace("e-0", "e-"))
    min_lr_ratio: float = 0.1  # the cosine decays to lr * this
    warmup_steps: int = option(100, "steps of learning-rate warmup (at most a tenth of the budget)")
    weight_decay: float = 0.01
    clip: float = 1.0  # max gradient norm
    anchor: float | None = option(None, "fine-tunes: pull the weights back toward the parent's at this "
                                      "rate per unit of learning rate (L2-SP, instead of weight decay "
                                      "toward zero), so a little text does not wash out general English "
                                      "(default: 0)")
    blend: float | None = option(None, "fine-tunes: keep this share of what the run learned and go the rest "
                                     "of the way back to the parent's weights (1: keep it all), so the "
                                     "model still knows the English it knew (default: all of it for a model "
                                     f"that predicts together with the shipped one, else {FINE_TUNE_BLEND:g})")
    ema: float | None = option(None, "also keep a moving average of the weights, folding in each step with "
                                   "weight 1 - DECAY (0.999: about the last 1,000 steps); each validation "
                                   "keeps the better of it and the raw weights (default: off)")
    val_fraction: float = option(0.1, "share of the text held out")
    val_paths: tuple[str, ...] = option((), "validation files (instead of --val-fraction)")
    val_max_tokens: int = option(300_000, "cap on validation tokens")
    keep_line_breaks: bool = option(False, KEEP_LINE_BREAKS_HELP)
    from_address: str | None = option(None, "of mail (mbox, Maildir, .eml), read only the messages sent "
                                            "from this address (yours)")
    eval_every: int | None = option(None, "steps between validations (default: a tenth of a --minutes "
                                        "run's time at most, twenty in a --steps or --epochs run)")
    precision: str = option("auto", "auto: bf16 (or fp16) autocast on CUDA; on a CPU with native bfloat16 a "
                                  "bf16 output layer only (bf16-output), the LSTM kept in float32; fp32 "
                                  "elsewhere")
    seed: int = option(1234, "seed for the weights, the batches and dropout")

    def __post_init__(self) -> None:
        check_sizes({"vocab_size": self.vocab_size, "embed_dim": self.embed_dim, "hidden_dim": self.hidden_dim,
                     "num_layers": self.layers}, FLAGS)
        rows = self.batch_size or 32
        checks = [
            (0 < self.val_fraction <= 0.5, f"--val-fraction must be in (0, 0.5], not {self.val_fraction}"),
            (self.batch_size is None or 1 <= self.batch_size <= MAX_BATCH_SIZE,
             f"--batch-size must be from 1 to {MAX_BATCH_SIZE:,}"),
            (2 <= self.seq_len <= MAX_SEQ_LEN, f"--seq-len must be from 2 to {MAX_SEQ_LEN:,}"),
            (rows * self.seq_len <= MAX_STEP_TOKENS,
             f"--batch-size times --seq-len must be at most {MAX_STEP_TOKENS:,} tokens a step"),
            (self.lr is None or self.lr > 0, "--lr must be positive"),
            (self.warmup_steps >= 0, "--warmup-steps must be >= 0"),
            (self.val_max_tokens >= 1, "--val-max-tokens must be at least 1"),
            (self.precision in PRECISIONS, f"--precision must be one of {', '.join(PRECISIONS)}"),
            (self.from_address is None or is_address(self.from_address),
             f"--from-address must be an email address such as me@example.com, not {self.from_address!r}"),
            (all(v is None or v > 0 for v in (self.minutes, self.epochs, self.steps)),
             "the budget (--minutes, --epochs or --steps) must be positive"),
            (self.eval_every is None or self.eval_every >= 1, "--eval-every must be at least 1"),
            (self.ema is None or 0 < self.ema < 1, f"--ema must be in (0, 1), not {self.ema}"),
            (self.anchor is None or self.anchor >= 0, f"--anchor must be >= 0, not {self.anchor}"),
            (self.blend is None or 0 < self.blend <= 1, f"--blend must be in (0, 1], not {self.blend}"),
            (self.max_passes is None or self.max_passes > 0, f"--max-passes must be positive, not {self.max_passes}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def rates(self) -> dict[str, float]:
        """The regularisation rates that were given, by ModelConfig name."""
        return {k: v for k in RATES if (v := getattr(self, k)) is not None}

    def model_width(self, device_type: str) -> tuple[int, int]:
        """(embed_dim, hidden_dim) of a new model. Unset, the width follows the budget:
        a short CPU run learns more with a narrower model that sees more text
        (docs/training.md has the figures), and a 512-wide model needs hours. A GPU,
        or a budget in steps or epochs, gets 512."""
        hidden = self.hidden_dim or self.embed_dim or (256 if self.short_cpu_run(device_type) else 512)
        return self.embed_dim or hidden, hidden

    def batch_rows(self, device_type: str) -> int:
        """Rows per step when --batch-size is unset: 16 in a short CPU run, where more
        updates of the same tokens pay (docs/training.md), else 32."""
        return self.batch_size or (16 if self.short_cpu_run(device_type) else 32)

    def short_cpu_run(self, device_type: str) -> bool:
        minutes = self.budget().get("minutes")
        return device_type == "cpu" and minutes is not None and minutes <= SHORT_CPU_MINUTES

    def peak_lr(self, hidden_dim: int) -> float:
        """The peak learning rate: --lr, else FINE_TUNE_LR to fine-tune, else by width (a
        narrow model takes a higher one; docs/training.md)."""
        if self.lr is not None:
            return self.lr
        if self.from_model:
            return FINE_TUNE_LR
        return 8e-3 if hidden_dim <= 256 else WIDE_LR

    def kept_share(self, mixed: bool = False) -> float:
        """The share of what the run learned that its model keeps: --blend, else
        FINE_TUNE_BLEND for a fine-tune that will not be ``mixed`` with the shipped
        model; a mixed fine-tune and a new model keep all they learned."""
        if self.blend is not None:
            return self.blend
        return FINE_TUNE_BLEND if self.from_model and not mixed else 1.0

    def pass_cap(self, mixed: bool = False) -> float | None:
        """Passes over the text after which a --minutes run ends early: --max-passes,
        else MIXED_MAX_PASSES for a fine-tune that will be ``mixed`` with the shipped
        model and FINE_TUNE_MAX_PASSES for another; None: the budget alone decides (and
        always in a --steps or --epochs run)."""
        if "minutes" not in self.budget():
            return None
        if self.max_passes is not None:
            return self.max_passes
        if not self.from_model:
            return None
        return MIXED_MAX_PASSES if mixed else FINE_TUNE_MAX_PASSES

    def budget(self) -> dict[str, float]:
        for key in BUDGETS:
            if getattr(self, key) is not None:
                return {key: getattr(self, key)}
        return {"minutes": 10.0}


@dataclass
class Progress:
    """What a checkpoint carries besides tensors; all plain numbers."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    tokens: int = 0
    seconds: float = 0.0  # wall time of the run so far, validations and checkpoints included
    best_bpb: float = math.inf
    parent_bpb: float | None = None
    history: list[dict[str, float]] = field(default_factory=list)


def resume_command(name: str, threads: int | None = None) -> list[str]:
    """The command that goes on with the stopped run ``name``."""
    return ["lstm-tui", "train", "--name", name, "--resume", *(["--threads", str(threads)] if threads else [])]


def read_run_options(run_dir: Path) -> TrainOptions:
    """The options saved by an earlier run in ``run_dir`` (for ``--resume``)."""
    path = run_dir / RUN_FILE
    try:
        data = read_json_object(path, MAX_RUN_FILE_BYTES)
    except FileNotFoundError:
        raise LstmTuiError(f"{path}: missing; there is no earlier run of this name to resume") from None
    except (OSError, ValueError) as exc:
        raise LstmTuiError(f"{path}: unreadable ({exc})") from None
    for key in ("paths", "val_paths"):
        data[key] = tuple(data.get(key) or ())
    known = {f.name for f in fields(TrainOptions)}
    try:
        return TrainOptions(**{k: v for k, v in data.items() if k in known})
    except (TypeError, ValueError) as exc:
        raise LstmTuiError(f"{path}: not usable to resume ({exc})") from None
