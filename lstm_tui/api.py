"""The public Python API: ``load_model`` and the ``LanguageModel`` facade.

    from lstm_tui import load_model, SamplingConfig
    lm = load_model()                      # the shipped default model, best device
    for delta in lm.stream("It was a dark", SamplingConfig(max_tokens=20)):
        print(delta, end="", flush=True)
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from .core.adapt import DocumentLearner
from .core.bundle import Bundle, load_bundle
from .core.config import SAMPLING_LIMITS, SamplingConfig
from .core.device import checked_device, resolve_device, set_inference_threads
from .core.evaluate import EvalResult, evaluate_text
from .core.gain import model_gate
from .core.generation import Completion, StopHook, StreamingGenerator
from .core.int8 import int8_available, quantize_for_cpu
from .core.mixture import Mixture, general_model
from .paths import DEFAULT_MODEL, default_bundle, is_default_bundle, resolve_model


class LanguageModel:
    """A loaded bundle on a device, with a streaming generator that caches state."""

    def __init__(self, bundle: Bundle, device: torch.device, quantize: bool = True,
                 context_chars: int = 2000, general: Bundle | None = None) -> None:
        self.bundle = bundle
        self.tokenizer = bundle.tokenizer
        self.device = checked_device(bundle.model, device, bundle.config.vocab_size)
        self.quantized = quantize and self.device.type == "cpu" and int8_available()
        # A personal model predicts together with the general model (core/mixture.py).
        self.general = general
        if general is not None:
            checked_device(general.model, self.device, general.config.vocab_size)
        self.general_runner = None if general is None else self._runner(general.model)
        self.base_runner = self._mixed(self._runner(bundle.model))
        self.generator = StreamingGenerator(self.base_runner, self.tokenizer, self.device, context_chars)
        self.learner = DocumentLearner(bundle.model, self.tokenizer, self.device)
        self._learning = threading.Lock()  # learn and forget, one at a time (callers keep the order)
        self.last_latency: float | None = None  # seconds from request to first delta
        self.last_rate: float | None = None  # tokens per second of the last stream

    def _runner(self, model: torch.nn.Module) -> torch.nn.Module:
        return quantize_for_cpu(model) if self.quantized else model

    def _mixed(self, runner: torch.nn.Module) -> torch.nn.Module:
        return runner if self.general_runner is None else Mixture(self.general_runner, runner)

    @property
    def name(self) -> str:
        return self.bundle.name

    @property
    def path(self) -> Path | None:
        return self.bundle.path

    @property
    def label(self) -> str:
        """The name a user knows it by: "default" for the shipped model (what --model
        and the models list call it; its card names it after its training run)."""
        return DEFAULT_MODEL if is_default_bundle(self.path) else self.name

    @property
    def card(self) -> dict:
        return self.bundle.card

    @functools.cached_property
    def gate(self) -> tuple[float, float] | None:
        """The model's own confidence gate (a personal model's, chosen on its writer's
        held-out text), used wherever a config keeps the default gate; None: none."""
        return model_gate(self.card)

    def config(self, config: SamplingConfig | None = None) -> SamplingConfig:
        """``config`` (the defaults for None) as this model generates with it: with its
        own gate where the config keeps the default one."""
        return (config or SamplingConfig()).for_model(self.gate)

    def stream(self, context: str, config: SamplingConfig | None = None,
               should_stop: StopHook | None = None) -> Iterator[str]:
        """Yield the continuation of ``context`` as text deltas, a token at a time."""
        config = self.config(config)
        started = time.perf_counter()
        generated = self.generator.tokens_generated
        first = True
        for delta in self.generator.stream(context, config, should_stop):
            if first:
                self.last_latency = time.perf_counter() - started
                first = False
            yield delta
        elapsed = time.perf_counter() - started
        generated = self.generator.tokens_generated - generated
        self.last_rate = generated / elapsed if elapsed > 0 and generated else None

    def complete(self, context: str, config: SamplingConfig | None = None,
                 should_stop: StopHook | None = None) -> Completion:
        """The continuation, its log-probability and the alternatives (beam hypotheses
        or extra samples, as many as ``num_alternatives`` asks for)."""
        return self.generator.complete(context, self.config(config), should_stop)

    def alternatives(self, context: str, config: SamplingConfig, n: int,
                     should_stop: StopHook | None = None) -> list[Completion]:
        """``n`` extra samples of the continuation (sampling mode), drawn as one batch
        (at most SamplingConfig's limit on alternatives: the batch is n rows wide)."""
        limit = SAMPLING_LIMITS["num_alternatives"]
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= limit:
            raise ValueError(f"n must be an integer from 1 to {limit}, not {n!r}")
        return self.generator.samples(context, self.config(config), n, should_stop)

    def learn(self, text: str, should_stop: Callable[[], bool] | None = None) -> int:
        """Learn from the new part of a document being written (see ``DocumentLearner``)
        and generate with the result; returns the tokens learned (0: nothing new enough).
        Safe beside a running stream: the swap waits for it."""
        with self._learning:
            learned = self.learner.learn(text, should_stop)
            if learned:
                self.generator.replace_model(self._mixed(self.learner.snapshot(self.quantized)))
            return learned

    def forget(self) -> None:
        """Drop what ``learn`` taught: back to the model as loaded."""
        with self._learning:
            if self.learner.learner is not None:
                self.learner.reset()
                self.generator.replace_model(self.base_runner)

    def evaluate(self, text: str, adapt: bool = False) -> EvalResult:
        """Bits per byte of ``text`` with the full-precision weights (mixed with the
        general model's, as generation is); ``adapt``: a copy of the model alone learns
        from the text as it reads it (dynamic evaluation)."""
        model = self.bundle.model
        if self.general is not None and not adapt:
            model = Mixture(self.general.model, model)
        return evaluate_text(model, self.tokenizer, text, self.device, adapt=adapt)

    def bits_per_byte(self, text: str) -> float:
        return self.evaluate(text).bits_per_byte


def load_model(path: str | Path | None = None, device: str = "auto", quantize: bool = True,
               threads: int | None = None, mix: bool = True) -> LanguageModel:
    """Load a bundle (None: the shipped default; a name: a user model; or a folder).

    On CPU the model runs int8-quantized for generation unless ``quantize=False``. A
    model fine-tuned from the shipped one predicts together with it (``general_for``)
    unless ``mix=False``. Raises ``BundleError`` or ``DeviceError`` with a one-line
    message.
    """
    target = resolve_device(device)
    if target.type == "cpu":
        set_inference_threads(threads)
    bundle = load_bundle(resolve_model(path))
    return LanguageModel(bundle, target, quantize=quantize, general=general_for(bundle) if mix else None)


def general_for(bundle: Bundle) -> Bundle | None:
    """The general model a fine-tuned ``bundle`` predicts together with: the shipped
    default (``mixture.general_model`` says when)."""
    return general_model(bundle, default_bundle())
