"""Command line: ``lstm-tui [FILE]`` opens the editor; subcommands train, generate,
eval, models and bench drive the same core. torch, textual, rich and the text readers
(numpy, sentencepiece) are imported only inside the handlers that need them, so
``--help`` is instant."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import fields
from typing import Any

from . import train_cli
from .catalog import list_models
from .core.config import GENERATE, LINE_BREAKS, STOP_RULES, SamplingConfig
from .core.errors import DataError, LstmTuiError
from .core.train_options import KEEP_LINE_BREAKS_HELP
from .plain import plain

COMMANDS = ("tui", "train", "generate", "eval", "models", "bench")
DESCRIPTION = """\
A local, private writing assistant: an LSTM language model streams a continuation
as ghost text while you type. Tab accepts it.

  lstm-tui [FILE]                 open the editor (the default command)
  lstm-tui train PATH... --name N train or fine-tune a model on your own text
  lstm-tui generate --prompt TEXT continue a text on the command line
  lstm-tui eval FILE...           bits per byte of a model on some text
  lstm-tui models                 list installed models
  lstm-tui bench                  measure generation speed on this machine

Run `lstm-tui COMMAND --help` for a command's options. Models are folders; --model
takes a folder path or the name of one of your models (see `lstm-tui models`).
The device is chosen automatically (CUDA, then Apple MPS, then CPU); --device or
$LSTM_TUI_DEVICE overrides it."""


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", metavar="MODEL", help="model folder or name (default: the shipped model)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"],
                   help="where to run the model (default: auto; env LSTM_TUI_DEVICE)")


def _mix_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-mix", dest="mix", action="store_false",
                   help="a model fine-tuned from the shipped one runs alone, not together with it")


# Command-line names that differ from SamplingConfig's fields.
_SAMPLING_FLAGS = {"beam_width": ["--beam"], "num_alternatives": ["--alternatives"],
                   "temperature": ["--temperature", "-t"]}


def _sampling_args(p: argparse.ArgumentParser) -> None:
    """One option per SamplingConfig field, with its help and generate's default (unset,
    it follows --suggest: the editor's policy, or generate's own continuation)."""
    p.add_argument("--suggest", action="store_true",
                   help="suggest as the editor does: only when the model is sure enough, to the end of "
                        "the sentence at most (the defaults below become the editor's)")
    g = p.add_argument_group("sampling (with --suggest, the editor's defaults)")
    editor = SamplingConfig()
    choices = {"stop_at": STOP_RULES, "line_breaks": LINE_BREAKS}
    for f in fields(SamplingConfig):
        default, suggest = getattr(GENERATE, f.name), getattr(editor, f.name)
        flags = _SAMPLING_FLAGS.get(f.name, ["--" + f.name.replace("_", "-")])
        kind = int if f.name == "seed" else type(default)
        shown = f"default: {default}" + (f"; {suggest} with --suggest" if suggest != default else "")
        g.add_argument(*flags, dest=f.name, type=kind, default=None, choices=choices.get(f.name),
                       metavar=None if f.name in choices else "N" if kind is int else "X",
                       help=f"{f.metadata['help']} ({shown})")


TRAIN_EXAMPLES = """\
examples:
  # learn your writing: fine-tune the model you write with on your notes and mail
  lstm-tui train ~/notes ~/Mail/sent --from default --name my-writing --from-address me@example.com

  # see first what would be read, and train nothing
  lstm-tui train ~/notes --preview

  # a stopped run (Ctrl+C) goes on where it was
  lstm-tui train --name my-writing --resume

The recipe for --from (learning rate, validation on the end of each file, the closing
measurement on your held-out text) needs no options; the options above override it.
"""


class VersionAction(argparse.Action):
    """--version: looked up only when asked for (importlib.metadata costs 50 ms)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit", **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        import lstm_tui

        print(f"lstm-tui {lstm_tui.__version__}")  # on stdout, as argparse's own version action
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lstm-tui", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    tui = sub.add_parser("tui", help="open the editor (the default)", description="Open the writing editor.")
    tui.add_argument("file", nargs="?", help="file to edit (created on first save)")
    _model_args(tui)

    train = sub.add_parser("train", help="train or fine-tune a model on your files",
                           description="Train a model on text files and folders, or fine-tune one\n"
                                       "(--from). The best validation weights land in your models folder\n"
                                       "under --name. Ctrl+C saves a checkpoint; --resume continues it.",
                           epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    train_cli.add_train_args(train)

    gen = sub.add_parser("generate", help="continue a text", description=(
        "Continue --prompt (or standard input), streaming to stdout as it generates."))
    _model_args(gen)
    _mix_arg(gen)
    gen.add_argument("--prompt", "-p", help="text to continue (default: read standard input)")
    gen.add_argument("--json", action="store_true", help="print one JSON object instead of streaming")
    _sampling_args(gen)

    ev = sub.add_parser("eval", help="bits per byte on some text", description=(
        "Measure a model's bits per UTF-8 byte (lower is better) and speed on text files."))
    _model_args(ev)
    _mix_arg(ev)
    ev.add_argument("files", nargs="+", metavar="FILE", help="text files or folders")
    ev.add_argument("--json", action="store_true", help="print JSON")
    ev.add_argument("--keep-line-breaks", action="store_true", help=KEEP_LINE_BREAKS_HELP)
    ev.add_argument("--adapt", action="store_true", help=(
        "let a copy of the model learn from each file as it reads it (dynamic evaluation: every "
        "32 tokens are scored, then trained on): how well it would adapt to a document's "
        "names and style. Slower; the model on disk is not changed"))

    models = sub.add_parser("models", help="list models", description="List the shipped and your own models.")
    models.add_argument("--json", action="store_true", help="print JSON")

    bench = sub.add_parser("bench", help="measure generation speed", description=(
        "Keystroke-to-first-token latency and streaming speed of a model on this machine."))
    _model_args(bench)
    bench.add_argument("--random", action="store_true",
                       help="random weights in the shipped model's shape instead of a model")
    bench.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["tui", *argv]
    args = build_parser().parse_args(argv)
    try:
        return int(HANDLERS[args.command](args) or 0)
    except LstmTuiError as exc:
        print(f"lstm-tui: error: {plain(str(exc))}", file=sys.stderr)  # it may quote a file's name
        return 2
    except KeyboardInterrupt:
        print("lstm-tui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def run_tui(args: argparse.Namespace) -> int:
    from .tui.app import run  # textual

    return run(file=args.file, model=args.model, device=args.device)


def _sampling(args: argparse.Namespace):
    base = SamplingConfig() if args.suggest else GENERATE
    given = {f.name: getattr(args, f.name) for f in fields(SamplingConfig) if getattr(args, f.name) is not None}
    try:
        return base.replace(**given)
    except ValueError as exc:
        # Every message starts with the field's name: say the option instead.
        name, _, rest = str(exc).partition(" ")
        flag = _SAMPLING_FLAGS.get(name, ["--" + name.replace("_", "-")])[0]
        raise LstmTuiError(f"{flag} {rest}") from None


def _read_stdin() -> str:
    """Piped text, which must be UTF-8: binary input is refused in one line (it reached
    the tokenizer as surrogates, and a traceback)."""
    raw = sys.stdin.buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LstmTuiError(f"stdin: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    if "\0" in text:
        raise LstmTuiError(f"stdin: binary data (a NUL byte at offset {text.index(chr(0))})")
    return text


UNSURE_HINT = ("lstm-tui: the model is unsure how this goes on, so it suggests nothing "
               "(without --suggest, or with --min-confidence 0 --continue-confidence 0, it continues anyway)")


def run_generate(args: argparse.Namespace) -> int:
    config = _sampling(args)
    # The newline that ends piped input (echo, a file's last line) is not part of the
    # text to continue: the model would start a new paragraph after it.
    prompt = args.prompt if args.prompt is not None else _read_stdin().removesuffix("\n")
    from .api import load_model  # torch

    lm = load_model(args.model, device=args.device, mix=args.mix)
    if args.json:
        c = lm.complete(prompt, config)
        out: dict[str, Any] = {"text": c.text, "logprob": c.logprob, "tokens": c.tokens,
                               "alternatives": [{"text": a.text, "logprob": a.logprob, "tokens": a.tokens}
                                                for a in c.alternatives],
                               "device": lm.device.type, "model": str(lm.path)}
        print(json.dumps(out, ensure_ascii=False))
        text = c.text
    else:
        text = ""
        for delta in lm.stream(prompt, config):
            text += delta
            sys.stdout.write(delta)
            sys.stdout.flush()
        sys.stdout.write("\n")
    gated = config.min_confidence > 0 or config.continue_confidence > 0
    if gated and not text.strip():  # held back, as the editor's status bar says "unsure"
        print(UNSURE_HINT, file=sys.stderr)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from .api import load_model  # torch
    from .core.data import read_text, scan  # numpy, sentencepiece

    # As training reads them, and as a writer types: a hard-wrapped book's paragraphs
    # joined, so a model is not scored on line breaks a printed page put there.
    corpus = scan(args.files, unwrap=not args.keep_line_breaks)
    for path, why in corpus.skipped:
        print(f"lstm-tui: skipped {plain(path)}: {plain(why)}", file=sys.stderr)  # names from disk
    if not corpus.files:
        raise DataError("no readable text among " + ", ".join(args.files))
    lm = load_model(args.model, device=args.device, threads=os.cpu_count(), mix=args.mix)  # batched: every core
    rows, total_bits, total_bytes, total_tokens, seconds = [], 0.0, 0, 0, 0.0
    for f in corpus.files:
        r = lm.evaluate(read_text(f), adapt=args.adapt)
        rows.append({"file": str(f.path), "bits_per_byte": r.bits_per_byte, "bytes": r.bytes,
                     "tokens": r.tokens, "tokens_per_second": r.tokens_per_second, "unwrapped": f.unwrap})
        total_bits += r.bits_per_byte * r.bytes
        total_bytes, total_tokens, seconds = total_bytes + r.bytes, total_tokens + r.tokens, seconds + r.seconds
    summary = {"model": str(lm.path), "device": lm.device.type, "adapt": args.adapt,
               "mixed": lm.general is not None and not args.adapt, "files": rows,
               "bits_per_byte": total_bits / total_bytes, "bytes": total_bytes, "tokens": total_tokens,
               "tokens_per_second": total_tokens / seconds if seconds else None}
    if args.json:
        print(json.dumps(summary))
        return 0
    for row in rows:
        print(f"{row['bits_per_byte']:.4f} bits/byte  {row['tokens_per_second']:8.0f} tok/s  {plain(row['file'])}")
    if len(rows) > 1:
        print(f"{summary['bits_per_byte']:.4f} bits/byte  overall ({total_bytes} bytes)")
    return 0


def run_models(args: argparse.Namespace) -> int:
    def warn(message: str) -> None:
        print(f"lstm-tui: warning: {plain(message)}", file=sys.stderr)

    entries = list_models(on_problem=warn)
    if args.json:
        print(json.dumps([e.to_dict() for e in entries], indent=2))
        return 0
    header = ("name", "kind", "on your writing", "val bits/byte", "params", "size", "trained on", "parent",
              "path")
    rows = []
    for e in entries:
        # Plain text with escapes made visible: card fields may hold anything.
        rows.append([plain(c) for c in (e.name, e.status, e.fmt_gain(), e.fmt_bpb(), e.fmt_params(), e.fmt_size(),
                                        e.trained_on, e.parent or "", str(e.path))])
        for warning in (*e.warnings, *([f"{e.error}; the model cannot be used"] if e.error else [])):
            warn(warning)
    if not sys.stdout.isatty():  # for scripts: whole names (what --model takes), one row a line
        print("\t".join(header))
        for row in rows:
            print("\t".join(row))
        return 0
    from rich.console import Console  # only for a terminal's table
    from rich.table import Table
    from rich.text import Text

    table = Table(*header)
    for column in table.columns:
        column.overflow = "fold"  # wrapped, never cut: a name is what --model takes
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    Console().print(table)
    return 0


def run_bench(args: argparse.Namespace) -> int:
    from .benchmark import generation_benchmark  # torch

    # No --model means the shipped model; only --random measures random weights.
    result = generation_benchmark(model=None if args.random else args.model or "default", device=args.device)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>36}: {plain(value)}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    return train_cli.run_train(args)


HANDLERS = {"tui": run_tui, "train": run_train, "generate": run_generate, "eval": run_eval,
            "models": run_models, "bench": run_bench}


if __name__ == "__main__":
    raise SystemExit(main())
