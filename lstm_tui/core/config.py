"""Frozen configuration dataclasses for the model and for sampling (no torch import)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

BUNDLE_FORMAT = "lstm-tui-bundle"
BUNDLE_FORMAT_VERSION = 1
RATES = ("dropout", "weight_drop", "embed_drop")  # ModelConfig's regularisation rates
STOP_RULES = ("none", "newline", "sentence")  # SamplingConfig.stop_at
LINE_BREAKS = ("document", "any")  # SamplingConfig.line_breaks


# Far beyond any model this app trains or runs, and small enough that a hostile
# config.json cannot make a loader lay out millions of layers. The one place for each
# limit: TrainOptions (so the command line, the TUI's training panel and a run.json)
# checks the same numbers before anything is allocated.
SIZE_LIMITS = {"vocab_size": 2**20, "embed_dim": 2**15, "hidden_dim": 2**15, "num_layers": 64}
# Each width may be large, not all at once: a billion weights is 4 GB in float32, some
# hundred times the shipped model.
MAX_PARAMETERS = 10**9
# The largest of each size a suggestion or `generate` may ask for, checked by
# SamplingConfig, so the command line, the API, settings.toml and the sampling panel
# (which takes its field ranges from here) refuse the same numbers before any work. A
# beam of 10,000 took 3 GB; one of 1,000,000 was killed by the kernel.
SAMPLING_LIMITS = {"max_tokens": 1000, "beam_width": 128, "num_alternatives": 16, "top_k": SIZE_LIMITS["vocab_size"],
                   "repetition_window": 4096}


def parameter_count(vocab_size: int, embed_dim: int, hidden_dim: int, num_layers: int, tie_weights: bool) -> int:
    """The weights a model of these sizes holds (LSTMLanguageModel's layout), counted
    before any is allocated."""
    lstm = sum(4 * hidden_dim * ((embed_dim if layer == 0 else hidden_dim) + hidden_dim + 2)
               for layer in range(num_layers))
    out = embed_dim if tie_weights else hidden_dim
    projection = hidden_dim * embed_dim + embed_dim if tie_weights and hidden_dim != embed_dim else 0
    return vocab_size * embed_dim + lstm + projection + (0 if tie_weights else out * vocab_size) + vocab_size


def check_sizes(sizes: dict[str, Any], names: dict[str, str] | None = None) -> None:
    """Each of ``sizes`` (SIZE_LIMITS' names) an integer within its limit, and the
    model they make within MAX_PARAMETERS; ValueError starting with the (``names``-
    renamed) field otherwise. Sizes given as None are left to their defaults."""
    names = names or {}
    for name, value in sizes.items():
        limit = SIZE_LIMITS[name]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit):
            raise ValueError(f"{names.get(name, name)} must be an integer from 1 to {limit:,}, not {value!r}")


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 8000  # SentencePiece pieces, including specials and 256 byte pieces
    embed_dim: int = 512  # token embedding width
    hidden_dim: int = 512  # LSTM hidden state width per layer
    num_layers: int = 2  # stacked LSTM layers
    dropout: float = 0.1  # on embeddings, between layers and before the output layer
    tie_weights: bool = True  # share the embedding matrix with the output layer
    weight_drop: float = 0.0  # DropConnect on the LSTM's hidden-to-hidden weights (training only)
    embed_drop: float = 0.0  # drops whole words: rows of the embedding matrix (training only)

    def __post_init__(self) -> None:
        check_sizes({name: getattr(self, name) for name in SIZE_LIMITS})
        if (count := self.parameter_count()) > MAX_PARAMETERS:
            raise ValueError(f"a model of these sizes (widths, layers, vocabulary) would hold {count:,} "
                             f"weights; the most is {MAX_PARAMETERS:,}")
        for name in RATES:
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), not {value!r}")

    def parameter_count(self) -> int:
        return parameter_count(self.vocab_size, self.embed_dim, self.hidden_dim, self.num_layers, self.tie_weights)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def option(default: Any, help: str) -> Any:
    """A field with its one-line help, which the command line shows as it is."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class SamplingConfig:
    """How a suggestion is made and how much of it is shown. The defaults are the
    suggestion policy (see core/policy.py): greedy, shown a word at a time while the
    model is sure enough, to the end of the sentence."""

    temperature: float = option(0.0, "< 1 sharpens, > 1 flattens; 0 means greedy")
    top_k: int = option(40, "keep the k likeliest tokens; 0 keeps all")
    top_p: float = option(0.95, "keep the smallest set of tokens whose probability reaches p; 1 keeps all")
    repetition_penalty: float = option(1.0, "> 1 discourages tokens seen in the recent context")
    repetition_window: int = option(64, "how many recent tokens the repetition penalty looks at")
    max_tokens: int = option(24, "most tokens generated per suggestion")
    beam_width: int = option(1, "> 1 switches to beam search (deterministic)")
    length_penalty: float = option(1.0, "beam score = log-probability / length ** this")
    num_alternatives: int = option(1, "hypotheses (beam) or extra samples offered to cycle through")
    stop_at: str = option("sentence", "where a suggestion ends: none, newline or sentence")
    min_confidence: float = option(0.25, "show a suggestion only if the model gives its first word at "
                                      "least this probability; 0 shows every suggestion. While both "
                                      "gates keep their defaults, a model fine-tuned on your writing "
                                      "uses the gate its closing measurement chose")
    continue_confidence: float = option(0.3, "add words while the probability that all of them are "
                                            "right stays at least this; 0 adds every word")
    document_cache: float = option(0.3, "share of the next word's odds given to what followed the same "
                                      "words earlier in the document; 0 turns the cache off")
    line_breaks: str = option("document", "document: break lines only where the document is "
                                        "hard-wrapped; any: wherever the model does")
    seed: int | None = option(None, "fixes sampling for reproducible runs")

    def __post_init__(self) -> None:
        floats = [f.name for f in fields(self) if isinstance(getattr(self, f.name), float)]
        if bad := [name for name in floats if not math.isfinite(getattr(self, name))]:
            raise ValueError(f"{bad[0]} must be a finite number")
        checks = [
            (self.temperature == 0 or 1e-4 <= self.temperature <= 100,
             "temperature must be 0 (greedy) or between 0.0001 and 100"),
            (1e-3 <= self.repetition_penalty <= 1000, "repetition_penalty must be between 0.001 and 1000"),
            (self.seed is None or 0 <= self.seed < 2 ** 63, "seed must be between 0 and 2**63 - 1"),
            (0 < self.top_p <= 1, "top_p must be in (0, 1]"),
            (self.stop_at in STOP_RULES, "stop_at must be none, newline or sentence"),
            (0 <= self.min_confidence <= 1, "min_confidence must be in [0, 1]"),
            (0 <= self.continue_confidence <= 1, "continue_confidence must be in [0, 1]"),
            (self.line_breaks in LINE_BREAKS, "line_breaks must be document or any"),
            (0 <= self.document_cache < 1, "document_cache must be in [0, 1)"),
        ]
        lowest = {"top_k": 0, "repetition_window": 0}
        for name, limit in SAMPLING_LIMITS.items():
            value, low = getattr(self, name), lowest.get(name, 1)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= limit:
                raise ValueError(f"{name} must be an integer from {low} to {limit:,}, not {value!r}")
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0 or self.top_k == 1

    def replace(self, **changes: Any) -> SamplingConfig:
        return replace(self, **changes)

    @property
    def gate(self) -> tuple[float, float]:
        """(min_confidence, continue_confidence): the suggestion policy's gate."""
        return self.min_confidence, self.continue_confidence

    def with_gate(self, gate: tuple[float, float] | None) -> SamplingConfig:
        """This config with ``gate`` as its gate (unchanged for None)."""
        return self if gate is None else self.replace(min_confidence=gate[0], continue_confidence=gate[1])

    def for_model(self, gate: tuple[float, float] | None) -> SamplingConfig:
        """With a model's own gate (a personal model's, chosen on its writer's held-out
        text: gain.py) where this config keeps the default gate; a gate the writer chose,
        or none at all, stands."""
        return self.with_gate(gate) if self.gate == DEFAULT_GATE else self

    def guess(self) -> SamplingConfig | None:
        """What a writer who asked (Tab, Ctrl+G) is shown when the gate held the
        suggestion back: the model's best few words whatever its confidence, marked as a
        guess; None when the gate is off (what it held back was nothing at all)."""
        if self.min_confidence == self.continue_confidence == 0:
            return None
        return self.replace(min_confidence=0.0, continue_confidence=0.0, num_alternatives=1,
                            max_tokens=min(self.max_tokens, GUESS_TOKENS))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SamplingConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


DEFAULT_GATE = SamplingConfig().gate  # a model without a gate of its own uses this one
GUESS_TOKENS = 8  # a guess on request: a few words, not the rest of a sentence

PRESETS: dict[str, SamplingConfig] = {
    # The suggestion policy: greedy, a word at a time while the model is sure enough.
    "suggest": SamplingConfig(),
    # Beam search with its runners-up to cycle through; the same policy.
    "precise": SamplingConfig(beam_width=3, num_alternatives=3),
    # Variety: samples shown whatever the model's confidence, to the sentence's end.
    "creative": SamplingConfig(temperature=1.0, top_k=0, top_p=0.92, repetition_penalty=1.15,
                               num_alternatives=3, max_tokens=40, min_confidence=0.0,
                               continue_confidence=0.0),
}
DEFAULT_PRESET = "suggest"
# `lstm-tui generate`: a continuation, always, as long as it asks (the gate, the stop at a
# sentence end and the line-break rule are the editor's, for suggestions nobody asked
# for; `generate --suggest` applies them). Sampled, a little cooled: greedy text this
# long falls into loops ("the squatting of the squatting of ...").
GENERATE = SamplingConfig(temperature=0.8, repetition_penalty=1.1, max_tokens=60, stop_at="none",
                          min_confidence=0.0, continue_confidence=0.0, line_breaks="any")
