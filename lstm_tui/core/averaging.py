"""An exponential moving average of a model's weights during training (Polyak
averaging): validated beside the raw weights, and kept when it validates better.

Averaging the last stretch of an optimiser's path lands nearer the middle of the
valley than any one step does; for LSTM language models it is the "A" in AWD-LSTM's
NT-ASGD. This wraps ``torch.optim.swa_utils.AveragedModel``, whose foreach update is
one fused pass over the parameters, rather than keeping a hand-written copy.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


class WeightAverage:
    """``decay`` per optimiser step: 0.999 averages over roughly the last 1,000 steps.

    The first steps use less, min(decay, (1 + n) / (10 + n)) after n updates, so the
    random weights a new model starts from do not linger in the average.
    """

    def __init__(self, model: torch.nn.Module, decay: float) -> None:
        if not 0.0 < decay < 1.0:
            raise ValueError(f"the average's decay must be in (0, 1), not {decay!r}")
        self.decay = decay
        self._now = decay  # this update's decay, read by the averaging function

        def average(averaged, current, n) -> None:
            get_ema_multi_avg_fn(self._now)(averaged, current, n)

        self.averaged = AveragedModel(model, multi_avg_fn=average)
        self.averaged.eval()  # it is only ever read: no dropout, no gradients
        self.averaged.requires_grad_(False)
        lstm = getattr(self.averaged.module, "lstm", None)
        if isinstance(lstm, torch.nn.LSTM):
            # The copy's weights are separate tensors again; cuDNN wants them in one block.
            lstm.flatten_parameters()

    @property
    def model(self) -> torch.nn.Module:
        """The averaged weights as a model of the same class as the one trained."""
        return self.averaged.module

    def update(self, model: torch.nn.Module) -> None:
        """Fold the model's current weights in (the first call copies them)."""
        n = int(self.averaged.n_averaged)  # kept on the CPU: no device sync
        self._now = min(self.decay, (1 + n) / (10 + n))
        self.averaged.update_parameters(model)

    def state_dict(self) -> dict[str, Any]:
        return self.averaged.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.averaged.load_state_dict(state)


@torch.no_grad()
def blend_toward(model: torch.nn.Module, parent: torch.nn.Module, share: float) -> torch.nn.Module:
    """Move a fine-tuned model's weights back toward its parent's, in place: parent +
    ``share`` x (model - parent). 1 keeps the fine-tune, 0 the parent.

    Models fine-tuned from one parent sit in one basin, so the straight line between
    the two is a line of good models (Wortsman et al. 2022, "WiSE-FT"): part of the way
    back keeps most of what was learned of the new text and much of what the parent
    knew of everything else.
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"the share kept of a fine-tune must be in [0, 1], not {share!r}")
    # parameters(), not state_dict(): tied weights are one tensor, to be moved once.
    for p, p0 in zip(model.parameters(), parent.parameters(), strict=True):
        p.lerp_(p0.to(device=p.device, dtype=p.dtype), 1.0 - share)
    return model
