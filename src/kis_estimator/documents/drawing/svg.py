"""The SVG writer: a sheet's shapes as an SVG document, 1 user unit = 1 mm, one group per layer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr  # escape() writes SVG text, parses nothing  # nosec B406

from kis_estimator.documents.drawing.shapes import Line, Rect, Shape, Sheet, Text, line_offsets, num
from kis_estimator.documents.drawing.sheet import layout_sheet, panel_sheet

if TYPE_CHECKING:
    from kis_estimator.engine.catalog import Catalog
    from kis_estimator.engine.model import Quote, QuotePanel

FONT_FAMILY = "'Noto Sans KR', 'Noto Sans CJK KR', 'Malgun Gothic', sans-serif"


def render_svg(panel: QuotePanel, catalog: Catalog, *, title: str) -> bytes:
    """One panel's front view as UTF-8 SVG bytes, 1 user unit = 1 mm."""
    return _svg_bytes(panel_sheet(panel, catalog, title=title))


def render_layout_svg(quote: Quote, catalog: Catalog, sheet: Sheet | None = None) -> bytes:
    """Every panel of the quote side by side, as SVG bytes (`sheet`: its layout_sheet, when at hand)."""
    return _svg_bytes(sheet or layout_sheet(quote, catalog))


# Drawing order of layers: fills first, then breakers, then everything that must stay readable on top.
LAYER_ORDER = (
    "PAPER",
    "ENCLOSURE",
    "SIDE",
    "ACCESSORY",
    "BUSBAR",
    "MAIN",
    "BRANCH_R",
    "BRANCH_S",
    "BRANCH_T",
    "BRANCH_RST",
    "BRANCH_1P",
    "DIM",
    "LEGEND",
    "TITLE",
    "TEXT",
)


def _svg_bytes(sheet: Sheet) -> bytes:
    """The sheet as an SVG document: mm-sized, one <g> per layer in LAYER_ORDER."""
    w, h = num(sheet.width), num(sheet.height)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}" font-family={quoteattr(FONT_FAMILY)}>',
        f"<title>{escape(sheet.title)}</title>",
    ]
    for layer, shapes in _by_layer(sheet.shapes):
        parts.append(f'<g class="layer" data-layer="{layer}">')
        parts.extend(_svg_shape(shape) for shape in shapes)
        parts.append("</g>")
    parts.append("</svg>")
    return ("\n".join(parts) + "\n").encode("utf-8")


def _by_layer(shapes: Iterable[Shape]) -> Iterator[tuple[str, list[Shape]]]:
    """Shapes grouped by layer in LAYER_ORDER, keeping their order within a layer."""
    groups: dict[str, list[Shape]] = {}
    for shape in shapes:
        groups.setdefault(shape.layer, []).append(shape)
    for layer in sorted(groups, key=lambda name: (LAYER_ORDER.index(name), name)):
        yield layer, groups[layer]


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Rect):
        return _svg_rect(shape)
    if isinstance(shape, Line):
        return _svg_line(shape)
    return _svg_text(shape)


def _data_attrs(data: Iterable[tuple[str, str]]) -> str:
    return "".join(f" data-{key}={quoteattr(value)}" for key, value in data)


def _svg_rect(rect: Rect) -> str:
    dash = ' stroke-dasharray="12 6"' if rect.dashed else ""
    return (
        f'<rect class="{rect.css}" x="{num(rect.x)}" y="{num(rect.y)}" width="{num(rect.w)}" '
        f'height="{num(rect.h)}" fill="{rect.fill}" stroke="{rect.stroke}" '
        f'stroke-width="{num(rect.stroke_width)}"{dash}{_data_attrs(rect.data)}/>'
    )


def _svg_line(line: Line) -> str:
    return (
        f'<line class="{line.css}" x1="{num(line.x1)}" y1="{num(line.y1)}" x2="{num(line.x2)}" '
        f'y2="{num(line.y2)}" stroke="{line.stroke}" stroke-width="{num(line.stroke_width)}"/>'
    )


def _svg_text(text: Text) -> str:
    x, y = num(text.x), num(text.y)
    weight = ' font-weight="bold"' if text.bold else ""
    rotate = f' transform="rotate(-90 {x} {y})"' if text.vertical else ""
    spans = "".join(
        f'<tspan x="{x}" y="{num(text.y + dy)}">{escape(line)}</tspan>'
        for line, dy in zip(text.lines, line_offsets(text), strict=True)
    )
    return (
        f'<text class="{text.css}" font-size="{num(text.size)}" text-anchor="{text.anchor}" '
        f'dominant-baseline="central" fill="{text.fill}"{weight}{rotate}{_data_attrs(text.data)}>'
        f"{spans}</text>"
    )
