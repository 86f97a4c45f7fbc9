"""``python -m lstm_tui``: the same as the ``lstm-tui`` command."""

from .cli import main

raise SystemExit(main())
