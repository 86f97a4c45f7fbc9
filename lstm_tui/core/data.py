"""Training text: find and read files, split train/validation, cache token ids on disk.

Files are read one at a time and their token ids are written to a memory-mapped
cache keyed by content, so a corpus far larger than memory trains with bounded
memory, and a second run on the same files starts at once.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import DataError
from .tokenizer import Tokenizer

CHUNK = 1 << 22  # bytes read at a time
CACHE_VERSION = 3  # bump when tokenization or the cache layout changes
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class TextFile:
    path: Path
    size: int  # bytes on disk
    sha256: str  # of the raw bytes
    encoding: str


@dataclass
class Corpus:
    files: list[TextFile] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def digest(self) -> str:
        """sha256 over the sorted (content hash, size) list: names do not matter."""
        h = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.sha256):
            h.update(f"{f.sha256}:{f.size}\n".encode())
        return h.hexdigest()

    def summary(self) -> dict:
        return {"files": len(self.files), "bytes": self.total_bytes, "sha256": self.digest(),
                "skipped": len(self.skipped)}


def find_files(paths: Sequence[str | Path]) -> list[Path]:
    """Files under ``paths`` (recursively, hidden entries skipped), sorted, each once."""
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        if path.is_file():
            found[path.resolve()] = None
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if not name.startswith("."):
                    found[(Path(root) / name).resolve()] = None
    return list(found)


def sniff(path: Path) -> tuple[str | None, str | None, str]:
    """(encoding, None, sha256) for a text file, or (None, reason, "") to skip it.

    One pass: it decodes the whole file (to find undecodable bytes) and hashes it.
    """
    digest = hashlib.sha256()
    offset = 0
    try:
        with path.open("rb") as f:
            head = f.read(8192)
            if not head:
                return None, "empty", ""
            encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
            if encoding == "utf-8" and b"\x00" in head:
                return None, "binary", ""
            decoder = codecs.getincrementaldecoder(encoding)()
            f.seek(0)
            chars = 0
            while block := f.read(CHUNK):
                digest.update(block)
                chars += len(decoder.decode(block).strip("\ufeff \t\r\n"))
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (undecodable byte at offset {offset + exc.start})", ""
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})", ""
    if chars == 0:
        return None, "empty", ""
    return encoding, None, digest.hexdigest()


def scan(paths: Sequence[str | Path]) -> Corpus:
    corpus = Corpus()
    for path in find_files(paths):
        encoding, reason, sha256 = sniff(path)
        if reason:
            corpus.skipped.append((path, reason))
            continue
        corpus.files.append(TextFile(path, path.stat().st_size, sha256, encoding))
    return corpus


def normalise(text: str) -> str:
    """Line endings to \\n (CRLF and lone CR), and no byte-order mark."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def iter_text(file: TextFile) -> Iterator[str]:
    """The file's text in pieces that end at a line break, normalised."""
    decoder = codecs.getincrementaldecoder(file.encoding)()
    carry = ""
    with file.path.open("rb") as f:
        while block := f.read(CHUNK):
            text = carry + decoder.decode(block)
            cut = text.rfind("\n") + 1
            if cut == 0:
                carry = text
                continue
            carry = text[cut:]
            yield normalise(text[:cut])
    rest = carry + decoder.decode(b"", final=True)
    if rest:
        yield normalise(rest)


def read_text(file: TextFile) -> str:
    return "".join(iter_text(file))


def sample_text(files: Sequence[TextFile], max_chars: int) -> Iterator[str]:
    """Up to ``max_chars`` characters spread evenly over ``files`` (tokenizer training)."""
    share = max(1, max_chars // max(1, len(files)))
    for file in files:
        taken = 0
        for piece in iter_text(file):
            yield piece[:share - taken]
            taken += len(piece)
            if taken >= share:
                break


def split_files(corpus: Corpus, val_fraction: float,
                val_paths: Sequence[str | Path] = ()) -> tuple[list[TextFile], list[TextFile], bool]:
    """Choose validation documents: ``val_paths`` if given, else whole files worth
    about ``val_fraction`` of the bytes. Returns (train, val, tail_split): with a
    single file, tail_split says to hold out the end of that file instead."""
    if val_paths:
        wanted = {p.resolve() for p in find_files(val_paths)}
        val = [f for f in corpus.files if f.path in wanted]
        extra = scan([p for p in wanted if p not in {f.path for f in corpus.files}])
        val += extra.files
        train = [f for f in corpus.files if f.path not in wanted]
        if not val:
            raise DataError("no readable validation text among the --val files")
        if not train:
            raise DataError("every training file is also a validation file")
        return train, val, False
    if len(corpus.files) == 1:
        return list(corpus.files), [], True
    # A stable pseudo-random order, so the same files always give the same split.
    ordered = sorted(corpus.files, key=lambda f: hashlib.sha256(f.sha256.encode()).hexdigest())
    # Whole files up to about val_fraction of the bytes; a file far larger than what
    # is still wanted is passed over, so one big book cannot take most of the text.
    remaining = val_fraction * corpus.total_bytes
    val: list[TextFile] = []
    for f in ordered[:-1]:
        if remaining <= 0:
            break
        if f.size <= 2 * remaining:
            val.append(f)
            remaining -= f.size
    if not val:
        val = [min(ordered, key=lambda f: f.size)]
    train = [f for f in corpus.files if f not in val]
    return train, val, False


@dataclass
class TokenArrays:
    train: np.ndarray  # memory-mapped token ids of the training split
    val: np.ndarray  # token ids of the validation split
    val_bytes: int  # UTF-8 bytes the validation ids stand for


def dtype_for(vocab_size: int) -> np.dtype:
    return np.dtype(np.uint16 if vocab_size <= 1 << 16 else np.uint32)


def tokenize_files(files: Sequence[TextFile], tokenizer: Tokenizer, cache: Path,
                   tail_fraction: float = 0.0) -> tuple[np.ndarray, np.ndarray | None]:
    """Token ids of ``files`` (a newline before each document) from the on-disk cache, built on
    a miss. With ``tail_fraction`` > 0 (one file), its last part is returned apart."""
    h = hashlib.sha256(f"lstm-tui token cache v{CACHE_VERSION}\n".encode())
    h.update(tokenizer.proto)
    for f in files:
        h.update(f"{f.sha256}\n".encode())
    h.update(f"tail={tail_fraction}".encode())
    key = h.hexdigest()[:32]
    cache.mkdir(parents=True, exist_ok=True)
    meta_path = cache / f"{key}.json"
    bin_path = cache / f"{key}.bin"
    dtype = dtype_for(tokenizer.vocab_size)
    meta = _read_meta(meta_path) if bin_path.exists() else None
    if meta is None:
        _build_cache(files, tokenizer, bin_path, meta_path, dtype, tail_fraction)
        meta = _read_meta(meta_path)
    ids = np.memmap(bin_path, dtype=dtype, mode="r")
    if meta["tail_start"] is None:
        return ids, None
    return ids[:meta["tail_start"]], np.asarray(ids[meta["tail_start"]:])


def _read_meta(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # missing or half-written: rebuild


def _build_cache(files: Sequence[TextFile], tokenizer: Tokenizer, bin_path: Path, meta_path: Path,
                 dtype: np.dtype, tail_fraction: float) -> None:
    tmp = bin_path.with_suffix(f".tmp{os.getpid()}")
    count, tail_start = 0, None

    def write(text: str) -> None:
        nonlocal count
        ids = tokenizer.encode(text)
        out.write(np.asarray(ids, dtype=dtype).tobytes())
        count += len(ids)

    try:
        with tmp.open("wb") as out:
            for file in files:
                out.write(np.asarray([tokenizer.start_id], dtype=dtype).tobytes())
                count += 1
                # With a tail split, the held-out part starts at a paragraph break about
                # (1 - tail_fraction) of the way through, found while streaming.
                split_at = (1 - tail_fraction) * _text_bytes(file) if tail_fraction else None
                seen = 0
                for piece in iter_text(file):
                    size = len(piece.encode("utf-8"))
                    if split_at is not None and tail_start is None and seen + size >= split_at:
                        cut = _tail_cut(piece, int(len(piece) * (split_at - seen) / size))
                        write(piece[:cut])
                        tail_start = count
                        piece = piece[cut:]
                    write(piece)
                    seen += size
            out.flush()
            os.fsync(out.fileno())
        # The ids first, then their meta: a reader trusts a bin only once its meta exists.
        os.replace(tmp, bin_path)
        meta_tmp = meta_path.with_suffix(f".tmp{os.getpid()}")
        meta_tmp.write_text(json.dumps({"tokens": count, "tail_start": tail_start}))
        os.replace(meta_tmp, meta_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _text_bytes(file: TextFile) -> int:
    """UTF-8 bytes of the file's normalised text (what the split counts in)."""
    return sum(len(piece.encode("utf-8")) for piece in iter_text(file))


def _tail_cut(text: str, target: int) -> int:
    """A paragraph (or line, or word) break at or after ``target`` in ``text``."""
    for sep in ("\n\n", "\n", " "):
        cut = text.find(sep, target)
        if 0 <= cut < len(text) - 1:
            return cut + len(sep)
    return min(target, len(text))
