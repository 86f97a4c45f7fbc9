import pytest
import torch

from lstm_tui.core import device as dev
from lstm_tui.core.config import ModelConfig
from lstm_tui.core.errors import DeviceError
from lstm_tui.core.model import LSTMLanguageModel


def fake(monkeypatch, cuda=False, mps=False):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(dev, "_mps_available", lambda: mps)


@pytest.mark.parametrize("cuda,mps,expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")])
def test_auto_prefers_cuda_then_mps(monkeypatch, cuda, mps, expected):
    fake(monkeypatch, cuda, mps)
    assert dev.resolve_device("auto").type == expected
    assert dev.resolve_device(None).type == expected


def test_env_overrides_auto_but_not_explicit(monkeypatch):
    fake(monkeypatch, cuda=True)
    monkeypatch.setenv(dev.DEVICE_ENV, "cpu")
    assert dev.resolve_device("auto").type == "cpu"
    assert dev.resolve_device("cuda").type == "cuda"


@pytest.mark.parametrize("name", ["cuda", "mps"])
def test_missing_device_is_clear_error(monkeypatch, name):
    fake(monkeypatch)
    with pytest.raises(DeviceError, match=f"'{name}' was asked for"):
        dev.resolve_device(name)
    with pytest.raises(DeviceError, match="unknown device"):
        dev.resolve_device("tpu")


def test_inference_threads_fit_the_free_cores():
    assert dev.inference_threads(1) == 1
    assert dev.inference_threads(2) == 2  # both: the UI thread mostly waits
    assert dev.inference_threads(3) == 2  # more than two: one stays the UI's
    assert dev.inference_threads(8) == 4  # small matmuls gain little past four
    assert dev.inference_threads(2, busy=1) == 1  # a training child holds a core
    assert dev.inference_threads(8, busy=4) == 3
    assert dev.inference_threads(8, busy=8) == 1


def test_threads_started_later_take_the_count():
    import threading

    import torch

    before = torch.get_num_threads()
    target = 2 if before == 1 else 1
    seen = []
    try:
        dev.set_inference_threads(target)
        worker = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        worker.start()
        worker.join()
    finally:
        torch.set_num_threads(before)
    assert seen == [target]


def test_wrong_device_results_fall_back_to_cpu(monkeypatch):
    model = LSTMLanguageModel(ModelConfig(vocab_size=20, embed_dim=8, hidden_dim=8, num_layers=1)).eval()
    monkeypatch.setattr(torch.nn.Module, "to", lambda self, *a, **k: self)
    monkeypatch.setattr(dev, "logits_agree", lambda *a, **k: False)
    with pytest.warns(RuntimeWarning, match="different results"):
        assert dev.checked_device(model, torch.device("mps"), 20).type == "cpu"
    monkeypatch.setattr(dev, "logits_agree", lambda *a, **k: True)
    assert dev.checked_device(model, torch.device("mps"), 20).type == "mps"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_logits_match_cpu():
    model = LSTMLanguageModel(ModelConfig(vocab_size=50, embed_dim=16, hidden_dim=16)).eval()
    assert dev.logits_agree(model.to("cuda"), torch.device("cuda"), 50)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_seeded_sampling_runs_on_cuda(tiny_bundle):
    # A seeded CPU generator beside CUDA logits made torch.multinomial refuse to sample
    # (found by the first training run on a GPU: its validation sample failed).
    from lstm_tui import SamplingConfig, load_model

    lm = load_model(tiny_bundle, device="cuda")
    config = SamplingConfig(temperature=0.8, top_k=10, max_tokens=12, seed=3)
    first = lm.complete("The house", config).text
    assert first and first == lm.complete("The house", config).text
    assert len(lm.alternatives("The house", config, 2)) == 2
