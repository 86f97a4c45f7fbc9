"""The ghost is told from the text in every built-in theme, in true colour and in 256-
and 16-colour terminals (which round a muted grey to their palette)."""

from __future__ import annotations

import pytest
from rich.color import ColorSystem
from textual.color import Color
from textual.theme import BUILTIN_THEMES

from lstm_tui.tui.widgets.ghost import ghost_color
from lstm_tui.tui.widgets.ghost_editor import GhostTextEditor


def luminance(color: Color, system: ColorSystem | None) -> tuple[int | None, float]:
    rich = color.rich_color if system is None else color.rich_color.downgrade(system)
    rgb = rich.get_truecolor()
    return rich.number, (0.2126 * rgb.red + 0.7152 * rgb.green + 0.0722 * rgb.blue) / 255


def plain_colours(theme) -> tuple[Color, Color] | None:
    variables = {**theme.to_color_system().generate(), **theme.variables}
    text, background = Color.parse(variables["foreground"]), Color.parse(variables["surface"])
    return None if text.ansi is not None else (text, background)


@pytest.mark.parametrize("system", [None, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD])
def test_the_ghost_colour_differs_from_the_text_as_the_terminal_shows_it(system):
    faint = []
    for name, theme in BUILTIN_THEMES.items():
        if (colours := plain_colours(theme)) is None:
            continue  # the terminal's own colours: bright black, always
        text, background = colours
        ghost = ghost_color(text, background, system)
        if ghost is None:
            faint.append(name)  # drawn dim instead
            continue
        (n_text, l_text), (n_ghost, l_ghost), (n_back, l_back) = (
            luminance(c, system) for c in (text, ghost, background))
        assert abs(l_ghost - l_text) >= 0.2, name
        assert abs(l_ghost - l_back) >= 0.1, name
        if system is not None:
            assert n_ghost not in (n_text, n_back), name
    if system == ColorSystem.STANDARD:  # each terminal's own 16 colours: always faint
        assert faint and all(plain_colours(BUILTIN_THEMES[name]) for name in faint)
        assert len(faint) == sum(plain_colours(t) is not None for t in BUILTIN_THEMES.values())
    else:
        assert len(faint) <= 3, faint  # only where the palette has nothing between text and background


def test_light_themes_in_256_colours_no_longer_use_a_grey_next_to_the_text():
    """The report: colour 239 on body text 234 in textual-light."""
    text, background = plain_colours(BUILTIN_THEMES["textual-light"])
    number, _ = luminance(ghost_color(text, background, ColorSystem.EIGHT_BIT), ColorSystem.EIGHT_BIT)
    assert number is not None and number - 234 >= 6  # the grey ramp: 232 (darkest) to 255


async def test_the_editor_draws_the_ghost_in_the_themes_colour(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.query_one(GhostTextEditor)
        for name in ("textual-light", "atom-one-dark", "ansi-dark"):
            app.theme = name
            await pilot.pause()
            style = editor.get_component_rich_style("text-area--suggestion")
            variables = app.get_css_variables()
            assert style.italic, name
            if name == "ansi-dark":
                assert variables["ghost"] == "ansi_bright_black"
                continue
            text, background = plain_colours(BUILTIN_THEMES[name])
            system = {"256": ColorSystem.EIGHT_BIT, "standard": ColorSystem.STANDARD}.get(app.console.color_system)
            expected = ghost_color(text, background, system)
            if expected is None:
                assert style.dim, name
            else:
                assert style.color.triplet == expected.rich_color.triplet, name
