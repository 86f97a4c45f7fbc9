import json
import pickle
import shutil

import pytest
import torch

from lstm_tui.core.bundle import load_bundle, save_bundle
from lstm_tui.core.errors import BundleError


def copy(src, tmp_path):
    dst = tmp_path / "b"
    shutil.copytree(src, dst)
    return dst


def test_round_trip(tiny_bundle):
    b = load_bundle(tiny_bundle)
    assert b.config.vocab_size == b.tokenizer.vocab_size
    assert b.card["note"] == "test fixture"
    assert not any(p.name.startswith(".") for p in tiny_bundle.parent.iterdir())


def test_half_precision_weights_keep_quality(tiny_bundle, tmp_path):
    # Weights that are not already float16 values (the fixture's are): nudged off the
    # float16 grid, saved both ways, read back.
    b = load_bundle(tiny_bundle)
    with torch.no_grad():
        for p in b.model.parameters():
            p.add_(torch.randn_like(p) * 1e-4)
    save_bundle(b.model, b.tokenizer, tmp_path / "fp32", dtype=torch.float32)
    save_bundle(b.model, b.tokenizer, tmp_path / "fp16")
    text = "She walked slowly to the river, and the water was cold."
    ids = torch.tensor([b.tokenizer.encode(text)])
    b32, b16 = load_bundle(tmp_path / "fp32"), load_bundle(tmp_path / "fp16")
    assert (tmp_path / "fp16" / "model.safetensors").stat().st_size < 0.6 * (
        tmp_path / "fp32" / "model.safetensors").stat().st_size
    with torch.inference_mode():
        full, half = b32.model(ids)[0].log_softmax(-1), b16.model(ids)[0].log_softmax(-1)
    assert not torch.equal(full, half)  # the rounding happened
    nll = [-out[0, :-1].gather(-1, ids[0, 1:, None]).mean().item() for out in (full, half)]
    assert abs(nll[1] - nll[0]) < 0.002 * nll[0]


@pytest.mark.parametrize("missing", ["config.json", "model.safetensors", "tokenizer.model"])
def test_missing_file(tiny_bundle, tmp_path, missing):
    b = copy(tiny_bundle, tmp_path)
    (b / missing).unlink()
    with pytest.raises(BundleError, match=missing):
        load_bundle(b)


def test_truncated_weights(tiny_bundle, tmp_path):
    b = copy(tiny_bundle, tmp_path)
    data = (b / "model.safetensors").read_bytes()
    (b / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="model.safetensors: corrupt or truncated"):
        load_bundle(b)


def test_pickle_is_refused_without_unpickling(tiny_bundle, tmp_path):
    b = copy(tiny_bundle, tmp_path)

    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    (b / "model.safetensors").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(BundleError, match="pickle"):
        load_bundle(b)
    torch.save({"x": torch.zeros(2)}, b / "model.safetensors")
    with pytest.raises(BundleError, match="pickle or torch.save"):
        load_bundle(b)


def test_shape_mismatch(tiny_bundle, tmp_path):
    b = copy(tiny_bundle, tmp_path)
    config = json.loads((b / "config.json").read_text())
    config["hidden_dim"] += 8
    (b / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match="shape"):
        load_bundle(b)


def test_vocab_mismatch(tiny_bundle, tmp_path):
    b = copy(tiny_bundle, tmp_path)
    config = json.loads((b / "config.json").read_text())
    config["vocab_size"] += 1
    (b / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match="pieces but config.json says vocab_size"):
        load_bundle(b)


def test_unknown_format_version(tiny_bundle, tmp_path):
    b = copy(tiny_bundle, tmp_path)
    config = json.loads((b / "config.json").read_text())
    config["format_version"] = 99
    (b / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match="unknown format version 99"):
        load_bundle(b)


def test_foreign_json_and_not_a_folder(tiny_bundle, tmp_path):
    b = copy(tiny_bundle, tmp_path)
    (b / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(BundleError, match="not an lstm-tui bundle"):
        load_bundle(b)
    with pytest.raises(BundleError, match="not a single file"):
        load_bundle(b / "model.safetensors")
    with pytest.raises(BundleError, match="no such model folder"):
        load_bundle(tmp_path / "nowhere")


def test_save_replaces_atomically(tiny_bundle, tmp_path):
    b = load_bundle(tiny_bundle)
    target = tmp_path / "m"
    save_bundle(b.model, b.tokenizer, target, {"v": 1})
    save_bundle(b.model, b.tokenizer, target, {"v": 2})
    assert load_bundle(target).card["v"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_a_full_disk_while_saving_is_one_line_and_keeps_the_old_model(tiny_bundle, tmp_path, monkeypatch):
    import errno

    from lstm_tui.core import bundle

    b = load_bundle(tiny_bundle)
    target = tmp_path / "m"
    save_bundle(b.model, b.tokenizer, target, {"v": 1})

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bundle, "save_file", full)
    with pytest.raises(BundleError) as error:
        save_bundle(b.model, b.tokenizer, target, {"v": 2})
    assert str(error.value) == f"{target}: could not write the model (No space left on device)"
    assert load_bundle(target).card["v"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no half-written folder


def test_replacement_killed_midway_is_restored(tiny_bundle, tmp_path):
    target = tmp_path / "m"
    shutil.copytree(tiny_bundle, tmp_path / ".m.old-123")  # as left between the two renames
    assert load_bundle(target).config.vocab_size > 0
    assert target.is_dir() and not (tmp_path / ".m.old-123").exists()


def _card(folder, card):
    (folder / "card.json").write_text(json.dumps(card))


def test_a_malformed_card_field_is_dropped_with_a_warning(tiny_bundle, tmp_path):
    from lstm_tui.core.bundle import read_card

    b = copy(tiny_bundle, tmp_path)
    _card(b, {"name": 5, "val_bits_per_byte": "low", "parameters": True, "note": "kept",
              "data": {"files": "many", "description": "books"}})
    card, warnings = read_card(b)
    assert card == {"note": "kept", "data": {"description": "books"}}
    assert len(warnings) == 4 and all("card.json" in w for w in warnings)
    assert load_bundle(b).name == "b"  # the folder's name, not a crash


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, " " * (4 * 2**20 + 1) + "{}"])
def test_a_hostile_card_is_one_line_error(tiny_bundle, tmp_path, content):
    b = copy(tiny_bundle, tmp_path)
    (b / "card.json").write_text(content)
    with pytest.raises(BundleError, match="card.json"):
        load_bundle(b)


def _resave(folder, state, metadata=None):
    from safetensors.torch import save_file
    save_file(state, str(folder / "model.safetensors"), metadata=metadata)


def test_a_header_length_that_starts_like_a_pickle_loads(tiny_bundle, tmp_path):
    # A safetensors header of 128 + 256k bytes starts the file with 0x80, the first
    # byte of a pickle: the file's structure decides, not that byte.
    from safetensors.torch import load_file
    b = copy(tiny_bundle, tmp_path)
    state = load_file(str(b / "model.safetensors"))
    for pad in range(512):
        _resave(b, state, {"format": "lstm-tui", "pad": "x" * pad})
        if (b / "model.safetensors").read_bytes()[0] == 0x80:
            break
    assert (b / "model.safetensors").read_bytes()[0] == 0x80
    assert load_bundle(b).config.vocab_size > 0


@pytest.mark.parametrize("change", ["int8", "bool", "nan"])
def test_weights_of_the_wrong_type_or_not_finite_are_refused(tiny_bundle, tmp_path, change):
    from safetensors.torch import load_file
    b = copy(tiny_bundle, tmp_path)
    state = load_file(str(b / "model.safetensors"))
    name = "embedding.weight"
    if change == "nan":
        state[name] = state[name].clone()
        state[name][3, 2] = float("nan")
    else:
        state[name] = state[name].to(getattr(torch, change))
    _resave(b, state)
    with pytest.raises(BundleError, match="NaN" if change == "nan" else "holds (I8|BOOL) values") as err:
        load_bundle(b)
    assert "model.safetensors" in str(err.value) and "\n" not in str(err.value)


def test_a_config_of_a_million_layers_is_refused_before_any_allocation(tiny_bundle, tmp_path):
    b = copy(tiny_bundle, tmp_path)
    config = json.loads((b / "config.json").read_text())
    config["num_layers"] = 10**6
    (b / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match=r"config.json: num_layers must be an integer from 1 to 64"):
        load_bundle(b)


def test_a_config_that_disagrees_with_the_weights_is_refused_before_the_model_is_built(
        tiny_bundle, tmp_path, monkeypatch):
    import lstm_tui.core.bundle as bundle
    b = copy(tiny_bundle, tmp_path)
    config = json.loads((b / "config.json").read_text())
    config["num_layers"] = 64
    (b / "config.json").write_text(json.dumps(config))
    built = []
    monkeypatch.setattr(bundle, "load_file", lambda *a: built.append(a))
    with pytest.raises(BundleError, match="does not match config.json"):
        load_bundle(b)
    assert built == []  # no weights were read


@pytest.mark.parametrize("name", ["config.json", "tokenizer.model", "card.json", "model.safetensors"])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_bundle_file_that_is_not_a_regular_file_is_refused_without_hanging(tiny_bundle, tmp_path, name, kind):
    import os
    b = copy(tiny_bundle, tmp_path)
    (b / name).unlink()
    if kind == "fifo":
        os.mkfifo(b / name)
    else:
        (b / name).symlink_to("/dev/zero")
    with pytest.raises(BundleError, match=f"{name}: .*not a regular file"):
        load_bundle(b)


def test_save_bundle_refuses_to_replace_a_folder_of_other_files(tiny_lm, tmp_path):
    from lstm_tui.core.bundle import save_bundle
    from lstm_tui.core.errors import BundleError

    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(BundleError, match="holds files that are not part of a model"):
        save_bundle(tiny_lm.bundle.model, tiny_lm.tokenizer, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
