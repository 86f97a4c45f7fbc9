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
