"""The wheel carries the shipped model, and a non-editable install finds it."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                          capture_output=True, text=True)
    # Only a build backend pip cannot fetch (no index here) skips; any other failure, a
    # broken pyproject.toml first of all, fails.
    unreachable = ("No matching distribution found for setuptools", "Could not find a version that satisfies")
    if done.returncode != 0 and any(text in done.stderr for text in unreachable):
        pytest.skip(f"cannot fetch the build backend here: {done.stderr.strip().splitlines()[-1:]}")
    assert done.returncode == 0, done.stderr
    return next(out.glob("lstm_tui-*.whl"))


def test_wheel_contains_default_model_and_styles(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for file in ("config.json", "model.safetensors", "tokenizer.model", "card.json"):
        assert f"lstm_tui/models/default/{file}" in names
    assert "lstm_tui/tui/app.tcss" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_package_loads_default_model(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    str(wheel)], check=True)
    code = ("from lstm_tui.paths import default_bundle; from lstm_tui.core.bundle import load_bundle; "
            "p = default_bundle(); b = load_bundle(p); print(p)")
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(target)
