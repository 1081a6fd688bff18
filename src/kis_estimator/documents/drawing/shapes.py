"""The neutral shapes a drawing is made of (rectangles, lines, texts in sheet millimetres, y pointing
down), and the vocabulary the front view is drawn with: colours, dimension lines, text sizing.

Both writers (svg.py, dxf.py) draw these shapes and nothing else, so the SVG and the DXF cannot drift
apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

INK = "#000000"
PAPER = "#ffffff"
PHASE_COLOURS = {"R": "#d62728", "S": "#e6a700", "T": "#1f77b4", "RST": "#4d4d4d"}
SINGLE_PHASE = "1φ"  # placed phase null: a single-phase supply has no R/S/T to balance
SINGLE_PHASE_COLOUR = "#bdbdbd"
LINE_SPACING = 1.2
DIM_GAP = 60.0  # enclosure edge → dimension line
DIM_TEXT = 22.0


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle; `css` is its SVG class, `layer` its DXF layer."""

    x: float
    y: float
    w: float
    h: float
    layer: str
    css: str
    fill: str = "none"
    stroke: str = INK
    stroke_width: float = 1.0
    dashed: bool = False
    solid_in_cad: bool = False  # also a solid hatch in the DXF (legend swatches only)
    data: tuple[tuple[str, str], ...] = ()

    def moved(self, dx: float, dy: float) -> Rect:
        return replace(self, x=self.x + dx, y=self.y + dy)


@dataclass(frozen=True)
class Line:
    """A straight line segment."""

    x1: float
    y1: float
    x2: float
    y2: float
    layer: str
    css: str
    stroke: str = INK
    stroke_width: float = 0.8

    def moved(self, dx: float, dy: float) -> Line:
        return replace(self, x1=self.x1 + dx, y1=self.y1 + dy, x2=self.x2 + dx, y2=self.y2 + dy)


@dataclass(frozen=True)
class Text:
    """One or more lines of text centred vertically on (x, y); `anchor` is start, middle or end."""

    x: float
    y: float
    lines: tuple[str, ...]
    size: float
    layer: str
    css: str
    anchor: str = "middle"
    fill: str = INK
    bold: bool = False
    vertical: bool = False  # reads bottom to top, as a height dimension does
    data: tuple[tuple[str, str], ...] = ()

    def moved(self, dx: float, dy: float) -> Text:
        return replace(self, x=self.x + dx, y=self.y + dy)


Shape = Rect | Line | Text


@dataclass(frozen=True)
class Sheet:
    """A finished drawing: its size in mm and its shapes in drawing order."""

    width: float
    height: float
    shapes: tuple[Shape, ...]
    title: str


def line_offsets(text: Text) -> list[float]:
    """Each line's centre offset from the text's centre, for stacked lines."""
    n = len(text.lines)
    return [(i - (n - 1) / 2) * text.size * LINE_SPACING for i in range(n)]


# ---------------------------------------------------------------------------------------------------
# Dimensions (drawn as lines, ticks and text so both formats show the same thing)


def h_dimension(x1: float, x2: float, y: float, from_y: float, label: str) -> Iterator[Shape]:
    """A horizontal dimension line at y with extension lines down to from_y and oblique ticks."""
    yield Line(x1, from_y - 5.0, x1, y - 8.0, "DIM", "dim-ext")
    yield Line(x2, from_y - 5.0, x2, y - 8.0, "DIM", "dim-ext")
    yield Line(x1, y, x2, y, "DIM", "dim-line")
    yield from _tick(x1, y)
    yield from _tick(x2, y)
    yield Text((x1 + x2) / 2, y - DIM_TEXT * 0.7, (label,), DIM_TEXT, "DIM", "dim-text")


def v_dimension(
    y1: float, y2: float, x: float, from_x: float, label: str, *, size: float = DIM_TEXT, show: bool = True
) -> Iterator[Shape]:
    """A vertical dimension line at x with extension lines to from_x; the text reads upwards."""
    step = 5.0 if x < from_x else -5.0
    yield Line(from_x - step, y1, x - step * 1.6, y1, "DIM", "dim-ext")
    yield Line(from_x - step, y2, x - step * 1.6, y2, "DIM", "dim-ext")
    yield Line(x, y1, x, y2, "DIM", "dim-line")
    yield from _tick(x, y1)
    yield from _tick(x, y2)
    if show:
        side = -size * 0.7 if x < from_x else size * 0.7
        yield Text(x + side, (y1 + y2) / 2, (label,), size, "DIM", "dim-text", vertical=True)


def _tick(x: float, y: float) -> Iterator[Shape]:
    """The 45° architectural tick marking a dimension's end."""
    yield Line(x - 5.0, y + 5.0, x + 5.0, y - 5.0, "DIM", "dim-tick", stroke_width=1.6)


# ---------------------------------------------------------------------------------------------------
# Text helpers


def em_width(text: str) -> float:
    """Rough advance width in em: Hangul is square, Latin about 0.6 em; enough to avoid overflow."""
    total = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            total += 1.0
        elif ch == " ":
            total += 0.3
        elif ch.isupper() or ch.isdigit():
            total += 0.64
        else:
            total += 0.55
    return total


def fit_size(lines: Sequence[str], width: float, height: float, largest: float) -> float:
    """The largest font size (mm) at which the lines fit the box, capped at `largest`."""
    by_height = height / (len(lines) * LINE_SPACING)
    by_width = width / max(em_width(line) for line in lines)
    return round(min(largest, by_height, by_width), 1)


def layer_suffix(key: str) -> str:
    """Phase key → DXF layer / CSS suffix ("1φ" is not a safe layer name)."""
    return "1P" if key == SINGLE_PHASE else key


def num(value: float) -> str:
    """Shortest stable decimal text for a coordinate: 2 dp at most, no "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
