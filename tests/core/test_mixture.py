"""A personal model mixed with the general one (core/mixture.py), and where the editor mixes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from lstm_tui.catalog import entry
from lstm_tui.core.config import ModelConfig, SamplingConfig
from lstm_tui.core.int8 import quantize_for_cpu
from lstm_tui.core.mixture import SWITCH, Mixture
from lstm_tui.core.model import LSTMLanguageModel

VOCAB = 30


def small(seed: int, favourite: int | None = None) -> LSTMLanguageModel:
    """A random model; with ``favourite``, one that gives that token most of its mass."""
    torch.manual_seed(seed)
    model = LSTMLanguageModel(ModelConfig(vocab_size=VOCAB, embed_dim=8, hidden_dim=12, num_layers=2,
                                          dropout=0.0, tie_weights=False)).eval()
    if favourite is not None:
        with torch.no_grad():
            model.decoder.bias[favourite] = 8.0
    return model


def test_reading_a_text_at_once_or_a_token_at_a_time_gives_the_same_predictions_and_weights():
    mixture = Mixture(small(0), small(1))
    ids = torch.randint(0, VOCAB, (2, 40))
    with torch.no_grad():
        whole, state = mixture.observe(ids)
        parts, step = [], None
        for t in range(ids.size(1)):
            out, step = mixture.observe(ids[:, t:t + 1], step)
            parts.append(out)
    assert torch.allclose(whole, torch.cat(parts, dim=1), atol=1e-5)
    assert torch.allclose(mixture.personal_weight(state), mixture.personal_weight(step))
    assert torch.allclose(whole.exp().sum(-1), torch.ones(2, 40), atol=1e-5)  # a distribution


def test_the_weights_follow_the_model_that_predicts_the_text_and_never_shut_one_out():
    mixture = Mixture(small(0), small(1, favourite=7))
    with torch.no_grad():
        _, sevens = mixture.observe(torch.full((1, 30), 7))
        _, others = mixture.observe(torch.randint(8, VOCAB, (1, 30)), sevens)
    assert mixture.personal_weight(sevens).item() > 0.95
    assert mixture.personal_weight(others).item() < 0.05
    assert mixture.personal_weight(others).item() >= SWITCH / 2 - 1e-6  # can win the lead back


def test_the_models_own_guesses_do_not_move_the_weights():
    mixture = Mixture(small(0), small(1, favourite=7))
    with torch.no_grad():
        _, read = mixture.observe(torch.full((1, 5), 3))
        _, guessed = mixture(torch.full((1, 10), 7), read)
    assert torch.equal(mixture.personal_weight(read), mixture.personal_weight(guessed))


def test_a_mixture_of_a_model_with_itself_predicts_as_the_model():
    model = small(0)
    ids = torch.randint(0, VOCAB, (1, 20))
    with torch.no_grad():
        mixed, _ = Mixture(model, model).observe(ids)
        alone, _ = model(ids)
    assert torch.allclose(mixed, torch.log_softmax(alone, -1), atol=1e-5)


def test_the_int8_models_mix_as_the_float_ones():
    general, personal = small(0), small(1)
    ids = torch.randint(0, VOCAB, (1, 30))
    with torch.no_grad():
        exact, _ = Mixture(general, personal).observe(ids)
        fast, _ = Mixture(quantize_for_cpu(general), quantize_for_cpu(personal)).observe(ids)
    assert (exact - fast).abs().max() < 0.05


# -- where the editor mixes ----------------------------------------------------------


def fine_tuned(bundle: Path, folder: Path) -> Path:
    """A copy of ``bundle`` whose card says it was fine-tuned from another model."""
    shutil.copytree(bundle, folder)
    card = json.loads((folder / "card.json").read_text())
    (folder / "card.json").write_text(json.dumps(card | {"parent": "general", "parent_path": str(bundle)}))
    return folder


def listed(folder: Path):
    """How the models screen lists the user's model in ``folder``."""
    from lstm_tui.core.bundle_files import TOKENIZER_FILE
    from lstm_tui.paths import default_bundle

    return entry(folder, "user", (default_bundle() / TOKENIZER_FILE).read_bytes())


def test_a_model_fine_tuned_from_the_shipped_one_is_mixed_with_it(tmp_path):
    from lstm_tui.api import general_for, load_model
    from lstm_tui.core.bundle import load_bundle, save_bundle
    from lstm_tui.paths import default_bundle

    shipped = load_bundle(default_bundle())
    assert general_for(shipped) is None  # the shipped model itself
    # A small model reading the shipped model's tokens, fine-tuned from it.
    model = LSTMLanguageModel(ModelConfig(vocab_size=shipped.config.vocab_size, embed_dim=8, hidden_dim=8,
                                          num_layers=1, dropout=0.0)).eval()
    save_bundle(model, shipped.tokenizer, tmp_path / "mine", {"parent": "modern", "parent_path": "gone"})
    lm = load_model(tmp_path / "mine", device="cpu")
    assert isinstance(lm.generator.model, Mixture) and lm.general is not None
    assert not isinstance(load_model(tmp_path / "mine", device="cpu", mix=False).generator.model, Mixture)
    save_bundle(model, shipped.tokenizer, tmp_path / "new", {"parent": None})  # trained from nothing
    assert general_for(load_bundle(tmp_path / "new")) is None
    # The models screen's listing says the same without loading a model.
    assert listed(tmp_path / "mine").mixed and not listed(tmp_path / "new").mixed


def test_a_fine_tune_of_a_model_with_other_tokens_is_not_mixed(tiny_bundle, tmp_path):
    from lstm_tui.api import load_model

    lm = load_model(fine_tuned(tiny_bundle, tmp_path / "mine"), device="cpu")
    assert lm.general is None and not isinstance(lm.generator.model, Mixture)
    assert not listed(tmp_path / "mine").mixed


@pytest.mark.parametrize("config", [SamplingConfig(max_tokens=6, beam_width=3, num_alternatives=2),
                                    SamplingConfig(max_tokens=6, temperature=0.8, seed=1)],
                         ids=["beam search", "sampling"])
def test_a_mixed_model_generates_learns_and_forgets(tiny_bundle, tmp_path, config):
    from lstm_tui.api import LanguageModel
    from lstm_tui.core.bundle import load_bundle

    general = load_bundle(tiny_bundle)
    lm = LanguageModel(load_bundle(fine_tuned(tiny_bundle, tmp_path / "mine")), torch.device("cpu"),
                       general=general)
    context = "The lighthouse keeper climbed the stairs and"
    completion = lm.complete(context, config.replace(min_confidence=0.0, continue_confidence=0.0))
    assert completion.tokens >= 1 and len(completion.alternatives) == (config.beam_width > 1)
    assert len(lm.alternatives(context, config.replace(temperature=0.8, beam_width=1), 2)) == 2
    assert lm.learn("The keeper wrote in his log each night before the lamp was lit. " * 3) > 0
    assert isinstance(lm.generator.model, Mixture)
    assert lm.complete(context, config.replace(min_confidence=0.0, continue_confidence=0.0)).tokens >= 1
    lm.forget()
    assert lm.generator.model is lm.base_runner and isinstance(lm.base_runner, Mixture)
    # Two copies of one model mixed predict as it does: the same bits per byte.
    alone = LanguageModel(general, torch.device("cpu"))
    assert lm.bits_per_byte(context) == pytest.approx(alone.bits_per_byte(context), rel=1e-4)


def test_reading_on_from_an_earlier_state_is_the_same_as_from_the_last():
    """The cache of the generator goes back to an earlier state after a backspace."""
    mixture = Mixture(small(0), small(1, favourite=7))
    first, then = torch.randint(0, VOCAB, (1, 12)), torch.randint(0, VOCAB, (1, 6))
    with torch.no_grad():
        _, after_first = mixture.observe(first)
        straight, straight_state = mixture.observe(then, after_first)
        mixture.observe(torch.full((1, 4), 7), after_first)  # another branch was read since
        back, back_state = mixture.observe(then, after_first)
    assert torch.allclose(straight, back, atol=1e-6)
    assert torch.allclose(straight_state[4], back_state[4])
