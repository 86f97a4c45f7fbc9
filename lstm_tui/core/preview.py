"""What training would read from some paths, before it reads it: files and messages
found, words of the writer's own, what was skipped and why (Preview), and the
fine-tune budget those words suggest (suggested_minutes)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .amounts import counted, size_text
from .data import iter_text, scan
from .mail import KINDS as MAIL_KINDS

KIND_NAMES = {"text": "plain text", "markdown": "Markdown", "mbox": "mbox", "maildir": "Maildir",
              "eml": ".eml"}
LISTED = 10  # skipped files named one by one; the rest are only counted
# A fine-tune's budget on a 2-core laptop: (words of the writer's own, minutes), joined
# by straight lines; more words than the last point get its minutes. A few minutes see
# 100k words about once; past 300k more minutes still pay, up to half an hour.
BUDGET_POINTS = ((100_000, 5), (300_000, 15), (1_000_000, 30))
# Below LITTLE_WORDS the preview says so: 467 words of mail made a model worse on the
# writer's own held-out text, and too little is held out to measure keystrokes saved.
LITTLE_WORDS = 5_000
ENOUGH_WORDS = 20_000


@dataclass(frozen=True)
class Preview:
    found: int  # files and mail folders found
    read: dict[str, int]  # of those, the ones that would be read, by kind (readers.KINDS)
    messages_found: int  # in every mailbox, read or not
    messages_kept: int  # with words of the writer's own
    message_copies: int  # copies of messages found (in two mailboxes, or twice in one): read once
    words: int  # of the writer's own, in everything that would be read
    text_bytes: int  # UTF-8 bytes of that text
    skipped_files: dict[str, int]  # why -> how many files
    skipped_messages: dict[str, int]  # why -> how many messages
    skipped: tuple[tuple[str, str], ...]  # each skipped file, and why
    from_address: str | None = None
    notes: list[str] = field(default_factory=list)  # advice in a sentence each

    def describe(self) -> str:
        """The preview in plain words, a line each."""
        files = sum(self.read.values())
        kinds = ", ".join(f"{n} {KIND_NAMES[k]}" for k, n in self.read.items() if n)
        lines = [f"Found {counted(self.found, 'file')}; {files} to read" + (f": {kinds}." if kinds else ".")]
        if self.messages_found:
            only = f" (only those from {self.from_address})" if self.from_address else ""
            copies = (f" (and {counted(self.message_copies, 'copy', 'copies')} of them in other mailboxes, "
                      "read once)") if self.message_copies else ""
            lines.append(f"Mail: {counted(self.messages_found, 'message')}{copies}, {self.messages_kept} with "
                         f"words of your own{only}; of those, only what you wrote is read (no headers, "
                         "quoted replies, forwarded text or signatures).")
        lines.append(f"Words of your own: {self.words:,} ({size_text(self.text_bytes)} of text).")
        for title, reasons in (("message", self.skipped_messages), ("file", self.skipped_files)):
            if reasons:
                lines.append(f"Left out: {counted(sum(reasons.values()), title)}:")
                lines += [f"  {n:,} {why}" for why, n in sorted(reasons.items(), key=lambda r: -r[1])]
        for path, why in self.skipped[:LISTED]:
            lines.append(f"  {path}: {why}")
        if len(self.skipped) > LISTED:
            lines.append(f"  and {len(self.skipped) - LISTED:,} more")
        return "\n".join(lines + self.notes)


def preview(paths: Sequence[str | Path], from_address: str | None = None, unwrap: bool = True) -> Preview:
    """What ``lstm-tui train`` would read from ``paths`` (a second reading of the text
    files, to count their words; a mailbox's words are counted as it is scanned)."""
    corpus = scan(paths, unwrap=unwrap, from_address=from_address)
    read: Counter[str] = Counter()
    words = size = 0
    for file in corpus.files:
        read[file.kind] += 1
        if file.kind in MAIL_KINDS:
            words += corpus.mailboxes[file.path].words
            size += file.size
            continue
        for piece in iter_text(file):
            words += len(piece.split())
            size += len(piece.encode("utf-8"))
    messages: Counter[str] = Counter()
    for box in corpus.mailboxes.values():
        messages.update(box.skipped)
    notes = []
    if from_address is None and corpus.mailboxes:
        notes.append("Mail from everyone is read: --from-address ADDRESS keeps only what you sent.")
    if not words:
        notes.append("There is nothing to train on here.")
    elif words < LITTLE_WORDS:
        notes.append(f"That is little to learn from: a model of your own does better with "
                     f"{ENOUGH_WORDS:,} words or more, and with fewer it may not beat the one you have.")
    return Preview(
        found=len(corpus.files) + len(corpus.skipped), read=dict(read),
        messages_found=sum(b.found for b in corpus.mailboxes.values()),
        messages_kept=sum(b.kept for b in corpus.mailboxes.values()),
        message_copies=sum(b.copies for b in corpus.mailboxes.values()), words=words, text_bytes=size,
        skipped_files=dict(Counter(_reason(why) for _, why in corpus.skipped)),
        skipped_messages=dict(messages), skipped=tuple((str(p), why) for p, why in corpus.skipped),
        from_address=from_address, notes=notes)


def suggested_minutes(words: int) -> int:
    """Minutes to fine-tune on ``words`` of the writer's own: 5 up to about 100k words,
    15 at 300k, at most 30."""
    (w0, m0), *rest = BUDGET_POINTS
    if words <= w0:
        return m0
    for w1, m1 in rest:
        if words <= w1:
            return round(m0 + (m1 - m0) * (words - w0) / (w1 - w0))
        w0, m0 = w1, m1
    return m0


def _reason(why: str) -> str:
    """A reason without its particulars ("not UTF-8 text (undecodable byte at offset 7)")."""
    return re.sub(r" \(.*\)$", "", why)
