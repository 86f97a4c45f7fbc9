"""Mail as a writer's prose: of each message in an mbox, a Maildir or an .eml file,
only what its writer wrote.

Kept: the text/plain body (or the text of the HTML body when there is no plain
one). Dropped: headers, quoted lines ("> "), "On ... wrote:" attributions and the
quotes below them, forwarded and original messages ("---------- Forwarded message
----------", "-----Original Message-----", an Outlook "From: / Sent:" block) and all
below them, and the signature ("-- " and below). With ``from_address``, only
messages whose From address is that one (case aside) are read. A message is read
once: a copy of it (the same Message-ID, or without one the same text), in the same
mailbox or in one read before (an mbox and a Maildir of the same mail), is left out.

Messages are read one at a time (the stdlib's ``mailbox`` finds them, ``email``
parses them), so a mailbox of any size is read in bounded memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import mailbox
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from pathlib import Path

from .errors import DataError

RULE = "mail v1"  # bump when what is kept changes: it is part of the token cache's key
KINDS = ("mbox", "maildir", "eml")
LEFT_OUT_FOLDERS = ("trash", "junk", "spam", "deleted")  # Maildir++ folders not read

_FORWARD = re.compile(r"^\s*(-{2,}\s*(forwarded message|original message)\s*-{2,}"
                      r"|begin forwarded message:)\s*$", re.IGNORECASE)
# "wrote:" in the languages of the clients met most (French, German, Spanish, Italian,
# Dutch, Scandinavian); an attribution in another is dropped only with its quotes.
_WROTE_WORDS = r"(\b(wrote|writes|a écrit|escribió|ha scritto|schreef|skrev)\s*|\bschrieb\b.*):\s*$"
_ON_WORDS = r"^\s*(on|le|am|el|il|op|den)\s"
_ON_WROTE = re.compile(_ON_WORDS + ".*" + _WROTE_WORDS, re.IGNORECASE)
_ON = re.compile(_ON_WORDS, re.IGNORECASE)
_WROTE = re.compile(_WROTE_WORDS, re.IGNORECASE)
_HEADER_FROM = re.compile(r"^\s*\*?from:\*?\s", re.IGNORECASE)
_HEADER_SENT = re.compile(r"^\s*\*?(sent|date):\*?\s", re.IGNORECASE)
_RULE_LINE = re.compile(r"^\s*_{8,}\s*$")
_MBOX_ESCAPE = re.compile(r"^>+From ")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
COPY = "a copy of another mailbox"  # why a mailbox of nothing but copies is skipped


@dataclass
class MailCount:
    """What reading one mailbox came to."""

    found: int = 0  # messages in it, less the copies
    copies: int = 0  # of messages read before (in it, or in a mailbox read before it)
    kept: int = 0  # messages with text of the writer's own
    words: int = 0  # in what was kept
    skipped: Counter[str] = field(default_factory=Counter)  # why a message was left out -> how many


@dataclass(frozen=True)
class MailSniff:
    """One reading of a mailbox: its digest and what it holds, or why to skip it."""

    reason: str | None = None  # set when nothing in it is read
    sha256: str = ""  # of its messages' raw bytes, in reading order
    text_bytes: int = 0  # UTF-8 bytes of the text kept
    head: str = ""  # the first characters of that text
    count: MailCount = field(default_factory=MailCount)
    keys: frozenset[str] = frozenset()  # of the messages kept (message_key)
    copies: frozenset[str] = frozenset()  # keys of messages left out as read in an earlier mailbox


class Copies:
    """Which messages were read already: this mailbox's, and ``earlier`` (the keys of
    the mailboxes read before it)."""

    def __init__(self, earlier: Collection[str] = ()) -> None:
        self.earlier = earlier
        self.mine: set[str] = set()
        self.hits: set[str] = set()  # found in ``earlier``

    def seen(self, kind: str, value: str) -> bool:
        """Whether the message told by ``value`` (its Message-ID or its text: ``kind``)
        was read already; it counts as read from now."""
        key = message_key(kind, value)
        if key in self.mine:
            return True
        if key in self.earlier:
            self.hits.add(key)
            return True
        self.mine.add(key)
        return False


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def maildir_folders(path: Path) -> list[Path]:
    """A Maildir and its Maildir++ subfolders (".Sent", ".Archive"), but not trash or spam."""
    subfolders = sorted(p for p in path.iterdir() if p.name.startswith(".") and is_maildir(p)
                        and not any(word in p.name.lower() for word in LEFT_OUT_FOLDERS))
    return [path, *subfolders]


def looks_like_mbox(head: bytes) -> bool:
    """An mbox starts with a "From " line that has a time in it, then a header."""
    first, _, rest = head.partition(b"\n")
    return (first.startswith(b"From ") and re.search(rb"\d\d?:\d\d", first) is not None
            and re.match(rb"[!-9;-~]+:", rest) is not None)


def is_address(text: str) -> bool:
    """Whether ``text`` is a bare email address (me@example.com)."""
    name, at, domain = text.strip().rpartition("@")
    return bool(at and name and domain) and not any(c.isspace() or c in "<>,@" for c in name + domain)


def rule(from_address: str | None, skip: Collection[str] = ()) -> str:
    """How a mailbox is read (part of the token cache's key): the rule's version, the
    From address asked for, and which messages are left out as read elsewhere."""
    skipped = hashlib.sha256("\n".join(sorted(skip)).encode()).hexdigest()[:16] if skip else ""
    return RULE + (f" from={from_address.strip().lower()}" if from_address else "") + (
        f" skip={skipped}" if skipped else "")


def message_key(kind: str, value: str) -> str:
    """What tells one message from another, hashed so a mailbox's keys stay small:
    its Message-ID ("id"), or for a message without one the writer's text of it ("text")."""
    return hashlib.sha256(f"{kind} {value}".encode()).hexdigest()[:24]


def message_id(raw: bytes) -> str:
    """A message's Message-ID, without its angle brackets and case ("" if it has none);
    only the header block is parsed."""
    end = _HEADER_END.search(raw)
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:end.end()] if end else raw)
    return str(headers.get("Message-ID", "")).strip().strip("<>").strip().lower()


def raw_messages(path: Path, kind: str) -> Iterator[bytes]:
    """Each message's bytes, one at a time: an mbox's in file order, a Maildir's by
    name (a delivery timestamp leads each name), so the last are about the latest."""
    if kind == "eml":
        yield path.read_bytes()
        return
    box: mailbox.Mailbox = (mailbox.mbox(path, create=False) if kind == "mbox"
                            else mailbox.Maildir(path, create=False))
    try:
        keys = box.iterkeys() if kind == "mbox" else sorted(box.iterkeys(), key=_in_delivery_order)
        for key in keys:
            try:
                file = box.get_file(key)
            except (KeyError, FileNotFoundError):  # moved by a mail client meanwhile
                continue
            with contextlib.closing(file):
                yield file.read()
    finally:
        box.close()


def _in_delivery_order(key: str) -> list[int | str]:
    """A Maildir name's numbers compared as numbers: "1700000000.M5P9Q2.host" (time,
    microseconds, process, count) comes before "1700000000.M12P9Q3.host"."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key)]


def read_mail(path: Path, kind: str, from_address: str | None = None,
              count: MailCount | None = None, skip: Collection[str] = ()) -> Iterator[str]:
    """The writer's text of each message in a mailbox, a blank line between messages,
    in pieces that end at a line break; each message once, and none whose key is in
    ``skip`` (read in an earlier mailbox). ``count`` (if given) is filled in on the way."""
    count = count if count is not None else MailCount()
    copies = Copies(skip)
    try:
        for raw in raw_messages(path, kind):
            yield from _read_one(raw, from_address, kind, count, copies)
    except (OSError, mailbox.Error) as exc:
        raise DataError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None


def sniff_mail(path: Path, kind: str, from_address: str | None, head_chars: int,
               earlier: Collection[str] = ()) -> MailSniff:
    """One pass over a mailbox: a digest of its messages, what of them is kept, and
    the first ``head_chars`` characters of that (to tell whether it is hard-wrapped).
    ``earlier``: the keys of messages read in mailboxes before this one."""
    digest = hashlib.sha256()
    count = MailCount()
    copies = Copies(earlier)
    size, head, head_size = 0, [], 0
    try:
        for raw in raw_messages(path, kind):
            digest.update(b"%d\n" % len(raw))
            digest.update(raw)
            for piece in _read_one(raw, from_address, kind, count, copies):
                size += len(piece.encode("utf-8"))
                if head_size < head_chars:
                    head.append(piece)
                    head_size += len(piece)
    except (OSError, mailbox.Error) as exc:
        return MailSniff(reason=f"unreadable mailbox ({getattr(exc, 'strerror', None) or exc})")
    if not count.kept:
        if count.copies and not count.found:
            reason = f"{COPY} ({count.copies} messages)"
        elif not count.found:
            reason = "no messages"
        elif from_address and count.skipped[not_from(from_address)] == count.found:
            reason = f"no messages from {from_address}"
        else:
            reason = f"nothing of the writer's own ({count.found} messages)"
        return MailSniff(reason=reason, count=count)
    return MailSniff(None, digest.hexdigest(), size, "".join(head)[:head_chars], count,
                     frozenset(copies.mine), frozenset(copies.hits))


def _read_one(raw: bytes, from_address: str | None, kind: str, count: MailCount,
              copies: Copies) -> Iterator[str]:
    ident = message_id(raw)
    if ident and copies.seen("id", ident):  # a copy: told apart before anything else
        count.copies += 1
        return
    text, why = own_text(raw, from_address, mbox=kind == "mbox")
    if not why and not ident and copies.seen("text", text):
        count.copies += 1
        return
    count.found += 1
    if why:
        count.skipped[why] += 1
        return
    count.words += len(text.split())
    yield ("\n" if count.kept else "") + text + "\n"
    count.kept += 1


def not_from(address: str) -> str:
    return f"not from {address}"


def own_text(raw: bytes, from_address: str | None = None, mbox: bool = False) -> tuple[str, str | None]:
    """(the writer's text of one message, None), or ("", why it has none)."""
    # A message can be broken in more ways than the email package names; one bad
    # message is left out, not the mailbox.
    try:
        if from_address and not sent_by(raw, from_address):
            return "", not_from(from_address)
        body = text_body(BytesParser(policy=policy.compat32).parsebytes(raw))
        if body is None:
            return "", "no text part"
        text = decoded(body)
        if body.get_content_subtype() == "html":
            text, flowed, delsp = html_text(text), False, False
        else:
            flowed = str(body.get_param("format", "")).lower() == "flowed"
            delsp = str(body.get_param("delsp", "")).lower() == "yes"
    except Exception:  # any: see above
        return "", "unreadable"
    text = writer_lines(text, flowed=flowed, delsp=delsp, mbox=mbox)
    return (text, None) if text else ("", "only quotes, forwards or a signature")


def text_body(message: Message) -> Message | None:
    """The part a reader sees: the first text/plain part that is not an attachment,
    else the first text/html one; never one inside an attached message.

    Messages are parsed with the compat32 policy, whose headers are plain strings:
    email.policy.default parses every header into an object, and again on each
    look-up: reading 2,000 short messages took 5.4 s with it, 1.0 s without."""
    found: dict[str, Message] = {}
    parts = [message]
    while parts and "plain" not in found:
        part = parts.pop(0)
        if part.get_content_type() == "message/rfc822":
            continue
        if part.is_multipart():
            parts[:0] = part.get_payload()
        elif part.get_content_maintype() == "text" and part.get_content_disposition() != "attachment":
            found.setdefault(part.get_content_subtype(), part)
    return found.get("plain") or found.get("html")


def sent_by(raw: bytes, address: str) -> bool:
    """Whether the message's From header has ``address`` (case aside). Only the header
    block is parsed, and into plain strings (compat32): most messages of a mailbox
    are someone else's, and parsing all of each took most of the time."""
    end = _HEADER_END.search(raw)
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:end.end()] if end else raw)
    wanted = address.strip().lower()
    return any(addr.strip().lower() == wanted for _, addr in getaddresses(headers.get_all("From", [])))


def decoded(part: Message) -> str:
    """A text part's body as str: by its charset, else UTF-8, else Windows-1252 (much
    old mail says us-ascii and is not)."""
    payload = part.get_payload(decode=True) or b""
    assert isinstance(payload, bytes)
    for encoding in (part.get_content_charset() or "us-ascii", "utf-8"):
        try:
            return payload.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return payload.decode("cp1252", errors="replace")


def writer_lines(text: str, flowed: bool = False, delsp: bool = False, mbox: bool = False) -> str:
    """A message body without quotes, attributions, forwarded text or signature; blank
    lines between paragraphs kept (one), none at either end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if flowed:
        lines = unflow(lines, delsp)
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if mbox and _MBOX_ESCAPE.match(line):
            line = line[1:]  # mboxrd's escape of a line that began "From "
        if line in ("--", "-- ") or _FORWARD.match(line):
            break
        if _HEADER_FROM.match(line) and any(_HEADER_SENT.match(x) for x in lines[i + 1:i + 5]):
            break  # Outlook's block before an original message
        if taken := _attribution(lines, i):
            after = next((x for x in lines[i + taken:] if x.strip()), None)
            if after is None or _quoted(after):
                i += taken
                continue
            if _ON.match(line) and re.search(r"\d|@", " ".join(lines[i:i + taken])):
                break  # a client's attribution, the original below it unquoted: none of it is the writer's
        if not _quoted(line):
            kept.append(line)
        i += 1
    while kept and (not kept[-1].strip() or _RULE_LINE.match(kept[-1])):
        kept.pop()
    out: list[str] = []
    for line in kept:
        if line.strip() or (out and out[-1]):
            out.append(line if line.strip() else "")
    return "\n".join(out)


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution(lines: list[str], i: int) -> int:
    """How many lines an attribution ("On Mon, Ann <a@b> wrote:") at line ``i`` takes:
    one, two when the client wrapped it, or 0 when there is none. A line ending in
    "wrote:" that does not start with "On" counts only when quotes follow."""
    line = lines[i]
    if _ON_WROTE.match(line):
        return 1
    if _ON.match(line) and i + 1 < len(lines) and _WROTE.search(lines[i + 1]):
        return 2
    if _WROTE.search(line):
        after = next((x for x in lines[i + 1:] if x.strip()), None)
        return 1 if after is not None and _quoted(after) else 0
    return 0


def unflow(lines: list[str], delsp: bool) -> list[str]:
    """format=flowed (RFC 3676) lines joined where the sender's client wrapped them."""
    out: list[str] = []
    soft_before, depth_before = False, -1
    for line in lines:
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        soft = body.endswith(" ") and body != "-- "
        if soft and delsp:
            body = body[:-1]
        if soft_before and depth == depth_before:
            out[-1] += body
        else:
            out.append(">" * depth + (" " if depth else "") + body)
        soft_before, depth_before = soft, depth
    return out


class _HtmlText(HTMLParser):
    """The text of an HTML body: block elements on lines of their own, quoted
    (blockquote) text left out, and nothing after a client's mark of a quoted or
    forwarded message or a signature."""

    SKIP = {"script", "style", "head", "title", "blockquote"}
    BLOCK = {"div", "li", "tr", "table", "ul", "ol", "hr", "pre"}
    PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
    STOP = re.compile(r"gmail_quote|gmail_signature|moz-cite-prefix|moz-signature|divRplyFwdMsg|appendonsend")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        marks = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        if self.STOP.search(marks):
            self.stopped = True
        elif tag in self.SKIP:
            self.skipping.append(tag)
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCK or tag in self.PARAGRAPH:
            self.parts.append("\n\n" if tag in self.PARAGRAPH else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass
        elif tag in self.BLOCK or tag in self.PARAGRAPH:
            self.parts.append("\n\n" if tag in self.PARAGRAPH else "\n")

    def handle_data(self, data: str) -> None:
        if not self.stopped and not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))  # \s takes in no-break spaces too


def html_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
