"""What token healing gains: next-word accuracy and keystroke latency; prints JSON.

  python bench/healing.py [--model PATH] [--cuts 600] [--text FILE]

Cuts the validation book (Sense and Sensibility; never the test book) at random
places of three kinds, as a writer pauses: after a space, inside a word, and at the
end of a word before its space. For each, the greedy suggestion from the 2,000
characters before the cut is compared with the book: "hit" when it starts with the
rest of the text up to the end of the next word (inside a word: the rest of that
word), "chars" the characters it gets right before the first wrong one. Healed and
naive generators (the same model, in this process) see the same cuts. Latency:
``lstm_tui.benchmark.keystroke_latency`` (what `lstm-tui bench` reports), in rounds
that alternate the two generators so that machine noise falls on both alike; the
medians of the rounds.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
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


def accuracy(generators: dict, text: str, n: int, config) -> dict:
    from lstm_tui.core.sequences import common_prefix  # characters right before the first wrong one

    results: dict[str, dict[str, list[float]]] = {}
    for kind, at, target in cuts(text, n):
        context = text[max(0, at - 2000):at]
        for name, gen in generators.items():
            suggestion = "".join(gen.stream(context, config))
            row = results.setdefault(f"{name}/{kind}", {"hit": [], "chars": []})
            row["hit"].append(float(suggestion.startswith(target)))
            row["chars"].append(common_prefix(suggestion, text[at:at + len(suggestion)]))
    return {key: {"hit_rate": round(statistics.fmean(r["hit"]), 3),
                  "chars_right": round(statistics.fmean(r["chars"]), 2), "cuts": len(r["hit"])}
            for key, r in sorted(results.items())}


def latency(generators: dict, rounds: int = 5) -> dict:
    from types import SimpleNamespace

    from lstm_tui.benchmark import keystroke_latency

    runs: dict[str, list[dict]] = {name: [] for name in generators}
    for r in range(rounds):
        for name in sorted(generators, reverse=r % 2 == 1):
            gen = generators[name]  # keystroke_latency reads stream() and the generator's counters
            runs[name].append(keystroke_latency(SimpleNamespace(stream=gen.stream, generator=gen)))
    out = {name: {key: round(statistics.median(run[key] for run in results), 2)
                  for key in ("p50_ms", "p95_ms")} for name, results in runs.items()}
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
              "keystroke_to_first_token": latency(generators)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
