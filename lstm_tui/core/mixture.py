"""A personal model and the general one, mixed by how well each predicts the text.

A model fine-tuned on a writer's files knows their names, jargon and phrases; the
general model it came from knows English at large. Which of them predicts a document
better depends on the document: the writer's next blog post, or a new novel about
new people. So a personal model predicts together with the general one,

    p(token) = w * p_personal(token) + (1 - w) * p_general(token),

and the weights follow the text being written. After each token the writer wrote,
each model's weight is multiplied by the probability it gave that token and the two
are normalised (Bayes' rule); then a small share (``SWITCH``) is spread evenly, so a
model that fell behind can take the lead again when the text changes ("fixed share",
Herbster and Warmuth 1998, "Tracking the best expert"). Text read as text moves the
weights (``observe``: the generator's context, and the tokens of a suggestion it
caches for when the writer types them); beam search and extra samples predict with
the weights as they stand (``forward``).

Each token costs both models' steps: a keystroke's first suggested token takes about
twice as long as with one model (docs/personal.md has the figures).

A mixture is a model like any other to the generator and to beam search: ``forward``
returns log-probabilities (softmax gives back the mixture), and its state is both
models' (h, c) and the two log-weights, each with the batch on dim 1.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from . import bundle_files
from .bundle import Bundle, load_bundle
from .errors import BundleError
from .model import State
from .tokenizer import Tokenizer

# Chosen on text other than the writers' later writing (docs/personal.md): the general
# validation texts and the held-out end of each writer's own files.
SWITCH = 0.01
PRIOR = 0.5  # the personal model's weight before any text
CHUNK = 256  # tokens mixed at a time: four [batch, chunk, vocab] tensors at most


class Mixture(nn.Module):
    """``general`` and ``personal`` (models with the same tokenizer), mixed."""

    def __init__(self, general: nn.Module, personal: nn.Module, switch: float = SWITCH,
                 prior: float = PRIOR) -> None:
        super().__init__()
        if not 0 < switch < 1 or not 0 < prior < 1:
            raise ValueError(f"switch and prior must lie between 0 and 1, not {switch} and {prior}")
        self.general = general
        self.personal = personal
        self.switch = switch
        self.log_prior = (math.log(1 - prior), math.log(prior))
        # The weights tensor of the last state ``observe`` returned, and each model's
        # log-probabilities after it: a keystroke continues from that state.
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Log-probabilities [batch, time, vocab] for ``ids`` with the weights held."""
        return self._run(ids, state, observe=False)

    def observe(self, ids: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """As ``forward``, for text the writer wrote: each token moves the weights."""
        return self._run(ids, state, observe=True)

    def personal_weight(self, state: State) -> torch.Tensor:
        """The personal model's weight [batch] after the text read into ``state``."""
        return state[4][0, :, 1].exp()

    def _run(self, ids: torch.Tensor, state: State | None, observe: bool) -> tuple[torch.Tensor, State]:
        if state is None:
            general_state = personal_state = None
            weights = torch.tensor(self.log_prior, device=ids.device).expand(ids.size(0), 2)
        else:
            general_state, personal_state, weights = state[:2], state[2:4], state[4][0]
        previous = None  # each model's log-probabilities for the first token of ids
        if observe and state is not None:
            if self._last is not None and self._last[0] is state[4]:  # the next keystroke, usually
                previous = self._last[1]
            else:
                previous = F.log_softmax(torch.stack([self.general.next_logits(general_state),
                                                      self.personal.next_logits(personal_state)], dim=1).float(), -1)
        outputs = []
        for at in range(0, ids.size(1), CHUNK):
            x = ids[:, at:at + CHUNK]
            general_logits, general_state = self.general(x, general_state)
            personal_logits, personal_state = self.personal(x, personal_state)
            logprobs = F.log_softmax(torch.stack([general_logits, personal_logits], dim=2).float(), dim=-1)
            if observe:
                per_token = self._weights(weights, logprobs, x, previous)  # [batch, time, 2]
                weights, previous = per_token[:, -1], logprobs[:, -1]
            else:
                per_token = weights[:, None].expand(-1, x.size(1), -1)
            outputs.append(torch.logsumexp(logprobs + per_token[..., None], dim=2))
        assert general_state is not None and personal_state is not None
        new_state = (*general_state, *personal_state, weights[None])
        if observe:  # what the next call on this state needs (stored, not recomputed)
            self._last = (new_state[4], previous)
        return torch.cat(outputs, dim=1), new_state

    def _weights(self, weights: torch.Tensor, logprobs: torch.Tensor, x: torch.Tensor,
                 previous: torch.Tensor | None) -> torch.Tensor:
        """The log-weights [batch, time, 2] after each token of ``x``: token t was
        predicted at t - 1 (its first by ``previous``, the log-probabilities before the
        chunk; none before the first token of a text, which is the start mark)."""
        batch, time = x.shape
        index = x[:, :, None, None].expand(batch, time, 2, 1)
        seen = torch.zeros(batch, time, 2, device=x.device)
        seen[:, 1:] = logprobs[:, :-1].gather(3, index[:, 1:])[..., 0]
        if previous is not None:
            seen[:, 0] = previous.gather(2, index[:, 0])[..., 0]
        rows = []
        for (general, personal), row in zip(weights.tolist(), seen.tolist()):
            rows.append(follow(general, personal, row[1:] if previous is None else row, self.switch))
            if previous is None:  # nothing predicted the start mark: the weights stay
                rows[-1].insert(0, (general, personal))
        return torch.tensor(rows, device=x.device)


def follow(general: float, personal: float, seen: list[tuple[float, float]],
           switch: float = SWITCH) -> list[tuple[float, float]]:
    """The two log-weights after each token, from the weights before the first and each
    model's log-probability of each token (``seen``). A recurrence over time on two
    numbers: plain floats, faster than a tensor operation a token."""
    keep, spread = 1 - switch, switch / 2
    out = []
    for g, p in seen:
        g, p = general + g, personal + p
        top = max(g, p)
        g, p = math.exp(g - top), math.exp(p - top)
        general, personal = math.log(keep * g / (g + p) + spread), math.log(keep * p / (g + p) + spread)
        out.append((general, personal))
    return out


def general_model(bundle: Bundle, general: str | Path | None) -> Bundle | None:
    """The general model (the bundle at ``general``, the shipped one) that ``bundle``
    predicts together with: where ``bundle`` was fine-tuned apart from it
    (``fine_tuned_apart``) and reads the same tokens. None otherwise, or where the
    general model cannot be read (the model alone still works)."""
    return general_for_tokens(bundle.tokenizer, general) if fine_tuned_apart(bundle, general) else None


def fine_tuned_apart(bundle: Bundle, general: str | Path | None) -> bool:
    """Whether ``bundle`` was fine-tuned apart from the general model (reads no file)."""
    return bundle_files.fine_tuned_apart(bundle.card, bundle.path, general)


def general_for_tokens(tokenizer: Tokenizer, general: str | Path | None) -> Bundle | None:
    """The bundle at ``general`` where it reads the tokens of ``tokenizer``, else None:
    a fine-tune's model is mixed with it when its parent's tokenizer is this one."""
    if general is None:
        return None
    try:
        found = load_bundle(general)
    except (BundleError, OSError):
        return None
    return found if found.tokenizer.proto == tokenizer.proto else None
