"""The precision a training run computes in: what ``--precision`` means on a device,
and whether this CPU has the kernels for it."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from .errors import DeviceError


@dataclass(frozen=True)
class Precision:
    """autocast: dtype of the whole forward pass (None: float32); output: dtype of
    the output layer and softmax alone, the LSTM staying float32 (None: as autocast)."""

    autocast: torch.dtype | None = None
    output: torch.dtype | None = None

    @property
    def label(self) -> str:
        """The --precision value that means exactly this: fp32, bf16, fp16 or bf16-output."""
        names = {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}
        return names[self.autocast] if self.output is None else names[self.output] + "-output"


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: bfloat16 matmuls run about 2.5x float32 ones here."""
    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


def cpu_has_amx() -> bool:
    """AMX tiles: where bf16 LSTM kernels run 1.4x the bf16-output step."""
    return torch.cpu._is_amx_tile_supported()


@functools.cache
def cpu_lstm_runs_in(dtype: torch.dtype) -> bool:
    """Whether this CPU's LSTM kernels run under ``dtype`` autocast: oneDNN has bf16
    LSTM kernels only where the CPU has native bfloat16 (AVX512-BF16 or AMX), and fp16
    ones on hardly any. Tried once on a tiny LSTM, so no instruction-set table can be
    wrong about a CPU."""
    lstm = torch.nn.LSTM(4, 4, batch_first=True)
    try:
        with torch.autocast("cpu", dtype=dtype):
            out, _ = lstm(torch.zeros(1, 2, 4))
        out.float().sum().backward()
    except RuntimeError:
        return False
    return True


def slow_precision(precision: str, device: torch.device) -> str | None:
    """Why a precision asked for by name is slow on ``device``, if it is: bfloat16 on a
    CPU without native bfloat16 is emulated, and a bf16 output layer trained the
    default model's shape at 79 tokens/s against 977 in float32 (AVX2, one thread;
    docs/training.md)."""
    if precision == "bf16-output" and device.type == "cpu" and not cpu_has_native_bf16():
        return ("--precision bf16-output: this CPU has no native bfloat16 (AVX512-BF16 or AMX), "
                "so it runs about 12x slower than float32 here; --precision auto chooses float32")
    return None


def training_precision(precision: str, device: torch.device, fine_tune: bool = False) -> Precision:
    """What ``--precision`` means on ``device``.

    auto: bf16 autocast on CUDA where supported (else fp16 with loss scaling); on a CPU
    with native bfloat16, a bf16 output layer only: 1.4x the float32 step at 512 wide
    and 1.6x at 256 (bench/train.py throughput), validation within 0.4 % of float32
    after 300 steps of a 256-wide model. Autocasting the LSTM as well was no faster
    without AMX and, for a new model, learned slower (its state loses precision); a
    fine-tune on a CPU with AMX autocasts it (docs/training.md). float32 otherwise.
    """
    if precision == "fp32":
        return Precision()
    if precision in ("bf16", "fp16"):
        dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        if device.type == "cpu" and not cpu_lstm_runs_in(dtype):
            raise DeviceError(f"--precision {precision}: this CPU has no {precision} LSTM kernels; "
                              "use --precision auto or fp32")
        return Precision(autocast=dtype)
    if precision == "bf16-output":
        return Precision(output=torch.bfloat16)
    if device.type == "cuda":
        return Precision(autocast=torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    if device.type == "cpu" and cpu_has_native_bf16():
        # With AMX, autocasting the LSTM too is 1.4x the bf16-output step, and a
        # fine-tune learns the same per step (bench/personal.py --tune: the same
        # validation to 0.0001 bits per byte after 240 steps, for both writers).
        if fine_tune and cpu_has_amx() and cpu_lstm_runs_in(torch.bfloat16):
            return Precision(autocast=torch.bfloat16)
        return Precision(output=torch.bfloat16)
    return Precision()
