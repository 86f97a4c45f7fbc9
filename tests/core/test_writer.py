"""The simulated writer: keystrokes counted by the editor's rules."""

from lstm_tui.core.gain import (
    DEFAULT_GATE,
    GATE_PRECISION,
    GATES,
    MAX_GATE_TRIES,
    MIN_GATE_SHOWN,
    WriterGain,
    model_gate,
    pick_gate,
)
from lstm_tui.core.writer import REALISTIC, Typist, passages, type_passages, write


def test_no_ghost_costs_a_key_per_character():
    t = write("hello world", "", lambda context: "")
    assert (t.chars, t.keys, t.shown, t.savings) == (11, 11, 0, 0.0)


def test_a_right_ghost_is_taken_with_tab_and_a_right_word_with_ctrl_right():
    # After "hel" the ghost is the whole rest: typed h, e, l, then Tab.
    t = write("hello world", "", lambda c: "lo world" if c == "hel" else "")
    assert t.keys == 4 and t.shown == 1 and t.first_right == 1
    # A ghost right in its first word only: Ctrl+Right takes the word, the rest is typed.
    t = write("hello world", "", lambda c: "hello there" if c == "" else "")
    assert t.keys == 1 + len(" world") and t.wrong_chars == len(" there") - 1


def test_a_wrong_ghost_is_dismissed_by_typing():
    t = write("abc", "", lambda c: "xyz" if c == "" else "")
    assert t.keys == 3 and t.shown == 1 and t.first_right == 0


def test_the_context_starts_where_the_writer_started():
    seen = []
    write("abc", "before ", lambda c: seen.append(c) or "")
    assert seen == ["before ", "before a", "before ab"]


def test_a_realistic_writer_takes_only_ghosts_that_save_two_keys():
    short = lambda c: "at" if c == "the c" else ""  # Tab instead of two letters: one key saved
    assert write("the cat", "", short).keys == len("the c") + 1  # the ideal writer takes it
    assert write("the cat", "", short, typist=Typist(min_saved=2)).keys == len("the cat")
    longer = lambda c: "at sat" if c == "the c" else ""
    assert write("the cat sat", "", longer, typist=Typist(min_saved=2)).keys == len("the c") + 1


def test_a_ghost_that_comes_after_the_next_key_is_not_seen():
    import time

    def slow(context: str) -> str:
        time.sleep(0.03)
        return " world" if context == "hello" else ""

    fast = Typist(chars_per_second=100)  # a key every 10 ms: every ghost is late
    t = write("hello world", "", slow, typist=fast)
    assert (t.keys, t.shown) == (11, 0) and t.late == 1
    pausing = Typist(chars_per_second=100, word_pause=0.5)  # it shows in the pause after "hello"
    t = write("hello world", "", slow, typist=pausing)
    assert (t.keys, t.shown, t.late) == (6, 1, 0) and (t.word_ends, t.word_ends_with_ghost) == (1, 1)


def test_the_editor_asks_only_after_its_debounce():
    asked = []
    typist = Typist(chars_per_second=5, word_pause=0.5, debounce=0.3)  # asks only in the pause at a word end
    write("one two", "", lambda c: asked.append(c) or "", typist=typist)
    assert asked == ["one"]
    assert REALISTIC.min_saved == 2 and REALISTIC.chars_per_second == 5


def test_passages_start_at_paragraphs_with_text_before_them():
    text = "".join(f"Paragraph {i} has some words in it.\n\n" for i in range(200))
    spans = passages(text, 400, 100, seed=1, context=500)
    assert spans and all(text[s - 1] == "\n" and s > 500 for s, _ in spans)
    assert sum(e - s for s, e in spans) >= 400
    assert type_passages(text, spans, lambda c: "").chars == sum(e - s for s, e in spans)


def test_the_gain_in_plain_words():
    up = WriterGain(0.21, 0.29, 0.5, 0.6, 2400)
    assert up.sentence() == "On your writing, suggestions now save 29% of keystrokes, up from 21%."
    assert WriterGain.from_dict(up.to_dict()) == up
    assert WriterGain.from_dict({"before": "x"}) is None
    assert "down from 30%" in WriterGain(0.30, 0.25, None, None, 100).sentence()


def test_a_personal_gate_is_the_lowest_that_is_right_often_enough():
    def rising(start: float):  # precision climbing 0.05 a step from ``start`` at the default
        tried = []

        def precision(gate):
            tried.append(gate)
            return start + 0.05 * (GATES.index(gate) - GATES.index(DEFAULT_GATE))
        return precision, tried

    i = GATES.index(DEFAULT_GATE)
    precision, tried = rising(GATE_PRECISION - 0.07)  # two steps up reach it
    assert pick_gate(precision) == GATES[i + 2]
    precision, tried = rising(GATE_PRECISION + 0.06)  # one step down still holds; two do not
    assert pick_gate(precision) == GATES[i - 1]
    precision, tried = rising(0.0)  # never reached: the surest tried, within the tries allowed
    assert pick_gate(precision) == GATES[i + MAX_GATE_TRIES]
    assert len(set(tried)) == MAX_GATE_TRIES + 1
    assert pick_gate(lambda gate: None) == GATES[i + MAX_GATE_TRIES]  # nothing shown counts as never right


def test_a_gate_stays_at_the_default_where_too_few_suggestions_were_shown_to_tell():
    """A minute's fine-tune on a dozen notes chose its gate on 1,210 held-out characters
    (two steps from the default)."""
    low = lambda gate: 0.3  # never right enough: the search would climb
    assert pick_gate(low, shown=MIN_GATE_SHOWN - 1) == DEFAULT_GATE
    assert pick_gate(low, shown=MIN_GATE_SHOWN) == GATES[GATES.index(DEFAULT_GATE) + MAX_GATE_TRIES]


def test_a_cards_gate_is_read_back_checked():
    gated = WriterGain(0.21, 0.29, 0.5, 0.6, 2400, gate=(0.35, 0.4))
    assert WriterGain.from_dict(gated.to_dict()) == gated
    assert model_gate({"writer_gain": gated.to_dict()}) == (0.35, 0.4)
    assert "at least 35% sure" in gated.gate_sentence() and "60% of them were right" in gated.gate_sentence()
    old = {k: v for k, v in gated.to_dict().items() if k != "gate"}  # a card from before gates
    assert WriterGain.from_dict(old) == WriterGain(0.21, 0.29, 0.5, 0.6, 2400)
    for hostile in ([2, 0.4], ["0.3", 0.4], [0.3], True, {"a": 1}):
        assert model_gate({"writer_gain": gated.to_dict() | {"gate": hostile}}) is None
    assert model_gate({}) is None and model_gate({"writer_gain": "x"}) is None


def test_the_closing_measurement_types_on_one_thread_and_gives_the_threads_back(tiny_bundle):
    # A training run's threads, one per core, would make each batch-1 step wait for a
    # core another program holds (50 s instead of 1.8 s for 600 characters).
    import torch

    from lstm_tui.core.bundle import load_bundle
    from lstm_tui.core.gain import keystrokes_saved

    bundle = load_bundle(tiny_bundle)
    text = "The lamp was lit at dusk. The keeper climbed the stair.\n\n" * 20
    seen = []
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        tally = keystrokes_saved(bundle.model, bundle.tokenizer, torch.device("cpu"), text,
                                 passages(text, 120, 60, 0, context=200), context=200,
                                 typed=lambda done: seen.append(torch.get_num_threads()))
        assert tally.chars > 0 and seen and set(seen) == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
