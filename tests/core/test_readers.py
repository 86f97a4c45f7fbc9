"""Readers: Markdown without its markup, and of mail only what its writer wrote."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from lstm_tui.core import mail
from lstm_tui.core.data import find_files, read_text, scan, split_files, tokenize_files
from lstm_tui.core.markdown import markdown_text
from lstm_tui.core.preview import preview
from lstm_tui.core.readers import kind_of

ANN = "Ann Writer <ann@example.com>"
BOB = "Bob <bob@example.org>"

REPLY = """\
Dear Bob,

Thank you for the map. I will bring it on Sunday.

On Mon, 1 Jan 2024 at 10:00, Bob <bob@example.org> wrote:
> Did you get the map?
>
> Bob
"""
INLINE = """\
Bob wrote:
> Is the boat ready?
It is, and painted blue.
> And the oars?
Still in the shed.
"""
FORWARD = """\
See below, it made me laugh.

---------- Forwarded message ---------
From: Carol <carol@example.net>
Date: Tue, 2 Jan 2024
Subject: joke

A long joke that Carol wrote.
"""
SIGNED = """\
The proofs are ready for you
to read at the office.

--\x20
Ann Writer
Editor, The Gazette
"""
OUTLOOK = """\
Yes, Thursday suits me.

-----Original Message-----
From: Bob
Sent: Monday
Let us meet.
"""
HTML = ("<html><head><style>p {color: red}</style></head><body><p>The garden is <b>full</b> of"
        " roses&nbsp;now.</p><p>Come and see.<br>Soon.</p>"
        "<div class=\"gmail_quote\">On Mon, Bob wrote:<blockquote>Roses?</blockquote></div></body></html>")
ANN_TEXT = [
    "Dear Bob,\n\nThank you for the map. I will bring it on Sunday.",
    "It is, and painted blue.\nStill in the shed.",
    "See below, it made me laugh.",
    "The proofs are ready for you\nto read at the office.",
    "Yes, Thursday suits me.",
    "Café au lait, s'il vous plaît, à la fenêtre.",
    "The garden is full of roses now.\n\nCome and see.\nSoon.",
    "From here on the road is mine.",
]


def message(sender: str, body: str | None = None, html: str | None = None, **kw) -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "friend@example.org"
    m["Subject"] = "a note"
    if body is not None:
        m.set_content(body, **kw)
    if html is not None:
        if body is None:
            m.set_content(html, subtype="html")
        else:
            m.add_alternative(html, subtype="html")
    return m


def messages() -> list[EmailMessage]:
    """Ann's messages of every kind, and Bob's between them."""
    ann = [message(ANN, REPLY), message(ANN, INLINE), message(ANN, FORWARD), message(ANN, SIGNED),
           message(ANN, OUTLOOK),
           message(ANN, "Café au lait, s'il vous plaît, à la fenêtre.\n", charset="iso-8859-1", cte="8bit"),
           message(ANN, html=HTML), message(ANN, "From here on the road is mine.\n")]
    bob = [message(BOB, "Bob's own news.\n"), message(BOB, "> only a quote\n")]
    return [ann[0], bob[0], *ann[1:5], bob[1], *ann[5:]]


def write_mbox(path: Path, items: list[EmailMessage]) -> Path:
    box = mailbox.mbox(path)
    for m in items:
        box.add(m)
    box.close()
    return path


def kept(texts: list[str]) -> str:
    return "\n\n".join(texts) + "\n"


@pytest.fixture
def mbox(tmp_path: Path) -> Path:
    return write_mbox(tmp_path / "Sent", messages())  # no extension: told by its content


def test_an_mbox_keeps_only_what_each_writer_wrote(mbox):
    raw = mbox.read_bytes()
    assert b"Caf\xe9 au lait" in raw and b">From here on" in raw  # latin-1 on disk; mbox's escape
    corpus = scan([mbox])
    (file,) = corpus.files
    assert file.kind == "mbox" and not corpus.skipped
    assert read_text(file) == kept(ANN_TEXT[:1] + ["Bob's own news."] + ANN_TEXT[1:])
    count = corpus.mailboxes[mbox]
    assert (count.found, count.kept) == (10, 9)
    assert dict(count.skipped) == {"only quotes, forwards or a signature": 1}
    assert file.size == len(read_text(file).encode())


def test_from_address_keeps_one_writers_messages(mbox):
    corpus = scan([mbox], from_address="ANN@Example.com")
    (file,) = corpus.files
    assert read_text(file) == kept(ANN_TEXT)
    count = corpus.mailboxes[mbox]
    assert (count.found, count.kept) == (10, 8)
    assert dict(count.skipped) == {"not from ANN@Example.com": 2}
    assert count.words == sum(len(t.split()) for t in ANN_TEXT)
    none = scan([mbox], from_address="carol@example.net")
    assert not none.files and none.skipped == [(mbox, "no messages from carol@example.net")]


def test_a_maildir_is_one_source_read_in_delivery_order(tmp_path):
    root = tmp_path / "Mail"
    box = mailbox.Maildir(root)
    for m in messages():
        box.add(m)
    sent = box.add_folder("Sent")
    sent.add(message(ANN, "Sent from the Sent folder.\n"))
    box.add_folder("Trash").add(message(ANN, "Thrown away.\n"))
    (tmp_path / "notes.txt").write_text("A note of mine.\n")
    found = [root, root / ".Sent", tmp_path / "notes.txt"]  # not Trash, nor cur/ and new/'s files
    assert find_files([tmp_path]) == [p.resolve() for p in found]
    corpus = scan([tmp_path], from_address="ann@example.com")
    assert [f.kind for f in corpus.files] == ["maildir", "maildir", "text"]
    assert read_text(corpus.files[0]) == kept(ANN_TEXT)
    assert read_text(corpus.files[1]) == "Sent from the Sent folder.\n"
    assert kind_of(next((root / "new").iterdir())) == "eml"  # one message, named on its own


def test_a_message_in_two_mailboxes_is_read_once(tmp_path):
    # The same mail exported as an mbox and kept as a Maildir, as a writer may have it.
    mail_ = messages()
    for n, m in enumerate(mail_[:6]):
        m["Message-ID"] = f"<{n}@example.com>"  # the rest have none: told apart by their text
    mbox_path = write_mbox(tmp_path / "a-export.mbox", [*mail_, mail_[2]])  # one twice in itself
    root = tmp_path / "b-Mail"
    box = mailbox.Maildir(root)
    for m in [*mail_, message(ANN, "Only in the Maildir.\n")]:
        box.add(m)
    gone = mailbox.Maildir(tmp_path / "c-Old")
    for m in mail_[:3]:
        gone.add(m)
    paths = [mbox_path, root, tmp_path / "c-Old"]  # read in this order
    corpus = scan(paths, from_address="ann@example.com")
    assert [f.kind for f in corpus.files] == ["mbox", "maildir"]
    assert read_text(corpus.files[0]) == kept(ANN_TEXT)
    assert read_text(corpus.files[1]) == "Only in the Maildir.\n"
    assert corpus.files[1].size == len(b"Only in the Maildir.\n")
    assert corpus.mailboxes[mbox_path].copies == 1
    # Copies are told apart before the sender: Bob's messages in the Maildir are copies too.
    # (Bob's message without a Message-ID is not: only the writer's own are read to compare.)
    maildir = corpus.mailboxes[root.resolve()]
    assert (maildir.copies, maildir.found, maildir.kept) == (9, 2, 1)
    assert corpus.skipped == [((tmp_path / "c-Old").resolve(), "a copy of another mailbox (3 messages)")]
    assert corpus.files[1].rule != scan([root], from_address="ann@example.com").files[0].rule  # its own cache
    # The preview counts each message once: it said "Mail: 30 messages", then the
    # copies again among the messages left out, then the mailbox of copies a third time.
    p = preview(paths, from_address="ann@example.com")
    assert (p.messages_found, p.message_copies, p.messages_kept) == (12, 13, 9)
    text = p.describe()
    assert "Mail: 12 messages (and 13 copies of them in other mailboxes, read once), 9 with words" in text
    assert p.skipped_messages == {"not from ann@example.com": 3}
    assert "  1 a copy of another mailbox" in text


def test_an_eml_file_is_one_message(tmp_path):
    path = tmp_path / "reply.eml"
    path.write_bytes(message(ANN, REPLY).as_bytes())
    (file,) = scan([path]).files
    assert file.kind == "eml" and read_text(file) == kept(ANN_TEXT[:1])
    other = tmp_path / "other.eml"
    other.write_bytes(message(BOB, "Hi.\n").as_bytes())
    assert scan([other], from_address="ann@example.com").skipped == [(other, "no messages from ann@example.com")]


def test_attachments_and_attached_messages_are_not_the_writers_text(tmp_path):
    image = message(ANN)
    image.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="a.png")
    notes = message(ANN)
    notes.add_attachment("Attached notes.\n", filename="notes.txt")
    forwarded = message(ANN)
    forwarded.add_attachment(message(BOB, "Bob's words, forwarded whole.\n"))
    with_attached = message(ANN, "Mine, with a forwarded message attached.\n")
    with_attached.add_attachment(message(BOB, "Not mine.\n"))
    path = tmp_path / "box.mbox"
    write_mbox(path, [image, notes, forwarded, with_attached, message(ANN, "Mine.\n")])
    corpus = scan([path])
    assert read_text(corpus.files[0]) == "Mine, with a forwarded message attached.\n\nMine.\n"
    assert dict(corpus.mailboxes[path.resolve()].skipped) == {"no text part": 3}


def test_format_flowed_lines_are_joined_where_the_client_wrapped_them():
    raw = (b"From: ann@example.com\nContent-Type: text/plain; charset=utf-8; format=flowed\n\n"
           b"This line was wrapped \nby the client.\n Space-stuffed.\n> quoted \n> more\n-- \nAnn\n")
    assert mail.own_text(raw) == ("This line was wrapped by the client.\nSpace-stuffed.", None)


@pytest.mark.parametrize("body, expected", [
    ("Mine.\nOn a quiet day the writer wrote:\nmore of mine.\n",
     "Mine.\nOn a quiet day the writer wrote:\nmore of mine."),
    ("Mine.\n\nOn Tue, Jan 2, 2024 at 9:00 AM Bob <\nbob@example.org> wrote:\n\n> q\n", "Mine."),
    ("Mine.\n\nOn 2 Jan 2024, Bob wrote:\nThe original, unquoted.\n", "Mine."),
    ("Mine.\n________________________________\nFrom: Bob\nSent: Tuesday\nTo: Ann\n\nHis.\n", "Mine."),
    ("Mine.\n\nBegin forwarded message:\n\nTheirs.\n", "Mine."),
    ("À jeudi.\n\nLe lun. 1 janv. 2024 à 10:00, Bob <bob@example.org> a écrit :\n> Jeudi ?\n", "À jeudi."),
    ("Bis bald.\n\nAm 01.01.2024 um 10:00 schrieb Bob:\nDer Brief, nicht zitiert.\n", "Bis bald."),
])
def test_attributions_and_originals(body, expected):
    assert mail.writer_lines(body) == expected


MARKDOWN = """\
---
title: Field notes
tags: [birds]
---
# The *first* walk #

We saw **three** herons and a [kingfisher](https://example.com/k "bird") by the
weir, and ![a photo](heron.jpg) the `snake_case` names of the __old__ maps.
<!-- a note to self
that spans lines -->
<span class="x">Inline HTML</span> goes, its text stays &amp; so do ~~no~~ entities.

```python
print("code is not prose")
```

    indented code is not prose either

Second heading
--------------

| bird | count |
|------|-------|
| heron | 3 |

- a list item with a [reference link][ref]
- another

[ref]: https://example.com/ref
Auto <https://example.com> links go.
"""
MARKDOWN_TEXT = """\
The first walk

We saw three herons and a kingfisher by the
weir, and the snake_case names of the old maps.
Inline HTML goes, its text stays & so do no entities.

Second heading

a list item with a reference link
another

Auto links go.
"""


def test_markdown_keeps_prose_and_drops_markup(tmp_path):
    assert "".join(markdown_text([MARKDOWN])) == MARKDOWN_TEXT
    path = tmp_path / "notes.md"
    path.write_text(MARKDOWN)
    (file,) = scan([path]).files
    assert file.kind == "markdown" and read_text(file) == MARKDOWN_TEXT
    only = tmp_path / "only.markdown"
    only.write_text("---\na: 1\n---\n```\ncode\n```\n")
    assert scan([only]).skipped == [(only, "nothing but markup")]


def test_kinds_are_told_by_content_where_cheap(tmp_path, mbox):
    prose = tmp_path / "story.txt"
    prose.write_text("From the start it rained.\nAnd then it stopped.\n")
    notes = tmp_path / "n.MD"
    notes.write_text("# Hi\n")
    assert [kind_of(p) for p in (mbox, prose, notes)] == ["mbox", "text", "markdown"]
    (tmp_path / "Sent.msf").write_text("// <!-- <mdb:mork:z v=\"1.4\"/> -->")
    assert (tmp_path / "Sent.msf", "a mail client's index (.msf)") in scan([tmp_path]).skipped


def test_the_token_cache_follows_the_reading_rule_and_address(mbox, tiny_tokenizer, tmp_path):
    cache = tmp_path / "cache"
    everyone = scan([mbox]).files
    ann = scan([mbox], from_address="ann@example.com").files
    assert everyone[0].sha256 == ann[0].sha256  # the same bytes, read two ways
    tokenize_files(everyone, tiny_tokenizer, cache)
    tokenize_files(ann, tiny_tokenizer, cache)
    tokenize_files(ann, tiny_tokenizer, cache)
    assert len(list(cache.glob("*.bin"))) == 2


def test_a_lone_mailbox_is_held_out_at_its_latest_messages(mbox, tmp_path, tiny_tokenizer):
    corpus = scan([mbox], from_address="ann@example.com")
    train, val, tail = split_files(corpus, 0.2)
    assert tail and train == corpus.files and not val
    _ids, held = tokenize_files(train, tiny_tokenizer, tmp_path / "c", tail_fraction=0.2)
    assert tiny_tokenizer.decode(int(i) for i in held).strip().endswith(ANN_TEXT[-1])
    # With other files, the mailbox is one document: all of it on one side.
    (tmp_path / "a.txt").write_text("Some words of mine.\n" * 40)
    corpus = scan([mbox, tmp_path / "a.txt"])
    train, val, _ = split_files(corpus, 0.2)
    assert sorted(f.kind for f in train + val) == ["mbox", "text"]


def test_preview_counts_files_messages_words_and_skips(mbox, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    write_mbox(folder / "Sent.mbox", messages())
    (folder / "notes.md").write_text(MARKDOWN)
    (folder / "plain.txt").write_text("Four words of mine.\n")
    (folder / "photo.jpg").write_bytes(b"\x00\x01binary")
    (folder / "latin.txt").write_bytes(b"caf\xe9\n")
    p = preview([folder], from_address="ann@example.com")
    assert p.found == 5 and p.read == {"mbox": 1, "markdown": 1, "text": 1}
    assert (p.messages_found, p.messages_kept) == (10, 8)
    words = sum(len(t.split()) for t in ANN_TEXT) + len(MARKDOWN_TEXT.split()) + 4
    assert p.words == words
    assert p.skipped_files == {"binary": 1, "not UTF-8 text": 1}
    assert p.skipped_messages == {"not from ann@example.com": 2}
    text = p.describe()
    assert "Found 5 files; 3 to read: 1 mbox, 1 Markdown, 1 plain text." in text
    assert "Mail: 10 messages, 8 with words of your own (only those from ann@example.com); " in text
    assert "little to learn from" in text  # a few hundred words
    assert f"Words of your own: {words:,}" in text
    assert "  1 not from" not in text and "  2 not from ann@example.com" in text
    assert f"  {folder / 'photo.jpg'}: binary" in text


def test_markdown_lines_may_end_in_a_later_piece_and_only_at_a_line_feed():
    assert "".join(markdown_text(["# Tit", "le\nA page\x0cbreak\nno end"])) == "Title\n\nA page\x0cbreak\nno end\n"
