"""What a fine-tune gained for its writer: keystrokes saved on their own held-out text.

Validation bits per byte cannot be compared between models measured on different
text, and say little to a writer. This measures what they feel: the simulated writer
(writer.py) types passages of the writer's held-out text with the parent model and
with the fine-tuned one, under the editor's default suggestion settings, and the two
shares of keystrokes saved go into the model's card ("On your writing, suggestions
now save 29% of keystrokes, up from 21%").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from .config import SamplingConfig
from .writer import passages, type_passages

if TYPE_CHECKING:  # the measuring needs torch; reading a card's WriterGain must not (models list)
    import torch

    from .model import LSTMLanguageModel
    from .tokenizer import Tokenizer

GAIN_CHARS = 2400  # characters typed with each model: about 20 s each on a laptop core
PASSAGE_CHARS = 400
CONTEXT_CHARS = 1500  # written text before each passage (held-out text may be short)


@dataclass(frozen=True)
class WriterGain:
    """Keystrokes saved on the writer's held-out text, before and after."""

    before: float  # share of keystrokes saved with the parent model
    after: float  # with the fine-tuned model
    precision_before: float | None  # share of shown suggestions whose first word was right
    precision_after: float | None
    chars: int  # characters typed with each model

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> WriterGain | None:
        """The gain a card recorded, or None where it has none (or a broken one)."""
        try:
            gain = cls(**{f.name: data[f.name] for f in fields(cls)})
        except (KeyError, TypeError):
            return None
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                 for v in (gain.before, gain.after))
        return gain if ok else None

    @property
    def helped(self) -> bool:
        """Whether the new model saves more keystrokes, as the sentence rounds them."""
        return round(100 * self.after) > round(100 * self.before)

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


def held_out_text(tokenizer: Tokenizer, val_ids: torch.Tensor, max_chars: int = 200_000) -> str:
    """The validation ids as text (the writer's held-out writing; the start id between
    documents is a newline)."""
    return tokenizer.decode(int(i) for i in val_ids[: max_chars // 2])[:max_chars]


def keystrokes_saved(model: LSTMLanguageModel, tokenizer: Tokenizer, device: torch.device, text: str,
                     spans: list[tuple[int, int]], context: int = CONTEXT_CHARS,
                     should_stop: Callable[[], bool] | None = None, typed: Callable[[int], None] | None = None):
    """The simulated writer's tally with ``model`` on ``spans`` of ``text``."""
    from .generation import StreamingGenerator  # these import torch (see above)
    from .int8 import quantize_for_cpu
    from .model import frozen_copy
    from .policy import worth_showing  # numpy, through data: `lstm-tui models` reads cards only

    runner = quantize_for_cpu(model) if device.type == "cpu" else frozen_copy(model)
    generator = StreamingGenerator(runner, tokenizer, device)
    config = SamplingConfig()

    def suggest(context: str) -> str:
        return worth_showing("".join(generator.stream(context, config)))  # as the editor shows it

    return type_passages(text, spans, suggest, context, should_stop, typed=typed)


def writer_gain(parent: LSTMLanguageModel, model: LSTMLanguageModel, tokenizer: Tokenizer,
                device: torch.device, text: str, chars: int = GAIN_CHARS, seed: int = 0,
                should_stop: Callable[[], bool] | None = None,
                progress: Callable[[float], None] | None = None) -> WriterGain | None:
    """Keystrokes saved on ``text`` by ``parent`` and by ``model``; None when the text is
    too short to hold a passage or ``should_stop`` cut the measurement short.
    ``progress`` hears the share of the measurement done, after each passage."""
    context = min(CONTEXT_CHARS, len(text) // 4)  # a little held-out text still gets measured
    spans = passages(text, chars, PASSAGE_CHARS, seed, context=context)
    if not spans:
        return None
    def typed(offset: int) -> Callable[[int], None] | None:
        return None if progress is None else lambda done: progress((offset + done) / (2 * len(spans)))

    before = keystrokes_saved(parent, tokenizer, device, text, spans, context, should_stop, typed(0))
    after = keystrokes_saved(model, tokenizer, device, text, spans, context, should_stop, typed(len(spans)))
    if (should_stop is not None and should_stop()) or not before.chars or after.chars != before.chars:
        return None
    b, a = before.report(), after.report()
    return WriterGain(before.savings, after.savings, b["precision"], a["precision"], before.chars)
