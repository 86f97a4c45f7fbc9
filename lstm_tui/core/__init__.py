"""The headless engine: tokenizer, model, bundles, sampling, generation, training.

Nothing under ``lstm_tui.core`` imports Textual or Rich, so the CLI, the TUI, tests
and benchmarks all drive the same code.
"""
