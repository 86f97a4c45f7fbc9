import torch

from lstm_tui.core.config import ModelConfig
from lstm_tui.core.int8 import Int8LanguageModel, quantize_for_cpu
from lstm_tui.core.model import LSTMLanguageModel


def make(**kw):
    torch.manual_seed(0)
    return LSTMLanguageModel(ModelConfig(vocab_size=50, embed_dim=16, hidden_dim=24, num_layers=2,
                                         dropout=0.0, **kw)).eval()


def test_stepwise_equals_batched():
    model = make()
    ids = torch.randint(0, 50, (1, 30))
    with torch.inference_mode():
        full, _ = model(ids)
        state, steps = None, []
        for t in range(ids.size(1)):
            out, state = model(ids[:, t:t + 1], state)
            steps.append(out)
    assert torch.allclose(full, torch.cat(steps, dim=1), atol=1e-5)


def test_tied_weights_share_storage_and_projection_bridges_widths():
    model = make()
    assert model.decoder.weight.data_ptr() == model.embedding.weight.data_ptr()
    assert model.proj is not None  # hidden 24 -> embed 16
    untied = make(tie_weights=False)
    assert untied.decoder.weight.data_ptr() != untied.embedding.weight.data_ptr()
    assert untied.proj is None


def test_quantized_model_is_close():
    model = make()
    q = quantize_for_cpu(model)
    ids = torch.randint(0, 50, (2, 20))
    with torch.inference_mode():
        a = torch.log_softmax(model(ids)[0], -1)
        b = torch.log_softmax(q(ids)[0], -1)
    assert (a.exp() - b.exp()).abs().max() < 0.05


def test_int8_model_carries_state_and_is_a_copy():
    for model in (make(), make(tie_weights=False)):  # with a projection, and without
        q = quantize_for_cpu(model)
        assert isinstance(q, Int8LanguageModel)  # not the deprecated torch.ao front end's modules
        ids = torch.randint(0, 50, (3, 12))
        with torch.inference_mode():
            whole, (h, c) = q(ids)
            first, state = q(ids[:, :5])
            rest, (h2, c2) = q(ids[:, 5:], state)
            # Activations are quantized per call, so a split differs a little; a cold
            # start (no state) differs a lot.
            carried = (torch.cat([first, rest], 1) - whole).abs().max()
            cold = (q(ids[:, 5:])[0] - whole[:, 5:]).abs().max()
            assert carried < cold / 5
            assert (h - h2).abs().max() < 0.05 and (c - c2).abs().max() < 0.05
            model.embedding.weight.add_(1.0)  # the source learns on (as learning from the document does)
            assert torch.equal(q(ids)[0], whole)


def test_config_validation():
    import pytest

    with pytest.raises(ValueError):
        ModelConfig(vocab_size=0)
    with pytest.raises(ValueError):
        ModelConfig(dropout=1.5)
    with pytest.raises(ValueError, match="weight_drop"):
        ModelConfig(weight_drop=1.0)
    with pytest.raises(ValueError, match="embed_drop"):
        ModelConfig(embed_drop=-0.1)


def test_weight_drop_masks_the_recurrent_weights_in_training_only():
    model = make(weight_drop=0.5)
    ids = torch.randint(0, 50, (2, 12))
    with torch.inference_mode():
        reference, _ = model(ids)
    model.train()
    torch.manual_seed(1)
    a, _ = model(ids)
    torch.manual_seed(2)
    b, _ = model(ids)
    assert not torch.allclose(a, b) and not torch.allclose(a, reference)
    a.sum().backward()  # the gradient reaches the weights under the mask
    assert model.lstm.weight_hh_l1.grad is not None and model.lstm.weight_hh_l1.grad.abs().sum() > 0
    model.zero_grad()
    # Off, training computes exactly what inference does, with the module's own weights.
    model.set_regularisation(False)
    off, _ = model(ids)
    assert torch.allclose(off, reference, atol=1e-6)
    model.eval()
    with torch.inference_mode():
        assert torch.equal(model(ids)[0], reference)


def test_embed_drop_drops_whole_words():
    model = make(embed_drop=0.5).train()
    inputs = []
    model.lstm.register_forward_pre_hook(lambda module, args: inputs.append(args[0]))
    ids = torch.tensor([[7] * 6 + [9] * 6])
    clean = model.embedding(ids)[0]
    outcomes = set()
    for seed in range(20):
        torch.manual_seed(seed)
        model(ids)
        x = inputs[-1][0]
        for word in (7, 9):
            rows, where = x[ids[0] == word], clean[ids[0] == word]
            # A word is dropped at every position or kept (scaled up) at every one.
            dropped = bool(rows.abs().sum() == 0)
            assert dropped or torch.allclose(rows, 2 * where)
            outcomes.add(dropped)
    assert outcomes == {True, False}


def test_bf16_output_layer_keeps_the_lstm_in_float32():
    model = make()
    ids = torch.randint(0, 50, (2, 20))
    with torch.inference_mode():
        full, (h, c) = model(ids)
        low, (h2, c2) = model(ids, output_dtype=torch.bfloat16)
    assert full.dtype == torch.float32 and low.dtype == torch.bfloat16
    assert h2.dtype == c2.dtype == torch.float32 and torch.equal(h, h2) and torch.equal(c, c2)
    assert (torch.softmax(full, -1) - torch.softmax(low.float(), -1)).abs().max() < 0.01


def test_without_quantized_kernels_generation_runs_in_float32(tiny_bundle, monkeypatch):
    """The quantized kernels are deprecated (pytorch/pytorch#184982): a torch without
    them must still load and generate, in float32."""
    from lstm_tui import SamplingConfig, load_model
    from lstm_tui.core import int8

    def missing(*args, **kwargs):
        raise AttributeError("no quantized kernels in this torch")

    int8.int8_available.cache_clear()
    monkeypatch.setattr(int8.Int8LanguageModel, "__init__", missing)
    try:
        lm = load_model(tiny_bundle, device="cpu")
        assert not lm.quantized and not isinstance(lm.generator.model, int8.Int8LanguageModel)
        config = SamplingConfig(max_tokens=8, min_confidence=0, continue_confidence=0, seed=0)
        assert lm.complete("The house", config).text
        assert not isinstance(int8.quantize_for_cpu(lm.bundle.model), int8.Int8LanguageModel)
    finally:
        int8.int8_available.cache_clear()
