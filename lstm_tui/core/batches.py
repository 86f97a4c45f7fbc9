"""Contiguous truncated-BPTT batches over a memory-mapped token array."""

from __future__ import annotations

import numpy as np
import torch

from .errors import DataError


class BatchStream:
    """Contiguous BPTT batches: the token stream is cut into ``rows`` parallel
    sequences; consecutive batches continue each row where the last stopped, so the
    carried LSTM state stays meaningful. Each pass after the first starts its windows
    at another offset, so the cuts of truncated backprop fall at new places in the
    text rather than the same ones pass after pass."""

    def __init__(self, ids: np.ndarray, rows: int, seq_len: int, rank: int = 0, world: int = 1,
                 seed: int = 0) -> None:
        self.ids, self.rows, self.seq_len, self.seed = ids, rows, seq_len, seed
        self.row_len = len(ids) // (rows * world)
        if self.row_len < seq_len + 1:
            raise DataError(f"not enough training text for batch size {rows} x {seq_len} tokens "
                            f"({len(ids)} tokens); lower --batch-size or --seq-len")
        self.starts = [(rank * rows + r) * self.row_len for r in range(rows)]
        # Leave a window's worth of slack for the offsets when the rows are long enough.
        self.per_epoch = max(1, (self.row_len - seq_len) // seq_len)
        self.slack = self.row_len - 1 - self.per_epoch * seq_len

    def offset(self, epoch: int) -> int:
        """Where the windows of pass ``epoch`` start in each row: 0 in the first pass,
        then a seeded draw, the same on every rank and after a resume."""
        if epoch == 0 or self.slack == 0:
            return 0
        return int(np.random.default_rng([self.seed, epoch]).integers(self.slack + 1))

    def batch(self, index: int, epoch: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        a = index * self.seq_len + self.offset(epoch)
        block = np.stack([np.asarray(self.ids[s + a:s + a + self.seq_len + 1], dtype=np.int64)
                          for s in self.starts])
        tensor = torch.from_numpy(block)
        return tensor[:, :-1], tensor[:, 1:]
