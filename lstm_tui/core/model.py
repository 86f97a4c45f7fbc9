"""The LSTM language model: embedding, stacked LSTM, (tied) output layer."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from .config import ModelConfig

# A model's recurrent state: tensors of [layers (or 1), batch, ...], the batch always
# on dim 1 (an LSTM's (h, c); a mixture's two (h, c) and its weights: mixture.py).
State = tuple[torch.Tensor, ...]


def select_rows(state: State, index: torch.Tensor) -> State:
    """The state of the batch rows ``index`` (beam search keeps its survivors)."""
    return tuple(t[:, index] for t in state)


def repeat_rows(state: State, n: int) -> State:
    """A one-row state repeated as ``n`` rows (samples drawn as one batch)."""
    return tuple(t.repeat(1, n, *([1] * (t.dim() - 2))) for t in state)


def reader(model: nn.Module):
    """How ``model`` reads text the writer wrote (context, not its own guesses): a
    mixture also weighs its two models on it (mixture.py); any other model just runs."""
    return getattr(model, "observe", model)


class LSTMLanguageModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embed_dim)
        self.drop = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.embed_dim,
            config.hidden_dim,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        # Tying needs the output layer's input to be embed_dim wide; a projection
        # bridges a wider hidden state.
        self.proj = (
            nn.Linear(config.hidden_dim, config.embed_dim)
            if config.tie_weights and config.hidden_dim != config.embed_dim
            else None
        )
        out_dim = config.embed_dim if config.tie_weights else config.hidden_dim
        self.decoder = nn.Linear(out_dim, config.vocab_size)
        if config.tie_weights:
            self.decoder.weight = self.embedding.weight
        self._hidden_weights = [f"weight_hh_l{i}" for i in range(config.num_layers)]
        self.set_regularisation(True)
        self._init_weights()

    def _init_weights(self) -> None:
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        if not self.config.tie_weights:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        for name, param in self.lstm.named_parameters():
            if name.startswith("bias"):
                nn.init.zeros_(param)
                # A forget-gate bias of 1 lets gradients flow early in training.
                hidden = self.config.hidden_dim
                param.data[hidden:2 * hidden] = 1.0

    def set_regularisation(self, on: bool) -> None:
        """Every dropout at the config's rate, or none (training's first pass over the
        data, and learning from the document being written)."""
        c = self.config
        self.drop.p = c.dropout if on else 0.0
        if c.num_layers > 1:
            self.lstm.dropout = self.drop.p
        self.weight_drop = c.weight_drop if on else 0.0
        self.embed_drop = c.embed_drop if on else 0.0

    def features(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Output-layer inputs for ``ids`` [batch, time]: [batch, time, out_dim]."""
        weight = self.embedding.weight
        if self.training and self.embed_drop > 0:
            # Drop whole words: the same rows are zero wherever those words occur.
            keep = torch.empty(weight.size(0), 1, device=weight.device, dtype=weight.dtype)
            weight = weight * keep.bernoulli_(1 - self.embed_drop) / (1 - self.embed_drop)
        x = F.embedding(ids, weight)
        if self.training:  # dropout is the identity in eval: a generation step skips its calls
            x = self.drop(x)
        if self.training and self.weight_drop > 0:
            # DropConnect on the recurrent weights: one mask for every time step of
            # the batch, so the recurrence itself is regularised (Merity et al., 2017).
            dropped = {name: F.dropout(getattr(self.lstm, name), self.weight_drop)
                       for name in self._hidden_weights}
            out, state = functional_call(self.lstm, dropped, (x, state))
        else:
            out, state = self.lstm(x, state)
        if self.proj is not None:
            out = self.proj(out)
        return (self.drop(out) if self.training else out), state

    def forward(self, ids: torch.Tensor, state: State | None = None,
                output_dtype: torch.dtype | None = None) -> tuple[torch.Tensor, State]:
        """Logits [batch, time, vocab] for ``ids`` [batch, time], and the state after them.

        ``output_dtype`` (bfloat16, say) runs only the output layer in that precision:
        the largest matmul and the softmax behind it, while the LSTM stays float32.
        """
        out, state = self.features(ids, state)
        if output_dtype is None:
            return self.decoder(out), state
        with torch.autocast(out.device.type, dtype=output_dtype):
            return self.decoder(out), state

    def next_logits(self, state: State) -> torch.Tensor:
        """The logits [batch, vocab] that followed the last token read into ``state``,
        from the state alone (the top layer's h is the LSTM's last output)."""
        out = state[0][-1]
        return self.decoder(out if self.proj is None else self.proj(out))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def frozen_copy(model: LSTMLanguageModel) -> LSTMLanguageModel:
    """A copy of ``model`` for generation alone: in eval, its LSTM weights in one block."""
    frozen = copy.deepcopy(model).eval()
    frozen.lstm.flatten_parameters()
    return frozen
