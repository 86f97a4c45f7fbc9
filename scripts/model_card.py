"""Write models/default/README.md (the model card) from the bundle's card.json, its
evaluation on the validation and test files, the previous default's evaluation on the
same files, and the generation benchmark.

  python scripts/model_card.py --val val.json --test test.json \
      --baseline-val old_val.json --baseline-test old_test.json --bench bench.json \
      [--suggestions suggestions.json] [--model models/default]

Each JSON file is `lstm-tui eval --json FILE...` (validation: O Pioneers!, the 18F
handbook, Sense and Sensibility; test: Winesburg, Ohio, the Carpentries lesson,
Wuthering Heights); bench.json is `python bench/generation.py`; suggestions.json is
`python bench/suggestions.py`. Samples are generated here with a fixed seed from
prompts written for this card (not in the corpus).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

# An email, a blog paragraph and a story opening, as the people this model is for write.
PROMPTS = [
    "Hi Sarah,\n\nThanks for sending the draft over. I had a quick look this morning and",
    "We launched the new search page last week. The biggest change is that",
    "The letter arrived on a Tuesday, three weeks after my father died.",
    "Our team spent the last quarter",
    "She had not expected to find the house empty. The door stood open, and",
]
# The names the card gives the evaluated files.
TITLES = {
    "standardebooks__willa-cather_o-pioneers.txt": "O Pioneers! (1913 novel)",
    "18f__handbook.txt": "18F handbook (2020s staff handbook)",
    "sense_and_sensibility.txt": "Sense and Sensibility (1811 novel)",
    "standardebooks__sherwood-anderson_winesburg-ohio.txt": "Winesburg, Ohio (1919 stories)",
    "carpentries__instructor-training.txt": "Carpentries instructor training (2020s lesson)",
    "wuthering_heights.txt": "Wuthering Heights (1847 novel)",
}


def training_stages(card: dict) -> list[dict]:
    """The cards of the runs that made this model, first run first: each card carries
    its parent's (older cards name a parent folder, read when it is still there)."""
    stages = [card]
    while True:
        first = stages[0]
        parent = first.get("parent_card")
        if parent is None and first.get("parent_path") and (Path(first["parent_path"]) / "card.json").exists():
            parent = json.loads((Path(first["parent_path"]) / "card.json").read_text())
        # A warm restart of the shipped model names models/default as its parent,
        # and is installed there: that folder then holds the child, not the parent.
        if not parent or any(parent.get("created") == stage.get("created") for stage in stages):
            return stages
        stages.insert(0, parent)


def regularisation(rates: dict) -> str:
    """"dropout 0.45, word dropout 0.1": the rates a model trained with, zeros left out."""
    names = {"dropout": "dropout", "embed_drop": "word dropout", "weight_drop": "recurrent DropConnect"}
    return ", ".join(f"{label} {rates[key]}" for key, label in names.items() if rates.get(key))


def stage_line(card: dict) -> str:
    recipe = card.get("recipe", {})
    budget = ", ".join(f"{value:g} {key}" for key, value in card["budget"].items())
    start = f"from `{card['parent']}`" if card.get("parent") else "from scratch"
    return (f"`{card['name']}`, {start}: AdamW, lr {recipe.get('lr')}, {recipe.get('warmup_steps')} warmup "
            f"steps then cosine decay, batch {recipe.get('batch_size')} x {recipe.get('seq_len')} tokens, "
            f"gradient clip {recipe.get('clip')}, weight decay {recipe.get('weight_decay')}, "
            f"{regularisation(recipe) or 'no dropout'}, "
            + (f"moving average of the weights (decay {recipe['ema']}, the {card.get('weights')} "
               "weights kept), " if recipe.get("ema") else "")
            + "precision "
            f"{recipe.get('precision', 'fp32')}; budget {budget}: {card['steps']:,} steps, "
            f"{card['tokens_seen']:,} tokens, validation {card['val_bits_per_byte']:.4f} bits per byte.")


def machine_text(card: dict, fallback: str) -> str:
    """"Intel Xeon, 2 cores, avx2 fma avx512f": the machine a run's card recorded
    (cards before 2026-12-08 recorded none: ``fallback``)."""
    m = card.get("machine")
    if not m:
        return fallback
    return f"{m.get('cpu') or 'a CPU'}, {m.get('cores')} cores, " + (" ".join(m.get("flags") or []) or "no AVX2")


def history_rows(stages: list[dict], train_tokens: int | None, fallback: str) -> list[str]:
    """One row per training run behind this model, first run first."""
    rows = ["| run | finished | steps | tokens | passes | training time | device, machine | precision | "
            "validation (bits per byte) |", "|---|---|---|---|---|---|---|---|---|"]
    for card in stages:
        passes = f"{card['tokens_seen'] / train_tokens:.2f}" if train_tokens else ""
        rows.append("| " + " | ".join([
            f"`{card['name']}`", str(card.get("created", ""))[:10], f"{card['steps']:,}", f"{card['tokens_seen']:,}",
            passes, f"{card['train_seconds'] / 3600:.1f} h",
            f"{card.get('device', 'cpu')} x {card.get('world_size', 1)}, {machine_text(card, fallback)}",
            card.get("recipe", {}).get("precision", "fp32"), f"{card['val_bits_per_byte']:.4f}"]) + " |")
    return rows


def by_file(path: Path) -> dict[str, float]:
    return {Path(f["file"]).name: f["bits_per_byte"] for f in json.loads(path.read_text())["files"]}


def quality_rows(split: str, new: dict[str, float], old: dict[str, float]) -> list[str]:
    rows = []
    for name, bpb in new.items():
        before = old.get(name)
        cells = [split, TITLES.get(name, name), f"{bpb:.4f}", f"{before:.4f}" if before else "",
                 f"{(bpb / before - 1) * 100:+.1f}%" if before else ""]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "default")
    parser.add_argument("--val", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--baseline-val", type=Path, required=True)
    parser.add_argument("--baseline-test", type=Path, required=True)
    parser.add_argument("--baseline-name", default="gutenberg-w640-d45")
    parser.add_argument("--baseline-about", default="19th-century novels only", help="what the previous model was")
    parser.add_argument("--bench", type=Path, required=True)
    parser.add_argument("--suggestions", type=Path)
    parser.add_argument("--training-note", default="", help="a sentence on anything unusual in the run")
    parser.add_argument("--quality-note", default="", help="a sentence on anything unusual in the figures")
    parser.add_argument("--script", default="scripts/train_modern.sh", help="the script that trained it")
    parser.add_argument("--hardware", default="one core of a shared 2-core x86-64 CPU",
                        help="what it trained on")
    parser.add_argument("--history-note", default="", help="what the history table leaves out (the shipped "
                        "bundles' suggestion figures, machines older cards did not record)")
    parser.add_argument("--train-tokens", type=int, help="tokens in the training split, for passes")
    args = parser.parse_args()

    from lstm_tui import SamplingConfig, load_model

    card = json.loads((args.model / "card.json").read_text())
    config = json.loads((args.model / "config.json").read_text())
    bench = json.loads(args.bench.read_text())
    lm = load_model(args.model, device="cpu")
    sampling = SamplingConfig(temperature=0.7, top_k=40, top_p=0.95, repetition_penalty=1.1,
                              max_tokens=40, seed=7, min_confidence=0.0, continue_confidence=0.0,
                              stop_at="none", line_breaks="any")
    samples = [(p, lm.complete(p, sampling).text) for p in PROMPTS]
    stages = training_stages(card)
    size_mb = (args.model / "model.safetensors").stat().st_size / 1e6
    lines = [
        "# lstm-tui default model",
        "",
        "The model `lstm-tui` loads when no other is chosen: a word-piece LSTM language model",
        "for the English people write today (emails, reports, blog posts, essays, stories),",
        "that still writes a decent 19th-century sentence; small and fast enough for a laptop CPU.",
        "",
        "## Data",
        "",
        "`scripts/modern_split.sh` fixes the split (the one in `shared/data/modern/README.md`):",
        "",
        "- **train**: the 62 training files of `shared/data/modern` (54 public-domain books first",
        "  published 1883-1930 from Standard Ebooks; blog posts, guides and handbooks of 18F,",
        "  Digital.gov and plainlanguage.gov; the Rust book and blogs; GitHub's Open Source",
        "  Guides) and the 15 Project Gutenberg training novels of `shared/data/gutenberg`;",
        f"  {card['data']['files']} files, {card['data']['bytes']:,} bytes (sha256 of the file list",
        f"  `{card['data']['sha256'][:16]}…`). Hard-wrapped files (the Gutenberg books) are read with",
        "  each paragraph joined into one line, so the model does not break lines mid-sentence.",
        "- **validation**: O Pioneers!, the 18F handbook and Sense and Sensibility.",
        "- **test**: Winesburg, Ohio, the Carpentries instructor training lesson and Wuthering",
        "  Heights; never trained or tuned on.",
        "",
        "### Licences and attribution",
        "",
        "The books and the US federal texts are public domain (the federal texts also CC0).",
        "The model was also trained on text under these licences, whose notices follow:",
        "",
        "- The Rust Programming Language and the Rust blogs: MIT OR Apache-2.0,",
        "  Copyright (c) 2010 The Rust Project Developers.",
        "- Open Source Guides (opensource.guide): CC BY 4.0, GitHub, Inc. and contributors;",
        "  changed: markup and code removed.",
        "",
        "The Carpentries' lesson (CC BY 4.0, The Carpentries; markup and code removed) is a",
        "test file: it is only measured, never trained on. The weights are released under",
        "the project's licence.",
        "",
        "## Architecture",
        "",
        f"- LSTM, {config['num_layers']} layers, embedding {config['embed_dim']}, hidden "
        f"{config['hidden_dim']}, tied input/output embeddings; in training, "
        f"{regularisation(config) or 'no dropout'} (from the second pass over the data)",
        f"- {card['parameters']:,} parameters; weights stored in {config.get('weights_dtype', 'float16')} "
        f"({size_mb:.1f} MB)",
        f"- SentencePiece unigram tokenizer trained on the training mix, {config['vocab_size']:,} pieces,",
        "  byte fallback, exact round trips",
        "",
        "## Training",
        "",
        f"`{args.script}` (the exact commands), on {args.hardware}:",
        "",
        *[f"{i}. {stage_line(stage)}" for i, stage in enumerate(stages, 1)],
        "",
        f"In all: {sum(c['tokens_seen'] for c in stages):,} tokens seen, "
        f"{sum(c['train_seconds'] for c in stages) / 3600:.1f} h of training time. {args.training_note}".rstrip(),
        "",
        "### History",
        "",
        *history_rows(stages, args.train_tokens, args.hardware),
        "",
        *([args.history_note, ""] if args.history_note else []),
        "## Quality (bits per UTF-8 byte, lower is better)",
        "",
        f"Beside the previous default model (`{args.baseline_name}`, {args.baseline_about}):",
        "",
        f"| split | text | this model | {args.baseline_name} | change |",
        "|---|---|---|---|---|",
        *quality_rows("validation", by_file(args.val), by_file(args.baseline_val)),
        *quality_rows("test", by_file(args.test), by_file(args.baseline_test)),
        "",
        f"Figures: `lstm-tui eval --json FILE...` on each split, each model with its own tokenizer. "
        f"{args.quality_note}".rstrip(),
        "",
        "## Speed on a 2-core CPU (`python bench/generation.py`)",
        "",
        f"- keystroke to first token, 2,000-character context: p50 {bench['keystroke_first_token_p50_ms']} ms,"
        f" p95 {bench['keystroke_first_token_p95_ms']} ms",
        f"- streaming: {bench['stream_tokens_per_second']:,.0f} tokens/s "
        f"({bench['speedup_vs_naive']}x a loop that re-runs the whole context per token)",
        f"- int8 dynamic quantization (used on the CPU): bits per byte {bench.get('bpb_fp32')} (fp32) vs "
        f"{bench.get('bpb_int8')} (int8) on {bench.get('quality_chars', 0):,} characters of validation text",
        f"- peak memory of `lstm-tui generate`: {bench.get('generate_peak_rss_mb') or 0:.0f} MB",
        "",
    ]
    if args.suggestions:
        suggestions = json.loads(args.suggestions.read_text())
        total, trigram = suggestions["all"]["model"], suggestions["all"]["trigram"]
        lines += [
            "## Suggestions (`python bench/suggestions.py`, validation text)",
            "",
            f"A simulated writer typing the validation files with the default suggestion policy saves "
            f"{total['keystroke_savings'] * 100:.1f}% of keystrokes; {total['precision'] * 100:.1f}% of the "
            f"suggestions shown have the right first word, and a suggestion is shown at "
            f"{total['coverage'] * 100:.1f}% of keystrokes (a word trigram trained on the same text, shown "
            f"at every keystroke: {trigram['keystroke_savings'] * 100:.1f}% saved, "
            f"{trigram['precision'] * 100:.1f}% right). docs/suggestions.md has the whole table.",
            "",
        ]
    lines += [
        "## Samples",
        "",
        "Temperature 0.7, top-k 40, top-p 0.95, repetition penalty 1.1, 40 tokens, seed 7, nothing",
        "held back by the suggestion policy; prompts written for this card.",
        "",
    ]
    for prompt, text in samples:
        lines += [f"> **{prompt}**{text}".replace("\n", " "), ""]
    lines += [
        "## Known limits",
        "",
        "- English only. Its modern half is mostly US government and software writing; its",
        "  fiction is mostly 1880-1930 and 19th-century novels, so dialogue can sound dated.",
        f"- A small model trained for about {sum(c['train_seconds'] for c in stages) / 3600:.0f} hours on one "
        "CPU core: it keeps grammar over a",
        "  sentence or two but loses the thread beyond that, and invents names and facts freely.",
        "  The suggestion policy shows only what it is sure of; fine-tune it on your own text",
        "  (`lstm-tui train --from default`) to make it sound like you.",
    ]
    (args.model / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.model / 'README.md'}")


if __name__ == "__main__":
    main()
