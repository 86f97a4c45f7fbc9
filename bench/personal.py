"""Does learning a writer's own files pay? A simulated writer types each writer's later
text with the shipped model, then with that model fine-tuned on the writer's earlier
files at fixed wall-clock budgets; prints JSON.

  python bench/personal.py [--data DIR] [--writers NAME...] [--minutes 5 15]
                           [--step-budgets N...] [--blends F...] [--proxy]
                           [--chars 6000] [--general-chars 1200] [--threads N]
                           [--train-args "..."] [--quick]

DIR (default: ../shared/data/personal beside the checkout) holds one folder per writer,
each with ``train/`` (the writer's earlier files) and ``test.txt`` (their later
writing). For each writer, in one process:

- ``shipped``: the simulated writer of bench/suggestions.py (the editor's rules and
  its default SamplingConfig) types ``--chars`` characters of passages of test.txt;
- ``trigram``: the same writer with a word trigram trained on the writer's train/,
  ``ungated`` (it always guesses) and ``gated`` to the precision of each fine-tuned
  model: the lowest score threshold at which the trigram's shown guesses are right at
  least as often as the model's, so both are compared at the same precision (this
  picks the threshold on the typed text, in the trigram's favour);
- for each budget in ``--minutes``: the fine-tune, run as the app runs it (``lstm-tui
  train TRAIN --from PARENT --minutes M --events jsonl``, the recipe's defaults, all
  cores unless --threads), with its steps, tokens per second and validation bits per
  byte on the held-out slice of the writer's own files and the keystrokes saved there
  before and after (what the app tells the writer); then the writer again on
  test.txt with the personal model, and on the general validation texts (what it
  forgot).

With ``--blends``, each personal model is also measured moved part of the way back
toward its parent (``blend_toward``: parent + F x (model - parent)). With ``--proxy``,
each writer's last train file stands in for test.txt and the fine-tunes read the
others: a recipe is chosen that way without looking at test.txt. Each model's bits
per byte on the first BPB_CHARS of the typed text and of each general text
(``bpb``) come beside the keystrokes: cheap, and steadier than a few thousand
characters typed.

The general validation texts are bench/suggestions.py's (never a test file);
``general_before`` is the parent on them. Pause anything else that uses the CPU while
this runs: the budgets are wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from suggestions import VALIDATION, TrigramPredictor, read

from lstm_tui.core.machine import machine
from lstm_tui.core.policy import worth_showing
from lstm_tui.core.writer import Tally, passages, type_passages

DATA = HERE.parents[1] / "shared" / "data" / "personal"
PASSAGE = 600  # characters per typed passage
BPB_CHARS = 60_000  # characters of each text read for bits per byte
SCORE_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))  # 0 to 0.95


def model_suggest(lm, config):
    return lambda context: worth_showing("".join(lm.stream(context, config)))


def learning_suggest(lm, config):
    """Suggestions with learning from the document on (F5): before each request the
    model learns what the text before the cursor holds that it has not learned (the
    editor's learner: a step once about a sentence is new); a new passage starts from
    the model as loaded, as a newly opened document does."""
    opened = [None]

    def suggest(context: str) -> str:
        if opened[0] is None or not context.startswith(opened[0]):
            lm.forget()
            opened[0] = context[:200]
        lm.learn(context)
        return worth_showing("".join(lm.stream(context, config)))

    return suggest


def document_rows(lm, config, text: str, spans) -> dict:
    """The writer with the document cache off, and with learning from the document on
    (issue: measure both with the personal model)."""
    rows = {"no_document_cache": type_passages(text, spans, model_suggest(lm, config.replace(document_cache=0.0))),
            "learning": type_passages(text, spans, learning_suggest(lm, config))}
    lm.forget()
    return {name: tally.report() for name, tally in rows.items()}


def general(lm, config, chars: int, seed: int) -> dict:
    """The writer on the general validation texts: what a personal model still knows."""
    total = Tally()
    for i, path in enumerate(VALIDATION):
        text = read(path)
        total.add(type_passages(text, passages(text, chars, PASSAGE, seed + i), model_suggest(lm, config)))
    return total.report()


def bpb(lm, test: str) -> dict:
    """Bits per byte on the typed text and on the general validation texts."""
    general = [lm.bits_per_byte(read(path)[:BPB_CHARS]) for path in VALIDATION]
    return {"test": round(lm.bits_per_byte(test[:BPB_CHARS]), 4),
            "general": round(statistics.mean(general), 4)}


def proxy_data(data: Path, writers: list[str], folder: Path) -> Path:
    """Each writer's train files but the last as train/, the last as test.txt."""
    for writer in writers:
        files = sorted((data / writer / "train").glob("*.txt"))
        if len(files) < 2:
            raise SystemExit(f"{data / writer / 'train'}: --proxy needs at least two train files")
        (folder / writer / "train").mkdir(parents=True)
        for f in files[:-1]:
            (folder / writer / "train" / f.name).symlink_to(f)
        (folder / writer / "test.txt").symlink_to(files[-1])
    return folder


def blended(out: Path, parent, share: float, folder: Path) -> Path:
    """The bundle at ``out`` moved toward ``parent``, saved in ``folder``."""
    from lstm_tui.core.averaging import blend_toward
    from lstm_tui.core.bundle import load_bundle, save_bundle

    bundle = load_bundle(out)
    blend_toward(bundle.model, parent.bundle.model, share)
    card = {k: v for k, v in bundle.card.items() if k != "writer_gain"}  # its gate was measured unblended
    return save_bundle(bundle.model, bundle.tokenizer, folder / f"{out.name}-blend{share:g}", card)


def gated_trigram(trigram: TrigramPredictor, text: str, spans, precision: float | None) -> dict:
    """The trigram at the lowest score threshold whose precision reaches ``precision``."""
    rows = []
    for threshold in SCORE_THRESHOLDS:
        report = type_passages(text, spans, lambda c, t=threshold: trigram.suggest(c, t)).report()
        rows.append({"threshold": threshold} | report)
        if precision is None or (report["precision"] or 0) >= precision:
            return rows[-1]
    return rows[-1]  # never reached: the strictest tried


def fine_tune(train: Path, parent: str, budget: str, threads: int, out: Path, extra: list[str],
              env: dict[str, str]) -> dict:
    """``lstm-tui train --from`` as the app's flow starts it; what the run reported.
    ``budget`` is "--minutes M" or "--steps N"."""
    command = [sys.executable, "-m", "lstm_tui", "train", str(train), "--from", parent, "--name", out.name,
               "--output", str(out), *budget.split(), "--threads", str(threads), "--force",
               "--events", "jsonl", *extra]
    started = time.perf_counter()
    proc = subprocess.run(command, check=False, capture_output=True, text=True, env=env, cwd=HERE.parent)
    wall = time.perf_counter() - started
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0:
        raise SystemExit(f"fine-tune failed ({proc.returncode}): {shlex.join(command)}\n{proc.stderr[-2000:]}")
    rates = [e["tokens_per_second"] for e in events if e["event"] == "progress" and e["step"] > 10]
    done = next(e for e in events if e["event"] == "done")
    data = next(e for e in events if e["event"] == "data")
    gain = next(({k: v for k, v in e.items() if k not in ("event", "time", "message")}
                 for e in events if e["event"] == "gain"), None)
    return {"budget": budget, "wall_seconds": round(wall, 1), "steps": done["steps"], "tokens": done["tokens"],
            "tokens_per_second": round(statistics.median(rates)) if rates else None,
            "train_tokens": data["train_tokens"], "val_tokens": data["val_tokens"],
            "val_bpb_parent": round(done["parent_bpb"], 4), "val_bpb": round(done["best_bpb"], 4),
            "held_out_gain": gain, "args": extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="folder of writers (train/ and test.txt each)")
    parser.add_argument("--writers", nargs="+", help="writer folders to run (default: all)")
    parser.add_argument("--model", default="default", help="the parent model (default: the shipped one)")
    parser.add_argument("--minutes", nargs="+", type=float, default=[5.0, 15.0], help="fine-tuning budgets")
    parser.add_argument("--step-budgets", nargs="+", type=int, default=[], metavar="STEPS",
                        help="fine-tuning budgets in steps instead of minutes (the same training "
                             "whatever else the machine is doing)")
    parser.add_argument("--blends", nargs="+", type=float, default=[], metavar="F",
                        help="also measure each personal model moved back toward its parent, keeping "
                             "F of what it learned (0 < F < 1)")
    parser.add_argument("--proxy", action="store_true",
                        help="choose without test.txt: each writer's last train file is typed, and the "
                             "fine-tunes read the others")
    parser.add_argument("--chars", type=int, default=6000, help="characters of test.txt typed per writer")
    parser.add_argument("--general-chars", type=int, default=1200,
                        help="characters typed per general validation text")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="threads for fine-tuning")
    parser.add_argument("--train-args", default="", help="further options for lstm-tui train (a recipe to try)")
    parser.add_argument("--tune", nargs="+", metavar="ARGS",
                        help="choose a recipe without looking at test.txt: fine-tune with each set of "
                             "lstm-tui train options given (quoted, e.g. \"--lr 1e-3\") at --steps, and "
                             "print each run's validation bits per byte on the writer's held-out slice")
    parser.add_argument("--steps", type=int, default=450, help="--tune's budget in steps (a fixed amount "
                        "of training, whatever else the machine is doing)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="a development run: 1-minute budget, 1,500 characters, 600 per general text")
    parser.add_argument("--document", action="store_true",
                        help="also type with the document cache off and with learning from the document (F5) on")
    parser.add_argument("--keep", type=Path, help="keep the personal models in this folder")
    parser.add_argument("--reuse", type=Path, metavar="FOLDER",
                        help="type with the personal models an earlier run kept in FOLDER (--keep) instead "
                             "of fine-tuning again")
    parser.add_argument("--no-mix", action="store_true",
                        help="type with the personal models alone, not mixed with the shipped one as the "
                             "editor mixes them")
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.chars, args.general_chars = [1.0], 1500, 600
    if not args.data.is_dir():
        parser.error(f"{args.data}: no such folder; pass --data with the path of shared/data/personal")
    writers = args.writers or sorted(p.name for p in args.data.iterdir() if (p / "test.txt").is_file())
    budgets = ([(f"{steps}steps", f"--steps {steps}") for steps in args.step_budgets]
               or [(f"{minutes:g}min", f"--minutes {minutes}") for minutes in args.minutes])

    import torch

    from lstm_tui import SamplingConfig, load_model

    torch.set_num_threads(1)  # the simulated writer, as the editor's generation runs
    config = SamplingConfig().replace(num_alternatives=1, seed=args.seed)
    extra = shlex.split(args.train_args)
    work = Path(tempfile.mkdtemp(prefix="lstm-tui-personal-"))
    models = args.keep or work / "models"
    # Runs and checkpoints go to a scratch data folder; the token cache is the user's.
    env = dict(os.environ, XDG_DATA_HOME=str(work / "data"), PYTHONUNBUFFERED="1")
    if args.proxy:
        args.data = proxy_data(args.data, writers, work / "proxy")

    if args.tune:
        tuned: dict = {}
        for writer in writers:
            for recipe in args.tune:
                row = fine_tune(args.data / writer / "train", args.model, f"--steps {args.steps}",
                                args.threads, work / "tune" / writer, shlex.split(recipe), env)
                tuned.setdefault(writer, {})[recipe] = row
                print(json.dumps({writer: {recipe: {k: row[k] for k in ("val_bpb", "held_out_gain")}}}),
                      file=sys.stderr, flush=True)
        print(json.dumps({"machine": machine(), "steps": args.steps, "writers": tuned}, indent=2))
        return
    parent = load_model(args.model, device="cpu")
    report: dict = {"machine": machine(), "torch": torch.__version__, "parent": parent.name,
                    "config": config.to_dict(), "chars": args.chars, "budgets": [b for _, b in budgets],
                    "proxy": args.proxy, "train_args": extra, "mixed": not args.no_mix,
                    "general_before": general(parent, config, args.general_chars, args.seed),
                    "writers": {}}
    for writer in writers:
        folder = args.data / writer
        text = read(folder / "test.txt")
        spans = passages(text, args.chars, PASSAGE, args.seed)
        row: dict = {"shipped": type_passages(text, spans, model_suggest(parent, config)).report(),
                     "shipped_bpb": bpb(parent, text)}
        if args.document:
            row["shipped_document"] = document_rows(parent, config, text, spans)
        trigram = TrigramPredictor(read(p) for p in sorted((folder / "train").rglob("*.txt")))
        row["trigram_ungated"] = type_passages(text, spans, trigram.suggest).report()
        for label, budget in budgets:
            out = (args.reuse or models) / f"{writer}-{label}"
            trained = None if args.reuse else fine_tune(folder / "train", args.model, budget,
                                                        args.threads, out, extra, env)
            for share in [*args.blends, 1.0]:
                key = label if share == 1.0 else f"{label}-blend{share:g}"
                lm = load_model(str(out if share == 1.0 else blended(out, parent, share, work / "blends")),
                                device="cpu", mix=not args.no_mix)
                personal = type_passages(text, spans, model_suggest(lm, config)).report()
                gated = gated_trigram(trigram, text, spans, personal["precision"])
                row[key] = {
                    "train": trained, "personal": personal, "bpb": bpb(lm, text), "trigram_gated": gated,
                    "points_gained": round(100 * (personal["keystroke_savings"]
                                                  - row["shipped"]["keystroke_savings"]), 2),
                    "ratio_to_gated_trigram": round(personal["keystroke_savings"] / gated["keystroke_savings"], 3)
                    if gated["keystroke_savings"] else None,
                    "general": general(lm, config, args.general_chars, args.seed)}
                if args.document:
                    row[key]["document"] = document_rows(lm, config, text, spans)
                print(json.dumps({writer: {key: row[key]["points_gained"], "bpb": row[key]["bpb"],
                                           "general": row[key]["general"]["keystroke_savings"]}}),
                      file=sys.stderr, flush=True)
        report["writers"][writer] = row
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
