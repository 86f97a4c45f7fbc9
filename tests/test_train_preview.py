"""``lstm-tui train --preview`` and ``--from-address``: what would be read, and mail
from one address carried into training."""

from __future__ import annotations

import json
import mailbox
from pathlib import Path

import pytest

from lstm_tui import paths
from lstm_tui.cli import main
from tests.conftest import TINY_TEXT
from tests.core.test_readers import ANN, ANN_TEXT, BOB, message, messages, write_mbox


@pytest.fixture
def writing(tmp_path: Path) -> Path:
    folder = tmp_path / "writing"
    folder.mkdir()
    write_mbox(folder / "Sent.mbox", messages())
    (folder / "notes.md").write_text("# Notes\n\nFour words of mine.\n")
    (folder / "photo.jpg").write_bytes(b"\x00\x01")
    return folder


def test_preview_says_what_would_be_read_and_trains_nothing(writing, capsys, user_dirs):
    assert main(["train", "--preview", str(writing), "--from-address", "ann@example.com"]) == 0
    out = capsys.readouterr().out
    words = sum(len(t.split()) for t in ANN_TEXT) + len("Notes Four words of mine.".split())
    size = len("\n\n".join(ANN_TEXT).encode()) + 1 + len("Notes\n\nFour words of mine.\n")
    assert out.splitlines() == [
        "Found 3 files; 2 to read: 1 mbox, 1 Markdown.",
        "Mail: 10 messages, 8 with words of your own (only those from ann@example.com); of those, only what "
        "you wrote is read (no headers, quoted replies, forwarded text or signatures).",
        f"Words of your own: {words} ({size} bytes of text).",
        "Left out: 2 messages:",
        "  2 not from ann@example.com",
        "Left out: 1 file:",
        "  1 binary",
        f"  {writing / 'photo.jpg'}: binary",
        "That is little to learn from: a model of your own does better with 20,000 words or more, and with "
        "fewer it may not beat the one you have.",
    ]
    assert not any(user_dirs.rglob("*.json"))  # no run, no model


def test_preview_without_an_address_says_how_to_keep_only_yours(writing, capsys):
    assert main(["train", "--preview", str(writing)]) == 0
    out = capsys.readouterr().out
    assert "Mail: 10 messages, 9 with words of your own; of those, only what you wrote" in out
    assert "--from-address ADDRESS keeps only what you sent." in out


@pytest.mark.parametrize("args, error", [
    (["--preview"], "give at least one file or folder to preview"),
    (["--preview", ".", "--from-address", "Ann <ann@example.com>"], "--from-address must be an email address"),
    (["x", "--name", "m", "--from-address", "ann"], "--from-address must be an email address"),
    (["x"], "give the model a --name"),
    (["--name", "m", "--resume", "--from-address", "a@b.c"], "cannot change --from-address"),
])
def test_bad_preview_and_address_arguments_are_one_line_errors(args, error, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").write_text(TINY_TEXT)
    assert main(["train", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lstm-tui: error: ") and error in err and len(err.splitlines()) == 1


def test_from_address_reaches_training(tmp_path, tiny_bundle, capsys):
    box = tmp_path / "Sent.mbox"
    paragraphs = [p for p in TINY_TEXT.split("\n") if p]
    write_mbox(box, [message(ANN, p + "\n") for p in paragraphs * 3] + [message(BOB, "Not Ann's.\n")])
    assert main(["train", str(box), "--name", "mine", "--from", str(tiny_bundle), "--steps", "2",
                 "--from-address", "ann@example.com", "--batch-size", "2", "--seq-len", "8",
                 "--eval-every", "2", "--events", "jsonl", "--keep-checkpoints"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    files = next(e for e in events if e["event"] == "files")
    assert [p for p, _ in files["read"]] == [str(box.resolve())] and not files["skipped"]
    saved = json.loads((paths.runs_dir() / "mine" / "run.json").read_text())
    assert saved["from_address"] == "ann@example.com"
    assert len(mailbox.mbox(box)) == 3 * len(paragraphs) + 1  # the mailbox itself untouched
