import pytest
import torch

from lstm_tui.core import precision
from lstm_tui.core.config import ModelConfig
from lstm_tui.core.model import LSTMLanguageModel
from lstm_tui.core.precision import Precision, training_precision
from lstm_tui.core.train_state import batch_loss

CPU = torch.device("cpu")


@pytest.mark.parametrize("native", [True, False])
def test_auto_on_cpu_uses_a_bf16_output_layer_only_where_the_cpu_has_bf16(monkeypatch, native):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    expected = Precision(output=torch.bfloat16) if native else Precision()
    assert training_precision("auto", CPU) == expected


@pytest.mark.parametrize("amx, kernels, expected", [
    (True, True, Precision(autocast=torch.bfloat16)),
    (True, False, Precision(output=torch.bfloat16)),  # no bf16 LSTM kernels after all
    (False, True, Precision(output=torch.bfloat16)),  # AVX512-BF16 alone: autocast was no faster
])
def test_a_fine_tune_autocasts_the_lstm_too_where_the_cpu_has_amx(monkeypatch, amx, kernels, expected):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(precision, "cpu_has_amx", lambda: amx)
    monkeypatch.setattr(precision, "cpu_lstm_runs_in", lambda dtype: kernels)
    assert training_precision("auto", CPU, fine_tune=True) == expected
    assert training_precision("auto", CPU) == Precision(output=torch.bfloat16)  # a new model: as before


def test_explicit_precisions(monkeypatch):
    monkeypatch.setattr(precision, "cpu_lstm_runs_in", lambda dtype: True)
    for name in ("fp32", "bf16", "bf16-output", "fp16"):
        assert training_precision(name, CPU).label == name
    assert training_precision("fp32", CPU) == Precision()
    assert training_precision("bf16", CPU) == Precision(autocast=torch.bfloat16)
    assert training_precision("bf16-output", CPU) == Precision(output=torch.bfloat16)
    assert training_precision("fp16", CPU) == Precision(autocast=torch.float16)


def test_a_precision_the_cpu_cannot_run_is_one_line_naming_the_option(tmp_path):
    # oneDNN limited to AVX2 stands in for a CPU without native bfloat16 (a laptop,
    # an AMD EPYC): its LSTM under bf16 autocast raised a 40-line RuntimeError.
    import os
    import subprocess
    import sys
    text = tmp_path / "t.txt"
    text.write_text("A short text to train on, with a few words in it.\n" * 200)
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "XDG_DATA_HOME": str(tmp_path),
           "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "lstm_tui", "train", str(text), "--name", "x",
                           "--precision", "bf16", "--steps", "2", "--vocab-size", "300",
                           "--hidden-dim", "16", "--layers", "1", "--device", "cpu"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "lstm-tui: error: --precision bf16: this CPU has no bf16 LSTM kernels; "
        "use --precision auto or fp32"]  # not bf16-output: emulated, 12x slower


def test_bf16_output_loss_and_gradients_track_float32():
    torch.manual_seed(0)
    model = LSTMLanguageModel(ModelConfig(vocab_size=300, embed_dim=32, hidden_dim=32, num_layers=2, dropout=0.0))
    x, y = torch.randint(0, 300, (4, 24)), torch.randint(0, 300, (4, 24))
    grads = []
    for chosen in (Precision(), Precision(output=torch.bfloat16)):
        model.zero_grad()
        loss, (h, _) = batch_loss(model, x, y, None, chosen)
        loss.backward()
        assert h.dtype == torch.float32
        grads.append((loss.item(), torch.cat([p.grad.flatten() for p in model.parameters()])))
    (loss32, g32), (loss16, g16) = grads
    assert loss16 == pytest.approx(loss32, rel=0.01)
    assert torch.nn.functional.cosine_similarity(g32, g16, dim=0) > 0.99


@pytest.mark.parametrize("native", [True, False])
def test_a_bf16_output_layer_asked_for_where_it_is_emulated_says_it_is_slow(monkeypatch, native):
    """On an AVX2 CPU it trained at 79 tokens/s against 977 in float32, and said nothing."""
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    said = precision.slow_precision("bf16-output", CPU)
    assert (said is None) == native
    if said:
        assert "12x slower than float32" in said and "--precision auto" in said
    assert precision.slow_precision("fp32", CPU) is None and precision.slow_precision("auto", CPU) is None
