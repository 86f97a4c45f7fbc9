import torch

from lstm_tui.core.config import ModelConfig
from lstm_tui.core.model import LSTMLanguageModel, quantize_for_cpu


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


def test_config_validation():
    import pytest

    with pytest.raises(ValueError):
        ModelConfig(vocab_size=0)
    with pytest.raises(ValueError):
        ModelConfig(dropout=1.5)


def test_bf16_output_layer_keeps_the_lstm_in_float32():
    model = make()
    ids = torch.randint(0, 50, (2, 20))
    with torch.inference_mode():
        full, (h, c) = model(ids)
        low, (h2, c2) = model(ids, output_dtype=torch.bfloat16)
    assert full.dtype == torch.float32 and low.dtype == torch.bfloat16
    assert h2.dtype == c2.dtype == torch.float32 and torch.equal(h, h2) and torch.equal(c, c2)
    assert (torch.softmax(full, -1) - torch.softmax(low.float(), -1)).abs().max() < 0.01
