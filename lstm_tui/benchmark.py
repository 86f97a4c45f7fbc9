"""Generation speed on this machine: keystroke-to-first-token latency, streaming
tokens/s, and the ratio to a naive loop that re-runs the whole context per token.
Used by ``lstm-tui bench`` and bench/generation.py; prints nothing itself."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

import torch

from .api import LanguageModel, load_model
from .core.bundle import Bundle, load_bundle
from .core.config import SamplingConfig
from .core.device import resolve_device, set_inference_threads
from .core.generation import context_window
from .core.model import LSTMLanguageModel
from .paths import default_bundle

# Public-domain prose (Austen, Pride and Prejudice, ch. 1), typed into the editor.
PASSAGE = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife. However little known the feelings or views of such a man may be on "
    "his first entering a neighbourhood, this truth is so well fixed in the minds of the surrounding "
    "families, that he is considered as the rightful property of some one or other of their "
    "daughters. \"My dear Mr. Bennet,\" said his lady to him one day, \"have you heard that "
    "Netherfield Park is let at last?\" Mr. Bennet replied that he had not. \"But it is,\" returned "
    "she; \"for Mrs. Long has just been here, and she told me all about it.\" Mr. Bennet made no "
    "answer. \"Do not you want to know who has taken it?\" cried his wife impatiently. \"You want to "
    "tell me, and I have no objection to hearing it.\" This was invitation enough.\n\n"
)


# Every token generated and shown: what throughput figures measure.
POLICY_OFF = dict(min_confidence=0.0, continue_confidence=0.0, stop_at="none", document_cache=0.0,
                  line_breaks="any")


def typing_text(chars: int) -> str:
    return (PASSAGE * (chars // len(PASSAGE) + 2))[:chars]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def keystroke_latency(lm: Any, context_chars: int = 2000, keystrokes: int = 60,
                      config: Any = None) -> dict[str, float]:
    """Seconds from a keystroke (context + one char) to the first streamed delta, or to
    the end of a stream that shows nothing (the suggestion policy held it back). By
    default with the editor's own config (the policy); ``config`` changes it."""
    text = typing_text(context_chars + keystrokes + 1)
    config = config or SamplingConfig(max_tokens=8, seed=0)
    for _ in lm.stream(text[:context_chars], config):  # the first request primes the cache
        break
    times, fed = [], []
    for i in range(1, keystrokes + 1):
        before = lm.generator.tokens_fed
        started = time.perf_counter()
        for _ in lm.stream(text[:context_chars + i], config):
            break
        times.append(time.perf_counter() - started)
        fed.append(lm.generator.tokens_fed - before)
    return {"p50_ms": statistics.median(times) * 1e3, "p95_ms": _percentile(times, 0.95) * 1e3,
            "max_ms": max(times) * 1e3, "tokens_fed_median": statistics.median(fed)}


def streaming_rate(lm: Any, tokens: int = 200, repeats: int = 3) -> float:
    context = typing_text(2000)
    config = SamplingConfig(max_tokens=tokens, temperature=0.8, top_k=40, repetition_penalty=1.0, seed=1,
                            **POLICY_OFF)
    rates = []
    for _ in range(repeats):
        list(lm.stream(context, config))  # primes: the next run measures generation only
        before = lm.generator.tokens_generated
        started = time.perf_counter()
        list(lm.stream(context, config))
        rates.append((lm.generator.tokens_generated - before) / (time.perf_counter() - started))
    return statistics.median(rates)


@torch.inference_mode()
def naive_rate(lm: Any, context_chars: int = 2000, tokens: int = 5) -> float:
    """The classic recipe: for every new token, re-tokenize the whole context and run
    the model over all of it from a zero state."""
    gen = lm.generator
    text = typing_text(context_chars)
    started = time.perf_counter()
    for _ in range(tokens):
        ids = [lm.tokenizer.start_id, *lm.tokenizer.encode(context_window(text, context_chars))]
        logits, _ = gen.model(torch.tensor([ids], device=gen.device))
        token = int(torch.argmax(logits[0, -1]))
        text += lm.tokenizer.decode([token])
    return tokens / (time.perf_counter() - started)


def generate_peak_rss_mb(model: str | None, device: str) -> float | None:
    """Peak resident memory of a ``lstm-tui generate`` process (Linux and macOS)."""
    try:
        import resource
    except ImportError:
        return None
    command = [sys.executable, "-m", "lstm_tui", "generate", "--prompt", PASSAGE[:200],
               "--max-tokens", "40", "--seed", "0", "--device", device]
    if model:
        command += ["--model", model]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, check=True, capture_output=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        return None  # an earlier child used more: the figure would be someone else's
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def random_model(device: str = "auto", quantize: bool = True) -> Any:
    """The shipped model's shape and tokenizer with random weights: speed figures
    that do not depend on training."""
    shipped = load_bundle(default_bundle())
    torch.manual_seed(0)
    model = LSTMLanguageModel(shipped.config).eval()
    target = resolve_device(device)
    if target.type == "cpu":
        set_inference_threads()
    return LanguageModel(Bundle(model, shipped.tokenizer, {"name": "random"}), target, quantize=quantize)


def generation_benchmark(model: str | None = None, device: str = "auto", rss: bool = True) -> dict[str, Any]:
    started = time.perf_counter()
    lm = random_model(device) if model is None else load_model(model, device=device)
    load_seconds = time.perf_counter() - started
    latency = keystroke_latency(lm)
    plain = keystroke_latency(lm, config=SamplingConfig(max_tokens=8, seed=0, **POLICY_OFF))
    stream = streaming_rate(lm)
    naive = naive_rate(lm)
    result: dict[str, Any] = {
        "model": lm.name, "device": lm.device.type, "quantized": lm.quantized,
        "threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
        "parameters": lm.bundle.model.num_parameters(), "load_seconds": round(load_seconds, 3),
        "keystroke_first_token_p50_ms": round(latency["p50_ms"], 2),
        "keystroke_first_token_p95_ms": round(latency["p95_ms"], 2),
        "keystroke_tokens_fed_median": latency["tokens_fed_median"],
        # The same without the suggestion policy (no gate, no cache): what it costs.
        "keystroke_policy_off_p50_ms": round(plain["p50_ms"], 2),
        "keystroke_policy_off_p95_ms": round(plain["p95_ms"], 2),
        "stream_tokens_per_second": round(stream, 1),
        "naive_tokens_per_second": round(naive, 2),
        "speedup_vs_naive": round(stream / naive, 1),
    }
    if rss:
        result["generate_peak_rss_mb"] = generate_peak_rss_mb(model, device)
    return result
