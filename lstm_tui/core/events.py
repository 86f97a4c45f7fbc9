"""One line of plain text for a training event, the same in the CLI and the TUI."""

from __future__ import annotations

from typing import Any


def eval_line(event: dict[str, Any], parent_label: str = "parent") -> str:
    """"step 600: validation 1.4979 bits/byte (raw 1.4979, average 1.4982) (best, saved)"."""
    label = parent_label if event.get("parent") else f"step {event['step']}"
    both = (f" (raw {event['raw_bpb']:.4f}, average {event['average_bpb']:.4f})"
            if "raw_bpb" in event else "")
    kept = " (best, saved)" if event.get("improved") else ""
    return f"{label}: validation {event['val_bpb']:.4f} bits/byte{both}{kept}"


def files_lines(event: dict[str, Any]) -> list[str]:
    """The lines for a "files" event: what was read, what was unwrapped, what was skipped."""
    read = event.get("read", [])
    lines = [f"read {len(read)} file{'s' * (len(read) != 1)} ({sum(s for _, s in read):,} bytes)"]
    if unwrapped := event.get("unwrapped", []):
        n = len(unwrapped)
        lines.append(f"joined the hard-wrapped lines of each paragraph in {n} file{'s' * (n != 1)} "
                     "(--keep-line-breaks keeps them)")
    lines += [f"skipped {path}: {why}" for path, why in event.get("skipped", [])]
    return lines


def budget_text(budget: dict[str, float]) -> str:
    """{"minutes": 2.0} -> "2 minutes"."""
    return ", ".join(f"{amount:g} {kind if amount != 1 else kind.rstrip('s')}" for kind, amount in budget.items())


def log_lines(event: dict[str, Any], parent_label: str = "parent") -> list[str]:
    """What a training event adds to a log, as plain-text lines; [] for the events a
    display shows otherwise (progress, sample, done)."""
    kind = event.get("event")
    if kind == "files":
        return files_lines(event)
    if kind in ("status", "log", "stopped", "gain"):
        return [str(event.get("message", ""))]
    if kind == "data":
        return [f"{event['train_tokens']:,} training tokens, {event['val_tokens']:,} validation tokens, "
                f"vocabulary {event['vocab_size']}"]
    if kind == "start":
        world = f" x{event['world_size']}" if event.get("world_size", 1) > 1 else ""
        return [f"{event['params']:,} parameters on {event['device']}{world}; budget {budget_text(event['budget'])}"]
    if kind == "resumed":
        return [f"resumed at step {event['step']}"]
    if kind == "eval":
        return [eval_line(event, parent_label)]
    if kind == "checkpoint":
        return [f"checkpoint saved at step {event['step']}"]
    return []
