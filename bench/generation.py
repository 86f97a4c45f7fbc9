"""Generation speed and quantization quality; prints one JSON object.

  python bench/generation.py [--model PATH | --random] [--quality-text FILE]

Speed (from lstm_tui.benchmark, the same code as `lstm-tui bench`): keystroke to
first token with a 2,000-character context and one more character typed (p50/p95),
streaming tokens/s, the same model in a naive loop that re-tokenizes and re-runs the
whole context for every token, and the peak resident memory of `lstm-tui generate`.
Quality: bits per byte of the float32 and the int8-quantized model on --quality-text
(default: the validation book, Sense and Sensibility; never the test book).
Learning from the document (F5): one pass over 1,000 new characters (the SGD steps,
the int8 snapshot, the swap and refilling the state cache), the next keystroke after
it, and keystroke latency while passes run without pause in another thread,
against the same model idle, in this process.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gutenberg"


def quantization_quality(model: str | None, text_path: Path, max_chars: int) -> dict:
    import torch

    from lstm_tui import load_model
    from lstm_tui.core.data import read_text, scan
    from lstm_tui.core.evaluate import evaluate_text
    from lstm_tui.core.int8 import quantize_for_cpu

    lm = load_model(model, device="cpu")
    text = read_text(scan([text_path], unwrap=True).files[0])[:max_chars]  # as a writer types it
    fp32 = evaluate_text(lm.bundle.model, lm.tokenizer, text, torch.device("cpu"))
    int8 = evaluate_text(quantize_for_cpu(lm.bundle.model), lm.tokenizer, text, torch.device("cpu"))
    return {"quality_text": text_path.name, "quality_chars": len(text),
            "bpb_fp32": round(fp32.bits_per_byte, 4), "bpb_int8": round(int8.bits_per_byte, 4),
            "int8_relative_change": round(int8.bits_per_byte / fp32.bits_per_byte - 1, 5)}


def learning_cost(model: str | None, passes: int = 5) -> dict:
    import statistics
    import threading
    import time

    from lstm_tui import load_model
    from lstm_tui.benchmark import keystroke_latency, typing_text
    from lstm_tui.core.config import SamplingConfig

    lm = load_model(model, device="cpu")
    text = typing_text(2000 + 1000 * (passes + 60))
    idle = keystroke_latency(lm)
    learn_ms, first_key_ms = [], []
    lm.learn(text[:2000])
    config = SamplingConfig(max_tokens=8, seed=0)
    for i in range(1, passes + 1):
        typed = 2000 + 1000 * i
        list(lm.stream(text[:typed], config))  # the writer typed up to here and saw a suggestion
        started = time.perf_counter()
        lm.learn(text[:typed])
        learn_ms.append((time.perf_counter() - started) * 1e3)
        started = time.perf_counter()
        next(iter(lm.stream(text[:typed + 1], config)))
        first_key_ms.append((time.perf_counter() - started) * 1e3)
    stop, grown, during = threading.Event(), [2000 + 1000 * passes], [0]

    def keep_learning() -> None:
        while not stop.is_set() and grown[0] + 1000 <= len(text):
            grown[0] += 1000
            during[0] += lm.learn(text[:grown[0]]) > 0

    thread = threading.Thread(target=keep_learning)
    thread.start()
    try:
        busy = keystroke_latency(lm)
    finally:
        stop.set()
        thread.join()
    return {"learn_pass_1000_chars_ms": round(statistics.median(learn_ms), 1),
            "keystroke_after_learn_ms": round(statistics.median(first_key_ms), 2),
            "keystroke_idle_p50_ms": round(idle["p50_ms"], 2), "keystroke_idle_p95_ms": round(idle["p95_ms"], 2),
            "keystroke_learning_p50_ms": round(busy["p50_ms"], 2),
            "keystroke_learning_p95_ms": round(busy["p95_ms"], 2),
            "learning_passes_during": during[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model folder or name (default: the shipped model)")
    parser.add_argument("--random", action="store_true",
                        help="random weights in the shipped model's shape (speed only)")
    parser.add_argument("--quality-text", type=Path, default=DATA / "sense_and_sensibility.txt")
    parser.add_argument("--quality-chars", type=int, default=200_000)
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-memory subprocess")
    parser.add_argument("--no-learning", action="store_true", help="skip the learning-from-the-document figures")
    args = parser.parse_args()
    from lstm_tui.benchmark import generation_benchmark

    result = {"bench": "generation", **generation_benchmark(None if args.random else args.model or "default",
                                                            rss=not args.no_rss)}
    if not args.random and args.quality_text.exists():
        result.update(quantization_quality(args.model, args.quality_text, args.quality_chars))
    if not args.random and not args.no_learning:
        result["learning"] = learning_cost(args.model)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
