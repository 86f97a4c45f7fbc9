"""Sampling configs shared by tests."""

from lstm_tui.core.config import SamplingConfig

# The tiny test model is unsure of everything, so the suggestion policy would show
# nothing: tests of the generation machinery turn the policy off (every word shown,
# no stop rule, line breaks anywhere, no document cache). The policy's own tests set it up themselves.
UNGATED = dict(min_confidence=0.0, continue_confidence=0.0, stop_at="none", line_breaks="any",
               document_cache=0.0)


def ungated(**fields) -> SamplingConfig:
    return SamplingConfig(**(UNGATED | fields))
