"""Train or fine-tune a bundle: AdamW, warmup then cosine decay, truncated BPTT with
carried state, gradient clipping, AMP on CUDA, validation in bits per byte, atomic
checkpoints with exact resume, a stop flag that saves first, and DDP under torchrun.

Progress is reported as event dicts through a callback, so the CLI (rich or JSON
lines) and the TUI (a child process's JSON lines) consume the same stream.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import shlex
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from .atomic import atomic_write_text, private_dir
from .averaging import blend_toward
from .budget import Budget
from .bundle import Bundle, load_bundle, save_bundle
from .bundle_files import CARD_FILE, read_card, training_card
from .checkpoint import CHECKPOINT_FILE, read_checkpoint, write_checkpoint
from .config import RATES, SamplingConfig
from .device import resolve_device
from .distributed import Distributed
from .errors import Writing
from .evaluate import total_bits
from .gain import GAIN_CHARS, held_out_text, model_gate, writer_gain
from .generation import StreamingGenerator
from .machine import machine
from .mixture import fine_tuned_apart, general_for_tokens
from .precision import slow_precision, training_precision
from .run_inputs import RunInputs, prepare_inputs
from .schedule import learning_rate
from .threads import ThreadTuner, candidates
from .train_options import RUN_FILE, Progress, TrainOptions, resume_command
from .train_state import TrainState

Emit = Callable[[dict[str, Any]], None]
CHECKPOINT_SECONDS = 300.0  # a killed run loses at most this much training time


class TrainingRun:
    """One training run, from reading the files to the last checkpoint: ``run()``
    reads its inputs (RunInputs), builds what the steps change (TrainState), and
    trains until the budget (Budget) is spent or it is asked to stop."""

    def __init__(self, options: TrainOptions, emit: Emit, should_stop: Callable[[], bool] = lambda: False,
                 device: str = "auto", resume: bool = False, keep_checkpoint: bool = False,
                 gain_chars: int = GAIN_CHARS, tune_threads: bool = False,
                 general: str | Path | None = None) -> None:
        self.options = options  # as asked; inputs.options has the unset defaults resolved
        self.emit_raw = emit
        self.should_stop = should_stop
        self.device = resolve_device(device)
        self.resume = resume
        self.keep_checkpoint = keep_checkpoint  # else a finished run's folder is removed
        self.gain_chars = gain_chars  # typed with each model in a fine-tune's closing measurement; 0: none
        self.general = general  # the general model a fine-tune predicts together with (mixture.py)
        self.dist = Distributed(self.device)
        # On a CPU, with no thread count asked for: the fastest count, found by trying
        # (one process; under torchrun each rank's count is the launcher's).
        self.tuner = (ThreadTuner(candidates(torch.get_num_threads()))
                      if tune_threads and self.device.type == "cpu" and not self.dist.enabled else None)
        if self.dist.enabled and self.device.type == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
        self.run_dir = Path(options.run_dir)
        self.checkpoint_path = self.run_dir / CHECKPOINT_FILE
        # Before any text is read: a precision this device cannot run fails at once.
        self.precision = training_precision(options.precision, self.device, fine_tune=options.from_model is not None)
        self.last_checkpoint_seconds = 0.0  # progress.seconds at the last checkpoint
        self.last_eval_step = -1  # the step of the last validation

    def emit(self, event: str, **data: Any) -> None:
        if self.dist.main:
            self.emit_raw({"event": event, "time": round(time.time(), 3), **data})

    def prepare(self) -> RunInputs:
        return prepare_inputs(self.options, self.device, self.dist, self.emit, self.resume)

    def build(self, inputs: RunInputs) -> TrainState:
        return TrainState(inputs, self.device, self.dist, self.precision, self.emit)

    # The run's parts, once run() has made them.
    inputs: RunInputs
    state: TrainState
    budget: Budget

    @property
    def model(self) -> torch.nn.Module:
        return self.state.model

    @property
    def progress(self) -> Progress:
        return self.state.progress

    # -- checkpoints -----------------------------------------------------------------

    def save_checkpoint(self) -> None:
        if not self.dist.main:
            return
        write_checkpoint(self.checkpoint_path, self.state.state_dict() | {
            "options": asdict(self.inputs.options), "model_config": self.inputs.model_config.to_dict()})
        self.last_checkpoint_seconds = self.progress.seconds
        self.emit("checkpoint", path=str(self.checkpoint_path), step=self.progress.step)

    def load_checkpoint(self) -> None:
        self.state.load_state_dict(read_checkpoint(self.checkpoint_path, self.inputs.model_config.to_dict()))
        p = self.progress
        self.last_checkpoint_seconds = p.seconds
        self.last_eval_step = p.step
        self.emit("resumed", step=p.step, epoch=p.epoch, best_bpb=_finite(p.best_bpb))

    def write_run_file(self) -> None:
        """run.json: the options of this run, so ``--resume`` repeats them exactly."""
        if self.dist.main:
            with Writing(self.run_dir / RUN_FILE, "the run's options"):
                private_dir(self.run_dir)
                atomic_write_text(self.run_dir / RUN_FILE, json.dumps(asdict(self.inputs.options), indent=2),
                                  private=True)

    # -- validation and the saved model ---------------------------------------------

    def kept(self, model: torch.nn.Module) -> torch.nn.Module:
        """What the run keeps of ``model``: a fine-tune's moved back toward its parent
        by the blend (a copy; ``model`` itself when all of it is kept)."""
        share, parent = self.kept_share(), self.inputs.parent
        if parent is None or share >= 1.0:
            return model
        return blend_toward(copy.deepcopy(model), parent.model, share)

    @functools.cached_property
    def general_bundle(self) -> Bundle | None:
        """The general model this fine-tune's model will predict together with (it reads
        the general model's tokens; mixture.py), read once; None for a new model."""
        return general_for_tokens(self.inputs.tokenizer, self.general) if self.inputs.parent is not None else None

    @property
    def mixed(self) -> bool:
        """Whether the model will predict together with the general model."""
        return self.general_bundle is not None

    def kept_share(self) -> float:
        return self.inputs.options.kept_share(self.mixed)

    def validate(self, model: torch.nn.Module | None = None) -> float:
        bits = total_bits(self.model if model is None else model, self.inputs.val_ids,
                          self.inputs.tokenizer.start_id, self.device)
        return bits / self.inputs.data.val_bytes

    def sample(self, chars: int = 160) -> str:
        self.model.eval()
        tokenizer = self.inputs.tokenizer
        generator = StreamingGenerator(self.model, tokenizer, self.device)
        prompt = tokenizer.decode(int(i) for i in self.inputs.data.val[1:13]).lstrip("\n")
        config = SamplingConfig(temperature=0.7, top_k=40, max_tokens=40, seed=self.progress.step)
        text = "".join(generator.stream(prompt, config))
        self.model.train()
        return (prompt + text)[:chars]

    def evaluate_and_keep(self) -> None:
        self.last_eval_step = self.progress.step
        if self.dist.main:
            started = time.perf_counter()
            # What is validated is what would be saved: a fine-tune's blend of it.
            kept = self.kept(self.model)
            raw = self.validate(kept)
            # With --ema, the average and the raw weights both validate; the better is kept.
            average = self.state.average
            kept_average = None if average is None else self.kept(average.model)
            averaged = None if kept_average is None else self.validate(kept_average)
            extra = {} if averaged is None else {"raw_bpb": raw, "average_bpb": averaged}
            bpb, model, label = raw, kept, "raw"
            if averaged is not None and averaged < raw:
                bpb, model, label = averaged, kept_average, "average"
            improved = bpb < self.progress.best_bpb
            p = self.progress
            p.history.append({"step": p.step, "tokens": p.tokens, "seconds": round(p.seconds, 1),
                              "val_bpb": round(bpb, 5)} | {k: round(v, 5) for k, v in extra.items()})
            if improved:
                p.best_bpb = bpb
                self.save_bundle(model, weights=None if average is None else label)
            self.budget.validation_seconds = time.perf_counter() - started
            self.emit("eval", step=p.step, val_bpb=bpb, best_bpb=p.best_bpb, improved=improved,
                      seconds=round(self.budget.validation_seconds, 2), **extra)
            self.emit("sample", step=p.step, text=self.sample())
            self.save_checkpoint()
        self.dist.barrier()

    def unfinished(self) -> dict:
        """What a stopped run's model says of it: where it stopped, and how to go on."""
        return {"step": self.progress.step, "resume": shlex.join(resume_command(self.inputs.options.name))}

    def update_card(self, **changes) -> None:
        """Change the saved model's card: a None value takes the field out."""
        output = Path(self.inputs.options.output)
        old = read_card(output)[0]
        card = {k: v for k, v in (old | changes).items() if v is not None}
        if card == old:
            return  # e.g. a run that ends finished, as it began
        with Writing(output / CARD_FILE, "the model's card"):
            atomic_write_text(output / CARD_FILE, json.dumps(card, indent=2) + "\n", private=True)

    def save_bundle(self, model: torch.nn.Module | None = None, unfinished: bool = False,
                    weights: str | None = None) -> None:
        """The bundle of ``model`` (what the run keeps of the trained one unless told),
        with its card; a stopped run's (``unfinished``) says where it stopped.
        ``weights`` says which were kept ("raw" or "average") where there was a choice."""
        inputs, p = self.inputs, self.progress
        o, parent = inputs.options, inputs.parent
        if model is None:
            model, weights = self.kept(self.model), "raw" if self.state.average is not None else None
        card = training_card(
            name=o.name, parent=(parent.name, str(parent.path), parent.card) if parent else None,
            data=inputs.corpus.summary(), budget=o.budget(), device=self.device.type, machine=machine(),
            world_size=self.dist.world, steps=p.step, tokens=p.tokens, seconds=p.seconds,
            best_bpb=p.best_bpb, parent_bpb=p.parent_bpb, val_bytes=inputs.data.val_bytes,
            parameters=self.model.num_parameters(),
            weights=weights,
            recipe={k: getattr(o, k) for k in ("batch_size", "seq_len", "lr", "warmup_steps", "weight_decay",
                                               "clip", "ema", "anchor")}
            | {"blend": self.kept_share(), "max_passes": o.pass_cap(self.mixed)}
            | {k: getattr(inputs.model_config, k) for k in RATES} | {"precision": self.precision.label})
        if unfinished:
            card["unfinished"] = self.unfinished()
        save_bundle(model, inputs.tokenizer, o.output, card)

    def measure_gain(self) -> None:
        """A fine-tune's closing measurement: keystrokes saved on the writer's held-out
        text with the parent and with the saved model, said in the log and the card."""
        self.emit("status", message="measuring suggestions on your held-out text, before and after")
        output = Path(self.inputs.options.output)
        saved = load_bundle(output)
        text = held_out_text(self.inputs.tokenizer, self.inputs.val_ids)
        parent = self.inputs.parent
        # Each measured as the editor will use it: mixed with the general model, where it is
        # (the parent reads the same tokens as the saved model, so only its card decides).
        mixing = self.general_bundle
        general = tuple(mixing.model if mixing is not None and fine_tuned_apart(b, self.general) else None
                        for b in (parent, saved))
        gain = writer_gain(parent.model, saved.model, self.inputs.tokenizer, self.device, text,
                           chars=self.gain_chars, should_stop=self.should_stop,
                           parent_gate=model_gate(parent.card), general=general,
                           progress=lambda fraction: self.emit("measuring", fraction=round(fraction, 3)))
        if gain is None:
            return
        self.update_card(writer_gain=gain.to_dict())
        self.emit("gain", message=gain.said(), **gain.to_dict())

    # -- the run ---------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        try:
            self.inputs = inputs = self.prepare()
            self.state = self.build(inputs)
            self.budget = Budget(inputs.options, self.state.batches.per_epoch, len(inputs.val_ids),
                                 passes=1 if self.state.average is None else 2,
                                 step_tokens=self.state.batches.rows * inputs.options.seq_len * self.dist.world,
                                 mixed=self.mixed)
            if self.resume:
                self.load_checkpoint()
            self.write_run_file()
            self.emit("start", params=self.model.num_parameters(), device=self.device.type,
                      world_size=self.dist.world, budget=inputs.options.budget(),
                      steps_per_epoch=self.state.batches.per_epoch, model=inputs.model_config.to_dict(),
                      output=inputs.options.output, resumed=self.resume)
            if slow := slow_precision(inputs.options.precision, self.device):
                self.emit("status", message=slow)
            if inputs.parent is not None and self.progress.parent_bpb is None and self.dist.main:
                self.progress.parent_bpb = self.validate()
                self.emit("eval", step=0, val_bpb=self.progress.parent_bpb, best_bpb=None,
                          improved=False, parent=True)
            stopped = self.loop()
            if not stopped and self.dist.main and (Path(inputs.options.output) / CARD_FILE).exists():
                self.update_card(unfinished=None)  # a resumed run that ended is finished
            if (not stopped and inputs.parent is not None and self.dist.main and self.gain_chars
                    and math.isfinite(self.progress.best_bpb)):
                self.measure_gain()
        finally:
            self.dist.close()
        if not stopped and not self.keep_checkpoint and self.dist.main:
            # Nothing left to resume: the checkpoint (134 MB at the default size) and
            # the run's tokenizer go; the model holds what is worth keeping.
            shutil.rmtree(self.run_dir, ignore_errors=True)
        p = self.progress
        result = {"output": inputs.options.output, "best_bpb": _finite(p.best_bpb), "parent_bpb": p.parent_bpb,
                  "steps": p.step, "tokens": p.tokens, "seconds": round(p.seconds, 1), "stopped": stopped,
                  "checkpoint": str(self.checkpoint_path) if self.checkpoint_path.exists() else None}
        self.emit("done", **result)
        return result

    def loop(self) -> bool:
        """Train until the budget is spent; True if stopped early (checkpoint saved)."""
        o, state, p = self.inputs.options, self.state, self.progress
        state.net.train()
        last_eval = p.seconds
        window_tokens, window_start = 0, time.perf_counter()
        # The budget's clock is the wall clock from here on, validations and checkpoints
        # included: a 2-minute run takes two minutes (it took four when only the steps
        # counted).
        tick = window_start
        step_tokens = state.batches.rows * o.seq_len * self.dist.world
        self._regularise_for_epoch()
        while True:
            # One collective per step: every rank must take the same branch, or one
            # waits at a barrier forever, and use the same learning rate.
            stop, due, save, fraction = self.dist.agree(
                self.should_stop(),
                0 < p.step != self.last_eval_step and self.budget.due_for_eval(p, last_eval),
                p.seconds - self.last_checkpoint_seconds >= CHECKPOINT_SECONDS,
                self.budget.fraction(p))
            if due:
                last_eval = p.seconds
                self.evaluate_and_keep()
                state.net.train()
            elif save:
                self.save_checkpoint()
            if fraction >= 1.0:
                break
            if stop:
                self.save_checkpoint()
                if self.dist.main:
                    if math.isfinite(p.best_bpb):  # the best so far stays, said to be unfinished
                        self.update_card(unfinished=self.unfinished())
                    else:  # something to use even before the first validation
                        self.save_bundle(unfinished=True)
                return True
            if p.batch_in_epoch >= state.batches.per_epoch:
                p.epoch += 1
                p.batch_in_epoch = 0
                state.carry = None
                self._regularise_for_epoch()
            x, y = state.batches.batch(p.batch_in_epoch, p.epoch)
            x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
            lr = learning_rate(o, p.step, fraction)
            loss = state.step(x, y, lr, o.clip)
            p.step += 1
            p.batch_in_epoch += 1
            p.tokens += step_tokens
            now = time.perf_counter()
            if self.tuner is not None:  # the time since the last step (a validation's outlier: medians)
                self._tune_threads(now - tick)
            p.seconds += now - tick
            tick = now
            window_tokens += step_tokens
            if p.step % 10 == 0 or p.step == 1:
                rate = window_tokens / max(now - window_start, 1e-9)
                window_tokens, window_start = 0, now
                fraction = self.budget.fraction(p)
                eta = max(0.0, p.seconds / fraction * (1 - fraction)) if fraction > 0 else None
                self.emit("progress", step=p.step, epoch=p.epoch, loss=loss.item(),
                          bpb_estimate=loss.item() / math.log(2) * self._tokens_per_byte(),
                          lr=lr, tokens=p.tokens, tokens_per_second=rate,
                          fraction=min(1.0, fraction), eta_seconds=eta)
        if self.last_eval_step != p.step:
            self.evaluate_and_keep()
        return False

    def _tune_threads(self, step_seconds: float) -> None:
        tuner = self.tuner
        assert tuner is not None
        count = tuner.step_took(step_seconds)
        if count is not None:
            torch.set_num_threads(count)
        if tuner.trial_ended:
            threads = lambda n: f"{n} thread{'s' * (n > 1)}"
            times = ", ".join(f"{threads(n)}: {s:.2f} s" for n, s in tuner.step_seconds.items())
            self.emit("status", message=f"training on {threads(tuner.best)}, the fastest now (a step took {times})")

    def _regularise_for_epoch(self) -> None:
        """A new model trains without dropout of any kind in its first pass over the
        data, and at its rates after it; a fine-tune at its rates from the start.

        Dropout fights memorising text seen before; in a new model's first pass every
        batch is new. A model that has trained with dropout already does better with it
        from the start (docs/training.md has both measurements).
        """
        self.model.set_regularisation(self.inputs.parent is not None or self.progress.epoch >= 1)

    def _tokens_per_byte(self) -> float:
        return len(self.inputs.data.val) / self.inputs.data.val_bytes


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
