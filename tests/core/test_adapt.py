import torch

from lstm_tui.core.adapt import MIN_NEW_CHARS, DocumentLearner
from lstm_tui.core.evaluate import evaluate_text

CPU = torch.device("cpu")
SENTENCE = "Heathcliff said the moor was wild, and Nelly went up the hill. "


def learner_for(tiny_lm) -> DocumentLearner:
    return DocumentLearner(tiny_lm.bundle.model, tiny_lm.tokenizer, CPU)


def test_plan_cuts_before_spaces_and_skips_the_word_being_typed(tiny_lm):
    learner = learner_for(tiny_lm)
    text = "The cat sat on the ma"
    assert learner.plan(text) == (0, 18, 18, False)  # up to " ma", which is unfinished
    learner.seen, learner.learned_end = text, 18
    more = "The cat sat on the mat and pu"
    assert learner.plan(more) == (18, 26, 26, False)  # " mat and": starts with its space
    assert more[18:26] == " mat and"


def test_plan_relearns_only_an_edited_word(tiny_lm):
    learner = learner_for(tiny_lm)
    learner.seen = "The cat sat on the mat and then it slept by the fire all day "
    learner.learned_end = len(learner.seen) - 1
    edited = learner.seen.replace("cat", "old dog")
    start, end, learned_end, edit = learner.plan(edited)
    assert edit and edited[start:end] == " old dog"
    assert learned_end == learner.learned_end + 4  # shifted by the longer word


def test_learning_a_document_makes_it_likelier_and_keeps_the_base(tiny_lm):
    learner = learner_for(tiny_lm)
    base = {k: v.clone() for k, v in tiny_lm.bundle.model.state_dict().items()}
    text = SENTENCE * 4
    before = evaluate_text(tiny_lm.bundle.model, tiny_lm.tokenizer, SENTENCE * 2, CPU).bits_per_byte
    assert learner.learn(text) > 0 and learner.learned_end == len(text) - 1
    after = evaluate_text(learner.snapshot(quantize=False), tiny_lm.tokenizer, SENTENCE * 2, CPU).bits_per_byte
    assert after < 0.9 * before
    assert all(torch.equal(v, base[k]) for k, v in tiny_lm.bundle.model.state_dict().items())
    # Nothing new: no step. Then only the appended words are learned.
    assert learner.learn(text) == 0
    more = text + "Then the rain came down over the old grey house, and he waited. Lat"
    tokens = learner.learn(more)
    assert tokens == len(tiny_lm.tokenizer.encode(" Then the rain came down over the old grey house, and he waited."))
    # A typo fixed inside learned text: accepted without a step, nothing re-learned.
    fixed = more.replace("grey", "gray")
    assert learner.learn(fixed) == 0 and learner.seen == fixed
    assert learner.learn(fixed + "er and slept. ") == 0  # " Later and slept." is too short yet


def test_too_little_new_text_waits(tiny_lm):
    learner = learner_for(tiny_lm)
    assert learner.learn("a " * (MIN_NEW_CHARS // 2 - 1)) == 0 and learner.learner is None


def test_language_model_generates_with_what_it_learned_and_forgets(tiny_lm):
    base_runner = tiny_lm.generator.model
    assert tiny_lm.learn(SENTENCE * 3) > 0
    assert tiny_lm.generator.model is not base_runner
    assert tiny_lm.complete("Heathcliff said").tokens > 0
    tiny_lm.forget()
    assert tiny_lm.generator.model is base_runner


def test_a_new_model_keeps_the_cache_warm(tiny_lm):
    context = SENTENCE * 2
    tiny_lm.complete(context)
    assert tiny_lm.learn(SENTENCE * 3) > 0  # swaps in the learned weights
    before = tiny_lm.generator.tokens_fed
    tiny_lm.generator.prime(context + "H")  # one keystroke: only the new tokens are fed
    assert tiny_lm.generator.tokens_fed - before <= 4
    # The refilled states are the new model's: the same as computing from scratch.
    warm = tiny_lm.generator.prime(context)
    tiny_lm.generator._snaps.clear()
    assert torch.allclose(warm, tiny_lm.generator.prime(context), atol=1e-5)


def test_a_stopped_pass_learns_nothing_and_keeps_the_generator(tiny_lm):
    base_runner = tiny_lm.generator.model
    calls = []

    def stop_after_one_segment() -> bool:
        calls.append(1)
        return len(calls) > 1

    assert tiny_lm.learn(SENTENCE * 8, stop_after_one_segment) == 0
    assert len(calls) == 2 and tiny_lm.learner.learned_end == 0 and tiny_lm.learner.seen == ""
    assert tiny_lm.generator.model is base_runner
    assert tiny_lm.learn(SENTENCE * 8) > 0  # and the next pass learns it all
