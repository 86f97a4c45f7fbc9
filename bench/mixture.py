"""Bits per byte of a fine-tuned model mixed with the shipped one (core/mixture.py),
against either model alone and against fixed shares; prints JSON.

  python bench/mixture.py MODEL [MODEL...] [--texts FILE...] [--chars 60000]
                          [--shares 0.5 0.75] [--switches 0.001 0.01 0.1]

For each personal MODEL (a folder or a name) and each text (default: the general
validation texts of bench/suggestions.py; pass a writer's held-out file, never a test
file, to choose anything): bits per byte of the first --chars characters read as one
stream (the last, with --tail), by the shipped model, by MODEL alone, by fixed mixtures (``shares``: MODEL's
weight) and by the adaptive mixture at each switching rate (``switches``; the editor's
is mixture.SWITCH). Everything is computed from one pass of each model over the text.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from suggestions import VALIDATION, read


def token_logprobs(model, tokenizer, text: str):
    """log p(token) of each token of ``text`` read as one stream (natural log)."""
    import torch
    import torch.nn.functional as F

    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    inputs = torch.cat([torch.tensor([tokenizer.start_id]), ids[:-1]])[None]
    out, state = [], None
    with torch.inference_mode():
        for at in range(0, inputs.size(1), 256):
            logits, state = model.eval()(inputs[:, at:at + 256], state)
            out.append(F.log_softmax(logits.float(), -1)[0].gather(1, ids[at:at + 256, None])[:, 0])
    return torch.cat(out)


def adaptive(general, personal, switch: float) -> float:
    """Total log-probability of the text under the mixture's weights (mixture.follow,
    as the editor's Mixture moves them), from each model's log-probability of each token."""
    from lstm_tui.core.mixture import PRIOR, follow

    seen = list(zip(general.tolist(), personal.tolist()))
    before = [(math.log(1 - PRIOR), math.log(PRIOR)), *follow(math.log(1 - PRIOR), math.log(PRIOR), seen, switch)]
    return sum(max(a, b) + math.log1p(math.exp(-abs(a - b)))
               for (wg, wp), (g, p) in zip(before, seen) for a, b in [(wg + g, wp + p)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="personal models (folders or names)")
    parser.add_argument("--texts", nargs="+", type=Path, default=VALIDATION)
    parser.add_argument("--chars", type=int, default=60_000)
    parser.add_argument("--tail", action="store_true",
                        help="read the last --chars of each text (the held-out end of a writer's file)")
    parser.add_argument("--shares", nargs="+", type=float, default=[0.5, 0.75])
    parser.add_argument("--switches", nargs="+", type=float, default=None)
    args = parser.parse_args()

    import torch

    from lstm_tui.api import load_model
    from lstm_tui.core.mixture import SWITCH

    torch.set_num_threads(1)
    switches = args.switches or [SWITCH]
    report: dict = {"chars": args.chars, "switch": SWITCH, "models": {}}
    for name in args.models:
        lm = load_model(name, device="cpu", quantize=False)
        if lm.general is None:
            raise SystemExit(f"{name}: not a model fine-tuned from the shipped one; nothing to mix")
        rows = {}
        for path in args.texts:
            text = read(path)[-args.chars:] if args.tail else read(path)[:args.chars]
            nbits = len(text.encode("utf-8")) * math.log(2)
            general = token_logprobs(lm.general.model, lm.tokenizer, text)
            personal = token_logprobs(lm.bundle.model, lm.tokenizer, text)
            row = {"shipped": -float(general.sum()) / nbits, "alone": -float(personal.sum()) / nbits}
            for share in args.shares:
                mixed = torch.logaddexp(general + math.log(1 - share), personal + math.log(share))
                row[f"fixed {share:g}"] = -float(mixed.sum()) / nbits
            for switch in switches:
                row[f"adaptive {switch:g}"] = -adaptive(general, personal, switch) / nbits
            rows[path.name] = {k: round(v, 4) for k, v in row.items()}
            print(json.dumps({lm.name: {path.name: rows[path.name]}}), file=sys.stderr, flush=True)
        report["models"][lm.name] = rows
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
