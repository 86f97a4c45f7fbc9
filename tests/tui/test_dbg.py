from tests.tui.conftest import settle
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor
from tests.tui.test_ghost_text import type_text

async def test_dbg(make_app, tiny_lm):
    print(repr(tiny_lm.complete("The morning", __import__("tests.tui.conftest").tui.conftest.GREEDY).text))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "The morning")
        editor = app.query_one(GhostTextEditor)
        print("after type", editor.request_id, editor.pending, editor.text)
        await settle(pilot)
        print("after settle", editor.request_id, editor.pending, repr(editor._stream), editor._alternatives)
