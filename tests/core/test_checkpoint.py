import pickle

import pytest
import torch

from lstm_tui.core.checkpoint import read_checkpoint, write_checkpoint
from lstm_tui.core.errors import LstmTuiError

CONFIG = {"vocab_size": 10, "hidden_dim": 4}


def ours(config=CONFIG):
    return {"model": {"w": torch.ones(2)}, "optimizer": {}, "scaler": {}, "progress": {"step": 3},
            "model_config": config, "rng": {"torch": torch.get_rng_state()}}


class Foreign:  # pickled by a stranger's code: never to be unpickled
    pass


def test_round_trip_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "run" / "checkpoint.pt"
    write_checkpoint(path, ours())
    assert read_checkpoint(path, CONFIG)["progress"]["step"] == 3
    assert list(path.parent.iterdir()) == [path]


@pytest.mark.parametrize(("content", "problem"), [
    (None, "no checkpoint to resume from"),
    (b"PK\x03\x04 truncated", "unreadable checkpoint"),
    ("pickle", "unreadable checkpoint"),
    ("tensor", "not an lstm-tui training checkpoint"),
    ("other-model", "was made for a different model"),
])
def test_bad_checkpoints_are_one_line_errors_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "checkpoint.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "pickle":
        path.write_bytes(pickle.dumps({"model": Foreign()}))
    elif content == "tensor":
        torch.save(torch.zeros(3), path)
    elif content == "other-model":
        torch.save(ours({"vocab_size": 99}), path)
    with pytest.raises(LstmTuiError) as error:
        read_checkpoint(path, CONFIG)
    message = str(error.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message
