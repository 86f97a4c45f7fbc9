"""User settings as TOML: round trip, bad values fall back alone."""

from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from lstm_tui.core.config import PRESETS
from lstm_tui.settings import Settings, dumps, load_settings, save_settings, settings_path

from .conftest import notices


def test_roundtrip():
    s = Settings(sampling=PRESETS["creative"].replace(seed=7), preset="creative", debounce_ms=120,
                 auto_suggest=False, theme="nord", model="mine")
    save_settings(s)
    assert settings_path().exists()
    assert load_settings() == s
    tomllib.loads(dumps(Settings()))  # the defaults (seed None) are valid TOML too


def test_what_to_learn_from_round_trips_whatever_the_paths_hold():
    s = Settings(learn_paths=("/home/me/notes", 'C:\\mail\\"Sent"', "tab\there\x7f\nline"),
                 learn_from_address="me@example.com")
    save_settings(s)
    assert load_settings() == s
    settings_path().write_text('learn_paths = ["ok", 3]\n')
    warnings: list[str] = []
    assert load_settings(warnings=warnings).learn_paths == () and warnings


def test_folders_tied_to_models_round_trip_and_the_deepest_folder_wins(tmp_path):
    from lstm_tui.settings import folder_model

    notes, inner = tmp_path / "notes", tmp_path / "notes" / "mail \"sent\"\t"
    s = Settings(folder_models={str(notes): "mine", str(inner): "default"})
    save_settings(s)
    assert load_settings() == s
    assert folder_model(s.folder_models, notes / "a.md") == (str(notes), "mine")
    assert folder_model(s.folder_models, inner / "deeper" / "b.txt") == (str(inner), "default")
    assert folder_model(s.folder_models, tmp_path / "notes-old" / "c.txt") is None  # a prefix, not a folder
    assert folder_model(s.folder_models, None) is None
    settings_path().write_text('[folder_models]\n"/x" = 3\n')
    warnings: list[str] = []
    assert load_settings(warnings=warnings).folder_models == {} and warnings


def test_missing_or_broken_file_gives_defaults():
    assert load_settings() == Settings()
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("this is = = not toml")
    assert load_settings() == Settings()


def test_one_bad_value_keeps_its_default():
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text('debounce_ms = "soon"\n[sampling]\ntemperature = -3\ntop_k = 7\n')
    s = load_settings()
    assert s.debounce_ms == Settings().debounce_ms
    assert s.sampling.temperature == Settings().sampling.temperature
    assert s.sampling.top_k == 7


def test_a_hostile_file_gives_defaults_and_a_warning():
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    for content in ("a = " + "[" * 50_000 + "]" * 50_000, "# " + "x" * (2**20 + 10),
                    "debounce_ms = 1e400", "debounce_ms = 99999999999\ntheme = [1]\nmodel = {a = 1}"):
        settings_path().write_text(content)
        warnings: list[str] = []
        assert load_settings(warnings=warnings) == Settings()
        assert warnings and all(str(settings_path()) in w for w in warnings)


async def test_the_app_starts_with_a_hostile_settings_file(make_app, tmp_path):
    from lstm_tui.tui.app import LstmTuiApp

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("a = " + "[" * 50_000 + "]" * 50_000)
    app = LstmTuiApp(None, lm=make_app().lm, persist_settings=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert any("nested too deeply" in m for m in notices(app))


def test_a_size_beyond_its_limit_in_the_file_keeps_its_default(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[sampling]\nbeam_width = 1000000\nmax_tokens = 12\n")
    warnings: list[str] = []
    settings = load_settings(path, warnings)
    assert (settings.sampling.beam_width, settings.sampling.max_tokens) == (PRESETS["suggest"].beam_width, 12)
    assert warnings == [f"{path}: sampling.beam_width is not usable; the default is kept."]


@given(name=st.text(), theme=st.text(), seed=st.none() | st.integers(0, 2**63 - 1))
@examples(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_string_survives_a_round_trip(tmp_path, name, theme, seed):
    """A model's name or folder may hold any character (a control character made the
    hand-written file unreadable, and every setting reset at the next start)."""
    path = tmp_path / "settings.toml"
    saved = Settings(model=name, theme=theme, sampling=PRESETS["suggest"].replace(seed=seed))
    save_settings(saved, path)
    warnings: list[str] = []
    assert load_settings(path, warnings) == saved and warnings == []


def test_a_name_that_cannot_be_written_as_utf8_is_left_out_not_the_file(tmp_path):
    path = tmp_path / "settings.toml"
    save_settings(Settings(model="caf\udce9", debounce_ms=40), path)  # a folder name not in UTF-8
    warnings: list[str] = []
    assert load_settings(path, warnings) == Settings(debounce_ms=40) and warnings == []
