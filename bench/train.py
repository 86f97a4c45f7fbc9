"""Training benchmarks on the Gutenberg corpus; each mode prints one JSON object.

  python bench/train.py throughput [--threads 2] [--steps 6] [--width 512]
      tokens/s of lstm-tui's training step (default architecture: vocab 8000,
      embed/hidden 512, 2 layers, batch 32 x 64, --precision auto, fused AdamW) against
      a textbook loop (same nn.LSTM model, full softmax, fp32), interleaved in one
      process; medians and their ratio.
  python bench/train.py precisions [--width 640] [--steps 6] [--batches 32 64]
      tokens/s of lstm-tui's training step at 1 and 2 threads, in each precision
      this CPU runs (fp32, bf16-output, bf16 autocast where its LSTM kernels exist),
      at each batch size, interleaved in one process; medians, each as a ratio to
      fp32 at the same threads and batch, and what --precision auto picks here.
  python bench/train.py quality --which ours|textbook --minutes 10 [--threads 1]
      validation bits per byte (Sense and Sensibility) after a wall-clock budget,
      with the same tokenizer for both. The textbook recipe is PyTorch's
      word_language_model example: embedding 200, 2 x 200 LSTM, tied, dropout 0.2,
      SGD lr 20, clip 0.25, bptt 35, batch 20.
  python bench/train.py finetune --model default --minutes 2
      fine-tunes on the first 70 % of a held-out book (Sense and Sensibility, never
      trained on) and reports bits per byte on its last 30 % before and after.

Never run on the test book (Wuthering Heights). --data points at the corpus folder.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gutenberg"
VAL_BOOK = "sense_and_sensibility.txt"
TEST_BOOK = "wuthering_heights.txt"


def train_files(data: Path) -> list[Path]:
    return sorted(p for p in data.glob("*.txt") if p.name not in (VAL_BOOK, TEST_BOOK))


def token_arrays(tokenizer_path: Path, data: Path) -> tuple[np.ndarray, np.ndarray, int]:
    from lstm_tui import paths
    from lstm_tui.core.data import scan, tokenize_files
    from lstm_tui.core.tokenizer import Tokenizer

    tok = Tokenizer.load(tokenizer_path)
    cache = paths.cache_dir() / "tokens"
    train, _ = tokenize_files(scan(train_files(data)).files, tok, cache)
    val = np.asarray(tokenize_files(scan([data / VAL_BOOK]).files, tok, cache)[0])
    val_bytes = sum(len(tok.piece_bytes[int(i)]) for i in val)
    return train, val, val_bytes


def textbook_model(vocab: int, dim: int = 200, layers: int = 2, dropout: float = 0.2):
    from lstm_tui.core.config import ModelConfig
    from lstm_tui.core.model import LSTMLanguageModel

    return LSTMLanguageModel(ModelConfig(vocab_size=vocab, embed_dim=dim, hidden_dim=dim,
                                         num_layers=layers, dropout=dropout, tie_weights=True))


def throughput(args: argparse.Namespace) -> dict:
    from lstm_tui.core.config import ModelConfig
    from lstm_tui.core.model import LSTMLanguageModel
    from lstm_tui.core.precision import Precision, training_precision
    from lstm_tui.core.train_state import batch_loss

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = ModelConfig(embed_dim=args.width, hidden_dim=args.width)
    x = torch.randint(0, config.vocab_size, (32, 64))
    y = torch.randint(0, config.vocab_size, (32, 64))
    precision = training_precision("auto", torch.device("cpu"))

    def make(fused: bool):
        model = LSTMLanguageModel(config)
        return model, torch.optim.AdamW(model.parameters(), lr=1e-3, fused=fused)

    def step(model, opt, precision):
        loss, _ = batch_loss(model, x, y, None, precision)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    contenders = {"ours": (*make(True), precision), "textbook": (*make(False), Precision())}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for model, opt, p in contenders.values():
        step(model, opt, p)  # warm-up
    for _ in range(args.steps):  # interleaved, so machine noise hits both alike
        for name, (model, opt, p) in contenders.items():
            started = time.perf_counter()
            step(model, opt, p)
            times[name].append(time.perf_counter() - started)
    tokens = 32 * 64
    rate = {k: tokens / statistics.median(v) for k, v in times.items()}
    return {"bench": "train_throughput", "threads": args.threads, "width": args.width, "precision": precision.label,
            "ours_tokens_per_second": round(rate["ours"]), "textbook_tokens_per_second": round(rate["textbook"]),
            "ratio": round(rate["ours"] / rate["textbook"], 2), "steps": args.steps}


def precisions(args: argparse.Namespace) -> dict:
    from lstm_tui.core.config import ModelConfig
    from lstm_tui.core.machine import machine
    from lstm_tui.core.model import LSTMLanguageModel
    from lstm_tui.core.precision import Precision, cpu_lstm_runs_in, training_precision
    from lstm_tui.core.train_state import batch_loss

    torch.manual_seed(0)
    config = ModelConfig(embed_dim=args.width, hidden_dim=args.width)
    kinds = {"fp32": Precision(), "bf16-output": Precision(output=torch.bfloat16)}
    if cpu_lstm_runs_in(torch.bfloat16):
        kinds["bf16"] = Precision(autocast=torch.bfloat16)
    model = LSTMLanguageModel(config)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    batches = {b: (torch.randint(0, config.vocab_size, (b, 64)), torch.randint(0, config.vocab_size, (b, 64)))
               for b in args.batches}

    def step(precision: Precision, x: torch.Tensor, y: torch.Tensor) -> None:
        loss, _ = batch_loss(model, x, y, None, precision)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    cells = [(t, k, b) for t in (1, 2) for k in kinds for b in args.batches]
    times: dict[tuple, list[float]] = {cell: [] for cell in cells}
    for cell in cells:  # warm-up: each kernel once
        torch.set_num_threads(cell[0])
        step(kinds[cell[1]], *batches[cell[2]])
    for _ in range(args.steps):  # interleaved, so machine noise hits every cell alike
        for cell in cells:
            torch.set_num_threads(cell[0])
            started = time.perf_counter()
            step(kinds[cell[1]], *batches[cell[2]])
            times[cell].append(time.perf_counter() - started)
    rate = {cell: cell[2] * 64 / statistics.median(v) for cell, v in times.items()}
    rows = [{"threads": t, "precision": k, "batch": b, "tokens_per_second": round(rate[(t, k, b)]),
             "vs_fp32": round(rate[(t, k, b)] / rate[(t, "fp32", b)], 2)} for t, k, b in cells]
    skipped = {} if "bf16" in kinds else {"bf16": "this CPU has no bf16 LSTM kernels (no AVX512-BF16 or AMX)"}
    return {"bench": "train_precisions", "width": args.width, "steps": args.steps, "rows": rows,
            "skipped": skipped, "auto": training_precision("auto", torch.device("cpu")).label,
            "cpu_flags": machine()["flags"]}


def quality(args: argparse.Namespace) -> dict:
    torch.set_num_threads(args.threads)
    if args.which == "ours":
        return quality_ours(args)
    return quality_textbook(args)


def quality_ours(args: argparse.Namespace) -> dict:
    from lstm_tui.core.train_options import TrainOptions
    from lstm_tui.core.training import TrainingRun

    with tempfile.TemporaryDirectory() as tmp:
        from lstm_tui import paths

        o = TrainOptions(paths=tuple(map(str, train_files(args.data))), name="bench", output=f"{tmp}/out",
                         run_dir=f"{tmp}/run", cache_dir=str(paths.cache_dir() / "tokens"),
                         tokenizer=str(args.tokenizer), minutes=args.minutes,
                         val_paths=(str(args.data / VAL_BOOK),), eval_every=10**9,
                         **json.loads(args.recipe))
        result = TrainingRun(o, lambda e: None, device="cpu").run()
    return {"bench": "train_quality", "which": "ours", "minutes": args.minutes, "threads": args.threads,
            "val_bpb": round(result["best_bpb"], 4), "tokens": result["tokens"], "recipe": args.recipe}


def quality_textbook(args: argparse.Namespace) -> dict:
    from lstm_tui.core.evaluate import total_bits
    from lstm_tui.core.tokenizer import Tokenizer

    tok = Tokenizer.load(args.tokenizer)
    train, val, val_bytes = token_arrays(args.tokenizer, args.data)
    torch.manual_seed(0)
    model = textbook_model(tok.vocab_size)
    batch, bptt, lr, clip = 20, 35, 20.0, 0.25
    rows = len(train) // batch
    data = torch.from_numpy(np.asarray(train[:rows * batch], dtype=np.int64)).view(batch, rows)
    budget = args.minutes * 60
    started, tokens, state, i = time.perf_counter(), 0, None, 0
    model.train()
    while time.perf_counter() - started < budget:
        if i + bptt + 1 > rows:
            i, state = 0, None
        x, y = data[:, i:i + bptt], data[:, i + 1:i + 1 + bptt]
        if state is not None:
            state = (state[0].detach(), state[1].detach())
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
        model.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)
        i += bptt
        tokens += batch * bptt
    bits = total_bits(model, torch.from_numpy(val.astype(np.int64)), tok.start_id, torch.device("cpu"))
    return {"bench": "train_quality", "which": "textbook", "minutes": args.minutes, "threads": args.threads,
            "val_bpb": round(bits / val_bytes, 4), "tokens": tokens}


def finetune(args: argparse.Namespace) -> dict:
    from lstm_tui import load_model, paths
    from lstm_tui.core.data import read_text, scan
    from lstm_tui.core.train_options import TrainOptions
    from lstm_tui.core.training import TrainingRun

    torch.set_num_threads(args.threads)
    text = read_text(scan([args.data / VAL_BOOK]).files[0])
    cut = text.find("\n\n", int(len(text) * 0.7)) + 2
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "early.txt").write_text(text[:cut], encoding="utf-8")
        (Path(tmp) / "late.txt").write_text(text[cut:], encoding="utf-8")
        parent = paths.resolve_model(args.model)
        before = load_model(parent, device="cpu").bits_per_byte(text[cut:])
        o = TrainOptions(paths=(f"{tmp}/early.txt",), name="ft", output=f"{tmp}/out", run_dir=f"{tmp}/run",
                         cache_dir=f"{tmp}/cache", from_model=str(parent), minutes=args.minutes,
                         lr=5e-4, warmup_steps=20, val_fraction=0.1, eval_every=10**9)
        TrainingRun(o, lambda e: None, device="cpu").run()
        after = load_model(o.output, device="cpu").bits_per_byte(text[cut:])
    return {"bench": "finetune", "model": str(parent), "minutes": args.minutes, "book": VAL_BOOK,
            "late_chapters_bpb_before": round(before, 4), "late_chapters_bpb_after": round(after, 4),
            "relative_change": round(after / before - 1, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["throughput", "precisions", "quality", "finetune"])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--width", type=int, default=512, help="embedding and LSTM width for throughput")
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 64], help="batch sizes for precisions")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--which", choices=["ours", "textbook"], default="ours")
    parser.add_argument("--tokenizer", type=Path, help="tokenizer.model shared by both (default: the shipped one)")
    parser.add_argument("--recipe", default="{}", help="JSON of TrainOptions fields for 'ours'")
    parser.add_argument("--model", default="default")
    args = parser.parse_args()
    if args.threads is None:
        args.threads = 1 if args.mode == "quality" else 2
    if args.tokenizer is None:
        from lstm_tui.paths import default_bundle

        args.tokenizer = default_bundle() / "tokenizer.model"
    modes = {"throughput": throughput, "precisions": precisions, "quality": quality, "finetune": finetune}
    result = modes[args.mode](args)
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
