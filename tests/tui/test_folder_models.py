"""A model tied to a folder: documents under it open with that model (F4's "For this
folder"), the status bar says so, and the others go back to the model written with."""

from __future__ import annotations

import shutil
from dataclasses import replace

from lstm_tui import paths

from .conftest import notices, settle


def _models(tiny_bundle, *names: str) -> None:
    for name in names:
        shutil.copytree(tiny_bundle, paths.user_models_dir() / name)


def _loader(asked: list):
    from lstm_tui.api import load_model

    def load(spec):
        asked.append(spec)
        return load_model(spec, device="cpu")

    return load


async def test_documents_in_a_tied_folder_open_with_its_model(make_app, settings, tiny_bundle, tmp_path):
    _models(tiny_bundle, "alpha")
    notes, elsewhere = tmp_path / "notes", tmp_path / "elsewhere"
    for folder in (notes / "sub", elsewhere):
        folder.mkdir(parents=True)
    (notes / "sub" / "a.txt").write_text("In the notes.\n")
    (elsewhere / "b.txt").write_text("Somewhere else.\n")
    asked: list = []
    app = make_app(notes / "sub" / "a.txt", model_loader=_loader(asked),
                   settings=replace(settings, folder_models={str(notes): "alpha"}))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert asked == ["alpha"]  # the folder's model from the start, not the default first
        assert app.editor_screen.status.info.model.endswith("(for notes/)")
        screen = app.editor_screen
        screen.run_worker(screen.open_another(elsewhere / "b.txt"), group="document", exclusive=True)
        await settle(pilot)
        assert asked == ["alpha", None]  # back to the model written with elsewhere
        assert "(for" not in screen.status.info.model
        assert app.settings.model is None  # the folder's model did not become everyone's
        screen.run_worker(screen.open_another(notes / "sub" / "a.txt"), group="document", exclusive=True)
        await settle(pilot)
        assert asked == ["alpha", None, "alpha"]


async def test_a_tied_model_that_cannot_load_gives_way_to_the_default(make_app, settings, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x\n")
    asked: list = []
    app = make_app(tmp_path / "notes" / "a.txt", model_loader=_loader(asked),
                   settings=replace(settings, folder_models={str(tmp_path / "notes"): "gone"}))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert asked == ["gone", None] and app.lm is not None
        assert any("default model instead" in m for m in notices(app))


async def test_f4_ties_the_documents_folder_to_a_model_and_unties_it(make_app, tiny_bundle, tmp_path):
    from .test_train_models import select_model

    _models(tiny_bundle, "alpha", "beta")
    (tmp_path / "notes").mkdir()
    document = tmp_path / "notes" / "a.txt"
    document.write_text("Dear team,\n")
    folder = str(tmp_path / "notes")
    app = make_app(document)
    async with app.run_test(size=(140, 40)) as pilot:
        await select_model(pilot, app, "alpha")
        await pilot.press("f")
        await settle(pilot)
        assert app.settings.folder_models == {folder: "alpha"}
        assert f"Documents in {folder} now open with alpha." in notices(app)
        assert app.model_spec == "alpha" and app.settings.model is None
        screen = app.screen
        row = [e.name for e in screen.entries].index("alpha")
        assert str(screen.query_one("DataTable").get_row_at(row)[4]) == "notes/"
        # Renamed, the folder follows the model.
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("Input").value = "gamma"
        await pilot.press("enter")
        await settle(pilot)
        assert app.settings.folder_models == {folder: "gamma"}
        table = app.screen.query_one("DataTable")
        assert app.screen.entries[table.cursor_row].name == "gamma"  # the renamed model stays selected
        await pilot.press("f")  # pressed again on the same model: untied
        await settle(pilot)
        assert app.settings.folder_models == {}
        assert app.model_spec is None and "(for" not in app.editor_screen.status.info.model


async def test_an_untitled_document_cannot_tie_a_folder(make_app, tiny_bundle):
    from .test_train_models import select_model

    _models(tiny_bundle, "alpha")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await select_model(pilot, app, "alpha")
        await pilot.press("f")
        await pilot.pause()
        assert app.settings.folder_models == {}
        assert notices(app)[-1].startswith("Save the document first")
