import codecs

import numpy as np
import pytest
import torch

from lstm_tui.core.data import find_files, normalise, read_text, scan, split_files, tokenize_files
from lstm_tui.core.errors import DataError


@pytest.fixture
def mixed(tmp_path):
    d = tmp_path / "mixed"
    (d / "sub").mkdir(parents=True)
    (d / "plain.txt").write_text("hello\r\nworld\r\n", encoding="utf-8")
    (d / "bom8.txt").write_bytes(codecs.BOM_UTF8 + "café\n".encode())
    (d / "bom16.txt").write_bytes("naïve text\n".encode("utf-16"))
    (d / "sub" / "deep.md").write_text("deep file\n", encoding="utf-8")
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (d / "latin1.txt").write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_text("  \n\n ", encoding="utf-8")
    (d / ".hidden.txt").write_text("secret", encoding="utf-8")
    return d


def test_scan_reads_and_skips_with_reasons(mixed):
    corpus = scan([mixed])
    read = sorted(f.path.name for f in corpus.files)
    assert read == ["bom16.txt", "bom8.txt", "deep.md", "plain.txt"]
    reasons = {p.name: why for p, why in corpus.skipped}
    assert reasons["image.png"] == "binary"
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["empty.txt"] == "empty" and reasons["blank.txt"] == "empty"
    assert ".hidden.txt" not in reasons


def test_encodings_and_line_endings_normalised(mixed):
    texts = {f.path.name: read_text(f) for f in scan([mixed]).files}
    assert texts["plain.txt"] == "hello\nworld\n"
    assert texts["bom8.txt"] == "café\n"
    assert texts["bom16.txt"] == "naïve text\n"


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        find_files([tmp_path / "nope"])


def test_normalise():
    assert normalise("\ufeffa\r\nb\rc\n") == "a\nb\nc\n"


def test_split_by_document_and_tail(tiny_corpus, tiny_tokenizer, tmp_path):
    corpus = scan([tiny_corpus])
    train, val, tail = split_files(corpus, 0.2)
    assert val and train and not tail and not set(train) & set(val)
    assert split_files(corpus, 0.2) == (train, val, tail)  # stable
    single = scan([tiny_corpus / "a.txt"])
    train, val, tail = split_files(single, 0.1)
    assert tail and not val
    head, held = tokenize_files(train, tiny_tokenizer, tmp_path / "cache", tail_fraction=0.1)
    whole = tiny_tokenizer.encode(read_text(single.files[0]))
    assert 0.05 < len(held) / len(whole) < 0.2
    assert tiny_tokenizer.decode(list(head[1:])) + tiny_tokenizer.decode(list(held)) == read_text(single.files[0])


def test_token_cache_hits_second_time(tiny_corpus, tiny_tokenizer, tmp_path):
    files = scan([tiny_corpus]).files
    ids, _ = tokenize_files(files, tiny_tokenizer, tmp_path)
    assert isinstance(ids, np.memmap)
    stamp = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    again, _ = tokenize_files(files, tiny_tokenizer, tmp_path)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamp
    assert np.array_equal(ids, again)
    assert ids[0] == tiny_tokenizer.start_id == tiny_tokenizer.encode("\n")[0]


def test_tail_split_of_single_utf16_crlf_file(tmp_path, tiny_tokenizer):
    from tests.conftest import TINY_TEXT

    path = tmp_path / "one.txt"
    path.write_bytes((TINY_TEXT * 4).replace("\n", "\r\n").encode("utf-16"))
    corpus = scan([path])
    train, _val, _tail = split_files(corpus, 0.1)
    head, held = tokenize_files(train, tiny_tokenizer, tmp_path / "cache", tail_fraction=0.1)
    assert held is not None and 0.05 < len(held) / (len(head) + len(held)) < 0.2


def test_one_big_file_does_not_become_all_validation(tmp_path):
    (tmp_path / "novel.txt").write_text("word " * 200_000)
    for i in range(10):
        (tmp_path / f"note{i}.txt").write_text("note " * 4_000)
    train, val, _ = split_files(scan([tmp_path]), 0.1)
    assert sum(f.size for f in train) > 0.8 * sum(f.size for f in train + val)


def test_scan_hashes_content_and_reports_the_file_offset(tmp_path):
    import hashlib

    from lstm_tui.core.data import CHUNK

    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "b.txt").write_bytes(b"x" * CHUNK + b"\xff bad")
    corpus = scan([tmp_path])
    assert corpus.files[0].sha256 == hashlib.sha256(b"hello\n").hexdigest()
    assert corpus.skipped[0][1] == f"not UTF-8 text (undecodable byte at offset {CHUNK})"


def test_batches_continue_rows_and_move_their_cuts_each_pass():
    from lstm_tui.core.batches import BatchStream

    ids = np.arange(1000, dtype=np.int32)
    stream = BatchStream(ids, rows=4, seq_len=10, seed=3)
    assert stream.offset(0) == 0
    offsets = {stream.offset(epoch) for epoch in range(1, 30)}
    assert len(offsets) > 1 and all(0 <= o <= stream.slack for o in offsets)
    assert BatchStream(ids, rows=4, seq_len=10, seed=3).offset(5) == stream.offset(5)  # seeded: resumable
    for epoch in (0, 7):
        first, last = stream.batch(0, epoch), stream.batch(stream.per_epoch - 1, epoch)
        for x, y in (first, last):
            assert torch.equal(y[:, :-1], x[:, 1:])  # targets are the next tokens
            # Every row stays within its own stretch of the text.
            assert torch.all(x // stream.row_len == torch.arange(4)[:, None])
            assert torch.all(y // stream.row_len == torch.arange(4)[:, None])
        assert int(first[0][0, 0]) == stream.offset(epoch)
        nxt = stream.batch(1, epoch)[0]
        assert torch.equal(nxt[:, 0], first[1][:, -1])  # the next window continues the row


def test_batches_fit_text_barely_longer_than_a_window():
    from lstm_tui.core.batches import BatchStream

    stream = BatchStream(np.arange(12, dtype=np.int32), rows=1, seq_len=10)
    assert stream.per_epoch == 1 and stream.slack == 1
    x, y = stream.batch(0, epoch=4)
    assert x.shape == y.shape == (1, 10) and int(y[0, -1]) <= 11
    with pytest.raises(DataError):
        BatchStream(np.arange(10, dtype=np.int32), rows=1, seq_len=10)


WRAPPED_PARAGRAPH = (
    "It was the best of times, it was the worst of times, it was the age of\n"
    "wisdom, it was the age of foolishness, it was the epoch of belief, it\n"
    "was the epoch of incredulity, it was the season of Light, it was the\n"
    "season of Darkness, it was the spring of hope, it was the winter.\n")


@pytest.fixture
def wrapped_and_not(tmp_path):
    """A Gutenberg-style file wrapped at 72 columns, one of a paragraph per line, and verse."""
    wrapped = tmp_path / "wrapped.txt"
    wrapped.write_text("CHAPTER I\r\n\r\n" + "\r\n".join([WRAPPED_PARAGRAPH.replace("\n", "\r\n")] * 8),
                       encoding="utf-8")
    flat = tmp_path / "flat.txt"
    flat.write_text("\n".join([WRAPPED_PARAGRAPH.replace("\n", " ").strip() + "\n"] * 8), encoding="utf-8")
    verse = tmp_path / "verse.txt"
    stanza = ("Shall I compare thee\nto a summer's day? Thou art more lovely and more temperate:\n"
              "Rough winds\ndo shake the darling buds of May,\n")
    verse.write_text("\n".join([stanza] * 8), encoding="utf-8")
    return tmp_path


def test_hard_wrapped_files_are_found_and_joined(wrapped_and_not):
    files = {f.path.name: f for f in scan([wrapped_and_not], unwrap=True).files}
    assert files["wrapped.txt"].wrapped and files["wrapped.txt"].unwrap
    assert not files["flat.txt"].wrapped and not files["verse.txt"].wrapped
    text = read_text(files["wrapped.txt"])
    one_line = WRAPPED_PARAGRAPH.replace("\n", " ").strip()
    assert text.startswith("CHAPTER I\n\n" + one_line + "\n\n" + one_line + "\n")
    assert text.count("\n\n") == 8 and "age of wisdom" in text
    # Unwrapping is per file: the others read as they are.
    assert read_text(files["flat.txt"]) == files["flat.txt"].path.read_text()
    assert read_text(files["verse.txt"]) == files["verse.txt"].path.read_text()


def test_keep_line_breaks_reads_wrapped_files_as_they_are(wrapped_and_not):
    (wrapped,) = [f for f in scan([wrapped_and_not]).files if f.path.name == "wrapped.txt"]
    assert wrapped.wrapped and not wrapped.unwrap
    assert read_text(wrapped).count("\n") == 1 + 8 * 4 + 8 + 1 - 1


def test_paragraphs_are_joined_across_read_pieces(monkeypatch, tmp_path):
    import lstm_tui.core.data as data

    monkeypatch.setattr(data, "CHUNK", 100)  # pieces end mid-paragraph
    path = tmp_path / "w.txt"
    path.write_text("\n".join([WRAPPED_PARAGRAPH] * 30), encoding="utf-8")
    (f,) = scan([path], unwrap=True).files
    assert read_text(f) == "\n".join([WRAPPED_PARAGRAPH.replace("\n", " ").strip() + "\n"] * 30)


def test_unwrapped_files_get_their_own_token_cache(wrapped_and_not, tiny_tokenizer, tmp_path):
    plain = [f for f in scan([wrapped_and_not]).files if f.path.name == "wrapped.txt"]
    joined = [f for f in scan([wrapped_and_not], unwrap=True).files if f.path.name == "wrapped.txt"]
    a, _ = tokenize_files(plain, tiny_tokenizer, tmp_path / "cache")
    b, _ = tokenize_files(joined, tiny_tokenizer, tmp_path / "cache")
    newline = tiny_tokenizer.encode("\n")[-1]
    assert np.count_nonzero(np.asarray(a) == newline) > np.count_nonzero(np.asarray(b) == newline)


@pytest.mark.parametrize("unwrap", [False, True])
@pytest.mark.parametrize("text", ["word " * 4000 + "end", "x" * 20_000 + "\r\n" + "tail", "ab" * 9000],
                         ids=["words", "one-word-then-crlf", "no-space"])
def test_a_line_without_end_is_read_in_bounded_parts(tmp_path, monkeypatch, unwrap, text):
    # A 100 MB file without a line break was held whole (3.6 GB); with small limits
    # here, every part stays near them and the parts add up to the text.
    from lstm_tui.core import data

    monkeypatch.setattr(data, "CHUNK", 256)
    monkeypatch.setattr(data, "MAX_PARAGRAPH", 1000)
    path = tmp_path / "long.txt"
    path.write_bytes(text.encode())
    file = data.TextFile(path, path.stat().st_size, "", "utf-8", unwrap=unwrap)
    parts = list(data.iter_text(file))
    assert max(len(p) for p in parts) <= 1000 + 2 * 256
    assert "".join(parts) == data.normalise(text)


def test_validation_files_outside_the_training_paths_keep_one_order(tmp_path):
    """--val files that are not among the training paths come back in the order given
    (a set gave a different order in each process, so a run and its resume missed the
    token cache and validated on differently cut text)."""
    train_dir, val_dir = tmp_path / "train", tmp_path / "val"
    train_dir.mkdir(), val_dir.mkdir()
    (train_dir / "t.txt").write_text("Training text of a few words.\n" * 20, encoding="utf-8")
    names = ["f", "b", "e", "a", "d", "c"]
    for name in names:
        (val_dir / f"{name}.txt").write_text(f"Validation text {name}.\n" * 5, encoding="utf-8")
    given = [val_dir / f"{name}.txt" for name in names]
    _, val, _ = split_files(scan([train_dir]), 0.1, val_paths=given)
    assert [f.path.name for f in val] == [f"{name}.txt" for name in names]
