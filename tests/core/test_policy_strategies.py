"""The suggestion policy's rules hold for every way of decoding: greedy and sampled
streaming, the extra samples offered as alternatives, and beam search. Each reads its
tokens through one step (policy.ShownText); this checks what comes out of each, with
the tiny real model, over many settings."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from lstm_tui.core.config import SamplingConfig
from lstm_tui.core.policy import end_index, line_break_allowed

CONTEXT = "The morning was cold and the road was long. She walked to the"
STRATEGIES = {
    "greedy": {"temperature": 0.0},
    "sampled": {"temperature": 1.0, "top_k": 0, "top_p": 1.0},
    "beam": {"beam_width": 3},
}


def follows_the_rules(text: str, word_probs: tuple[float, ...], config: SamplingConfig) -> None:
    breaks = line_break_allowed(CONTEXT, config.line_breaks)
    cut = end_index(text, config.stop_at, breaks)
    assert cut is None or cut == len(text), f"{text!r} goes past where it ends"
    if not breaks:
        assert "\n" not in text
    gated = config.min_confidence > 0 or config.continue_confidence > 0
    if gated and text.strip():
        assert word_probs, f"{text!r} was shown unweighed"
        assert word_probs[0] >= config.min_confidence - 1e-9
        assert all(p >= config.continue_confidence - 1e-9 for p in word_probs[1:])


@examples(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(strategy=st.sampled_from(sorted(STRATEGIES)), alternatives=st.sampled_from([1, 3]),
       min_confidence=st.sampled_from([0.0, 0.05, 0.3, 0.95]),
       continue_confidence=st.sampled_from([0.0, 0.05, 0.3, 0.95]),
       stop_at=st.sampled_from(["none", "newline", "sentence"]), line_breaks=st.sampled_from(["document", "any"]),
       document_cache=st.sampled_from([0.0, 0.3]), tail=st.sampled_from(["", " ro", " w"]),
       seed=st.integers(0, 1000))
def test_every_strategy_shows_only_what_the_rules_allow(tiny_lm, strategy, alternatives, min_confidence,
                                                         continue_confidence, stop_at, line_breaks,
                                                         document_cache, tail, seed):
    config = SamplingConfig(**STRATEGIES[strategy], num_alternatives=alternatives, min_confidence=min_confidence,
                            continue_confidence=continue_confidence, stop_at=stop_at, line_breaks=line_breaks,
                            document_cache=document_cache, max_tokens=12, seed=seed)
    completion = tiny_lm.complete(CONTEXT + tail, config)
    for c in [completion, *completion.alternatives]:
        follows_the_rules(c.text, c.word_probs, config)


def test_alternatives_are_held_back_like_the_suggestion(tiny_lm):
    """With sampling, alternatives and a strict gate, the suggestion was held back as
    unsure while the alternatives skipped the gate and were shown (issue 28)."""
    config = SamplingConfig(temperature=1.0, top_k=0, top_p=1.0, num_alternatives=4, min_confidence=0.95,
                            continue_confidence=0.95, seed=1)
    completion = tiny_lm.complete("It was a dark and stormy night, and the", config)
    assert len(completion.alternatives) == 3
    for c in [completion, *completion.alternatives]:
        follows_the_rules(c.text, c.word_probs, config)
    streamed = "".join(tiny_lm.stream("It was a dark and stormy night, and the", config))
    assert streamed == completion.text
