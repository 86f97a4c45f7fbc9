"""DistributedDataParallel plumbing under torchrun: ranks, agreement, barriers."""

from __future__ import annotations

import os

import torch


class Distributed:
    """torchrun's environment: rank 0 writes files and reports; others stay quiet."""

    def __init__(self, device: torch.device) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.enabled = self.world > 1
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        # Where the ranks' collectives run: NCCL takes only CUDA tensors.
        self.device = device
        if self.enabled and device.type == "cuda":
            self.device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(self.local_rank)  # one GPU per process, by local rank
        if self.enabled and not torch.distributed.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            torch.distributed.init_process_group(backend)

    @property
    def main(self) -> bool:
        return self.rank == 0

    def agree(self, *values: float) -> list[float]:
        """The largest of each value over the ranks, which every rank then acts on: a
        flag (stop, evaluate now) any rank raises, or the share of the budget spent,
        which sets the learning rate (ranks with different rates would drift apart)."""
        if not self.enabled:
            return [float(v) for v in values]
        t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=self.device)
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return t.tolist()

    def any(self, *flags: bool) -> list[bool]:
        """Each flag made true on every rank if any rank says so: ranks must agree, or
        one waits at a barrier forever."""
        return [v > 0 for v in self.agree(*(1.0 if f else 0.0 for f in flags))]

    def barrier(self) -> None:
        if self.enabled:
            torch.distributed.barrier()

    def close(self) -> None:
        if self.enabled and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
