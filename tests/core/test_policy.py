"""The suggestion policy: the confidence gate, the length rule and the line-break rule."""

import math

import pytest

from lstm_tui.core.config import SamplingConfig
from lstm_tui.core.policy import WORD, WordGate, line_break_allowed
from tests.configs import ungated
from tests.conftest import TINY_TEXT

CONTEXT = "He read it twice, and then he"
# The tiny model is barely trained: without a repetition penalty it repeats a space.
TINY = dict(temperature=0.0, repetition_penalty=1.5)


def feed(gate: WordGate, pieces: list[tuple[str, float]], final: bool = False) -> int:
    """Feed (token text, probability) pieces as generation does; the characters approved."""
    text, logprob, approved = "", 0.0, 0
    for i, (piece, p) in enumerate(pieces):
        text += piece
        logprob += math.log(p)
        approved = gate.update(text, logprob, final and i == len(pieces) - 1)
    return approved


def test_nothing_is_shown_when_the_first_word_is_unsure():
    gate = WordGate(0.5, 0.2)
    assert feed(gate, [(" the", 0.4), (" house", 0.9)]) == 0
    assert gate.closed and gate.word_probs == []


def test_words_are_shown_whole_and_only_once_they_end():
    gate = WordGate(0.3, 0.1)
    assert feed(gate, [(" bel", 0.9), ("ieve", 0.9)]) == 0  # "believe" may still go on
    assert gate.update(" believe that", math.log(0.81 * 0.5)) == len(" believe")
    assert gate.word_probs == [pytest.approx(0.81)]


def test_the_length_ends_where_confidence_falls():
    gate = WordGate(0.5, 0.3)
    pieces = [(" I", 0.9), (" am", 0.6), (" not", 0.5), (" sure", 0.9)]
    assert feed(gate, pieces, final=True) == len(" I am")  # 0.9, 0.54, then 0.27 < 0.3
    assert gate.closed


def test_a_sure_word_shows_without_the_unsure_comma_after_it():
    gate = WordGate(0.5, 0.5)
    assert feed(gate, [(" moment", 0.8), (",", 0.3), (" and", 0.9)]) == len(" moment")


def test_a_final_word_is_shown_and_the_policy_off_shows_everything():
    assert feed(WordGate(0.1, 0.1), [(" end", 0.5), (".", 0.9)], final=True) == len(" end.")
    assert feed(WordGate(0.0, 0.0), [(" a", 0.01), ("b", 0.01)]) == len(" ab")


def test_units_are_words_and_marks():
    assert [m.group() for m in WORD.finditer(" don't stop, it's—well ok")] == \
        [" don't", " stop", ",", " it's", "—", "well", " ok"]


def test_the_gate_and_the_length_rule_on_a_real_model(tiny_lm):
    """Thresholds between a continuation's word probabilities cut it after that word."""
    whole = tiny_lm.complete(CONTEXT, ungated(max_tokens=12, **TINY))
    probs = whole.word_probs
    assert len(probs) >= 3 and all(a >= b for a, b in zip(probs, probs[1:]))
    units = [m.group() for m in WORD.finditer(whole.text)]
    for k in range(1, len(probs)):
        floor = (probs[k - 1] + probs[k]) / 2  # keeps k words
        config = SamplingConfig(min_confidence=min(probs[0], floor), continue_confidence=floor, max_tokens=12,
                                stop_at="none", **TINY)
        shown = tiny_lm.complete(CONTEXT, config)
        assert shown.text == "".join(units[:k])
        assert "".join(tiny_lm.stream(CONTEXT, config)) == shown.text  # the editor's call agrees
    unsure = SamplingConfig(min_confidence=min(1.0, probs[0] * 1.01 + 1e-6), stop_at="none", **TINY)
    assert tiny_lm.complete(CONTEXT, unsure).text == ""


@pytest.mark.parametrize("beam", [1, 3])
def test_what_is_shown_clears_the_thresholds(tiny_lm, beam):
    config = SamplingConfig(beam_width=beam, min_confidence=0.02, continue_confidence=1e-4, max_tokens=12, **TINY)
    for context in ("The river", "She walked slowly", "He smiled at that, and", "It is sett"):
        c = tiny_lm.complete(context, config)
        assert len(c.word_probs) == len(list(WORD.finditer(c.text)))
        assert not c.word_probs or (c.word_probs[0] >= 0.02 and min(c.word_probs) >= 1e-4)


def test_line_breaks_only_where_the_document_has_them(tiny_lm):
    lines = TINY_TEXT.splitlines()
    paragraphs = ["\n".join(lines[i:i + 3]) for i in range(0, len(lines), 3)]
    hard_wrapped = "\n\n".join(paragraphs * 2)
    flat = " ".join(lines)
    assert line_break_allowed(hard_wrapped, "document")
    assert not line_break_allowed(flat, "document") and line_break_allowed(flat, "any")
    # The tiny model learned hard-wrapped text: somewhere it breaks a line mid-sentence.
    found = 0
    for cut in range(60, 400, 5):
        anywhere = tiny_lm.complete(flat[:cut], ungated(max_tokens=16, **TINY))
        if "\n" not in anywhere.text:
            continue
        found += 1
        kept = tiny_lm.complete(flat[:cut], ungated(max_tokens=16, line_breaks="document", **TINY))
        assert "\n" not in kept.text and anywhere.text.startswith(kept.text)
        assert kept.text == anywhere.text[:anywhere.text.index("\n")]
        in_wrapped = tiny_lm.complete(hard_wrapped + "\n\n" + flat[:cut],
                                      ungated(max_tokens=16, line_breaks="document", **TINY))
        assert in_wrapped.text == tiny_lm.complete(hard_wrapped + "\n\n" + flat[:cut],
                                                   ungated(max_tokens=16, **TINY)).text
        if found == 3:  # three places are enough; the rest cost seconds
            break
    assert found, "the tiny model never broke a line"


def test_a_suggestion_inside_a_line_stops_before_repeating_what_follows():
    from lstm_tui.core.policy import before_repeat, worth_showing

    assert before_repeat(" slowly to the", " to the river.") == " slowly"
    assert before_repeat(" to the", " to the river.") == ""  # it only repeats
    assert before_repeat(" slowly, he said", ", and then") == " slowly"  # a mark repeats too
    assert before_repeat(" tomorrow", " to the") == " tomorrow"  # a word that only starts alike
    assert before_repeat(" quickly ", " home") == " quickly"  # no double space before the rest
    assert worth_showing(" slowly to the", " to the river.") == " slowly"
    assert worth_showing("s") == "" and worth_showing("s sat") == "s sat"
