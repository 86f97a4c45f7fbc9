import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "model_card.py"


def load_script():
    spec = importlib.util.spec_from_file_location("model_card", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stages_follow_embedded_parent_cards_then_folders(tmp_path):
    stages = load_script().training_stages
    first = {"name": "a", "created": "1", "parent_path": None}
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "card.json").write_text(json.dumps(first))
    second = {"name": "b", "created": "2", "parent_path": str(tmp_path / "a")}  # an older card
    third = {"name": "c", "created": "3", "parent_card": second, "parent_path": "/gone"}
    assert [s["name"] for s in stages(third)] == ["a", "b", "c"]


def test_a_warm_restart_installed_over_its_parent_stops_there(tmp_path):
    stages = load_script().training_stages
    child = {"name": "c", "created": "3", "parent_path": str(tmp_path)}
    (tmp_path / "card.json").write_text(json.dumps(child))  # the folder now holds the child
    assert [s["name"] for s in stages(child)] == ["c"]
