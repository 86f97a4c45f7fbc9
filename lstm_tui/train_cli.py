"""``lstm-tui train``: arguments, the stop signal, and progress as rich or JSON lines."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import threading
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from . import paths
from .core.bundle_files import replace_refusal
from .core.config import RATES, ModelConfig  # no torch behind any
from .core.errors import LstmTuiError
from .core.events import Event, encode, log_lines
from .core.mail import is_address
from .core.train_options import BUDGETS, PRECISIONS, TrainOptions, read_run_options, resume_command
from .plain import plain
from .training_lock import training

TRAIN_FIELDS = {f.name: f for f in fields(TrainOptions)}


def _field(group, flag: str, name: str | None = None, note: str = "", **kwargs: Any) -> None:
    """An option for a TrainOptions field: its help, and its default where it has a
    plain one, come from the field (shown as "(default: ...)")."""
    name = name or flag.lstrip("-").replace("-", "_")
    spec = TRAIN_FIELDS[name]
    text = spec.metadata["help"] + note
    if spec.default is not None and not isinstance(spec.default, (bool, tuple)):
        kwargs.setdefault("default", spec.default)
        if "(default" not in text:
            text += f" (default: {spec.default})"
    group.add_argument(flag, dest=name, help=text.replace("%", "%%"), **kwargs)


def add_train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="text and Markdown files, mail (mbox, Maildir, .eml) "
                                                            "and folders of them (searched recursively)")
    p.add_argument("--name", help="name of the new model (letters, digits, . _ -); needed unless --preview")
    p.add_argument("--preview", action="store_true",
                   help="say what would be read from the PATHs (files and messages found, words of your own, "
                        "what is skipped and why) and exit without training")
    p.add_argument("--from", dest="from_model", metavar="MODEL",
                   help="fine-tune this model (a name, 'default', or a folder) and keep its tokenizer")
    p.add_argument("--output", metavar="DIR", help="write the bundle here instead of your models folder")
    b = p.add_mutually_exclusive_group()
    _field(b, "--minutes", type=float)
    _field(b, "--epochs", type=float)
    _field(b, "--steps", type=int)
    _field(p, "--max-passes", type=float, metavar="N")  # beside --minutes, not one of the three budgets
    a = p.add_argument_group("model (new models only)")
    _field(a, "--vocab-size", type=int)
    _field(a, "--tokenizer", metavar="FILE")
    _field(a, "--embed-dim", type=int)
    _field(a, "--hidden-dim", type=int)
    _field(a, "--layers", type=int)
    a.add_argument("--no-tie", dest="tie_weights", action="store_false", help="do not tie input and output embeddings")
    g = p.add_argument_group("regularisation (each from the second pass over the data on; with --from, "
                             "the parent's rates unless given)")
    defaults = ModelConfig()
    for rate in RATES:
        _field(g, "--" + rate.replace("_", "-"), note=f" (default: {getattr(defaults, rate):g})", type=float,
               metavar="P")
    o = p.add_argument_group("optimisation")
    _field(o, "--batch-size", type=int)
    _field(o, "--seq-len", type=int)
    _field(o, "--lr", type=float)
    _field(o, "--warmup-steps", type=int)
    _field(o, "--ema", type=float, metavar="DECAY")
    _field(o, "--anchor", type=float, metavar="RATE")
    _field(o, "--blend", type=float, metavar="SHARE")
    _field(o, "--val-fraction", type=float)
    _field(o, "--val", "val_paths", nargs="+", default=[], metavar="PATH")
    _field(o, "--keep-line-breaks", action="store_true")
    _field(o, "--from-address", metavar="ADDRESS")
    _field(o, "--val-max-tokens", type=int)
    _field(o, "--eval-every", type=int, metavar="STEPS")
    _field(o, "--seed", type=int)
    _field(o, "--precision", choices=PRECISIONS)
    r = p.add_argument_group("running")
    r.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    r.add_argument("--threads", type=int, help="CPU threads for torch (default: all cores, or half of them "
                   "(one of two) while that is faster, as when another program keeps a core busy; "
                   "tried every few minutes)")
    r.add_argument("--resume", action="store_true",
                   help="continue the interrupted run of --name exactly; a budget given with it (--minutes, "
                        "--epochs or --steps, counted from the run's start) replaces the run's, and its "
                        "learning-rate schedule is fitted to the new one")
    r.add_argument("--force", action="store_true",
                   help="replace an existing model of this name (or the model in --output); "
                        "a folder holding anything else is never replaced")
    r.add_argument("--keep-checkpoints", action="store_true",
                   help="keep the run's folder (checkpoint, tokenizer) after it finishes; by default "
                        "only an unfinished run keeps one, for --resume")
    r.add_argument("--events", choices=["jsonl"], help="print one JSON object per line instead of a progress display")


def options_from_args(args: argparse.Namespace):
    if args.name is None:
        raise LstmTuiError("give the model a --name (or ask for a --preview of what would be read)")
    try:
        name = paths.validate_name(args.name)
    except ValueError as exc:
        raise LstmTuiError(str(exc)) from None
    run_dir = paths.runs_dir() / name
    if args.resume:
        if changed := options_changed(args):
            raise LstmTuiError(f"--resume continues the run of {name!r} exactly as it began; it cannot "
                               f"change {', '.join(changed)} (start a new run with another --name instead)")
        options = read_run_options(run_dir)
        if budget := {key: getattr(args, key) for key in BUDGETS if getattr(args, key) is not None}:
            try:  # the stretch is re-sized to the machine time there is
                options = replace(options, **{key: None for key in BUDGETS} | budget)
            except ValueError as exc:
                raise LstmTuiError(str(exc)) from None
        return options
    if not args.paths:
        raise LstmTuiError("give at least one file or folder of text to train on")
    output = Path(args.output).expanduser() if args.output else paths.user_models_dir() / name
    if refusal := replace_refusal(output):  # a bundle replaces its folder: never the writer's files
        raise LstmTuiError(f"{output}: {refusal}; a model is written to a new folder, or over one "
                           "holding only a model (with --force)")
    if output.is_dir() and any(output.iterdir()) and not args.force:
        raise LstmTuiError(f"{output}: a model is there already; use --force to replace it "
                           "or --resume to continue its run")
    # Absolute: the card names the parent's folder, read later from anywhere.
    from_model = str(paths.resolve_model(args.from_model).resolve()) if args.from_model else None
    try:
        options = make_options(args, name, run_dir, output, from_model)
    except ValueError as exc:
        raise LstmTuiError(str(exc)) from None
    try:  # the same checks the model makes, before any work is done
        if from_model:
            ModelConfig(**options.rates())
        else:
            ModelConfig(embed_dim=512 if args.embed_dim is None else args.embed_dim,
                        hidden_dim=512 if args.hidden_dim is None else args.hidden_dim,
                        num_layers=args.layers, vocab_size=args.vocab_size, **options.rates())
    except ValueError as exc:
        # A message about one field starts with its name: say the option instead.
        message = str(exc)
        if message.split()[0] in {f.name for f in fields(ModelConfig)}:
            message = "--" + message.replace("num_layers", "layers").replace("_", "-")
        raise LstmTuiError(message) from None
    return options


# What a resumed run may be told: how to run, and how long; not what to train.
RESUMABLE = {"name", "preview", "resume", "threads", "device", "events", "command", "keep_checkpoints", *BUDGETS}


def options_changed(args: argparse.Namespace) -> list[str]:
    """The options given beside --resume that would change the run (they would be
    ignored: the run continues as its run.json says)."""
    parser = argparse.ArgumentParser(add_help=False)
    add_train_args(parser)
    defaults = vars(parser.parse_args(["--name", "x"]))
    flags = {"paths": "PATH", "from_model": "--from", "tie_weights": "--no-tie", "val_paths": "--val"}
    return [flags.get(key, "--" + key.replace("_", "-")) for key, value in vars(args).items()
            if key in defaults and key not in RESUMABLE and value != defaults[key]]


def make_options(args: argparse.Namespace, name: str, run_dir: Path, output: Path,
                 from_model: str | None):
    return TrainOptions(
        paths=tuple(str(Path(p).expanduser().resolve()) for p in args.paths), name=name,
        output=str(output.resolve()), run_dir=str(run_dir), cache_dir=str(paths.cache_dir() / "tokens"),
        from_model=from_model, tokenizer=str(Path(args.tokenizer).resolve()) if args.tokenizer else None,
        minutes=args.minutes, epochs=args.epochs, steps=args.steps, max_passes=args.max_passes,
        vocab_size=args.vocab_size, embed_dim=args.embed_dim, hidden_dim=args.hidden_dim,
        layers=args.layers, **{k: getattr(args, k) for k in RATES}, tie_weights=args.tie_weights,
        batch_size=args.batch_size, seq_len=args.seq_len, lr=args.lr, warmup_steps=args.warmup_steps,
        ema=args.ema, anchor=args.anchor, blend=args.blend,
        val_fraction=args.val_fraction, val_paths=tuple(str(Path(p).resolve()) for p in args.val_paths),
        eval_every=args.eval_every, keep_line_breaks=args.keep_line_breaks, val_max_tokens=args.val_max_tokens,
        seed=args.seed, precision=args.precision, from_address=args.from_address)


class StopFlag:
    """Ctrl+C (or SIGTERM) asks training to stop after the current step and save;
    a second Ctrl+C stops at once."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        def handler(signum: int, frame: Any) -> None:
            if self.event.is_set():
                raise KeyboardInterrupt
            self.event.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def __call__(self) -> bool:
        return self.event.is_set()


def run_preview(args: argparse.Namespace) -> int:
    """``--preview``: what training would read, in plain words; nothing is trained."""
    from .core.preview import preview  # numpy, sentencepiece: not for `train --help`

    if not args.paths:
        raise LstmTuiError("give at least one file or folder to preview")
    if args.from_address is not None and not is_address(args.from_address):
        raise LstmTuiError(f"--from-address must be an email address such as me@example.com, "
                           f"not {args.from_address!r}")
    print(preview(args.paths, args.from_address, unwrap=not args.keep_line_breaks).describe())
    return 0


def run_train(args: argparse.Namespace) -> int:
    if args.preview:
        return run_preview(args)
    options = options_from_args(args)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from .core.training import TrainingRun

    stop = StopFlag()
    stop.install()
    reporter = JsonLines() if args.events else RichReport()
    run = TrainingRun(options, reporter, should_stop=stop, device=args.device, resume=args.resume,
                      keep_checkpoint=args.keep_checkpoints, tune_threads=not args.threads,
                      general=paths.default_bundle())
    # The first process of a run (torchrun's rank 0) holds the name while it trains, so
    # deleting the model can stop the run first (it would write the model again).
    held = training(options.name) if os.environ.get("RANK", "0") == "0" else contextlib.nullcontext()
    try:
        with held, reporter:
            result = run.run()
    except KeyboardInterrupt:  # a second Ctrl+C: stopped at once, after any write in progress
        if not run.checkpoint_path.exists():
            print("lstm-tui: interrupted before the first checkpoint; nothing to resume", file=sys.stderr)
            return 130
        result = {"stopped": True, "saved": "the last checkpoint kept"}
    except LstmTuiError as exc:
        if args.events:
            reporter({"event": "error", "message": str(exc)})
        raise
    except Exception as exc:  # a bug: the reader still learns why the run ended
        if args.events:
            reporter({"event": "error", "message": f"internal error: {type(exc).__name__}: {exc}"})
        raise
    if result["stopped"]:
        command = resume_command(options.name, args.threads)
        saved = result.get("saved", "checkpoint saved")
        message = f"stopped; {saved}. Resume with: {shlex.join(command)}"
        if args.events:
            reporter({"event": "stopped", "message": message, "resume": command})
        else:
            print(message, file=sys.stderr)
        return 130
    return 0


class JsonLines:
    """One JSON object per line on stdout, flushed at once (the TUI reads these)."""

    def __enter__(self) -> JsonLines:
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()

    def __call__(self, event: dict[str, Any]) -> None:
        sys.stdout.write(encode(event) + "\n")
        sys.stdout.flush()


def clock(seconds: float) -> str:
    """Seconds as H:MM:SS, as rich shows a time remaining."""
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


class RichReport:
    """A rich progress bar with step, epoch, loss, validation bits per byte, speed, ETA."""

    def __enter__(self) -> RichReport:
        # rich only for this display: cli imports this module for every command's --help.
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn

        self.console = Console(stderr=True)
        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            TextColumn("{task.percentage:>3.0f}%"), TextColumn("{task.fields[eta]}"),
                            TextColumn("{task.fields[info]}"), console=self.console)
        # The ETA is the trainer's (from the budget spent), not rich's guess from the
        # bar's speed: that needs updates more often than a step may come.
        self.task = self.bar.add_task("training", total=1.0, info="", eta="-:--:--")
        self.best = None  # the bar starts with training, so set-up errors print alone
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, e: Event) -> None:
        kind = e["event"]
        for line in log_lines(e):  # text from files and models: never markup, nor escapes
            self.bar.console.print(plain(line), markup=False, highlight=False, soft_wrap=True)
        if kind == "start":
            self.bar.start()
        elif kind == "progress":
            best = f" val {self.best:.3f}" if self.best else ""
            eta = e.get("eta_seconds")
            self.bar.update(self.task, completed=e["fraction"], eta=clock(eta) if eta is not None else "-:--:--",
                            info=f"step {e['step']} ep {e['epoch']} loss {e['loss']:.3f}{best} "
                                 f"{e['tokens_per_second']:,.0f} tok/s")
        elif kind == "measuring":  # the closing measurement, before and after: a bar of its own
            self.bar.update(self.task, description="measuring", completed=e["fraction"], eta="",
                            info="suggestions on your held-out text")
        elif kind == "eval":
            self.best = e["best_bpb"] or self.best
        elif kind == "sample":
            from rich.text import Text  # loaded with the display (__enter__)

            self.bar.console.print(Text(repr(e["text"]), style="dim"))
        elif kind == "done":
            # The bar's last line is the run's end: its step, at 100% only if the budget
            # was spent (a stopped run shows where it stopped); then the bar is done.
            best = f" val {self.best:.3f}" if self.best else ""
            self.bar.update(self.task, **({} if e["stopped"] else {"completed": 1.0}), eta="0:00:00",
                            description="training",
                            info=f"step {e['steps']}{best}{' (stopped)' if e['stopped'] else ''}")
            self.bar.stop()
            if not e["stopped"]:
                self.bar.console.print(f"done: best validation {e['best_bpb']:.4f} bits/byte; model in "
                                       f"{plain(e['output'])}",
                                       markup=False, highlight=False)
