"""The app's own JSON files (cards, configs, run options, recovery copies) read defensively."""

from __future__ import annotations

import pytest

from lstm_tui.core.errors import LstmTuiError
from lstm_tui.core.jsonfile import read_json_object
from lstm_tui.core.train_options import RUN_FILE, read_run_options

HOSTILE = {"deep": "[" * 100_000 + "]" * 100_000, "list": "[1, 2]", "latin": "{\"a\": \"caf\xe9\"}",
           "broken": "{\"a\": "}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_json_is_a_value_error(tmp_path, name):
    path = tmp_path / "f.json"
    path.write_bytes(HOSTILE[name].encode("latin-1"))
    with pytest.raises(ValueError):
        read_json_object(path, 2**20)


def test_a_large_file_is_not_read(tmp_path):
    path = tmp_path / "f.json"
    path.write_text("{}" + " " * 100)
    assert read_json_object(path, 102) == {}
    with pytest.raises(ValueError, match="larger than"):
        read_json_object(path, 101)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_run_file_is_one_line_error(tmp_path, name):
    (tmp_path / RUN_FILE).write_bytes(HOSTILE[name].encode("latin-1"))
    with pytest.raises(LstmTuiError, match=RUN_FILE):
        read_run_options(tmp_path)
