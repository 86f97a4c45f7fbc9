from pathlib import Path

import pytest
import torch

from lstm_tui.core.averaging import WeightAverage, blend_toward
from lstm_tui.core.bundle import load_bundle
from lstm_tui.core.config import ModelConfig
from lstm_tui.core.model import LSTMLanguageModel
from lstm_tui.core.train_options import TrainOptions
from lstm_tui.core.training import TrainingRun

from .test_training import options


def small_model() -> LSTMLanguageModel:
    return LSTMLanguageModel(ModelConfig(vocab_size=50, embed_dim=8, hidden_dim=8, num_layers=1))


def test_average_is_an_exponential_moving_average_that_ramps_up():
    model = small_model()
    average = WeightAverage(model, decay=0.75)
    first = {k: v.clone() for k, v in model.state_dict().items()}
    average.update(model)  # the first update copies

    def step() -> None:
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        average.update(model)

    step()  # the second update: decay min(0.75, 2 / 11), the new weights count most
    for key, value in average.model.state_dict().items():
        assert torch.allclose(value, first[key] + 9 / 11), key
    average.averaged.n_averaged.fill_(1000)  # late in a run: the decay given
    step()
    for key, value in average.model.state_dict().items():
        assert torch.allclose(value, first[key] + 0.75 * 9 / 11 + 0.25 * 2), key
    assert average.model.decoder.weight is average.model.embedding.weight
    assert not average.model.training


def test_decay_out_of_range_is_refused():
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(small_model(), decay=1.0)
    with pytest.raises(ValueError, match="--ema"):
        TrainOptions(paths=("x",), name="n", output="o", run_dir="r", cache_dir="c", ema=1.5)


def _ruin(model: torch.nn.Module) -> None:
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 3)


@pytest.mark.parametrize("ruined", ["raw", "average"])
def test_validation_keeps_whichever_weights_read_better(tmp_path, tiny_corpus, ruined):
    events = []
    run = TrainingRun(options(tmp_path, tiny_corpus, ema=0.9, steps=6, eval_every=100),
                      events.append, device="cpu")
    run.run()
    evals = [e for e in events if e["event"] == "eval"]
    assert evals and all(e["val_bpb"] == min(e["raw_bpb"], e["average_bpb"]) for e in evals)

    _ruin(run.model if ruined == "raw" else run.state.average.model)
    run.progress.best_bpb = float("inf")
    run.evaluate_and_keep()
    last = [e for e in events if e["event"] == "eval"][-1]
    worse, better = ("raw_bpb", "average_bpb") if ruined == "raw" else ("average_bpb", "raw_bpb")
    assert last[worse] > last[better] + 1 and last["val_bpb"] == last[better]
    kept = run.state.average.model if ruined == "raw" else run.model
    saved = load_bundle(run.options.output)
    for key, value in saved.model.state_dict().items():
        assert torch.allclose(value, kept.state_dict()[key], atol=1e-2), key  # float16 on disk
    assert saved.card["recipe"]["ema"] == 0.9
    assert saved.card["weights"] == ("average" if ruined == "raw" else "raw")
    assert run.progress.history[-1]["average_bpb"] == pytest.approx(last["average_bpb"], abs=1e-5)


def test_the_average_resumes_exactly(tmp_path, tiny_corpus):
    TrainingRun(options(tmp_path / "a", tiny_corpus, ema=0.8), lambda e: None, device="cpu",
                keep_checkpoint=True).run()
    opts = options(tmp_path / "b", tiny_corpus, ema=0.8)
    steps = []
    stopped = TrainingRun(opts, steps.append, device="cpu",
                          should_stop=lambda: any(e["event"] == "progress" and e["step"] >= 5
                                                  for e in steps)).run()
    assert stopped["stopped"] and stopped["steps"] < 12
    TrainingRun(opts, lambda e: None, device="cpu", resume=True, keep_checkpoint=True).run()
    whole = torch.load(tmp_path / "a" / "run" / "checkpoint.pt", weights_only=True)["average"]
    resumed = torch.load(Path(opts.run_dir) / "checkpoint.pt", weights_only=True)["average"]
    assert int(resumed["n_averaged"]) == 12
    for key in whole:
        assert torch.equal(whole[key], resumed[key]), key


def test_blending_toward_the_parent_moves_each_weight_once_along_the_line():
    parent, model = small_model(), small_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    blend_toward(model, parent, 0.25)
    for key, value in model.state_dict().items():
        assert torch.allclose(value, parent.state_dict()[key] + 0.25 * (before[key] - parent.state_dict()[key])), key
    assert model.decoder.weight is model.embedding.weight  # tied: moved once, still one tensor
    assert torch.equal(blend_toward(small_model(), parent, 0.0).embedding.weight, parent.embedding.weight)
    with pytest.raises(ValueError, match="share"):
        blend_toward(model, parent, 1.5)
