"""Geometry for the server-drawn SVG charts: numbers in, coordinates out. Templates draw them."""

from dataclasses import dataclass

# Pixels: the plot's width on a 390-px phone; a digit or dash of the 12-px labels; the least room between two.
PHONE_PLOT, LABEL_CHARACTER, LABEL_GAP = 250, 7, 6


@dataclass(frozen=True)
class Dot:
    x: float  # per cent of the plot's width
    y: float  # CSS pixels from the top
    value: float
    label: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str
    dots: list[Dot]

    @property
    def points(self) -> str:
        """For a polyline in a box 100 units wide (per cent) and `height` high (pixels)."""
        return " ".join(f"{dot.x},{dot.y}" for dot in self.dots)


@dataclass(frozen=True)
class LineChart:
    height: int  # CSS pixels, the x-axis labels included
    bottom: int  # the plot's bottom edge (0 %)
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]

    @property
    def crowded(self) -> bool:
        """Whether the x-axis labels would run into each other on a phone, all shown (the page then shows every
        other one there): a 390-px phone leaves about PHONE_PLOT px across the plot."""
        if len(self.x_ticks) < 2:
            return False
        widest = max(len(label) for _, label in self.x_ticks) * LABEL_CHARACTER
        return widest + LABEL_GAP > PHONE_PLOT / (len(self.x_ticks) - 1)


def line_chart(labels: list[str], series: list[tuple[str, str, list[float]]], height=220) -> LineChart:
    """Shares (0 to 1) over a sequence of labels, as lines on a 0–100 % axis.

    Across, positions are per cent of whatever width the page gives the plot, and down, CSS pixels: the SVG
    has no viewBox, so its text stays the size the style sheet says on a phone as on a wide screen."""
    top, bottom = 12, 30  # room for the top tick's label, and below the plot for the x-axis labels
    plot_h = height - top - bottom

    def x(index: int) -> float:
        return round(100 * index / (len(labels) - 1), 2) if len(labels) > 1 else 50

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value), 1)

    drawn = [
        Line(name, css, [Dot(x(i), y(v), v, labels[i]) for i, v in enumerate(values)]) for name, css, values in series
    ]
    y_ticks = [(y(v), f"{round(v * 100)} %") for v in (0, 0.25, 0.5, 0.75, 1)]
    return LineChart(height, height - bottom, drawn, y_ticks, [(x(i), label) for i, label in enumerate(labels)])


def heat_rows(labels: list, table: list[list[int]]) -> list[tuple[object, list[tuple[int, int]]]]:
    """Each row's label with (count, shade 0–10) per cell, shaded by the cell's share of its row."""
    return [
        (label, [(count, round(10 * count / sum(row)) if sum(row) else 0) for count in row])
        for label, row in zip(labels, table, strict=True)
    ]
