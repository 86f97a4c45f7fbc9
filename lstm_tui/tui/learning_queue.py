"""LearningQueue: when the editor's learning passes and forgets start, one at a time.

No widget here: the editor screen starts the workers (workers.py) and reports back
how each ended; tested without a screen (tests/tui/test_learning.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.widgets.text_area import DocumentBase

    from ..api import LanguageModel


class LearningQueue:
    """Learning passes and forgets, one worker at a time, in the order asked for: a
    forget asked for during a pass waits for it (and the pass stops early, its result
    ignored). The screen starts the workers and reports back how each ended."""

    def __init__(self, model: Callable[[], LanguageModel | None],
                 start_learning: Callable[[LanguageModel, str], object],
                 start_forgetting: Callable[[LanguageModel], object]) -> None:
        self._model = model  # the model now loaded, or None
        self._start_learning = start_learning  # starts a learning worker
        self._start_forgetting = start_forgetting  # starts a forgetting worker
        self.learned: tuple[LanguageModel, str] | None = None  # (model, text) last learned from
        self._started: tuple[object, ...] | None = None  # (model, document, generation) of the last pass
        self.busy = False  # a worker (a pass or a forget) is running
        self.forget_asked = False  # forget once the running pass ends (read by its stop hook)

    def learn(self, document: DocumentBase) -> None:
        """Start a pass over ``document`` unless a worker runs or it is what was learned."""
        lm = self._model()
        if lm is None or self.busy:
            return
        generation = getattr(document, "generation", None)
        started = (lm, document, generation)
        if generation is not None and started == self._started:
            return  # unedited since the last pass: no need to join its text
        text = document.text
        if self.learned == (lm, text):
            return
        self._started, self.busy = started, True
        self._start_learning(lm, text)

    def forget(self) -> None:
        """Drop what the model learned, now or once the running worker ends."""
        self.learned = self._started = None
        if self.busy:
            self.forget_asked = True
        elif (lm := self._model()) is not None:
            self.busy = True
            self._start_forgetting(lm)

    def pass_ended(self, lm: LanguageModel, text: str) -> bool:
        """A pass learned ``text``; False when a forget was asked for since (it is ignored)."""
        counts = not self.forget_asked
        if counts:
            self.learned = (lm, text)
        self.forget_ended()
        return counts

    def forget_ended(self) -> None:
        self.busy = False
        if self.forget_asked:
            self.forget_asked = False
            self.forget()

    def failed(self, forgetting: bool) -> None:
        """A worker failed (learning goes off); after a failed pass, forget what it learned."""
        self.busy = self.forget_asked = False
        if not forgetting:
            self.forget()
