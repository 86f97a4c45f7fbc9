"""AxisChart: a Sparkline with labelled axes, for training curves.

A bare sparkline shows a shape without a scale; a writer reading "did it learn?"
needs the values: the y axis says what is measured with its highest and lowest
value, the x axis the first and last step.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static


class AxisChart(Vertical):
    """A titled curve: y = ``y_label`` with its max and min, x = steps, first and last."""

    DEFAULT_CSS = """
    AxisChart { height: auto; margin-bottom: 1; }
    AxisChart .chart-title { width: 1fr; height: auto; }
    AxisChart .chart-row { height: 3; }
    AxisChart .chart-y { width: 8; height: 3; color: $text-muted; }
    AxisChart Sparkline { width: 1fr; height: 3; }
    AxisChart .chart-x { height: 1; padding-left: 8; color: $text-muted; }
    AxisChart .chart-x-last { width: 1fr; text-align: right; }
    AxisChart .chart-x-first { width: 1fr; }
    """

    def __init__(self, title: str, y_label: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.y_label = y_label
        self.steps: list[int] = []
        self.values: list[float] = []

    def compose(self) -> ComposeResult:
        yield Label(f"{self.title}: {self.y_label}", classes="chart-title")
        with Horizontal(classes="chart-row"):
            yield Static("", classes="chart-y")
            yield Sparkline([], classes="chart-line")
        with Horizontal(classes="chart-x"):
            yield Static("", classes="chart-x-first")
            yield Static("", classes="chart-x-last")

    def set_points(self, steps: Sequence[int], values: Sequence[float]) -> None:
        """Show ``values`` measured at ``steps`` (the same length)."""
        self.steps, self.values = list(steps), list(values)
        self.query_one(Sparkline).data = self.values
        y, first, last = self.axes()
        self.query_one(".chart-y", Static).update(y)
        self.query_one(".chart-x-first", Static).update(first)
        self.query_one(".chart-x-last", Static).update(last)

    def axes(self) -> tuple[str, str, str]:
        """The y axis (max, blank, min lines) and the x axis's two ends, as plain text."""
        if not self.values:
            return "", "", ""
        high, low = max(self.values), min(self.values)
        y = f"{_number(high):>6} \u2524\n\n{_number(low):>6} \u2524"
        first = f"step {self.steps[0]:,}"
        last = f"step {self.steps[-1]:,}" if len(self.steps) > 1 else ""
        return y, first, last


def _number(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
