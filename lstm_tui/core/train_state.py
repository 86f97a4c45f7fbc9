"""The model and all that a training step changes (TrainState): the optimizer, the
loss scaler, the moving average of the weights, the LSTM state carried between
batches and the run's progress; what a checkpoint saves and restores exactly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from .averaging import WeightAverage
from .batches import BatchStream
from .distributed import Distributed
from .model import LSTMLanguageModel
from .precision import Precision
from .run_inputs import RunInputs
from .train_options import Progress

RANK_SEED_STRIDE = 1_000_003  # rank r's dropout seed: the run's seed + r times this


def batch_loss(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, state, precision: Precision):
    """Mean cross-entropy of next-token predictions for one batch, and the LSTM state
    after it (the training step's forward pass, shared with the throughput bench)."""
    with torch.autocast(x.device.type, dtype=precision.autocast, enabled=precision.autocast is not None):
        logits, state = net(x, state, output_dtype=precision.output)
        if precision.output is None:
            return F.cross_entropy(logits.float().flatten(0, 1), y.flatten()), state
        # A bf16 output layer: the softmax reads bf16 logits (accumulating in float32),
        # half the memory traffic of the step's largest tensor; the per-token losses
        # are averaged in float32, as a bf16 sum drifts by a percent or more.
        losses = F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none")
        return losses.float().mean(), state


class TrainState:
    def __init__(self, inputs: RunInputs, device: torch.device, dist: Distributed, precision: Precision,
                 emit: Callable[..., None]) -> None:
        o = inputs.options
        self.device, self.dist, self.precision = device, dist, precision
        torch.manual_seed(o.seed)
        self.model = LSTMLanguageModel(inputs.model_config)
        if inputs.parent is not None:
            self.model.load_state_dict(inputs.parent.model.state_dict())
        # The same weights on every rank, but each its own dropout masks from here on.
        torch.manual_seed(o.seed + RANK_SEED_STRIDE * dist.rank)
        self.model.to(device)
        # A fine-tune with an anchor decays toward the parent's weights (L2-SP, Li et al.
        # 2018) instead of toward zero: a few hundred KB of one writer's text then adds to
        # what the parent knows rather than replacing it.
        self.anchor = o.anchor if inputs.parent is not None and o.anchor else 0.0
        self.anchor_weights = [p.detach().clone() for p in self.model.parameters()] if self.anchor else []
        decay = [p for n, p in self.model.named_parameters() if p.dim() >= 2 and "embedding" not in n]
        rest = [p for n, p in self.model.named_parameters() if not (p.dim() >= 2 and "embedding" not in n)]
        self.optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": 0.0 if self.anchor else o.weight_decay},
             {"params": rest, "weight_decay": 0.0}],
            # fused: one kernel for all parameters (5x faster than the loop on a CPU).
            lr=o.lr, betas=(0.9, 0.99), fused=device.type in ("cpu", "cuda"))
        self.net: torch.nn.Module = self.model
        if dist.enabled:
            self.net = DistributedDataParallel(self.model, device_ids=[device.index] if device.type == "cuda" else None)
        self.scaler = torch.amp.GradScaler("cuda", enabled=precision.autocast == torch.float16)
        # A few KB of text cannot fill 32 rows of 64 tokens: use fewer rows, and say so.
        train = inputs.data.train
        rows = max(1, min(o.batch_size, len(train) // ((o.seq_len + 1) * dist.world)))
        if rows < o.batch_size:
            emit("status", message=f"little text: batch size lowered from {o.batch_size} to {rows}")
        self.batches = BatchStream(train, rows, o.seq_len, dist.rank, dist.world, o.seed)
        # The moving average of the weights, validated beside them (--ema), by rank 0
        # alone, which also saves the checkpoints.
        self.average = WeightAverage(self.model, o.ema) if o.ema and dist.main else None
        self.progress = Progress()
        self.carry: tuple[torch.Tensor, torch.Tensor] | None = None  # LSTM state between batches
        self.seed = o.seed

    def step(self, x: torch.Tensor, y: torch.Tensor, lr: float, clip: float) -> torch.Tensor:
        """One optimizer step on a batch; the loss."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        # Truncated BPTT: the state carries over from the last window, but its history
        # is cut so backprop stays within seq_len tokens.
        if self.carry is not None:
            self.carry = (self.carry[0].detach(), self.carry[1].detach())
        loss, self.carry = batch_loss(self.net, x, y, self.carry, self.precision)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        # Clipping keeps a rare exploding LSTM gradient from wrecking the weights.
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.anchor:
            with torch.no_grad():
                pull = min(1.0, lr * self.anchor)
                for p, p0 in zip(self.model.parameters(), self.anchor_weights):
                    p.lerp_(p0, pull)
        if self.average is not None:
            self.average.update(self.model)
        return loss

    def state_dict(self) -> dict[str, Any]:
        cuda = self.device.type == "cuda"
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "progress": asdict(self.progress),
            "rng": {"torch": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if cuda else []},
            "carry": None if self.carry is None else [t.detach().cpu() for t in self.carry],
            "average": None if self.average is None else self.average.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        self.progress = Progress(**state["progress"])
        if self.average is not None and state.get("average") is not None:
            self.average.load_state_dict(state["average"])
        carry = state.get("carry")
        if carry is not None and not self.dist.enabled:  # the saved state is rank 0's rows only
            # As float32: a state saved under autocast may be bf16, which the LSTM
            # refuses beside float32 inputs.
            self.carry = (carry[0].to(self.device, torch.float32), carry[1].to(self.device, torch.float32))
        torch.set_rng_state(state["rng"]["torch"])
        if self.device.type == "cuda" and state["rng"].get("cuda"):
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        if self.dist.rank:  # the checkpoint holds rank 0's generator: the others part from it
            torch.manual_seed(self.seed + RANK_SEED_STRIDE * self.dist.rank + self.progress.step)
