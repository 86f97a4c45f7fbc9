from pathlib import Path

import pytest
import torch

from lstm_tui.core.beam import beam_search
from lstm_tui.core.healing import MAX_TAIL_CHARS, PrefixConstraint, split_tail
from lstm_tui.core.tokenizer import Tokenizer
from tests.configs import ungated

GREEDY = ungated(temperature=0.0, max_tokens=8, repetition_penalty=1.0)


@pytest.mark.parametrize(("context", "head", "tail"), [
    ("came to the door, and ", "came to the door, and", " "),
    ("came to the door, and h", "came to the door, and", " h"),
    ("came to the door,", "came to the", " door,"),
    ("a line\n", "a line\n", ""),
    ("a line\nTh", "a line\n", "Th"),
    ("Th", "", "Th"),
    ("", "", ""),
    ("see " + "x" * (MAX_TAIL_CHARS + 1), "see " + "x" * (MAX_TAIL_CHARS + 1), ""),
    ("x" * 100_000, "x" * 100_000, ""),  # no space to be found: the scan stops early
])
def test_split_tail(context, head, tail):
    assert split_tail(context) == (head, tail)


def test_constraint_admits_exactly_the_pieces_that_start_with_the_tail():
    pieces = [b"", b" ", b" h", b" he", b" house", b"h", b"he", b" a", b"ouse", b" ho"]
    c = PrefixConstraint(pieces)
    allowed = {pieces[i] for i in c.mask(b" ho").nonzero().flatten().tolist()}
    assert allowed == {b" ho", b" house"}  # not " h" (a split), nor a control id (b"")
    assert c.spellable(b" ho") and not c.spellable(b" hz")
    logits = c.restrict(torch.zeros(len(pieces)), b" ho")
    assert torch.isinf(logits[pieces.index(b" he")]) and logits[pieces.index(b" house")] == 0
    assert torch.equal(c.restrict(logits, b""), logits)


SHIPPED = Path(__file__).resolve().parents[2] / "models" / "default" / "tokenizer.model"


@pytest.mark.parametrize(("context", "last_kept", "tail"), [
    ("came to the door, and ", b" and", " "),      # not the lone space the tokenizer reads
    ("came to the door, and h", b" and", " h"),    # not " ", "h"
    ("came to the door, and", b",", " and"),       # a whole word may still go on
    ("came to the door,", b" door", ","),          # no piece starts " door,": back up less
    ("a line\nTh", b"\n", "Th"),
    ("a line\n", b"\n", ""),
])
def test_heal_backs_up_over_the_word_as_far_as_a_piece_can_spell_it(context, last_kept, tail):
    tokenizer = Tokenizer.load(SHIPPED)
    ids = [tokenizer.start_id, *tokenizer.encode(context)]
    kept, healed = PrefixConstraint(tokenizer.piece_bytes).heal(ids, split_tail(context)[1])
    assert healed == tail and tokenizer.piece_bytes[kept[-1]] == last_kept
    assert tokenizer.decode(kept[1:]) + healed == context


def _generated(lm, context):
    """What the model generated for ``context`` past the healed head (all but the
    last token, whose successor was never needed)."""
    gen = lm.generator
    ids, tail = gen.healed(context)
    assert gen._ids[:len(ids)] == ids
    return tail, lm.tokenizer.decode(gen._ids[len(ids):])


@pytest.mark.parametrize("context", ["He read it twice, and th", "The water was high after the ",
                                     "The river went on", "Th"])
def test_the_first_tokens_spell_the_tail_and_only_what_follows_is_shown(tiny_lm, context):
    config = GREEDY.replace(max_tokens=40)
    shown = "".join(tiny_lm.stream(context, config))
    tail, generated = _generated(tiny_lm, context)
    assert tail and generated.startswith(tail)
    assert shown and shown.startswith(generated[len(tail):])


@pytest.mark.parametrize("context", ["He read it twice, and then he fo", "The water was high after the "])
@pytest.mark.parametrize("max_tokens", [1, 8])
def test_beam_and_batched_samples_heal_as_sampling_does(tiny_lm, context, max_tokens):
    """Greedy three ways (a one-wide beam, a batch of samples at temperature 0, the
    sampling loop) agree, text, length and score, only if all three spell the tail
    first and count max_tokens past it alike."""
    gen = tiny_lm.generator
    config = GREEDY.replace(max_tokens=max_tokens)
    greedy = tiny_lm.complete(context, config)
    ids, tail = gen.healed(context)
    assert tail
    logits = gen.prime_ids(ids)
    one_wide = beam_search(gen.model, tiny_lm.tokenizer, gen.state, logits, config.replace(beam_width=1),
                           gen.device, tiny_lm.tokenizer.control_ids, history=list(gen._ids),
                           tail=tail, constraint=gen.constraint)[0]
    batched = gen.samples(context, config, 2)
    assert greedy.text
    for other in (one_wide, *batched):
        assert (other.text, other.tokens) == (greedy.text, greedy.tokens)
        assert other.logprob == pytest.approx(greedy.logprob, abs=1e-4)


def test_a_word_the_tokenizer_starts_with_a_shorter_piece_can_be_finished(tiny_lm):
    """The tokenizer writes " walked" as " w", "al", ...: typing " wa", no piece that
    starts with " wa" leads there, so the shorter piece " w" is weighed too."""
    tokenizer, constraint = tiny_lm.tokenizer, tiny_lm.generator.constraint
    assert tokenizer.piece_bytes[tokenizer.encode(" walked")[0]] == b" w"
    assert constraint.spellable(b" wa")  # so healing alone would start with a " wa..." piece
    assert (b" w", b"a") in [(tokenizer.piece_bytes[j], rest) for j, rest in constraint.partials(b" wa")]
    doc = "She walked to the gate. He walked to the river. They walked along the bank. She wa"
    finished = tiny_lm.complete(doc, GREEDY.replace(repetition_penalty=1.5, document_cache=0.5))
    assert finished.text.startswith("lked")
