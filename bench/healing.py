"""What token healing gains: next-word accuracy and keystroke latency; prints JSON.

  python bench/healing.py [--model PATH] [--cuts 600] [--text FILE]

Cuts the validation book (Sense and Sensibility; never the test book) at random
places of three kinds, as a writer pauses: after a space, inside a word, and at the
end of a word before its space. For each, the greedy suggestion from the 2,000
characters before the cut is compared with the book: "hit" when it starts with the
rest of the text up to the end of the next word (inside a word: the rest of that
word), "chars" the characters it gets right before the first wrong one. Healed and
naive generators (the same model, in this process) see the same cuts. Latency: one
passage typed a character at a time, keystroke to first token, both generators taking
turns so that machine noise falls on both alike.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "gutenberg"
WORD = re.compile(r"\S+")


def cuts(text: str, n: int, seed: int = 0) -> list[tuple[str, int, str]]:
    """(kind, position, what a perfect suggestion starts with), n of each kind."""
    rng = random.Random(seed)
    words = [m for m in WORD.finditer(text, 2000) if m.end() < len(text) - 1]
    out: list[tuple[str, int, str]] = []
    for kind in ("after space", "inside word", "end of word"):
        chosen = 0
        while chosen < n:
            i = rng.randrange(len(words) - 1)
            word, following = words[i], words[i + 1]
            if kind == "after space" and text[word.start() - 1] == " ":
                out.append((kind, word.start(), word.group()))
            elif kind == "inside word" and len(word.group()) >= 4 and word.group().isalpha():
                at = word.start() + rng.randrange(1, len(word.group()) - 1)
                out.append((kind, at, text[at:word.end()]))
            elif kind == "end of word" and text[word.end()] == " ":
                out.append((kind, word.end(), text[word.end():following.end()]))
            else:
                continue
            chosen += 1
    return out


def agreement(suggestion: str, truth: str) -> int:
    n = 0
    while n < min(len(suggestion), len(truth)) and suggestion[n] == truth[n]:
        n += 1
    return n


def accuracy(generators: dict, text: str, n: int, config) -> dict:
    results: dict[str, dict[str, list[float]]] = {}
    for kind, at, target in cuts(text, n):
        context = text[max(0, at - 2000):at]
        for name, gen in generators.items():
            suggestion = "".join(gen.stream(context, config))
            row = results.setdefault(f"{name}/{kind}", {"hit": [], "chars": []})
            row["hit"].append(float(suggestion.startswith(target)))
            row["chars"].append(agreement(suggestion, text[at:at + len(suggestion)]))
    return {key: {"hit_rate": round(statistics.fmean(r["hit"]), 3),
                  "chars_right": round(statistics.fmean(r["chars"]), 2), "cuts": len(r["hit"])}
            for key, r in sorted(results.items())}


def latency(generators: dict, text: str, config, chars: int = 300) -> dict:
    start = len(text) // 3
    base = text[start - 2000:start]
    times: dict[str, list[float]] = {name: [] for name in generators}
    for gen in generators.values():
        list(gen.stream(base, config))
    for i in range(1, chars + 1):
        context = base + text[start:start + i]
        for name, gen in generators.items():
            t0 = time.perf_counter()
            next(iter(gen.stream(context, config)), None)
            times[name].append((time.perf_counter() - t0) * 1000)
    out = {name: {"p50_ms": round(statistics.median(t), 2),
                  "p95_ms": round(statistics.quantiles(t, n=20)[-1], 2)} for name, t in times.items()}
    out["p50_ratio_healed_to_naive"] = round(out["healed"]["p50_ms"] / out["naive"]["p50_ms"], 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model folder or name (default: the shipped model)")
    parser.add_argument("--cuts", type=int, default=600, help="cuts in all, split evenly over the kinds")
    parser.add_argument("--text", type=Path, default=DATA / "sense_and_sensibility.txt")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    import torch

    from lstm_tui import SamplingConfig, load_model
    from lstm_tui.core.data import read_text, scan
    from lstm_tui.core.generation import StreamingGenerator

    torch.set_num_threads(args.threads)
    lm = load_model(args.model, device="cpu")
    text = read_text(scan([args.text]).files[0])
    generators = {"healed": StreamingGenerator(lm.base_runner, lm.tokenizer, lm.device),
                  "naive": StreamingGenerator(lm.base_runner, lm.tokenizer, lm.device, heal=False)}
    config = SamplingConfig(temperature=0.0, max_tokens=6, repetition_penalty=1.0)
    report = {"model": lm.name, "text": args.text.name, "threads": args.threads,
              "accuracy": accuracy(generators, text, args.cuts // 3, config),
              "keystroke_to_first_token": latency(generators, text, config)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
