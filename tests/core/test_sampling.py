import itertools
import math

import pytest
import torch

from lstm_tui.core.config import ModelConfig, SamplingConfig
from lstm_tui.core.generation import beam_search
from lstm_tui.core.model import LSTMLanguageModel
from lstm_tui.core.sampling import apply_repetition_penalty, draw_sorted, filter_logits, next_token

V = 5


@pytest.fixture
def tiny_model():
    torch.manual_seed(3)
    m = LSTMLanguageModel(ModelConfig(vocab_size=V, embed_dim=8, hidden_dim=8, num_layers=1, dropout=0.0))
    with torch.no_grad():  # sharper distributions make greedy and beam differ
        m.decoder.weight.mul_(40)
    return m.eval()


def start(model):
    logits, state = model(torch.tensor([[0]]))
    return logits[0, -1], state


def sequence_logprob(model, ids):
    logits, _ = model(torch.tensor([[0, *ids]]))
    lp = torch.log_softmax(logits[0], -1)
    return sum(float(lp[t, i]) for t, i in enumerate(ids))


@torch.inference_mode()
def test_wide_beam_finds_exhaustive_best(tiny_model):
    length = 4
    best = max(itertools.product(range(V), repeat=length), key=lambda s: sequence_logprob(tiny_model, s))
    logits, state = start(tiny_model)
    config = SamplingConfig(beam_width=V ** (length - 1), max_tokens=length, repetition_penalty=1.0,
                            length_penalty=0.0, num_alternatives=3)
    hyps = beam_search(tiny_model, None, state, logits, config, torch.device("cpu"))
    assert hyps[0].text == " ".join(map(str, best))
    assert math.isclose(hyps[0].logprob, sequence_logprob(tiny_model, best), rel_tol=1e-4)
    assert len(hyps) == 3 and hyps[0].logprob >= hyps[1].logprob >= hyps[2].logprob


@torch.inference_mode()
def greedy_ids(model, length):
    logits, state = start(model)
    out = []
    for _ in range(length):
        token = int(torch.argmax(logits))
        out.append(token)
        lo, state = model(torch.tensor([[token]]), state)
        logits = lo[0, -1]
    return out


@torch.inference_mode()
def test_beam_width_one_equals_greedy(tiny_model):
    logits, state = start(tiny_model)
    config = SamplingConfig(beam_width=1, max_tokens=6, repetition_penalty=1.0, length_penalty=0.0)
    hyps = beam_search(tiny_model, None, state, logits, config, torch.device("cpu"))
    assert hyps[0].text == " ".join(map(str, greedy_ids(tiny_model, 6)))


@pytest.mark.parametrize("config", [
    SamplingConfig(temperature=0.0, repetition_penalty=1.0),
    SamplingConfig(top_k=1, temperature=1.5, repetition_penalty=1.0),
    SamplingConfig(temperature=1e-4, top_k=0, top_p=1.0, repetition_penalty=1.0),
])
@torch.inference_mode()
def test_greedy_equivalents(tiny_model, config):
    logits, state = start(tiny_model)
    out = []
    g = torch.Generator().manual_seed(0)
    for _ in range(6):
        token, _ = next_token(logits, config, out, g)
        out.append(token)
        lo, state = tiny_model(torch.tensor([[token]]), state)
        logits = lo[0, -1]
    assert out == greedy_ids(tiny_model, 6)


def test_top_k_and_top_p_filter():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    kept = torch.isfinite(filter_logits(logits, top_k=2))
    assert kept.tolist() == [True, True, False, False]
    kept = torch.isfinite(filter_logits(logits, top_p=0.8))
    assert kept.tolist() == [True, True, False, False]
    kept = torch.isfinite(filter_logits(logits, top_p=0.81))
    assert kept.tolist() == [True, True, True, False]
    kept = torch.isfinite(filter_logits(logits, top_p=0.01))
    assert kept.tolist() == [True, False, False, False]


def test_draw_keeps_the_nucleus_and_its_odds():
    probs = [0.5, 0.3, 0.15, 0.05]
    assert [draw_sorted(probs, 0.8, u) for u in (0.0, 0.62, 0.63, 0.999)] == [0, 0, 1, 1]
    assert {draw_sorted(probs, 0.81, u / 100) for u in range(100)} == {0, 1, 2}
    assert {draw_sorted(probs, 0.01, u / 100) for u in range(100)} == {0}
    assert draw_sorted(probs, 1.0, 0.9999) == 3
    # Masked-out tokens (probability 0) are never drawn, even when rounding leaves the
    # draw past the mass of the others.
    assert draw_sorted([0.7, 0.3 - 1e-12, 0.0, 0.0], 1.0, 1.0) == 1


def test_top_k_sampling_follows_the_model():
    logits = torch.log(torch.tensor([0.05, 0.5, 0.0001, 0.3, 0.15]))
    config = SamplingConfig(temperature=1.0, top_k=3, top_p=1.0, repetition_penalty=1.0)
    g = torch.Generator().manual_seed(0)
    counts = torch.bincount(torch.tensor([next_token(logits, config, (), g)[0] for _ in range(3000)]),
                            minlength=5)
    assert counts[0] == counts[2] == 0  # outside the top 3
    share = counts[[1, 3, 4]].float() / 3000
    assert torch.allclose(share, torch.tensor([0.5, 0.3, 0.15]) / 0.95, atol=0.03)


def test_repetition_penalty_lowers_seen_tokens():
    logits = torch.tensor([2.0, -1.0, 0.5])
    out = apply_repetition_penalty(logits, [0, 1], 2.0)
    assert out.tolist() == [1.0, -2.0, 0.5]


def test_seed_makes_sampling_reproducible():
    logits = torch.zeros(50)
    config = SamplingConfig(temperature=1.0, top_k=0, top_p=1.0, repetition_penalty=1.0)
    a = [next_token(logits, config, (), torch.Generator().manual_seed(7))[0] for _ in range(5)]
    b = [next_token(logits, config, (), torch.Generator().manual_seed(7))[0] for _ in range(5)]
    assert a == b


def test_sampling_config_validates():
    with pytest.raises(ValueError):
        SamplingConfig(top_p=0)
    with pytest.raises(ValueError):
        SamplingConfig(stop_at="paragraph")
