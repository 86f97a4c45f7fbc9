"""Frozen configuration dataclasses for the model and for sampling (no torch import)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

BUNDLE_FORMAT = "lstm-tui-bundle"
BUNDLE_FORMAT_VERSION = 1
RATES = ("dropout", "weight_drop", "embed_drop")  # ModelConfig's regularisation rates


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
        for name in ("vocab_size", "embed_dim", "hidden_dim", "num_layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        for name in RATES:
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), not {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class SamplingConfig:
    temperature: float = 0.8  # < 1 sharpens, > 1 flattens; 0 means greedy
    top_k: int = 40  # keep the k most likely tokens; 0 keeps all
    top_p: float = 0.95  # keep the smallest set whose probability reaches p; 1 keeps all
    repetition_penalty: float = 1.1  # > 1 discourages tokens seen in the recent context
    repetition_window: int = 64  # how many recent tokens the penalty looks at
    max_tokens: int = 24  # tokens generated per suggestion
    beam_width: int = 1  # > 1 switches to beam search (deterministic)
    length_penalty: float = 1.0  # beam score = logprob / length ** length_penalty
    num_alternatives: int = 1  # hypotheses (beam) or extra samples offered to cycle through
    stop_at: str = "none"  # "none", "newline" or "sentence": where a suggestion ends
    seed: int | None = None  # fixes sampling for reproducible runs

    def __post_init__(self) -> None:
        checks = [
            (self.temperature >= 0, "temperature must be >= 0"),
            (self.top_k >= 0, "top_k must be >= 0"),
            (0 < self.top_p <= 1, "top_p must be in (0, 1]"),
            (self.repetition_penalty > 0, "repetition_penalty must be > 0"),
            (self.repetition_window >= 0, "repetition_window must be >= 0"),
            (self.max_tokens >= 1, "max_tokens must be >= 1"),
            (self.beam_width >= 1, "beam_width must be >= 1"),
            (self.num_alternatives >= 1, "num_alternatives must be >= 1"),
            (self.stop_at in ("none", "newline", "sentence"), "stop_at must be none, newline or sentence"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0 or self.top_k == 1

    def replace(self, **changes: Any) -> SamplingConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SamplingConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


PRESETS: dict[str, SamplingConfig] = {
    "precise": SamplingConfig(temperature=0.0, top_k=1, top_p=1.0, repetition_penalty=1.2,
                              beam_width=3, num_alternatives=3, stop_at="sentence"),
    "balanced": SamplingConfig(),
    "creative": SamplingConfig(temperature=1.0, top_k=0, top_p=0.92, repetition_penalty=1.15,
                               num_alternatives=3, max_tokens=40),
}
