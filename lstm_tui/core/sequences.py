"""Comparing sequences, for the state cache, learning and the simulated writer alike
(no torch: the editor measures ghosts with it before any model is loaded)."""

from __future__ import annotations

from collections.abc import Sequence


def common_prefix(a: Sequence, b: Sequence) -> int:
    """Length of the longest common start of two strings or lists, compared a block
    at a time (a whole document every few seconds, a context every keystroke)."""
    n, i, step = min(len(a), len(b)), 0, 4096
    while step:
        while i + step <= n and a[i:i + step] == b[i:i + step]:
            i += step
        step //= 8
    return i
