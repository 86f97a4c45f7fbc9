import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_tui.core.errors import BundleError, DataError
from lstm_tui.core.tokenizer import Tokenizer, train_tokenizer

SAMPLES = ["\u2581 literal \u2581\u2581 marker", "Hello  world\n\n\tfoo  ", " leading and trailing ",
           "CJK 漢字 and emoji 😀🎉\r\n", "\x00\x01 control", "   ", "a\u00a0b", "ﬁ ligature", "", "\n",
           "e\u0301 combining"]


@pytest.mark.parametrize("text", SAMPLES)
def test_round_trip_exact(tiny_tokenizer, text):
    assert tiny_tokenizer.decode(tiny_tokenizer.encode(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_round_trip_any_unicode(tiny_tokenizer, text):
    assert tiny_tokenizer.decode(tiny_tokenizer.encode(text)) == text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_incremental_decoding_matches_whole(tiny_tokenizer, text):
    decoder = tiny_tokenizer.decoder()
    pieces = [decoder.feed(i) for i in tiny_tokenizer.encode(text)]
    pieces.append(decoder.flush())
    assert "".join(pieces) == text
    # a partial multi-byte character is held back, never shown as a replacement mark
    assert all("\ufffd" not in p for p in pieces) or "\ufffd" in text


def test_newline_and_tab_are_single_pieces(tiny_tokenizer):
    assert len(tiny_tokenizer.encode("\n")) == 1
    assert len(tiny_tokenizer.encode("\t")) == 1


def test_vocab_capped_for_small_corpus():
    tok = train_tokenizer(["tiny text, a few words only. " * 20], vocab_size=8000)
    assert 259 < tok.vocab_size < 8000
    assert tok.decode(tok.encode("words only")) == "words only"


def test_vocab_too_small_is_a_clear_error():
    with pytest.raises(DataError, match="at least"):
        train_tokenizer(["some text"], vocab_size=50)


def test_foreign_file_is_a_bundle_error(tmp_path):
    path = tmp_path / "tokenizer.model"
    path.write_bytes(b"this is not a sentencepiece model")
    with pytest.raises(BundleError, match="tokenizer.model"):
        Tokenizer.load(path)


def test_control_ids_decode_to_nothing(tiny_tokenizer):
    assert tiny_tokenizer.bos_id in tiny_tokenizer.control_ids
    assert tiny_tokenizer.decode([tiny_tokenizer.bos_id]) == ""
    assert tiny_tokenizer.decode([tiny_tokenizer.start_id]) == "\n"  # what contexts start with


def test_too_many_characters_for_vocab_is_a_clear_error():
    text = "".join(chr(0x4E00 + i) for i in range(600)) * 5
    with pytest.raises(DataError, match="too many distinct characters .* raise --vocab-size"):
        train_tokenizer([text], vocab_size=400)
    assert train_tokenizer([text], vocab_size=1200).vocab_size > 600
