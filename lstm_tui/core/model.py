"""The LSTM language model: embedding, stacked LSTM, (tied) output layer."""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig

State = tuple[torch.Tensor, torch.Tensor]


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

    def set_dropout(self, p: float) -> None:
        """Set the dropout rate of every layer (training turns it on after the first pass)."""
        self.drop.p = p
        if self.config.num_layers > 1:
            self.lstm.dropout = p

    def init_state(self, batch_size: int = 1, device: torch.device | None = None,
                   dtype: torch.dtype = torch.float32) -> State:
        shape = (self.config.num_layers, batch_size, self.config.hidden_dim)
        h = torch.zeros(shape, device=device, dtype=dtype)
        return h, h.clone()

    def features(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Output-layer inputs for ``ids`` [batch, time]: [batch, time, out_dim]."""
        x = self.drop(self.embedding(ids))
        out, state = self.lstm(x, state)
        if self.proj is not None:
            out = self.proj(out)
        return self.drop(out), state

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

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def quantize_for_cpu(model: LSTMLanguageModel) -> nn.Module:
    """int8 dynamic quantization of the LSTM and linear layers: several times faster
    batch-1 steps on CPU with the same bits per byte to within a fraction of a percent."""
    import warnings

    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation notices about torch.ao
        return quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
