"""What a fine-tune gained for its writer: keystrokes saved on their own held-out text.

Validation bits per byte cannot be compared between models measured on different
text, and say little to a writer. This measures what they feel: the simulated writer
(writer.py) types passages of the writer's held-out text with the parent model and
with the fine-tuned one, under the editor's default suggestion settings, and the two
shares of keystrokes saved go into the model's card ("On your writing, suggestions
now save 29% of keystrokes, up from 21%").

A model of one writer is surer on their text than the general model, and more often
right when sure: raising its confidence gate costs it fewer keystrokes than it costs
the general model for the same rise in precision (docs/personal.md). So the closing
measurement also chooses the personal model's own gate: the lowest on GATES whose
shown suggestions are right at least GATE_PRECISION of the time on the held-out text
(the highest tried, when none is). The card keeps it, the editor uses it while the
writer keeps the default gate, and ``after`` is measured with it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from .config import DEFAULT_GATE, SamplingConfig
from .writer import passages, type_passages

if TYPE_CHECKING:  # the measuring needs torch; reading a card's WriterGain must not (models list)
    import torch

    from .model import LSTMLanguageModel
    from .tokenizer import Tokenizer

GAIN_CHARS = 2400  # characters typed with each model: about 20 s each on a laptop core
PASSAGE_CHARS = 400
CONTEXT_CHARS = 1500  # written text before each passage (held-out text may be short)
# A personal model's gate: (min_confidence, continue_confidence) from the surest down,
# each word kept 0.05 above the first as in the default (0.25, 0.3); at most
# MAX_GATE_TRIES more measurements than the default's, each GAIN_CHARS long.
GATES = ((0.15, 0.2), (0.2, 0.25), (0.25, 0.3), (0.3, 0.35), (0.35, 0.4), (0.4, 0.45), (0.45, 0.5))
GATE_PRECISION = 0.55  # the share of shown suggestions a personal model's gate aims to have right
MAX_GATE_TRIES = 3
# Suggestions shown at the default gate before a model's gate may move: a precision
# measured on fewer is a guess (about 5 points either way at 100). A fine-tune on a
# dozen notes held out 1,210 characters, and its gate moved two steps on them.
MIN_GATE_SHOWN = 100


@dataclass(frozen=True)
class WriterGain:
    """Keystrokes saved on the writer's held-out text, before and after."""

    before: float  # share of keystrokes saved with the parent model
    after: float  # with the fine-tuned model
    precision_before: float | None  # share of shown suggestions whose first word was right
    precision_after: float | None
    chars: int  # characters typed with each model
    gate: tuple[float, float] | None = None  # the new model's own gate, when not the default

    def to_dict(self) -> dict:
        out = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}
        out["gate"] = None if self.gate is None else list(self.gate)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> WriterGain | None:
        """The gain a card recorded, or None where it has none (or a broken one). A card
        written before gates were chosen has none: it is read without one."""
        try:
            values = {f.name: data[f.name] for f in fields(cls) if f.name != "gate"}
            gain = cls(**values, gate=read_gate(data.get("gate")))
        except (KeyError, TypeError):
            return None
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                 for v in (gain.before, gain.after))
        return gain if ok else None

    @property
    def helped(self) -> bool:
        """Whether the new model saves more keystrokes, as the sentence rounds them."""
        return round(100 * self.after) > round(100 * self.before)

    def gate_sentence(self) -> str:
        """The new model's own gate in plain words ("" without one)."""
        if self.gate is None:
            return ""
        right = ("" if self.precision_after is None
                 else f"; on your held-out text {round(100 * self.precision_after)}% of them were right")
        return (f"It shows a suggestion when it is at least {round(100 * self.gate[0])}% sure of the first word"
                f"{right}.")

    def said(self) -> str:
        """The whole result for the writer: what they gained, and the new model's gate."""
        return " ".join(filter(None, (self.sentence(), self.gate_sentence())))

    def short(self) -> str:
        """For a table cell: "29%, was 21%"."""
        return f"{round(100 * self.after)}%, was {round(100 * self.before)}%"

    def sentence(self) -> str:
        """In plain words, for the writer."""
        before, after = round(100 * self.before), round(100 * self.after)
        if self.helped:
            return f"On your writing, suggestions now save {after}% of keystrokes, up from {before}%."
        if after == before:
            return f"On your writing, suggestions save {after}% of keystrokes, as before."
        return (f"On your writing, suggestions now save {after}% of keystrokes, down from {before}%: "
                "the model you had suits this text better, so keep writing with it.")


def read_gate(raw: object) -> tuple[float, float] | None:
    """A card's gate, [min_confidence, continue_confidence], checked; None when absent
    or not two probabilities (a card is a file anyone may have edited)."""
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in raw):
        return None
    return float(raw[0]), float(raw[1])


def model_gate(card: dict) -> tuple[float, float] | None:
    """The gate a model's card gives it (a personal model's own, kept with its closing
    measurement), or None."""
    gain = card.get("writer_gain")
    return read_gate(gain.get("gate")) if isinstance(gain, dict) else None


def held_out_text(tokenizer: Tokenizer, val_ids: torch.Tensor, max_chars: int = 200_000) -> str:
    """The validation ids as text (the writer's held-out writing; the start id between
    documents is a newline)."""
    return tokenizer.decode(int(i) for i in val_ids[: max_chars // 2])[:max_chars]


def keystrokes_saved(model: LSTMLanguageModel, tokenizer: Tokenizer, device: torch.device, text: str,
                     spans: list[tuple[int, int]], context: int = CONTEXT_CHARS,
                     should_stop: Callable[[], bool] | None = None, typed: Callable[[int], None] | None = None,
                     gate: tuple[float, float] | None = None, general: LSTMLanguageModel | None = None):
    """The simulated writer's tally with ``model`` on ``spans`` of ``text``, with the
    default suggestion settings (and ``gate`` as the confidence gate, when given);
    with ``general``, the model predicts together with it, as the editor has it.

    On the CPU it types on one thread, as the editor's generation does on a small
    machine: a training run's thread count, one per core, turns a batch-1 step into
    a wait for any core another program is using (``torch_threads``)."""
    from .device import torch_threads  # these import torch (see above)
    from .generation import StreamingGenerator
    from .int8 import quantize_for_cpu
    from .mixture import Mixture
    from .model import frozen_copy
    from .policy import worth_showing  # numpy, through data: `lstm-tui models` reads cards only

    fast = quantize_for_cpu if device.type == "cpu" else frozen_copy  # a copy to generate with
    runner = fast(model) if general is None else Mixture(fast(general), fast(model))
    generator = StreamingGenerator(runner, tokenizer, device)
    config = SamplingConfig().with_gate(gate)

    def suggest(context: str) -> str:
        return worth_showing("".join(generator.stream(context, config)))  # as the editor shows it

    with torch_threads(1) if device.type == "cpu" else contextlib.nullcontext():
        return type_passages(text, spans, suggest, context, should_stop, typed=typed)


def writer_gain(parent: LSTMLanguageModel, model: LSTMLanguageModel, tokenizer: Tokenizer,
                device: torch.device, text: str, chars: int = GAIN_CHARS, seed: int = 0,
                should_stop: Callable[[], bool] | None = None,
                progress: Callable[[float], None] | None = None,
                parent_gate: tuple[float, float] | None = None,
                general: tuple[LSTMLanguageModel | None, LSTMLanguageModel | None] = (None, None)) -> WriterGain | None:
    """Keystrokes saved on ``text`` by ``parent`` (with its own gate, when it has one) and
    by ``model`` (with the gate chosen for it: ``pick_gate``), each mixed with the general
    model ``general`` holds for it (None: alone); None when the text is too
    short to hold a passage or ``should_stop`` cut the measurement short. ``progress`` hears the share
    of the measurement done, after each passage (the gate's further measurements are
    counted as they come, so the share may pause and not reach 1 exactly)."""
    context = min(CONTEXT_CHARS, len(text) // 4)  # a little held-out text still gets measured
    spans = passages(text, chars, PASSAGE_CHARS, seed, context=context)
    if not spans:
        return None
    # The share's denominator: the parent, the model at the default gate and, most
    # often, one gate more (the share stays at 1 while any further one is tried).
    runs = 3

    def measure(net: LSTMLanguageModel, done_runs: int, gate: tuple[float, float] | None = None,
                mixed: LSTMLanguageModel | None = general[1]):
        tell = None if progress is None else (
            lambda done: progress(min(1.0, (done_runs * len(spans) + done) / (runs * len(spans)))))
        return keystrokes_saved(net, tokenizer, device, text, spans, context, should_stop, tell, gate, mixed)

    before = measure(parent, 0, parent_gate, general[0])
    tried = {DEFAULT_GATE: measure(model, 1)}
    gate_tally = lambda g: tried[g] if g in tried else tried.setdefault(g, measure(model, 1 + len(tried), g))
    gate = pick_gate(lambda g: gate_tally(g).report()["precision"], should_stop, tried[DEFAULT_GATE].shown)
    after = tried[gate]
    if (should_stop is not None and should_stop()) or not before.chars or after.chars != before.chars:
        return None
    if progress is not None:
        progress(1.0)  # done, whether or not a further gate was tried
    b, a = before.report(), after.report()
    return WriterGain(before.savings, after.savings, b["precision"], a["precision"], before.chars,
                      None if gate == DEFAULT_GATE else gate)


def pick_gate(precision: Callable[[tuple[float, float]], float | None],
              should_stop: Callable[[], bool] | None = None, shown: int | None = None) -> tuple[float, float]:
    """The lowest gate on GATES whose precision reaches GATE_PRECISION, searched from
    the default one step at a time (down while it holds, up until it does), trying at
    most MAX_GATE_TRIES gates besides the default; the default where fewer than
    MIN_GATE_SHOWN suggestions were ``shown`` at it (too few to tell)."""
    if shown is not None and shown < MIN_GATE_SHOWN:
        return DEFAULT_GATE
    i = GATES.index(DEFAULT_GATE)
    good = lambda j: (precision(GATES[j]) or 0.0) >= GATE_PRECISION
    step = -1 if good(i) else 1
    for _ in range(MAX_GATE_TRIES):
        j = i + step
        if not 0 <= j < len(GATES) or (should_stop is not None and should_stop()):
            break
        if step < 0 and not good(j):
            break  # the one below falls short: this one is the lowest that holds
        i = j
        if step > 0 and good(j):
            break
    return GATES[i]
