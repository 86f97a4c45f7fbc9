"""Every size a user can type has an upper limit, checked by the config dataclasses
before anything is allocated; the command line, the API, settings.toml and the
panels all build these, so they all refuse the same numbers."""

from __future__ import annotations

import pytest

from lstm_tui.core.config import (
    MAX_PARAMETERS,
    SAMPLING_LIMITS,
    SIZE_LIMITS,
    ModelConfig,
    SamplingConfig,
)
from lstm_tui.core.train_options import MAX_BATCH_SIZE, MAX_SEQ_LEN, MAX_STEP_TOKENS, TrainOptions


@pytest.mark.parametrize("name", sorted(SAMPLING_LIMITS))
def test_each_sampling_size_has_an_upper_limit(name):
    limit = SAMPLING_LIMITS[name]
    SamplingConfig(**{name: limit})
    with pytest.raises(ValueError, match=rf"^{name} must be an integer from \d to {limit:,}, not {limit + 1}$"):
        SamplingConfig(**{name: limit + 1})


def test_a_beam_of_a_million_is_refused_before_any_work():
    with pytest.raises(ValueError, match="beam_width must be an integer from 1 to 128"):
        SamplingConfig(beam_width=1_000_000)


def test_widths_layers_and_vocabulary_are_limited_together():
    with pytest.raises(ValueError, match=f"the most is {MAX_PARAMETERS:,}"):
        ModelConfig(embed_dim=SIZE_LIMITS["embed_dim"], hidden_dim=SIZE_LIMITS["hidden_dim"], num_layers=64)
    assert ModelConfig().parameter_count() < MAX_PARAMETERS


def train_options(**changes) -> TrainOptions:
    return TrainOptions(**{"paths": (), "name": "x", "output": "o", "run_dir": "r", "cache_dir": "c", **changes})


@pytest.mark.parametrize("changes, message", [
    ({"batch_size": MAX_BATCH_SIZE + 1}, "--batch-size must be from 1 to"),
    ({"seq_len": MAX_SEQ_LEN + 1}, "--seq-len must be from 2 to"),
    ({"batch_size": 1024, "seq_len": 1024}, f"at most {MAX_STEP_TOKENS:,} tokens a step"),
    ({"vocab_size": SIZE_LIMITS["vocab_size"] + 1}, "--vocab-size must be an integer from 1 to"),
    ({"hidden_dim": 10**9}, "--hidden-dim must be an integer from 1 to"),
    ({"embed_dim": 10**9}, "--embed-dim must be an integer from 1 to"),
    ({"layers": 10**6}, "--layers must be an integer from 1 to 64"),
])
def test_each_training_size_has_an_upper_limit(changes, message):
    with pytest.raises(ValueError, match=message):
        train_options(**changes)


def test_the_api_limits_extra_samples_as_the_config_does(tiny_lm):
    limit = SAMPLING_LIMITS["num_alternatives"]
    with pytest.raises(ValueError, match=f"n must be an integer from 1 to {limit}"):
        tiny_lm.alternatives("The river", SamplingConfig(temperature=1.0), limit + 1)


def test_a_models_own_gate_replaces_only_the_default_one():
    default = SamplingConfig()
    assert default.for_model((0.35, 0.4)).gate == (0.35, 0.4)
    assert default.for_model(None) == default
    chosen = default.replace(min_confidence=0.5)
    assert chosen.for_model((0.35, 0.4)) == chosen  # the writer's own choice stands
    off = default.replace(min_confidence=0.0, continue_confidence=0.0)
    assert off.for_model((0.35, 0.4)) == off  # so does no gate at all (creative, generate)
