"""Generation speed and quantization quality; prints one JSON object.

  python bench/generation.py [--model PATH | --random] [--quality-text FILE]

Speed (from lstm_tui.benchmark, the same code as `lstm-tui bench`): keystroke to
first token with a 2,000-character context and one more character typed (p50/p95),
streaming tokens/s, the same model in a naive loop that re-tokenizes and re-runs the
whole context for every token, and the peak resident memory of `lstm-tui generate`.
Quality: bits per byte of the float32 and the int8-quantized model on --quality-text
(default: the validation book, Sense and Sensibility; never the test book).
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
    from lstm_tui.core.model import quantize_for_cpu

    lm = load_model(model, device="cpu")
    text = read_text(scan([text_path]).files[0])[:max_chars]
    fp32 = evaluate_text(lm.bundle.model, lm.tokenizer, text, torch.device("cpu"))
    int8 = evaluate_text(quantize_for_cpu(lm.bundle.model), lm.tokenizer, text, torch.device("cpu"))
    return {"quality_text": text_path.name, "quality_chars": len(text),
            "bpb_fp32": round(fp32.bits_per_byte, 4), "bpb_int8": round(int8.bits_per_byte, 4),
            "int8_relative_change": round(int8.bits_per_byte / fp32.bits_per_byte - 1, 5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model folder or name (default: the shipped model)")
    parser.add_argument("--random", action="store_true", help="random weights in the shipped model's shape (speed only)")
    parser.add_argument("--quality-text", type=Path, default=DATA / "sense_and_sensibility.txt")
    parser.add_argument("--quality-chars", type=int, default=200_000)
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-memory subprocess")
    args = parser.parse_args()
    from lstm_tui.benchmark import generation_benchmark

    result = {"bench": "generation", **generation_benchmark(None if args.random else args.model or "default",
                                                            rss=not args.no_rss)}
    if not args.random and args.quality_text.exists():
        result.update(quantization_quality(args.model, args.quality_text, args.quality_chars))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
