"""Model bundles shipped with lstm-tui (installed as ``lstm_tui.models``)."""
