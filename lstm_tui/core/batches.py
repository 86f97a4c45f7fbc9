"""Contiguous truncated-BPTT batches over a memory-mapped token array."""

from __future__ import annotations

import numpy as np
import torch

from .errors import DataError


class BatchStream:
    """Contiguous BPTT batches: the token stream is cut into ``rows`` parallel
    sequences; consecutive batches continue each row where the last stopped, so the
    carried LSTM state stays meaningful."""

    def __init__(self, ids: np.ndarray, rows: int, seq_len: int, rank: int = 0, world: int = 1) -> None:
        self.ids, self.rows, self.seq_len = ids, rows, seq_len
        self.row_len = len(ids) // (rows * world)
        if self.row_len < seq_len + 1:
            raise DataError(f"not enough training text for batch size {rows} x {seq_len} tokens "
                            f"({len(ids)} tokens); lower --batch-size or --seq-len")
        self.starts = [(rank * rows + r) * self.row_len for r in range(rows)]
        self.per_epoch = (self.row_len - 1) // seq_len

    def batch(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        a = index * self.seq_len
        block = np.stack([np.asarray(self.ids[s + a:s + a + self.seq_len + 1], dtype=np.int64)
                          for s in self.starts])
        tensor = torch.from_numpy(block)
        return tensor[:, :-1], tensor[:, 1:]
