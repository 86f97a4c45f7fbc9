"""The training form's rules, apart from its widgets: the request a filled-in form
describes (or a sentence saying what to fix), and the next model's default name."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .. import paths
from ..core.mail import is_address
from .training_child import TrainRequest


@dataclass(frozen=True)
class TrainForm:
    name: str  # the new model's name, as typed
    paths: tuple[str, ...]  # files, folders and mailboxes chosen
    from_address: str  # "Only mail from", as typed; "" for everyone
    budget: str  # as typed
    budget_kind: str  # "minutes", "epochs" or "steps"
    extra: str  # Advanced: further ``lstm-tui train`` options, as typed
    fine_tune: bool  # fine-tune the model in use (else train from scratch)
    current_model: str | None  # the model in use (a folder or name); None while none is loaded


def form_request(form: TrainForm) -> TrainRequest:
    """The run ``form`` asks for; ValueError says, in a sentence, what to fix."""
    name = "-".join(form.name.split())  # "garden notes" is garden-notes: a name is a folder's
    paths.validate_name(name)  # its ValueError is a sentence
    if (paths.user_models_dir() / name / "config.json").exists():
        raise ValueError(f"A model named {name!r} exists; choose another name.")
    if not form.paths:
        raise ValueError("Choose at least one folder, file or mail folder first.")
    address = form.from_address.strip()
    if address and not is_address(address):
        raise ValueError(f"\"Only mail from\" needs an email address such as me@example.com, not {address!r}.")
    try:
        budget = float(form.budget)
    except ValueError:
        raise ValueError(f"The budget needs a number of {form.budget_kind}, such as 5.") from None
    if not budget > 0:
        raise ValueError("The budget must be more than zero.")
    try:
        extra = tuple(shlex.split(form.extra))
    except ValueError as exc:
        raise ValueError(f"Check the options under Advanced: {exc}.") from None
    if form.fine_tune and form.current_model is None:
        raise ValueError("No model is loaded to fine-tune; train a new model from nothing instead.")
    return TrainRequest(form.paths, name, form.current_model if form.fine_tune else None, form.budget_kind,
                        budget, extra, from_address=address or None)


def next_name(current: str, taken: Callable[[str], bool]) -> str:
    """The default name of a model trained from ``current``: "my-writing" from the shipped
    one; "letters-2" from "letters", "letters-3" from "letters-2"; the first not ``taken``."""

    def candidates() -> Iterator[str]:
        if current == "default":
            base, n = "my-writing", 2
            yield base
        else:
            match = re.fullmatch(r"(.+)-(\d+)", current)
            base, n = (match[1], int(match[2]) + 1) if match else (current, 2)
        while True:
            yield f"{base}-{n}"
            n += 1

    return next(name for name in candidates() if not taken(name))


def storable(path: str) -> bool:
    """Whether settings (UTF-8 TOML) can hold ``path``: an undecodable file name cannot."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
