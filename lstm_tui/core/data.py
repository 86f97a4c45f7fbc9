"""Training text: find and read files, split train/validation, cache token ids on disk.

Files are read one at a time and their token ids are written to a memory-mapped
cache keyed by content, so a corpus far larger than memory trains with bounded
memory, and a second run on the same files starts at once.

A hard-wrapped file (most lines of a paragraph end near one width, paragraphs apart
by blank lines, as in Project Gutenberg's books) can be read with each paragraph
joined into one line, so a model does not learn to break lines where a printed page
did.

What a file holds is told by readers.kind_of: plain text is read as it is, Markdown
without its markup (markdown.py), mail as the writer's own words of each message
(mail.py; a whole mbox or Maildir is one file here).
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

from . import mail, readers
from .atomic import atomic_write_text, atomic_writer, private_dir
from .errors import DataError, Writing
from .markdown import markdown_text
from .tokenizer import Tokenizer

CHUNK = 1 << 22  # bytes read at a time
CACHE_VERSION = 5  # bump when tokenization or the cache layout changes
MAX_PARAGRAPH = 1 << 22  # characters of one paragraph held while joining its lines
WRAP_SAMPLE = 1 << 20  # characters of a file read to tell whether it is hard-wrapped
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class TextFile:
    path: Path  # a file, or a Maildir folder
    size: int  # bytes on disk; of a mailbox, UTF-8 bytes of the text kept from it
    sha256: str  # of the raw bytes (of a mailbox, of its messages')
    encoding: str  # "" for mail: each message says its own
    wrapped: bool = False  # its paragraphs are hard-wrapped (see is_hard_wrapped)
    unwrap: bool = False  # read with each paragraph joined into one line
    kind: str = "text"  # one of readers.KINDS
    from_address: str | None = None  # mail: only messages from this address are read
    skip: frozenset[str] = frozenset()  # mail: keys of messages read in an earlier mailbox

    @property
    def rule(self) -> str:
        """How its text is read beyond its bytes ("" for plain text)."""
        return readers.rule(self.kind, self.from_address, self.skip)


@dataclass
class Corpus:
    files: list[TextFile] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    mailboxes: dict[Path, mail.MailCount] = field(default_factory=dict)  # what each mailbox held

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
                "skipped": len(self.skipped), "unwrapped": sum(f.unwrap for f in self.files)}


def find_files(paths: Sequence[str | Path]) -> list[Path]:
    """Files under ``paths`` (recursively, hidden entries skipped), sorted, each once;
    a Maildir (and its Maildir++ subfolders) as the folder itself."""
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        if path.is_file():
            found[path.resolve()] = None
            continue
        if mail.is_maildir(path):
            found.update(dict.fromkeys(p.resolve() for p in mail.maildir_folders(path)))
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in list(dirs):  # a Maildir is one source, not a folder of files
                if mail.is_maildir(Path(root) / name):
                    dirs.remove(name)
                    found.update(dict.fromkeys(p.resolve() for p in mail.maildir_folders(Path(root) / name)))
            for name in sorted(names):
                if not name.startswith("."):
                    found[(Path(root) / name).resolve()] = None
    return list(found)


@dataclass(frozen=True)
class Sniffed:
    """What one reading of a file found: how to decode it, or why to skip it."""

    encoding: str | None = None
    reason: str | None = None  # set when the file is skipped
    sha256: str = ""
    wrapped: bool = False


def sniff(path: Path, kind: str = "text") -> Sniffed:
    """How to read ``path`` as text, or why not.

    One pass: it decodes the whole file (to find undecodable bytes), hashes it, and
    looks at the line lengths of its first WRAP_SAMPLE characters (for Markdown, of
    the text left when the markup is dropped).
    """
    digest = hashlib.sha256()
    offset = 0
    head_text: list[str] = []
    kept = 0
    try:
        with path.open("rb") as f:
            head = f.read(8192)
            if not head:
                return Sniffed(reason="empty")
            encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
            if encoding == "utf-8" and b"\x00" in head:
                return Sniffed(reason="binary")
            decoder = codecs.getincrementaldecoder(encoding)()
            f.seek(0)
            chars = 0
            while block := f.read(CHUNK):
                digest.update(block)
                text = decoder.decode(block)
                if kept < WRAP_SAMPLE:
                    head_text.append(text[:WRAP_SAMPLE - kept])
                    kept += len(head_text[-1])
                chars += len(text.strip("\ufeff \t\r\n"))
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return Sniffed(reason=f"not UTF-8 text (undecodable byte at offset {offset + exc.start})")
    except OSError as exc:
        return Sniffed(reason=f"unreadable ({exc.strerror})")
    if chars == 0:
        return Sniffed(reason="empty")
    head = normalise("".join(head_text))
    if kind == "markdown":
        head = "".join(markdown_text([head]))
        if not head.strip() and kept < WRAP_SAMPLE:
            return Sniffed(reason="nothing but markup")
    return Sniffed(encoding, None, digest.hexdigest(), is_hard_wrapped(head))


def is_hard_wrapped(text: str) -> bool:
    """Whether ``text`` looks like prose hard-wrapped at a fixed width: paragraphs apart
    by blank lines, most lines inside a paragraph (those followed by another line)
    ending near one width of 50 to 100 columns. Verse and code have lines of many
    lengths; text of one line per paragraph has few lines inside a paragraph."""
    lines = text.split("\n")[:-1]  # the last may be cut off mid-line
    lengths = [len(line.rstrip()) for line in lines]
    full = sorted(n for n in lengths if n)
    if len(full) < 20 or len(full) == len(lengths):  # too little to judge, or no blank line
        return False
    width = full[int(0.9 * len(full))]
    inner = [n for n, after in zip(lengths, lengths[1:]) if n and after]
    near = sum(1 for n in inner if n >= 0.7 * width)
    return 50 <= width <= 100 and len(inner) >= 0.5 * len(full) and near >= 0.85 * len(inner)


def scan(paths: Sequence[str | Path], unwrap: bool = False, from_address: str | None = None) -> Corpus:
    """The text files and mailboxes under ``paths`` and the ones skipped, with why.
    With ``unwrap``, hard-wrapped files are read with each paragraph on one line; with
    ``from_address``, only mail from that address is read. A message is read once,
    from the first mailbox that holds it (in the order found)."""
    corpus = Corpus()
    messages: set[str] = set()  # keys of the messages read so far (mail.message_key)
    for path in find_files(paths):
        kind = readers.kind_of(path)
        if why := readers.not_writing(path):
            corpus.skipped.append((path, why))
        elif kind in mail.KINDS:
            box = mail.sniff_mail(path, kind, from_address, WRAP_SAMPLE, earlier=messages)
            corpus.mailboxes[path] = box.count
            messages |= box.keys
            if box.reason:
                corpus.skipped.append((path, box.reason))
                continue
            wrapped = is_hard_wrapped(box.head)
            corpus.files.append(TextFile(path, box.text_bytes, box.sha256, "", wrapped, unwrap and wrapped,
                                         kind, from_address, box.copies))
        elif (found := sniff(path, kind)).reason:
            corpus.skipped.append((path, found.reason))
        else:
            corpus.files.append(TextFile(path, path.stat().st_size, found.sha256, found.encoding,
                                         found.wrapped, unwrap and found.wrapped, kind))
    return corpus


def normalise(text: str) -> str:
    """Line endings to \\n (CRLF and lone CR), and no byte-order mark."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def iter_text(file: TextFile) -> Iterator[str]:
    """The file's text in pieces that end at a line break, normalised (and with its
    paragraphs joined when ``file.unwrap``). A line longer than MAX_PARAGRAPH characters
    comes in parts cut before a space, so memory stays bounded on a file without line
    breaks (a 100 MB line took 3.6 GB). Markdown comes without its markup, a mailbox
    as its writer's own words, one message at a time."""
    if file.kind in mail.KINDS:
        pieces = mail.read_mail(file.path, file.kind, file.from_address, skip=file.skip)
    elif file.kind == "markdown":
        pieces = markdown_text(_iter_lines(file))
    else:
        pieces = _iter_lines(file)
    return join_paragraphs(pieces) if file.unwrap else pieces


def _iter_lines(file: TextFile) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(file.encoding)()
    carry = ""
    try:
        f = file.path.open("rb")
    except OSError as exc:
        raise DataError(f"{file.path}: cannot be read ({exc.strerror or exc})") from None
    with f:
        while block := f.read(CHUNK):
            text = carry + decoder.decode(block)
            cut = text.rfind("\n") + 1
            if cut == 0 and len(text) > MAX_PARAGRAPH:
                cut = _long_line_cut(text)
            if cut == 0:
                carry = text
                continue
            carry = text[cut:]
            yield normalise(text[:cut])
    rest = carry + decoder.decode(b"", final=True)
    if rest:
        yield normalise(rest)


def _long_line_cut(text: str) -> int:
    """Where to cut a line too long to hold: before its last space (SentencePiece
    splits there anyway), else anywhere but inside a CRLF."""
    cut = text.rfind(" ")
    if cut > 0:
        return cut
    return len(text) - 1 if text.endswith("\r") else len(text)


def join_paragraphs(pieces: Iterator[str]) -> Iterator[str]:
    """Each paragraph (lines between blank lines) of normalised text as one line: its
    lines stripped and joined by a space. Blank lines are kept as they are. A
    paragraph longer than MAX_PARAGRAPH characters is let out in parts, so memory stays
    bounded on a file without blank lines; a single line that long is let out as it
    is, to its end."""
    carry = ""
    mid_line = False  # the last part let out ended inside a line too long to hold
    for piece in pieces:
        text = carry + piece
        carry = ""
        if mid_line:
            end = text.find("\n") + 1
            if end == 0:
                if len(text) > MAX_PARAGRAPH:
                    yield text
                else:
                    carry = text
                continue
            yield text[:end]
            text, mid_line = text[end:], False
        cut = text.rfind("\n\n") + 2
        if cut == 1 and len(text) > MAX_PARAGRAPH:
            cut = text.rfind("\n") + 1
            if cut == 0:  # part of one long line, nothing to join: as it is
                yield text
                mid_line = True
                continue
        if cut <= 1:
            carry = text
            continue
        carry = text[cut:]
        yield _join_lines(text[:cut])
    if carry:
        yield carry if mid_line else _join_lines(carry)


def _join_lines(text: str) -> str:
    lines = text.split("\n")
    ends_with_newline = lines[-1] == ""
    if ends_with_newline:
        lines.pop()
    out: list[str] = []
    paragraph: list[str] = []
    for line in lines:
        if line.strip():
            paragraph.append(line.strip())
            continue
        if paragraph:
            out.append(" ".join(paragraph))
            paragraph = []
        out.append("")
    if paragraph:
        out.append(" ".join(paragraph))
    return "\n".join(out) + "\n" * ends_with_newline


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


def split_files(corpus: Corpus, val_fraction: float, val_paths: Sequence[str | Path] = (),
                unwrap: bool = False, from_address: str | None = None,
                ) -> tuple[list[TextFile], list[TextFile], bool]:
    """Choose validation documents: ``val_paths`` if given, else whole files worth
    about ``val_fraction`` of the bytes. Returns (train, val, tail_split): with a
    single file, tail_split says to hold out the end of that file instead.

    A mailbox is one document here, never split message by message: a thread's
    messages repeat each other's phrases and topics, so held-out messages from the
    threads trained on would flatter the validation figure. Alone, a mailbox is split
    at its tail, which holds its latest messages (an mbox grows at its end; a Maildir
    is read in the order of its names, which start with the delivery time): the
    writing held out is the writer's later writing, as a personal model meets it.
    Separate .eml files are a document each, as separate text files are."""
    if val_paths:
        # A list, not a set: the files keep one order in every process, so the token
        # cache's key (and the validation figure) is the same in a run and its resume.
        wanted = [p.resolve() for p in find_files(val_paths)]
        in_corpus = {f.path for f in corpus.files}
        val = [f for f in corpus.files if f.path in set(wanted)]
        extra = scan([p for p in wanted if p not in in_corpus], unwrap, from_address)
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
        rule = f" {f.rule}" if f.rule else ""  # "" for plain text: its older caches still serve
        h.update(f"{f.sha256}{' unwrapped' * f.unwrap}{rule}\n".encode())
    h.update(f"tail={tail_fraction}".encode())
    key = h.hexdigest()[:32]
    private_dir(cache)
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
    count, tail_start = 0, None
    # A failed write (a full disk) is named as the cache's problem; a text file that
    # cannot be read says so itself (a DataError from iter_text).
    with Writing(bin_path.parent, "the token cache"):
        with atomic_writer(bin_path, private=True) as out:

            def write(ids: list[int]) -> None:
                nonlocal count
                out.write(np.asarray(ids, dtype=dtype).tobytes())
                count += len(ids)

            for file in files:
                write([tokenizer.start_id])
                # With a tail split, the held-out part starts at a paragraph break about
                # (1 - tail_fraction) of the way through, found while streaming.
                split_at = (1 - tail_fraction) * _text_bytes(file) if tail_fraction else None
                seen = 0
                for piece in iter_text(file):
                    size = len(piece.encode("utf-8"))
                    if split_at is not None and tail_start is None and seen + size >= split_at:
                        cut = _tail_cut(piece, int(len(piece) * (split_at - seen) / size))
                        write(tokenizer.encode(piece[:cut]))
                        tail_start = count
                        piece = piece[cut:]
                    write(tokenizer.encode(piece))
                    seen += size
        # The ids first, then their meta: a reader trusts a bin only once its meta exists.
        atomic_write_text(meta_path, json.dumps({"tokens": count, "tail_start": tail_start}), private=True)


def _text_bytes(file: TextFile) -> int:
    """UTF-8 bytes of the file's normalised text (what the split counts in)."""
    if file.kind in mail.KINDS:
        return file.size  # counted when it was scanned (with joined paragraphs, about)
    return sum(len(piece.encode("utf-8")) for piece in iter_text(file))


def _tail_cut(text: str, target: int) -> int:
    """A paragraph (or line, or word) break at or after ``target`` in ``text``."""
    for sep in ("\n\n", "\n", " "):
        cut = text.find(sep, target)
        if 0 <= cut < len(text) - 1:
            return cut + len(sep)
    return min(target, len(text))
