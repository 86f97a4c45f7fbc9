import pytest
import torch

from lstm_tui.core import schedule
from lstm_tui.core.config import ModelConfig
from lstm_tui.core.model import LSTMLanguageModel
from lstm_tui.core.schedule import Precision, batch_loss, training_precision

CPU = torch.device("cpu")


@pytest.mark.parametrize("native", [True, False])
def test_auto_on_cpu_uses_a_bf16_output_layer_only_where_the_cpu_has_bf16(monkeypatch, native):
    monkeypatch.setattr(schedule, "cpu_has_native_bf16", lambda: native)
    expected = Precision(output=torch.bfloat16) if native else Precision()
    assert training_precision("auto", CPU) == expected


def test_explicit_precisions():
    for name in ("fp32", "bf16", "bf16-output", "fp16"):
        assert training_precision(name, CPU).label == name
    assert training_precision("fp32", CPU) == Precision()
    assert training_precision("bf16", CPU) == Precision(autocast=torch.bfloat16)
    assert training_precision("bf16-output", CPU) == Precision(output=torch.bfloat16)
    assert training_precision("fp16", CPU) == Precision(autocast=torch.float16)


def test_bf16_output_loss_and_gradients_track_float32():
    torch.manual_seed(0)
    model = LSTMLanguageModel(ModelConfig(vocab_size=300, embed_dim=32, hidden_dim=32, num_layers=2, dropout=0.0))
    x, y = torch.randint(0, 300, (4, 24)), torch.randint(0, 300, (4, 24))
    grads = []
    for precision in (Precision(), Precision(output=torch.bfloat16)):
        model.zero_grad()
        loss, (h, _) = batch_loss(model, x, y, None, precision)
        loss.backward()
        assert h.dtype == torch.float32
        grads.append((loss.item(), torch.cat([p.grad.flatten() for p in model.parameters()])))
    (loss32, g32), (loss16, g16) = grads
    assert loss16 == pytest.approx(loss32, rel=0.01)
    assert torch.nn.functional.cosine_similarity(g32, g16, dim=0) > 0.99
