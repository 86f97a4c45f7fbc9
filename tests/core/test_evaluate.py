import pytest
import torch

from lstm_tui.core.adapt import adaptive_bits
from lstm_tui.core.evaluate import evaluate_text, total_bits

CPU = torch.device("cpu")
NEW_TEXT = "Heathcliff said the moor was wild, and Nelly went up the hill. " * 6


def test_adaptive_without_learning_is_the_one_stream_score(tiny_lm):
    model, tok = tiny_lm.bundle.model, tiny_lm.tokenizer
    ids = torch.tensor(tok.encode(NEW_TEXT))
    static = total_bits(model, ids, tok.start_id, CPU, rows=1)
    assert adaptive_bits(model, ids, tok.start_id, CPU, lr=0.0) == pytest.approx(static, rel=1e-5)


def test_adapting_learns_a_new_document_and_leaves_the_model_alone(tiny_lm):
    model, tok = tiny_lm.bundle.model, tiny_lm.tokenizer
    before = {k: v.clone() for k, v in model.state_dict().items()}
    static = evaluate_text(model, tok, NEW_TEXT, CPU)
    adapted = evaluate_text(model, tok, NEW_TEXT, CPU, adapt=True)
    # The text repeats a sentence the model never saw: reading it once should teach it.
    assert adapted.bits_per_byte < 0.9 * static.bits_per_byte
    assert adapted.tokens == static.tokens and adapted.bytes == static.bytes
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert not model.training
