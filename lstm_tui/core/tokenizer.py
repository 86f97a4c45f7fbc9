"""SentencePiece tokenizer: lossless round trips and incremental decoding for streaming."""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import sentencepiece as spm

from .errors import BundleError, DataError
from .jsonfile import read_bounded

_META = "\u2581"  # SentencePiece's whitespace symbol
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
# SentencePiece needs the 256 byte pieces, 3 specials and room for a few real pieces.
MIN_VOCAB = 300
MAX_TOKENIZER_BYTES = 64 * 2**20  # a 32,000-piece SentencePiece model is under 1 MB


class Tokenizer:
    """Encodes text to ids and back, exactly: encode then decode returns the input."""

    def __init__(self, proto: bytes, source: str = "<memory>") -> None:
        self.proto = proto
        self.source = source
        self._sp = spm.SentencePieceProcessor()
        try:
            self._sp.LoadFromSerializedProto(proto)
        except Exception as exc:  # sentencepiece raises a bare RuntimeError/OSError
            raise BundleError(f"{source}: not a SentencePiece model ({exc})") from None
        self.vocab_size = self._sp.get_piece_size()
        self._meta_ids = [self._sp.piece_to_id(f"<0x{b:02X}>") for b in _META.encode("utf-8")]
        self.bos_id = self._sp.bos_id()
        # What the model reads before any text, and between documents: a newline.
        # Not BOS: a token the model almost never reads has an untrained input
        # embedding (tied to an output row pushed away from every context), and one
        # read of it can derail the LSTM state for thousands of tokens.
        newline = self._sp.piece_to_id("\n")
        self.start_id = newline if self._sp.id_to_piece(newline) == "\n" else self.bos_id
        # The UTF-8 bytes each id stands for, so streaming can decode one id at a time.
        self.piece_bytes: list[bytes] = [self._bytes_of(i) for i in range(self.vocab_size)]
        # Ids whose text has a letter or digit (a byte piece may be part of one): what
        # the document cache counts in a match, so a line break or a bullet is no evidence.
        self.wordy_ids = frozenset(i for i, b in enumerate(self.piece_bytes)
                                   if any(c >= 0x80 or chr(c).isalnum() for c in b))
        # Ids that stand for no text (unknown, begin and end of text): generation stops there.
        self.control_ids = frozenset(i for i in range(self.vocab_size)
                                     if self._sp.is_control(i) or self._sp.is_unknown(i))

    @classmethod
    def load(cls, path: str | Path) -> Tokenizer:
        path = Path(path)
        try:
            proto = read_bounded(path, MAX_TOKENIZER_BYTES)
        except OSError as exc:
            raise BundleError(f"{path}: cannot read tokenizer ({exc.strerror})") from None
        except ValueError as exc:
            raise BundleError(f"{path}: {exc}") from None
        return cls(proto, source=str(path))

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.proto)

    def _bytes_of(self, i: int) -> bytes:
        sp = self._sp
        if sp.is_control(i) or sp.is_unknown(i):
            return b""
        piece = sp.id_to_piece(i)
        if sp.is_byte(i):
            match = _BYTE_PIECE.match(piece)
            return bytes([int(match.group(1), 16)]) if match else b""
        return piece.replace("\u2581", " ").encode("utf-8")

    def encode(self, text: str) -> list[int]:
        if _META not in text:
            return self._sp.encode(text)
        # SentencePiece reads a literal U+2581 as its own space marker; spell it in
        # byte pieces so it survives the round trip.
        ids: list[int] = []
        for i, part in enumerate(text.split(_META)):
            if i:
                ids.extend(self._meta_ids)
            if part:
                ids.extend(self._sp.encode(part))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        return b"".join(self.piece_bytes[i] for i in ids).decode("utf-8", errors="replace")

    def decoder(self) -> IncrementalDecoder:
        return IncrementalDecoder(self)


class IncrementalDecoder:
    """Turns ids into text one at a time; a multi-byte character split across byte
    pieces comes out whole once its last byte arrives."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._bytes = tokenizer.piece_bytes
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, token_id: int) -> str:
        return self._utf8.decode(self._bytes[token_id])

    def flush(self) -> str:
        return self._utf8.decode(b"", final=True)


def train_tokenizer(texts: Iterable[str], vocab_size: int, max_chars: int = 50_000_000) -> Tokenizer:
    """Train a unigram SentencePiece model that keeps every character, space and newline.

    ``vocab_size`` is an upper bound: a small corpus gets the vocabulary it can support
    rather than SentencePiece's "vocabulary size too high" error.
    """
    if vocab_size < MIN_VOCAB:
        raise DataError(f"vocabulary size must be at least {MIN_VOCAB}, not {vocab_size}")
    sentences = list(_sentences(texts, max_chars))
    if not sentences:
        raise DataError("no text to train a tokenizer on")
    # Rare characters beyond the coverage fall back to byte pieces, so when a small
    # vocabulary cannot hold every character, lower the coverage rather than fail.
    for coverage in (0.9995, 0.995, 0.98):  # SentencePiece accepts no lower coverage
        model = io.BytesIO()
        try:
            _train(sentences, model, vocab_size, coverage)
            break
        except RuntimeError as exc:
            if "required_chars" not in str(exc):
                raise DataError(f"tokenizer training failed: {str(exc).splitlines()[0]}") from None
    else:
        raise DataError(f"the text has too many distinct characters for a vocabulary of {vocab_size}; "
                        "raise --vocab-size")
    return Tokenizer(model.getvalue())


def _train(sentences: list[str], model: io.BytesIO, vocab_size: int, coverage: float) -> None:
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_writer=model,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        model_type="unigram",
        byte_fallback=True,
        character_coverage=coverage,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=False,
        allow_whitespace_only_pieces=True,
        split_digits=True,
        user_defined_symbols=["\n", "\t"],
        max_sentence_length=1 << 16,
        input_sentence_size=2_000_000,
        shuffle_input_sentence=True,
        unk_surface="",
        pad_id=-1,
        num_threads=2,
        minloglevel=2,
    )


def _sentences(texts: Iterable[str], max_chars: int) -> Iterator[str]:
    """Paragraph-sized pieces (newlines kept inside), so the tokenizer learns "\\n"."""
    total = 0
    for text in texts:
        for para in re.split(r"(?<=\n\n)", text):
            for start in range(0, len(para), 8000):
                chunk = para[start:start + 8000]
                if chunk:
                    total += len(chunk)
                    yield chunk
                if total >= max_chars:
                    return
