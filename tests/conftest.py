"""Shared fixtures: isolated user folders, and a tiny real model trained in seconds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# A few KB of varied public-domain-style prose: enough for a tokenizer and a model
# that learns something in a few seconds.
TINY_TEXT = """\
The morning was grey and the road ran down to the river. She walked slowly, for the
letter in her pocket was heavy, and she did not yet know what she would say to him.
"You are late," he said, when she reached the gate. "I had begun to think you would
not come at all."
"I very nearly did not," she answered. "But I have never broken a promise, and I did
not mean to begin today."
He smiled at that, and opened the gate, and they walked together along the bank. The
water was high after the rain; it moved quickly and quietly, and the willows bent over
it as if they were listening.
For a long time neither of them spoke. At last she took out the letter and gave it to
him. He read it twice, and then he folded it and gave it back.
"Well," he said. "So it is settled, then."
"It is settled," she said. "Unless you can think of a reason why it should not be."
He could think of several, but he said none of them. The river went on, and the light
changed on the water, and somewhere behind them a bell began to ring for the evening
service.
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platformdirs location at tmp_path: tests never touch real user files."""
    import platformdirs

    root = tmp_path / "user"
    for kind in ("data", "config", "cache", "state", "log"):
        folder = root / kind
        monkeypatch.setattr(platformdirs, f"user_{kind}_path", lambda *a, _f=folder, **k: _f / "lstm-tui")
    monkeypatch.delenv("LSTM_TUI_DEVICE", raising=False)
    return root


@pytest.fixture(autouse=True)
def seeded() -> None:
    import random

    random.seed(0)
    try:
        import torch

        torch.manual_seed(0)
    except ImportError:
        pass


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    paragraphs = TINY_TEXT.split("\n\n") if "\n\n" in TINY_TEXT else [TINY_TEXT]
    (folder / "a.txt").write_text(TINY_TEXT * 3, encoding="utf-8")
    (folder / "b.txt").write_text(TINY_TEXT.upper() + TINY_TEXT, encoding="utf-8")
    (folder / "c.txt").write_text("\n".join(reversed(TINY_TEXT.splitlines())) * 2, encoding="utf-8")
    assert paragraphs
    return folder


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory, tiny_corpus: Path) -> Path:
    """A real bundle: a small LSTM trained for a few seconds on the tiny corpus. Built
    once per test run, on disk, and shared by the xdist workers (each built its own)."""
    from filelock import FileLock  # torch's own dependency

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's
    folder = root / "tiny-bundle" / "tiny"
    with FileLock(str(root / "tiny-bundle.lock")):
        if not (folder / "config.json").exists():
            _build_tiny_bundle(folder, tiny_corpus)
    return folder


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_bundle: Path):
    from lstm_tui.core.tokenizer import Tokenizer

    return Tokenizer.load(tiny_bundle / "tokenizer.model")


def _build_tiny_bundle(folder: Path, corpus: Path) -> None:
    import torch
    import torch.nn.functional as F

    from lstm_tui.core.bundle import save_bundle
    from lstm_tui.core.config import ModelConfig
    from lstm_tui.core.model import LSTMLanguageModel
    from lstm_tui.core.tokenizer import train_tokenizer

    tiny_tokenizer = train_tokenizer([p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))],
                                     vocab_size=400)
    torch.manual_seed(0)
    ids = torch.tensor([tiny_tokenizer.start_id, *tiny_tokenizer.encode(TINY_TEXT * 4)])
    model = LSTMLanguageModel(ModelConfig(vocab_size=tiny_tokenizer.vocab_size, embed_dim=48,
                                          hidden_dim=48, num_layers=2, dropout=0.0))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    seq = 48
    rows = (ids.numel() - 1) // seq
    x = ids[: rows * seq].view(rows, seq)
    y = ids[1: rows * seq + 1].view(rows, seq)
    for _ in range(60):
        logits, _ = model(x)
        loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    save_bundle(model, tiny_tokenizer, folder, {"note": "test fixture"})


@pytest.fixture
def tiny_lm(tiny_bundle: Path):
    from lstm_tui import load_model

    return load_model(tiny_bundle, device="cpu")


def gated_copy(bundle: Path, folder: Path, gate: list[float]) -> Path:
    """A copy of ``bundle`` whose card holds a closing measurement with its own ``gate``,
    as a fine-tune on a writer's text leaves it."""
    import json
    import shutil

    shutil.copytree(bundle, folder)
    card = json.loads((folder / "card.json").read_text())
    gain = {"before": 0.2, "after": 0.3, "precision_before": 0.5, "precision_after": 0.6, "chars": 2400,
            "gate": gate}
    (folder / "card.json").write_text(json.dumps(card | {"writer_gain": gain}))
    return folder


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
