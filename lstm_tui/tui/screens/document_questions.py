"""The questions the document's life asks the writer, worded in one place.

Each builds a ``ChoiceScreen``; the editor screen pushes it and does what was chosen
(the ids are the answers). The first choice that destroys nothing has the focus, so
an Enter pressed out of habit never overwrites or deletes.
"""

from __future__ import annotations

from pathlib import Path

from ..document_session import OutsideChange
from ..recovery import Recovery
from .dialogs import ChoiceScreen


def changed_on_disk(path: Path, change: OutsideChange) -> ChoiceScreen:
    """Answers: overwrite, save_as, reload, cancel."""
    return ChoiceScreen(
        "Changed on disk",
        f"{path} was changed by another program since lstm-tui last read or saved "
        f"it ({change.describe()}).\n\nOverwrite replaces it with your text; "
        "Reload puts its new text in the editor (Ctrl+Z brings yours back).",
        [("overwrite", "Overwrite", "error"), ("save_as", "Save as\u2026", "primary"),
         ("reload", "Reload", "default"), ("cancel", "Cancel", "default")])


def replace_read_only(path: Path) -> ChoiceScreen:
    """Answers: yes, no."""
    return ChoiceScreen(
        "Read-only file", f"{path} is read-only. Replace it anyway (it stays read-only)?",
        [("yes", "Replace", "error"), ("no", "Cancel", "default")])


def replace_file(path: Path) -> ChoiceScreen:
    """Answers: yes, no."""
    return ChoiceScreen(
        "Replace file?", f"{path} exists. Replace it?",
        [("yes", "Replace", "error"), ("no", "Cancel", "default")])


def start_new_file(path: Path) -> ChoiceScreen:
    """Answers: new, cancel."""
    return ChoiceScreen(
        "No such file", f"{path} does not exist. Start a new document there? "
        "(The file is created when you save.)",
        [("new", "New document", "primary"), ("cancel", "Cancel", "default")])


def save_changes_first(doing: str, name: str) -> ChoiceScreen:
    """Answers: save, discard, cancel."""
    return ChoiceScreen(
        doing, f"Save changes to {name} first?",
        [("save", "Save", "primary"), ("discard", "Discard", "error"), ("cancel", "Cancel", "default")])


def move_aside_unreadable(unreadable: list[tuple[Path, str]]) -> ChoiceScreen:
    """Answers: aside, leave. Asked once: copies that cannot be read were warned about
    at every start, forever."""
    listed = "\n".join(f"{file.name}: {why}" for file, why in unreadable[:3])
    more = f"\n(and {len(unreadable) - 3} more)" if len(unreadable) > 3 else ""
    count = "1 recovery copy" if len(unreadable) == 1 else f"{len(unreadable)} recovery copies"
    return ChoiceScreen(
        "Unreadable recovery copies",
        f"{count} could not be read, so nothing in them can be offered:\n{listed}{more}\n\n"
        "Move aside keeps them in a folder of their own, and they are not mentioned again; "
        "Leave asks again at the next start.",
        [("aside", "Move aside", "primary"), ("leave", "Leave", "default")])


def restore_copy(copy: Recovery, number: int, count: int) -> ChoiceScreen:
    """Answers: restore, discard, later. ``number`` of ``count`` copies offered."""
    of = f" ({number} of {count})" if count > 1 else ""
    return ChoiceScreen(
        f"Recover unsaved text?{of}",
        f"lstm-tui did not close cleanly. A recovery copy exists:\n{copy.describe()}\n\n"
        "Restore puts it in the editor (unsaved); Discard deletes the copy; "
        "Keep for later offers it again next time.",
        [("restore", "Restore", "primary"), ("discard", "Discard", "error"),
         ("later", "Keep for later", "default")])


def replace_unsaved(restored_copy_kept: bool) -> ChoiceScreen:
    """Answers: replace, keep. Asked before a copy takes the place of unsaved text
    (another copy restored a moment ago, say); that text's own copy is kept."""
    kept = ("Its recovery copy is kept and offered again at the next start."
            if restored_copy_kept else "Replacing it loses it.")
    return ChoiceScreen(
        "Replace the text in the editor?",
        f"The editor holds unsaved text. {kept}",
        [("replace", "Replace", "error"), ("keep", "Keep the editor's text", "primary")])
