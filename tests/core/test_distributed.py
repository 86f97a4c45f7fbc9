import torch

from lstm_tui.core.distributed import Distributed
from lstm_tui.core.training import TrainingRun

from .test_training import options


def test_the_ranks_agree_through_a_tensor_on_their_own_device(monkeypatch):
    # NCCL refuses CPU tensors ("No backend type associated with device type cpu"): the
    # per-step agreement must live where the ranks compute. The meta device stands in
    # for a GPU here; the collective is recorded, not run.
    seen = []

    def all_reduce(tensor, op=None):
        seen.append(tensor.device)

    monkeypatch.setattr(torch.distributed, "all_reduce", all_reduce)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    dist = Distributed(torch.device("meta"))
    monkeypatch.setattr(torch.Tensor, "tolist", lambda self: [0.0, 0.0])
    dist.any(True, False)
    assert seen == [torch.device("meta")]


def test_the_ranks_agree_on_the_largest_value(monkeypatch):
    # The share of the budget spent sets the learning rate: each rank's own clock (and
    # only the main rank's validations) would give each its own rate, and the ranks'
    # weights would drift apart.
    other_rank = torch.tensor([0.0, 1.0, 0.0, 0.75], dtype=torch.float64)

    def all_reduce(tensor, op=None):
        tensor.copy_(torch.maximum(tensor, other_rank))

    monkeypatch.setattr(torch.distributed, "all_reduce", all_reduce)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    dist = Distributed(torch.device("cpu"))
    assert dist.agree(1.0, 0.0, 0.0, 0.5) == [1.0, 1.0, 0.0, 0.75]
    assert dist.any(False, False, True, False) == [False, True, True, True]


def test_each_rank_draws_its_own_dropout_masks_from_the_same_weights(tmp_path, tiny_corpus, monkeypatch):
    draws, weights = [], []
    for rank in ("0", "1"):
        monkeypatch.setenv("RANK", rank)  # WORLD_SIZE stays 1: no process group needed
        # Rank 0 trains the tokenizer; the others read it.
        tokenizer = None if rank == "0" else str(tmp_path / "0" / "run" / "tokenizer.model")
        run = TrainingRun(options(tmp_path / rank, tiny_corpus, tokenizer=tokenizer), lambda e: None,
                          device="cpu")
        state = run.build(run.prepare())
        weights.append(state.model.state_dict()["lstm.weight_hh_l0"].clone())
        draws.append(torch.rand(8))
    assert torch.equal(weights[0], weights[1])
    assert not torch.equal(draws[0], draws[1])
