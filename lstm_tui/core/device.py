"""Choose the torch device (CUDA, then Apple MPS, then CPU) and the CPU thread count."""

from __future__ import annotations

import contextlib
import copy
import os
import warnings

import torch

from .errors import DeviceError

DEVICE_ENV = "LSTM_TUI_DEVICE"
CHOICES = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve_device(requested: str | None = None) -> torch.device:
    """``auto`` (or None) picks CUDA, then MPS, then CPU; ``$LSTM_TUI_DEVICE`` overrides auto."""
    name = (requested or "auto").strip().lower()
    if name == "auto":
        name = os.environ.get(DEVICE_ENV, "").strip().lower() or "auto"
    base = name.split(":", 1)[0]
    if base not in CHOICES:
        raise DeviceError(f"unknown device {name!r}: choose one of {', '.join(CHOICES)}")
    if base == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if base == "cuda" and not torch.cuda.is_available():
        raise DeviceError("device 'cuda' was asked for, but this torch build sees no CUDA GPU")
    if base == "mps" and not _mps_available():
        raise DeviceError("device 'mps' was asked for, but Apple MPS is not available here")
    return torch.device(name)


def inference_threads(cores: int | None = None, busy: int = 0) -> int:
    """Threads for batch-1 generation, with ``busy`` cores taken by other work (a
    training child). A generation step reads every weight once (11.6 MB at int8 for
    the default model), so one core's memory bandwidth and fbgemm's batch-1 kernel
    bound it; a second thread nearly doubles it, and small matmuls gain little past
    four. A machine of more than two cores keeps one for the UI; on two, both serve
    the step, since the UI thread mostly waits between keys (bench/tui.py: keystroke
    echo no slower) and a step that ends sooner gives the core back sooner. Cores
    another process holds are never shared: a thread team that waits on a core
    someone else has stalls at every step."""
    cores = cores or os.cpu_count() or 1
    free = max(1, cores - busy)
    return max(1, min(4, free if free <= 2 else free - 1))


def set_inference_threads(threads: int | None = None, busy: int = 0) -> int:
    """Set torch's thread count for generation (threads that start later take it too)."""
    count = threads or inference_threads(busy=busy)
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


@contextlib.contextmanager
def torch_threads(count: int):
    """torch's intra-op thread count set to ``count`` for the block, then put back.

    Batch-1 generation is what loses most when threads outnumber free cores: on 2
    cores (AVX2), typing 600 characters with the default model took 2.4 s at two
    threads and 3.4 s at one, but 50 s at two (against 1.8 s at one) while another
    process held a core, as each token's thread team waits for the thread that has
    none."""
    before = torch.get_num_threads()
    if count != before:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def logits_agree(model: torch.nn.Module, device: torch.device, vocab_size: int,
                 tolerance: float = 1e-2) -> bool:
    """Whether ``model`` on ``device`` gives the CPU's logits for a short fixed input.

    LSTMs on MPS have returned wrong results in some PyTorch releases
    (pytorch/pytorch#92615), so a non-CPU device is checked once at load.
    """
    if device.type == "cpu":
        return True
    ids = torch.arange(min(vocab_size, 16)).unsqueeze(0)
    with torch.inference_mode():
        on_device, _ = model(ids.to(device))
        cpu_model = _cpu_copy(model)
        on_cpu, _ = cpu_model(ids)
    return bool(torch.allclose(on_device.float().cpu(), on_cpu.float(), atol=tolerance, rtol=tolerance))


def _cpu_copy(model: torch.nn.Module) -> torch.nn.Module:
    return copy.deepcopy(model).to("cpu").float()


def checked_device(model: torch.nn.Module, device: torch.device, vocab_size: int) -> torch.device:
    """Move ``model`` to ``device`` if it computes correctly there, else fall back to CPU."""
    if device.type == "cpu":
        return device
    model.to(device)
    if logits_agree(model, device, vocab_size):
        return device
    warnings.warn(f"{device.type} gave different results from the CPU for this model; using the CPU",
                  RuntimeWarning, stacklevel=2)
    model.to("cpu")
    return torch.device("cpu")
