"""The document cache: what followed the same tokens earlier in the document."""

import math

import torch

from lstm_tui.core.config import SamplingConfig
from lstm_tui.core.doc_cache import DocumentCache
from tests.configs import ungated


def test_the_longest_earlier_match_decides():
    ids = [1, 2, 3, 4, 9, 2, 3, 5, 7, 3, 6]
    cache = DocumentCache(ids, 0.5)
    assert cache.counts([8, 1, 2, 3]) == (3, {4: 1})  # "1 2 3" was followed by 4
    n, counts = cache.counts([8, 8, 2, 3])
    assert n == 2 and counts == {4: 1, 5: 1}  # "2 3" was followed by 4 and by 5
    assert cache.counts([8, 3]) == (0, None)  # one token is too short a match


def test_mixing_keeps_a_distribution_and_grows_with_the_match():
    logits = torch.zeros(10)  # the model: uniform over ten tokens
    cache = DocumentCache([1, 2, 3, 4, 0, 2, 3, 4], 0.5)
    short = cache.mix(logits, [7, 2, 3]).exp()  # matched "2 3": weight 0.5
    long = cache.mix(logits, [1, 2, 3]).exp()  # matched "1 2 3": weight 0.75
    for p in (short, long):
        assert math.isclose(float(p.sum()), 1.0, rel_tol=1e-5)
    assert math.isclose(float(short[4]), 0.5 * 0.1 + 0.5, rel_tol=1e-5)
    assert math.isclose(float(long[4]), 0.25 * 0.1 + 0.75, rel_tol=1e-5)
    assert torch.equal(cache.mix(logits, [8, 9]), logits)  # no match: the model alone
    assert torch.equal(DocumentCache([1, 2, 3, 4], 0.0).mix(logits, [1, 2, 3]), logits)


def test_a_name_the_document_used_comes_back(tiny_lm):
    """The tiny model never saw "Zebediah Quarrington"; with the cache on, once the
    document has used it, the name is suggested after its first word."""
    doc = ("Zebediah Quarrington came to the river. They said Zebediah Quarrington was late. "
           "At the gate stood Zebediah")
    plain = tiny_lm.complete(doc, ungated(temperature=0.0, max_tokens=16))
    cached = tiny_lm.complete(doc, ungated(temperature=0.0, max_tokens=16, document_cache=0.5))
    assert not plain.text.startswith(" Quarrington")
    assert cached.text.startswith(" Quarrington")
    # And the policy is sure of it: the cache lifts the word's probability.
    for beam in (1, 3):
        gated = tiny_lm.complete(doc, SamplingConfig(document_cache=0.5, stop_at="none", beam_width=beam))
        assert gated.text.startswith(" Quarrington") and gated.word_probs[0] > 0.4


def test_the_suggestions_own_tokens_do_not_make_a_copy_surer():
    """Copying on from "1 2" does not lengthen the match: the weight stays what the
    writer's two tokens earned, so a copy goes on only where the model backs it."""
    logits = torch.zeros(10)
    typed = [1, 2, 3, 4, 5, 9, 1, 2]
    cache = DocumentCache(typed, 0.5)
    first = cache.mix(logits, typed).exp()  # "1 2" -> 3, weight 0.5
    after = cache.mix(logits, [*typed, 3]).exp()  # "1 2 3" -> 4: still 0.5, not 0.75
    assert math.isclose(float(first[3]), 0.5 * 0.1 + 0.5, rel_tol=1e-5)
    assert math.isclose(float(after[4]), 0.5 * 0.1 + 0.5, rel_tol=1e-5)
    # A match among the suggestion's own tokens alone lifts nothing.
    assert torch.equal(cache.mix(logits, [*typed, 6, 6, 1, 2]), logits)


def test_only_tokens_with_letters_or_digits_make_a_match():
    """A line break and a bullet match every list item: no evidence for what follows."""
    logits = torch.zeros(10)
    typed = [7, 8, 1, 2, 7, 8]  # 7: a line break, 8: "* "; 1, 2: words
    assert not torch.equal(DocumentCache(typed, 0.5).mix(logits, typed), logits)
    assert torch.equal(DocumentCache(typed, 0.5, wordy={1, 2}).mix(logits, typed), logits)


def test_wordy_ids_are_the_pieces_with_letters_or_digits(tiny_lm):
    tok = tiny_lm.tokenizer
    words = [i for i in tok.encode("the river 42") if tok.decode([i]).strip()]  # not a bare space
    assert words and set(words) <= tok.wordy_ids
    assert not set(tok.encode("\n* ")) & tok.wordy_ids


def test_a_list_item_does_not_open_with_the_last_ones_words(tiny_lm):
    """After a bullet, the cache proposes nothing: its opening matches every item."""
    doc = "Things to bring:\n* Zebediah Quarrington's boat\n* "
    plain = tiny_lm.complete(doc, ungated(temperature=0.0, max_tokens=8))
    cached = tiny_lm.complete(doc, ungated(temperature=0.0, max_tokens=8, document_cache=0.5))
    assert cached.text == plain.text


def test_pieces_that_spell_typed_letters_are_the_writers():
    """Typing " wa" after "She": the suggestion's " w" only spells what was typed, so
    "She w" is a match of the writer's two tokens and "al" (as in "She walked") follows."""
    logits = torch.zeros(10)
    pieces = [b"", b" She", b" w", b"al", b"ked", b".", b"", b"", b"", b" They"]
    typed = [1, 2, 3, 4, 5, 9, 1]  # " She walked. They She", the word " wa" being typed
    healed = DocumentCache(typed, 0.5, tail=b" wa", pieces=pieces).mix(logits, [*typed, 2]).exp()
    assert math.isclose(float(healed[3]), 0.5 * 0.1 + 0.5, rel_tol=1e-5)
    # Without the typed letters, " w" is the suggestion's own: no match of the writer's.
    assert torch.equal(DocumentCache(typed, 0.5, pieces=pieces).mix(logits, [*typed, 2]), logits)
