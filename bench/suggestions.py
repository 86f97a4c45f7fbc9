"""Ghost text worth taking: a simulated writer types held-out text; prints JSON.

  python bench/suggestions.py [--model PATH] [--chars 3600] [--preset NAME]
                              [--trigram-data mix|gutenberg] [--texts FILE...]

The writer types each passage a character at a time through the calls the editor
makes (``LanguageModel.stream`` on the text before the cursor), by the editor's rules:
whenever no ghost is shown it asks for one; typing the character the ghost predicts
keeps the rest of it; Tab takes the whole ghost when all of it is right; Ctrl+Right
takes its next word when that is right; any other character dismisses it.

Two writers type the same passages (lstm_tui.core.writer). The headline ("model",
"trigram") is a realistic one: it takes a ghost only when that saves at least two
keys (--min-saved), types five characters a second (--cps) and pauses half a second
after a word (--word-pause), and sees a ghost only if it came before its next key,
after the editor's debounce (--debounce-ms, the editor's default). The ideal writer
("model_ideal", "trigram_ideal") takes any ghost that saves a key and never outpaces
a suggestion.

Figures, per text and over all:
- keystroke_savings: 1 - keys pressed / characters of the passages;
- next_word_accuracy: at each word start, the model's first word (ungated) is the
  word that follows; with the precision and coverage of that first word at several
  confidence thresholds (the gate's curve);
- exact_match_at_1/2/3: of the ghosts shown with at least N words, the share whose
  first N words are what was typed next;
- precision: of the ghosts shown, the share whose first word is right;
- coverage: the share of keystrokes made while a ghost is shown;
- wrong_chars_per_char: ghost characters shown past the first wrong one, per
  character typed (what a wrong ghost costs the writer's eye);
- word_ends_with_ghost: the share of word ends (a word's last letter typed) at which
  a ghost was showing; late: requests whose ghost came after the next key.

With --mid, the writer inserts sentences inside paragraphs instead: the second sentence
of paragraphs of three or more, with the rest of the paragraph after the cursor; the
ghost stops before it would repeat that (the editor's rule, policy.before_repeat).

With --learn, the model first learns from the text before each passage, as learning
from the document (F5) would have while it was written, and forgets it after (the
next-word figures are always the model as loaded).

The same writer with a word trigram predictor (stupid backoff, trained on the
training text, suggesting the rest of the current or the next word) runs in the same
process, as the baseline. Texts: the validation files only (Sense and Sensibility,
O Pioneers!, the 18F handbook), hard-wrapped ones read with their paragraphs joined
(as a writer types them), and bench/texts/correspondence.txt (short emails and letters
written for this bench); never a test file. Passages start at paragraph starts chosen
with a fixed seed; each has the text before it as what was already written (4,000
characters, or a quarter of a short text). The "all" figures sum every text given.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from itertools import product
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's lstm_tui, also when it is not installed
from lstm_tui.core.policy import MIN_GHOST_CHARS, before_repeat, worth_showing
from lstm_tui.core.writer import CONTEXT_CHARS, IDEAL, REALISTIC, Suggest, Tally, Typist, passages, write

DATA = HERE.parents[1] / "shared" / "data"


def validation(data: Path) -> list[Path]:
    """The validation files of the corpora folder ``data`` (gutenberg/ and modern/)."""
    return [data / "gutenberg" / "sense_and_sensibility.txt",
            data / "modern" / "standardebooks__willa-cather_o-pioneers.txt",
            data / "modern" / "18f__handbook.txt"]


VALIDATION = validation(DATA)
# Emails and letters written for this bench before any suggestion on them was looked at:
# the register people write most, which the training texts hardly hold.
CORRESPONDENCE = HERE / "texts" / "correspondence.txt"
WORD = re.compile(r"\S+")
SENTENCE_END = re.compile(r"[.!?][\"')\]\u201d\u2019]*\s+")  # and the space after it
THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)



# -- the writer: lstm_tui.core.writer ------------------------------------------------


def next_word_curve(text: str, starts: list[tuple[int, int]], first_word: Callable[[str], tuple[str, float]],
                    per_passage: int) -> dict:
    """At word starts in the passages: the model's first word (a word or a mark of
    punctuation, as the policy weighs them) and its confidence, against the text."""
    from lstm_tui.core.policy import WORD as UNIT

    rows: list[tuple[float, bool]] = []
    for start, end in starts:
        spots = [m.start() for m in WORD.finditer(text, start, end) if m.start() > start][:per_passage]
        for at in spots:
            guess, confidence = first_word(text[max(0, at - CONTEXT_CHARS):at])
            unit = UNIT.match(guess)
            rows.append((confidence, bool(unit) and unit.group().strip() == UNIT.match(text, at).group().strip()))
    curve = []
    for threshold in THRESHOLDS:
        kept = [right for confidence, right in rows if confidence >= threshold]
        curve.append({"threshold": threshold, "coverage": round(len(kept) / max(1, len(rows)), 4),
                      "precision": round(sum(kept) / len(kept), 4) if kept else None})
    return {"next_word_accuracy": round(sum(r for _, r in rows) / max(1, len(rows)), 4),
            "word_starts": len(rows), "curve": curve}


# -- texts --------------------------------------------------------------------------------


def read(path: Path) -> str:
    from lstm_tui.core.data import read_text, scan

    (file,) = scan([path], unwrap=True).files
    return read_text(file)


# -- the trigram baseline -------------------------------------------------------------------


class TrigramPredictor:
    """Word trigrams with stupid backoff (Brants et al., 2007): the most likely word after
    the two before it that starts with what was typed of it, as a phone keyboard does."""

    BACKOFF = 0.4
    CANDIDATES = 64  # words per bigram and unigram context considered when filtering by prefix

    def __init__(self, texts: Iterable[str]) -> None:
        self.tri: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self.bi: dict[str, Counter] = defaultdict(Counter)
        self.uni: Counter = Counter()
        for text in texts:
            for line in text.split("\n"):
                w = ["<s>", "<s>", *line.split()]
                self.uni.update(w[2:])
                for a, b, c in zip(w, w[1:], w[2:]):
                    self.tri[(a, b)][c] += 1
                    self.bi[b][c] += 1
        self.total = sum(self.uni.values())
        self.by_prefix: dict[str, str] = {}  # most frequent word for each prefix
        for word, _ in self.uni.most_common():
            for i in range(1, len(word) + 1):
                self.by_prefix.setdefault(word[:i], word)

    def predict(self, before: list[str], prefix: str) -> str | None:
        return self.predict_scored(before, prefix)[0]

    def predict_scored(self, before: list[str], prefix: str) -> tuple[str | None, float]:
        """The word, and a confidence to gate on: its count among the words seen after
        this context that start with what was typed, with two more unseen (so a context
        seen once is not "certain"), times 0.4 per backoff; 0 for a bare prefix match."""
        a, b = (["<s>", "<s>"] + before)[-2:]
        scored: dict[str, float] = {}
        confidence: dict[str, float] = {}
        for counts, weight, limit in ((self.tri.get((a, b)), 1.0, None),
                                      (self.bi.get(b), self.BACKOFF, self.CANDIDATES)):
            if not counts:
                continue
            n = sum(counts.values())
            matching = [(word, c) for word, c in counts.most_common(limit)
                        if word.startswith(prefix) and word != prefix]
            seen = sum(c for _, c in matching)
            for word, c in matching:
                if word not in scored:
                    scored[word] = weight * c / n
                    confidence[word] = weight * c / (seen + 2)
        if scored:
            best = max(scored, key=scored.__getitem__)
            return best, confidence[best]
        word = self.by_prefix.get(prefix) if prefix else self.uni.most_common(1)[0][0]
        return (word, 0.0) if word and word != prefix else (None, 0.0)

    def suggest(self, context: str, min_score: float = 0.0) -> str:
        """The rest of the word being typed, or the next word; nothing when its score is
        below ``min_score`` (the trigram gated, as the model's ghost is)."""
        line = context.rsplit("\n", 1)[-1]
        ends_in_space = not line or line[-1].isspace()
        tokens = line.split()
        prefix = "" if ends_in_space else (tokens.pop() if tokens else "")
        word, score = self.predict_scored(tokens, prefix)
        if not word or (min_score > 0 and score < min_score):
            return ""
        rest = word[len(prefix):]
        return rest if prefix or ends_in_space else " " + rest


def trigram_texts(which: str, data: Path = DATA) -> Iterable[str]:
    """The training text of the model being compared: the Gutenberg training books,
    and with ``mix`` the modern training files too (never a validation or test file)."""
    held_out = {"sense_and_sensibility.txt", "wuthering_heights.txt", "18f__handbook.txt",
                "standardebooks__willa-cather_o-pioneers.txt", "carpentries__instructor-training.txt",
                "standardebooks__sherwood-anderson_winesburg-ohio.txt"}
    folders = ["gutenberg"] + (["modern"] if which == "mix" else [])
    for folder in folders:
        for path in sorted((data / folder).glob("*.txt")):
            if path.name not in held_out:
                yield read(path)


# -- the model ------------------------------------------------------------------------------


def mid_passages(text: str, chars: int, seed: int, context: int) -> list[tuple[int, int, str]]:
    """Sentences inserted inside paragraphs, as (start, end, the rest of the paragraph):
    the second sentence of paragraphs of three or more, in a seeded order, until
    ``chars`` characters; each with ``context`` characters written before it."""
    paragraphs = [m.span() for m in re.finditer(r"[^\n]+", text) if m.start() >= context]
    random.Random(seed).shuffle(paragraphs)
    found, total = [], 0
    for start, end in paragraphs:
        starts = [start] + [m.end() for m in SENTENCE_END.finditer(text, start, end) if m.end() < end]
        if len(starts) < 3:
            continue
        found.append((starts[1], starts[2], text[starts[2]:end]))
        total += starts[2] - starts[1]
        if total >= chars:
            break
    return sorted(found)


def stopping_before(writer: Suggest, after: str, min_ghost: int = MIN_GHOST_CHARS) -> Suggest:
    """The writer's suggestions as the editor shows them (policy.worth_showing): cut
    where they would repeat ``after``, and none shorter than ``min_ghost``."""
    if min_ghost == MIN_GHOST_CHARS:
        return lambda context: worth_showing(writer(context), after)
    return lambda context: ghost if len(ghost := before_repeat(writer(context), after)) >= min_ghost else ""


def model_writer(lm, config) -> tuple[Suggest, Callable[[str], tuple[str, float]]]:
    def suggest(context: str) -> str:
        return "".join(lm.stream(context, config))

    # The model's first word as it stands, ungated: greedy, as far as the policy's first unit.
    probe = config.replace(min_confidence=0.0, continue_confidence=0.0, beam_width=1, temperature=0.0,
                           max_tokens=4)

    def first_word(context: str) -> tuple[str, float]:
        completion = lm.complete(context, probe)
        return completion.text, completion.word_probs[0] if completion.word_probs else 0.0

    return suggest, first_word


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model folder or name (default: the shipped model)")
    parser.add_argument("--preset", help="a sampling preset (default: the default SamplingConfig)")
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="SamplingConfig fields to change, e.g. min_confidence=0.4")
    parser.add_argument("--chars", type=int, default=3600, help="characters typed per text")
    parser.add_argument("--passage", type=int, default=600, help="characters per passage")
    parser.add_argument("--word-starts", type=int, default=40, help="word starts per passage for next-word accuracy")
    parser.add_argument("--data", type=Path, default=DATA,
                        help="the shared corpora folder, with gutenberg/ and modern/ (default: %(default)s)")
    parser.add_argument("--texts", nargs="+", type=Path,
                        help="files to type (default: the validation files of --data and "
                             "bench/texts/correspondence.txt)")
    parser.add_argument("--trigram-data", choices=["mix", "gutenberg", "none"], default="mix",
                        help="the trigram's training text: the modern and Gutenberg training files "
                             "(the default model's), the Gutenberg books alone, or no baseline")
    parser.add_argument("--learn", action="store_true",
                        help="learn from the text before each passage first (F5, learning as you write)")
    parser.add_argument("--min-saved", type=int, default=REALISTIC.min_saved,
                        help="the realistic writer takes a ghost only if it saves this many keys")
    parser.add_argument("--cps", type=float, default=REALISTIC.chars_per_second,
                        help="the realistic writer's characters per second")
    parser.add_argument("--word-pause", type=float, default=REALISTIC.word_pause,
                        help="the realistic writer's further pause after a word, in seconds")
    parser.add_argument("--debounce-ms", type=int, help="the editor's debounce (default: the editor's)")
    parser.add_argument("--mid", action="store_true",
                        help="type sentences inside paragraphs: a paragraph's second sentence, with the "
                             "rest of the paragraph after the cursor (suggestions stop before repeating it)")
    parser.add_argument("--min-ghost", type=int, default=MIN_GHOST_CHARS,
                        help="show the model's ghost only when it has at least this many characters "
                             "(the editor's rule)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-mix", action="store_true",
                        help="type with a fine-tuned model alone, not mixed with the shipped one as the editor "
                             "mixes it (to compare, or to weigh a new general model: scripts/continue_default.sh)")
    args = parser.parse_args()
    args.texts = args.texts or [*validation(args.data), CORRESPONDENCE]
    for path in args.texts:
        if not path.is_file():
            parser.error(f"{path}: no such file; pass --data FOLDER (the shared corpora, with gutenberg/ and "
                         "modern/) or --texts FILE...")

    import torch

    from lstm_tui import SamplingConfig, load_model
    from lstm_tui.core.config import PRESETS
    from lstm_tui.settings import Settings

    debounce_ms = Settings().debounce_ms if args.debounce_ms is None else args.debounce_ms
    realistic = Typist(min_saved=args.min_saved, chars_per_second=args.cps, word_pause=args.word_pause,
                       debounce=debounce_ms / 1000)
    typists = {"": realistic, "_ideal": IDEAL}

    torch.set_num_threads(args.threads)
    config = PRESETS[args.preset] if args.preset else SamplingConfig()
    for item in args.set:
        key, value = item.split("=", 1)
        current = getattr(config, key)
        config = config.replace(**{key: type(current)(value) if current is not None else int(value)})
    config = config.replace(num_alternatives=1, seed=args.seed)
    lm = load_model(args.model, device="cpu", mix=not args.no_mix)
    suggest, first_word = model_writer(lm, config)
    trigram = None
    if args.trigram_data != "none":
        started = time.perf_counter()
        trigram = TrigramPredictor(trigram_texts(args.trigram_data, args.data))
        trigram_seconds = round(time.perf_counter() - started, 1)

    report: dict = {"model": lm.name, "config": config.to_dict(), "chars_per_text": args.chars, "learn": args.learn,
                    "mid": args.mid, "min_ghost": args.min_ghost,
                    "trigram_data": args.trigram_data, "realistic_writer": asdict(realistic) | {
                        "debounce_ms": debounce_ms}, "texts": {}}
    totals = {f"{name}{suffix}": Tally() for name in ("model", "trigram") for suffix in typists}
    for i, path in enumerate(args.texts):
        text = read(path)
        # A short text (the correspondence) has less written before each passage.
        context = min(CONTEXT_CHARS, len(text) // 4)
        if args.mid:
            inserts = mid_passages(text, args.chars, args.seed + i, context)
        else:  # at the end of what is written: nothing after the cursor
            inserts = [(start, end, "") for start, end in passages(text, args.chars, args.passage, args.seed + i,
                                                                    context=context)]
        spans = [(start, end) for start, end, _ in inserts]
        row: dict = {}
        for (name, writer), (suffix, typist) in product(
                (("model", suggest), ("trigram", trigram.suggest if trigram else None)), typists.items()):
            if writer is None:
                continue
            tally = Tally()
            for start, end, after in inserts:
                before = text[max(0, start - CONTEXT_CHARS):start]
                if args.learn and name == "model":
                    lm.forget()
                    lm.learn(before)
                shown = stopping_before(writer, after, args.min_ghost if name == "model" else 1)
                tally.add(write(text[start:end], before, shown, typist=typist))
            if args.learn and name == "model":
                lm.forget()
            totals[name + suffix].add(tally)
            row[name + suffix] = tally.report()
        row["model"] |= next_word_curve(text, spans, first_word, args.word_starts)
        report["texts"][path.name] = row
    report["all"] = {name: t.report() for name, t in totals.items() if t.chars}
    if trigram:
        for suffix in typists:
            model = report["all"][f"model{suffix}"]["keystroke_savings"]
            base = report["all"][f"trigram{suffix}"]["keystroke_savings"]
            report["all"][f"savings_ratio_to_trigram{suffix}"] = round(model / base, 3) if base else None
        report["trigram_build_seconds"] = trigram_seconds
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
