"""The bodies of the thread workers: generating a continuation, loading a model.

Plain functions that post messages through a callback, so they run the same in a
Textual worker and in a test. They never touch widgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

from ..core.errors import LstmTuiError
from .messages import (
    ContinuationFailed,
    ContinuationFinished,
    ContinuationUpdated,
    DocumentForgotten,
    DocumentLearned,
    LearningFailed,
    ModelFailed,
    ModelLoaded,
)

if TYPE_CHECKING:
    from ..api import LanguageModel
    from ..core.config import SamplingConfig

Post = Callable[[Message], object]
ModelLoader = Callable[[str | None], "LanguageModel"]


def generate_continuation(lm: LanguageModel, request_id: int, context: str, config: SamplingConfig,
                          should_stop: Callable[[], bool], post: Post, asked: bool = False) -> None:
    """Stream the continuation as ``ContinuationUpdated`` (whole text so far each time;
    bursts merge in the queue), then alternatives and speed in ``ContinuationFinished``.
    ``asked``: the writer asked for it; if the gate holds everything back, the best
    guess is streamed instead, marked as one."""
    started = time.perf_counter()
    latency: float | None = None
    text = ""
    try:
        if config.beam_width > 1:
            # Beam search finishes before it knows its best hypothesis: no streaming.
            best = lm.complete(context, config, should_stop)
            latency = time.perf_counter() - started
            text = best.text
            alternatives = [a.text for a in best.alternatives]
            rate = best.tokens / latency if latency > 0 else None
            if text and not should_stop():
                post(ContinuationUpdated(request_id, text))
        else:
            for delta in lm.stream(context, config, should_stop):
                if latency is None:
                    latency = time.perf_counter() - started
                text += delta
                post(ContinuationUpdated(request_id, text))
            rate = lm.last_rate
            alternatives = []
            if config.num_alternatives > 1 and not should_stop():
                extra = lm.alternatives(context, config, config.num_alternatives - 1, should_stop)
                alternatives = [c.text for c in extra]
    except Exception as exc:  # the model failing must never take the editor with it
        post(ContinuationFailed(request_id, f"{type(exc).__name__}: {exc}"))
        return
    if should_stop():
        return
    guess = config.guess() if asked and not text.strip() else None
    if guess is not None:
        try:
            for delta in lm.stream(context, guess, should_stop):
                text += delta
                post(ContinuationUpdated(request_id, text, guess=True))
        except Exception as exc:
            post(ContinuationFailed(request_id, f"{type(exc).__name__}: {exc}"))
            return
        if should_stop():
            return
    post(ContinuationFinished(request_id, text, alternatives, latency, rate, guess=guess is not None))


def learn_from_document(lm: LanguageModel, text: str, should_stop: Callable[[], bool], post: Post) -> None:
    """One learning pass over the document's new text, then ``DocumentLearned``
    (``should_stop`` ends a long pass between segments: quitting, another document)."""
    try:
        lm.learn(text, should_stop)
    except Exception as exc:  # learning failing must never take the editor with it
        post(LearningFailed(f"{type(exc).__name__}: {exc}"))
        return
    post(DocumentLearned(lm, text, lm.learner.tokens_learned))


def forget_document(lm: LanguageModel, post: Post) -> None:
    try:
        lm.forget()  # waits for a suggestion in progress
    except Exception as exc:
        post(LearningFailed(f"{type(exc).__name__}: {exc}", forgetting=True))
        return
    post(DocumentForgotten())


def load_model_in_thread(loader: ModelLoader, spec: str | None, post: Post) -> None:
    started = time.perf_counter()
    try:
        lm = loader(spec)
    except Exception as exc:
        message = str(exc) if isinstance(exc, LstmTuiError) else f"{type(exc).__name__}: {exc}"
        post(ModelFailed(spec, message))
        return
    post(ModelLoaded(lm, time.perf_counter() - started))


def default_loader(device: str) -> ModelLoader:
    def load(spec: str | None) -> LanguageModel:
        from ..api import load_model  # imports torch: only ever in a worker thread

        return load_model(spec, device=device)

    return load
