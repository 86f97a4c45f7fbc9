"""Messages that worker threads and the training child post to the UI.

Threads never touch widgets: they post these, and the handlers run on the UI
thread. A burst of ``ContinuationUpdated`` for one request collapses into the
newest, since each carries the whole text so far (see ``can_replace``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..api import LanguageModel


class ContinuationUpdated(Message):
    """The continuation of request ``request_id`` has grown to ``text``."""

    def __init__(self, request_id: int, text: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.text = text

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ContinuationUpdated) and message.request_id == self.request_id


class ContinuationFinished(Message):
    """Request ``request_id`` is done: its final text, alternatives and speed."""

    def __init__(self, request_id: int, text: str, alternatives: list[str],
                 latency: float | None, rate: float | None) -> None:
        super().__init__()
        self.request_id = request_id
        self.text = text
        self.alternatives = alternatives  # every option including ``text``, first is ``text``
        self.latency = latency  # seconds from the request to the first character
        self.rate = rate  # tokens per second


class ContinuationFailed(Message):
    def __init__(self, request_id: int, error: str) -> None:
        super().__init__()
        self.request_id = request_id
        self.error = error


class DocumentLearned(Message):
    """``lm`` had a learning pass over ``text``; ``total`` tokens learned since it started."""

    def __init__(self, lm: LanguageModel, text: str, total: int) -> None:
        super().__init__()
        self.lm = lm
        self.text = text
        self.total = total


class DocumentForgotten(Message):
    """What the model learned from the document is gone."""


class LearningFailed(Message):
    def __init__(self, error: str, forgetting: bool = False) -> None:
        super().__init__()
        self.error = error
        self.forgetting = forgetting  # it was the forget that failed


class ModelLoaded(Message):
    def __init__(self, lm: LanguageModel, seconds: float) -> None:
        super().__init__()
        self.lm = lm
        self.seconds = seconds


class ModelFailed(Message):
    def __init__(self, spec: str | None, error: str) -> None:
        super().__init__()
        self.spec = spec
        self.error = error


class WordsCounted(Message):
    """The words of ``document`` as it was loaded have been counted (in a thread)."""

    def __init__(self, document: object, words: int) -> None:
        super().__init__()
        self.document = document
        self.words = words


class RecoveryWritten(Message):
    """A recovery copy write ended after ``seconds``; ``error`` if it failed."""

    def __init__(self, seconds: float, error: str | None) -> None:
        super().__init__()
        self.seconds = seconds
        self.error = error


class SearchDone(Message):
    """A search of the document as it was at ``state`` (document, generation) ended:
    ``found`` is a match's (start, end), replace_all's answer, or None."""

    def __init__(self, state: tuple[object, int | None], term: str, found: tuple | None) -> None:
        super().__init__()
        self.state = state
        self.term = term
        self.found = found
