"""The CPU a run or a benchmark ran on, as lscpu names it, and the instruction sets
that decide its kernels (AVX-512 and AMX change training speed several times over):
recorded in a trained model's card and in the benchmarks' JSON."""

from __future__ import annotations

import os
import platform
from pathlib import Path

# The flags, as /proc/cpuinfo names them, that choose the kernels and the precision.
KERNEL_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile")


def machine() -> dict:
    """{"cpu": its model name, "cores": how many, "flags": those of KERNEL_FLAGS it has}
    (no flags where /proc/cpuinfo cannot be read: not Linux)."""
    model, flags = "", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    return {"cpu": model or platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "flags": [f for f in KERNEL_FLAGS if f in flags]}
