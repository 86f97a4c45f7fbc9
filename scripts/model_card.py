"""Write models/default/README.md (the model card) from the bundle's card.json, a
test-book evaluation and the generation benchmark.

  python scripts/model_card.py --eval eval.json --bench bench.json [--model models/default]

eval.json: `lstm-tui eval --json .../wuthering_heights.txt`; bench.json:
`python bench/generation.py`. Samples are generated here with a fixed seed from
prompts written for this card (not in the corpus).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

PROMPTS = [
    "The lamp had burned low by the time she finished the letter, and",
    "He had not expected to find the house empty. The door stood open, and",
    "It is a curious thing, my dear, that a man who",
    "The storm broke over the village at midnight;",
    "When the carriage stopped at last before the old inn,",
]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "default")
    parser.add_argument("--eval", type=Path, required=True)
    parser.add_argument("--bench", type=Path, required=True)
    parser.add_argument("--training-note", default="", help="a sentence on anything unusual in the run")
    parser.add_argument("--adapt-val", type=Path, help="`lstm-tui eval --adapt --json` on the validation book")
    parser.add_argument("--adapt-test", type=Path, help="`lstm-tui eval --adapt --json` on the test book")
    parser.add_argument("--script", default="scripts/train_default.sh", help="the script that trained it")
    parser.add_argument("--hardware", default="a shared 2-core x86-64 CPU", help="what it trained on")
    args = parser.parse_args()

    from lstm_tui import SamplingConfig, load_model

    card = json.loads((args.model / "card.json").read_text())
    config = json.loads((args.model / "config.json").read_text())
    test = json.loads(args.eval.read_text())
    bench = json.loads(args.bench.read_text())
    lm = load_model(args.model, device="cpu")
    sampling = SamplingConfig(temperature=0.7, top_k=40, top_p=0.95, repetition_penalty=1.1,
                              max_tokens=40, seed=7)
    samples = [(p, lm.complete(p, sampling).text) for p in PROMPTS]
    stages = training_stages(card)
    size_mb = (args.model / "model.safetensors").stat().st_size / 1e6
    lines = [
        "# lstm-tui default model",
        "",
        "The model `lstm-tui` loads when no other is chosen: a word-piece LSTM language model",
        "trained on 19th-century English novels, small and fast enough for a laptop CPU.",
        "",
        "## Data",
        "",
        "15 public-domain Project Gutenberg novels (Austen, the Brontës, Dickens, Melville,",
        "Cooper, Hawthorne) from `shared/data/gutenberg`, line endings normalised to LF:",
        f"{card['data']['files']} files, {card['data']['bytes']:,} bytes (sha256 of the file list",
        f"`{card['data']['sha256'][:16]}…`). Validation: *Sense and Sensibility*. Test: *Wuthering",
        "Heights* (Emily Brontë), never trained or tuned on. The texts are public domain in the",
        "US; the weights are released under the project's licence.",
        "",
        "## Architecture",
        "",
        f"- LSTM, {config['num_layers']} layers, embedding {config['embed_dim']}, hidden "
        f"{config['hidden_dim']}, tied input/output embeddings; in training, {regularisation(config)}",
        f"- {card['parameters']:,} parameters; weights stored in {config.get('weights_dtype', 'float16')} "
        f"({size_mb:.1f} MB)",
        f"- SentencePiece unigram tokenizer, {config['vocab_size']:,} pieces, byte fallback, exact round trips",
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
        "## Quality (bits per UTF-8 byte, lower is better)",
        "",
        "| split | book | bits/byte |",
        "|---|---|---|",
        f"| validation | Sense and Sensibility | {card['val_bits_per_byte']:.4f} |",
        f"| test | Wuthering Heights | {test['bits_per_byte']:.4f} |",
        *[f"| {split}, learning as it reads | {book} | {json.loads(path.read_text())['bits_per_byte']:.4f} |"
          for split, book, path in (("validation", "Sense and Sensibility", args.adapt_val),
                                    ("test", "Wuthering Heights", args.adapt_test)) if path],
        "",
        "Test figure: `lstm-tui eval --json shared/data/gutenberg/wuthering_heights.txt`.",
        *(["Learning as it reads (`eval --adapt`, what F5 does while you write): each 32-token segment",
           "is scored, then the model takes one SGD step on it."] if args.adapt_val or args.adapt_test else []),
        "",
        "## Speed on a 2-core CPU (`python bench/generation.py`)",
        "",
        f"- keystroke to first token, 2,000-character context: p50 {bench['keystroke_first_token_p50_ms']} ms,"
        f" p95 {bench['keystroke_first_token_p95_ms']} ms",
        f"- streaming: {bench['stream_tokens_per_second']:,.0f} tokens/s "
        f"({bench['speedup_vs_naive']}x a loop that re-runs the whole context per token)",
        f"- int8 dynamic quantization (used on the CPU): bits per byte {bench.get('bpb_fp32')} (fp32) vs "
        f"{bench.get('bpb_int8')} (int8) on {bench.get('quality_chars', 0):,} characters of the validation book",
        f"- peak memory of `lstm-tui generate`: {bench.get('generate_peak_rss_mb') or 0:.0f} MB",
        "",
        "## Samples",
        "",
        "Temperature 0.7, top-k 40, top-p 0.95, repetition penalty 1.1, 40 tokens, seed 7;",
        "prompts written for this card.",
        "",
    ]
    for prompt, text in samples:
        lines += [f"> **{prompt}**{text}".replace("\n", " "), ""]
    lines += [
        "## Known limits",
        "",
        "- English only, and 19th-century diction: it writes like a Victorian novel, not like email.",
        "- A small model: it keeps grammar over a sentence or two but loses the thread beyond that,",
        "  and invents names and facts freely. Fine-tune it on your own text (`lstm-tui train",
        "  --from default`) to make it sound like you.",
        "- The corpus keeps some Gutenberg transcriber notes and hard line wraps at ~70 columns.",
    ]
    (args.model / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.model / 'README.md'}")


if __name__ == "__main__":
    main()
