"""Geometry for the server-drawn SVG charts: numbers in, coordinates out. Templates draw them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str
    dots: list[Dot]

    @property
    def points(self) -> str:
        return " ".join(f"{dot.x:.1f},{dot.y:.1f}" for dot in self.dots)


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    bottom: int
    lines: list[Line]
    y_ticks: list[tuple[float, str]]


def line_chart(labels: list[str], series: list[tuple[str, str, list[float]]], width=640, height=220) -> LineChart:
    """Shares (0 to 1) over a sequence of labels, as lines on a 0–100 % axis."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def y(value: float) -> float:
        return top + plot_h * (1 - value)

    drawn = [
        Line(name, css, [Dot(round(left + i * step, 1), round(y(v), 1), v, labels[i]) for i, v in enumerate(values)])
        for name, css, values in series
    ]
    ticks = [(y(v), f"{round(v * 100)} %") for v in (0, 0.25, 0.5, 0.75, 1)]
    return LineChart(width, height, left, height - bottom, drawn, ticks)


def heat_rows(labels: list, table: list[list[int]]) -> list[tuple[object, list[tuple[int, int]]]]:
    """Each row's label with (count, shade 0–10) per cell, shaded by the cell's share of its row."""
    return [
        (label, [(count, round(10 * count / sum(row)) if sum(row) else 0) for count in row])
        for label, row in zip(labels, table, strict=True)
    ]
