"""Messages that worker threads and the training child post to the UI, and that
screens post to the app.

Threads never touch widgets: they post these, and the handlers run on the UI
thread. A burst of ``ContinuationUpdated`` for one request collapses into the
newest, since each carries the whole text so far (see ``can_replace``).

Each that carries data is a dataclass, as Textual's own messages are:
``Message.__init__`` runs its ``__post_init__``, which the generated ``__init__``
calls (``SettingsEdited``, which takes any settings by name, has its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from ..api import LanguageModel


@dataclass
class ContinuationUpdated(Message):
    """The continuation of request ``request_id`` has grown to ``text``."""

    request_id: int
    text: str
    guess: bool = False  # shown on request although the model is unsure

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ContinuationUpdated) and message.request_id == self.request_id


@dataclass
class ContinuationFinished(Message):
    """Request ``request_id`` is done: its final text, alternatives and speed."""

    request_id: int
    text: str
    alternatives: list[str]  # every option including ``text``, first is ``text``
    latency: float | None  # seconds from the request to the first character
    rate: float | None  # tokens per second
    guess: bool = False  # the gate held the suggestion back; this is the best guess, asked for


@dataclass
class ContinuationFailed(Message):
    request_id: int
    error: str


@dataclass
class DocumentLearned(Message):
    """``lm`` had a learning pass over ``text``; ``total`` tokens learned since it started."""

    lm: LanguageModel
    text: str
    total: int


class DocumentForgotten(Message):
    """What the model learned from the document is gone."""


@dataclass
class LearningFailed(Message):
    error: str
    forgetting: bool = False  # it was the forget that failed


@dataclass
class ModelLoaded(Message):
    lm: LanguageModel
    seconds: float


@dataclass
class ModelFailed(Message):
    spec: str | None
    error: str


@dataclass
class WordsCounted(Message):
    """The words of ``document`` as it was loaded have been counted (in a thread)."""

    document: object
    words: int


@dataclass
class RecoveryWritten(Message):
    """A recovery copy write ended after ``seconds``; ``error`` if it failed."""

    seconds: float
    error: str | None


@dataclass
class SearchDone(Message):
    """A search of the document as it was at ``state`` (document, generation) ended:
    ``found`` is a match's (start, end), replace_all's answer, or None."""

    state: tuple[object, int | None]
    term: str
    found: tuple | None
    count: tuple[int, int] | None = None  # a match found: (which, of how many)


# -- What a screen asks of the app ------------------------------------------------------
# Screens read the app's state (its settings, its model) and ask for every change with
# one of these, which bubble up to the app; they call none of its methods.


class SettingsEdited(Message):
    """The writer changed these settings (``Settings`` fields and their new values):
    the app replaces its settings and saves them."""

    def __init__(self, **changes: object) -> None:
        super().__init__()
        self.changes = changes


@dataclass
class DocumentMoved(Message):
    """The editor's document is at ``path`` now (opened, new, or saved elsewhere; None:
    untitled): the app writes it with its folder's model."""

    path: Path | None


@dataclass
class FolderModelsChanged(Message):
    """A model was tied to a folder, or untied (the Models screen's "For this folder"):
    folders now open their documents with ``folder_models``; ``document`` is open."""

    folder_models: dict[str, str]  # folder -> model spec
    tied: str | None  # the model just tied: tried again even if it failed to load before
    document: Path


@dataclass
class ModelChosen(Message):
    """Write with ``spec`` from now on (remembered), back in the editor."""

    spec: str | None


@dataclass
class ModelRenamed(Message):
    """F4 renamed the model in ``old`` to ``name``, now in ``new``: the model in use, if it
    is that one, goes by its new name and folder."""

    old: Path
    new: Path
    name: str


class BackToEditor(Message):
    """Close the screens above the editor."""


@dataclass
class TrainingProgressed(Message):
    """A training run's state for the editor's status bar: "training 42%", "" when none runs."""

    text: str
