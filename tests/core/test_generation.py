import pytest

from lstm_tui.core.completion import stop_index
from lstm_tui.core.generation import context_window
from tests.configs import ungated

GREEDY = ungated(temperature=0.0, max_tokens=12, repetition_penalty=1.0)


def test_typing_one_char_feeds_few_tokens(tiny_lm):
    gen = tiny_lm.generator
    text = ("She walked slowly along the bank of the river, " * 20)[:900]
    list(tiny_lm.stream(text, GREEDY))
    for extra in "and the":
        text += extra
        before = gen.tokens_fed
        for _ in tiny_lm.stream(text, GREEDY.replace(max_tokens=1)):
            pass
        # The word just finished and the next token, not the 900 characters before.
        assert gen.tokens_fed - before <= 4, "a keystroke fed the context"


def test_stream_matches_complete_and_is_deterministic(tiny_lm):
    context = "He read it twice, and then"
    streamed = "".join(tiny_lm.stream(context, GREEDY))
    assert streamed
    assert tiny_lm.complete(context, GREEDY).text == streamed
    # After the cache held another text (a refill, not snapshots), the same answer; a
    # model that never saw a text is test_cache_gives_same_result_as_fresh_model's.
    list(tiny_lm.stream("x" * 50 + context, GREEDY))
    assert "".join(tiny_lm.stream(context, GREEDY)) == streamed


def test_cache_gives_same_result_as_fresh_model(tiny_bundle):
    from lstm_tui import load_model

    a, b = load_model(tiny_bundle, device="cpu"), load_model(tiny_bundle, device="cpu")
    text = "The water was high after the rain; it moved"
    for i in range(len("The water"), len(text)):
        list(a.stream(text[:i], GREEDY))
    assert a.complete(text, GREEDY).text == b.complete(text, GREEDY).text


def test_cancel_between_tokens(tiny_lm):
    calls = []
    out = list(tiny_lm.stream("The morning was", GREEDY.replace(max_tokens=50),
                              should_stop=lambda: len(calls.append(1) or calls) > 3))
    assert len(out) <= 3


def test_seeded_sampling_reproducible(tiny_lm):
    config = ungated(temperature=1.0, seed=42, max_tokens=20)
    a = tiny_lm.complete("For a long time", config).text
    b = tiny_lm.complete("For a long time", config).text
    assert a == b


def test_beam_returns_alternatives_best_first(tiny_lm):
    config = ungated(beam_width=4, num_alternatives=3, max_tokens=8)
    c = tiny_lm.complete("He smiled at", config)
    assert c.alternatives and len(c.alternatives) <= 2
    scores = [c.logprob / c.tokens] + [a.logprob / max(a.tokens, 1) for a in c.alternatives]
    assert scores == sorted(scores, reverse=True)
    assert len({c.text, *(a.text for a in c.alternatives)}) == 1 + len(c.alternatives)


def test_samples_as_alternatives(tiny_lm):
    c = tiny_lm.complete("The river", ungated(temperature=1.2, num_alternatives=3, seed=1))
    assert len(c.alternatives) == 2


@pytest.mark.parametrize("stop_at", ["newline", "sentence"])
def test_stop_rules(tiny_lm, stop_at):
    c = tiny_lm.complete("She said", ungated(stop_at=stop_at, max_tokens=80, seed=3))
    assert stop_index(c.text, stop_at) is None  # nothing past the first stop
    if stop_at == "newline":
        assert "\n" not in c.text
    else:
        assert "\n\n" not in c.text


def test_stop_index():
    assert stop_index("one two.\nthree", "newline") == 8
    assert stop_index("Yes. Then", "sentence") == 4
    assert stop_index('"Yes," he said." And', "sentence") == 16
    assert stop_index("no end yet", "sentence") is None
    assert stop_index("anything", "none") is None


def test_context_window_start_is_stable():
    text = "word " * 1000
    a = context_window(text, 2000)
    b = context_window(text + "x", 2000)
    assert len(a) <= 2000 + 256 and b.startswith(a[:100]) and b[:-1] == a


def test_bits_per_byte(tiny_lm):
    from tests.conftest import TINY_TEXT

    seen = tiny_lm.bits_per_byte(TINY_TEXT)
    noise = tiny_lm.bits_per_byte("zq xj vk " * 40)
    assert 0 < seen < noise


def test_an_open_stream_is_an_error_in_its_own_thread_and_a_wait_in_another(tiny_lm):
    import threading

    stream = tiny_lm.stream("The river", GREEDY)
    next(stream)
    with pytest.raises(RuntimeError, match="still open"):  # it would wait for itself forever
        tiny_lm.complete("The water", GREEDY)
    finished = threading.Event()
    other = threading.Thread(target=lambda: (tiny_lm.complete("The water", GREEDY), finished.set()))
    other.start()
    other.join(0.2)
    assert other.is_alive() and not finished.is_set()  # another thread waits for the stream
    stream.close()
    other.join(30)
    assert finished.is_set()
    assert tiny_lm.complete("The river", GREEDY).text  # and the generator is usable again
