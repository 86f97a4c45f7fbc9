"""int8 generation on the CPU, on torch's own quantized kernels (fbgemm).

A batch-1 generation step reads every weight once, so int8 weights (a quarter of
float32's bytes) make it several times faster at the same bits per byte (within a
fraction of a percent: bench/generation.py). This builds the int8 model from the
float32 one with the quantized ops themselves (``linear_prepack``, ``linear_dynamic``,
``quantized_lstm``) rather than through ``torch.ao.quantization.quantize_dynamic``,
whose eager-mode front end is deprecated in favour of torchao (which has no LSTM):
the kernels stay, only the module wrappers go, and with them some Python per step.
Weights are quantized per output row (one scale each): the logits follow float32's
more closely than with one scale per matrix, and bits per byte stay as float32's
(docs/notes/speed.md has the figures). Activations are quantized per call.
"""

from __future__ import annotations

import functools
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig
from .model import LSTMLanguageModel, State, frozen_copy

_ops = torch.ops.quantized


def _pack(weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """A float weight [out, in] as fbgemm's packed int8, one symmetric scale per row."""
    weight = weight.detach().float()
    scales = (weight.abs().amax(dim=1) / 127).clamp(min=1e-12).double()
    zeros = torch.zeros(weight.size(0), dtype=torch.long)
    qweight = torch.quantize_per_channel(weight, scales, zeros, 0, torch.qint8)
    return _ops.linear_prepack(qweight, None if bias is None else bias.detach().float())


class Int8LanguageModel(nn.Module):
    """The inference twin of an LSTMLanguageModel: the same ``forward(ids, state)``,
    with int8 LSTM, projection and output layers; the embedding stays float32."""

    def __init__(self, model: LSTMLanguageModel) -> None:
        super().__init__()
        self.config = model.config
        self.register_buffer("embedding", model.embedding.weight.detach().float().clone())
        lstm = model.lstm
        self.cells = []
        for layer in range(self.config.num_layers):
            w_ih, w_hh = getattr(lstm, f"weight_ih_l{layer}"), getattr(lstm, f"weight_hh_l{layer}")
            b_ih = getattr(lstm, f"bias_ih_l{layer}").detach().float().clone()
            b_hh = getattr(lstm, f"bias_hh_l{layer}").detach().float().clone()
            self.cells.append(_ops.make_quantized_cell_params_dynamic(
                _pack(w_ih, b_ih), _pack(w_hh, b_hh), b_ih, b_hh, True))
        self.proj = None if model.proj is None else _pack(model.proj.weight, model.proj.bias)
        self.decoder = _pack(model.decoder.weight, model.decoder.bias)

    def forward(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        x = F.embedding(ids, self.embedding)
        if state is None:
            zeros = x.new_zeros(self.config.num_layers, ids.size(0), self.config.hidden_dim)
            state = (zeros, zeros)
        out, h, c = torch.quantized_lstm(x, state, self.cells, True, self.config.num_layers, 0.0, False, False, True,
                                         dtype=torch.qint8, use_dynamic=True)
        return self._head(out), (h, c)

    def next_logits(self, state: State) -> torch.Tensor:
        """The logits that followed the last token read into ``state`` (as the float model's)."""
        return self._head(state[0][-1])

    def _head(self, out: torch.Tensor) -> torch.Tensor:
        if self.proj is not None:
            out = _ops.linear_dynamic(out, self.proj, True)
        return _ops.linear_dynamic(out, self.decoder, True)


@functools.cache
def int8_available() -> bool:
    """Whether this torch still has the quantized kernels (deprecated in 2.13,
    pytorch/pytorch#184982, and to be removed) for this CPU: a tiny model is built
    and run once. Without them, generation runs in float32, slower but the same."""
    tiny = LSTMLanguageModel(ModelConfig(vocab_size=8, embed_dim=4, hidden_dim=4, num_layers=1)).eval()
    try:
        with torch.inference_mode():
            _build(tiny)(torch.zeros(1, 2, dtype=torch.long))
    except (AttributeError, RuntimeError, NotImplementedError):
        return False
    return True


def quantize_for_cpu(model: LSTMLanguageModel) -> nn.Module:
    """The int8 model for generation on the CPU, or where this torch cannot, a float32
    copy; ``model`` itself is untouched either way."""
    return _build(model) if int8_available() else frozen_copy(model)


def _build(model: LSTMLanguageModel) -> Int8LanguageModel:
    with warnings.catch_warnings():
        # The kernels are the fastest int8 path torch has on a CPU; the warning says
        # they will go, and int8_available then falls back.
        warnings.filterwarnings("ignore", message=".*quantized tensor creation", category=UserWarning)
        return Int8LanguageModel(model).eval()
