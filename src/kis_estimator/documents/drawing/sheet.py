"""Sheets: one panel's front view with its dimensions, side view, legend and title block, and the
layout sheet that places every panel of a quote side by side. Everything is read from the quote JSON
(`quote["panels"][i]`) plus the catalog's breaker dimensions; nothing is recomputed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from kis_estimator.documents.drawing.front import Frame, enclosure_outline, front_contents
from kis_estimator.documents.drawing.shapes import (
    DIM_GAP,
    PAPER,
    PHASE_COLOURS,
    SINGLE_PHASE,
    SINGLE_PHASE_COLOUR,
    Line,
    Rect,
    Shape,
    Sheet,
    Text,
    h_dimension,
    layer_suffix,
    num,
)

if TYPE_CHECKING:
    from kis_estimator.engine.catalog import Catalog
    from kis_estimator.engine.model import Enclosure, Phases, PlacedBreaker, Quote, QuotePanel

# Sheet furniture around one panel's front view, in mm.
MARGIN = 40.0
SIDE_GAP = 150.0  # front view → side view
LEGEND_GAP = 70.0
LEGEND_W = 250.0
TITLE_GAP = 50.0
TITLE_H = 110.0
PANEL_SPACING = 120.0  # between panels in a layout drawing


def quote_title(quote: Quote) -> str:
    """The title a quote's drawings carry: its number and project."""
    return " · ".join(str(part) for part in (quote.get("number"), quote.get("project")) if part)


def layout_sheet(quote: Quote, catalog: Catalog) -> Sheet:
    """Panels placed left to right, tops aligned; one panel gives exactly its own sheet."""
    title = quote_title(quote)
    sheets = [panel_sheet(panel, catalog, title=title) for panel in quote["panels"]]
    if len(sheets) == 1:
        return sheets[0]
    shapes: list[Shape] = []
    x = 0.0
    for sheet in sheets:
        shapes.extend(shape.moved(x, 0.0) for shape in sheet.shapes)
        x += sheet.width + PANEL_SPACING
    width = x - PANEL_SPACING
    return Sheet(width, max(s.height for s in sheets), tuple(shapes), title)


def panel_sheet(panel: QuotePanel, catalog: Catalog, *, title: str) -> Sheet:
    """One panel: front view with dimensions, side view, legend and title block."""
    w, h, d = (float(v) for v in panel["enclosure"]["size_mm"])
    frame = Frame(MARGIN + DIM_GAP + 30.0, MARGIN + DIM_GAP + 30.0, w, h, d)
    side_x = frame.x + w + SIDE_GAP
    legend_x = side_x + d + LEGEND_GAP
    width = legend_x + LEGEND_W + MARGIN
    title_y = frame.y + h + TITLE_GAP
    height = title_y + TITLE_H + MARGIN
    shapes = [
        Rect(0, 0, width, height, "PAPER", "sheet", fill=PAPER, stroke="none", stroke_width=0),
        *enclosure_outline(frame, panel),
        *front_contents(frame, panel, catalog),
        *_side_view(frame, side_x),
        *_legend(panel, legend_x, frame.y),
        *_title_block(panel, title, frame.x - DIM_GAP, title_y, width - MARGIN),
    ]
    return Sheet(width, height, tuple(shapes), f"{panel['name']} — {title}" if title else panel["name"])


def _side_view(frame: Frame, x: float) -> Iterator[Shape]:
    """The enclosure seen from the side: D × H, with the D dimension."""
    yield Rect(x, frame.y, frame.d, frame.h, "SIDE", "side-outline", stroke_width=2.0)
    yield from h_dimension(x, x + frame.d, frame.y - DIM_GAP, frame.y, f"D {num(frame.d)}")
    yield Text(x + frame.d / 2, frame.y + frame.h + 25.0, ("측면",), 16.0, "TEXT", "view-label")


def _legend(panel: QuotePanel, x: float, y: float) -> Iterator[Shape]:
    """Phase colours with each phase's single-phase load and count, and the balance figures."""
    phases = panel.get("phases") or {}
    yield Text(x, y + 12.0, ("범례",), 18.0, "LEGEND", "legend-title", anchor="start", bold=True)
    row_y = y + 36.0
    for key, text in _legend_entries(panel["layout"]["placed"], phases):
        yield Rect(
            x,
            row_y,
            36.0,
            20.0,
            "LEGEND",
            f"swatch phase-{layer_suffix(key)}",
            fill=PHASE_COLOURS.get(key, SINGLE_PHASE_COLOUR),
            solid_in_cad=True,
        )
        yield Text(x + 46.0, row_y + 10.0, (text,), 14.0, "LEGEND", "legend-text", anchor="start")
        row_y += 30.0
    for text in _balance_lines(phases):
        yield Text(x, row_y + 10.0, (text,), 13.0, "LEGEND", "legend-text", anchor="start")
        row_y += 22.0


def _legend_entries(placed: list[PlacedBreaker], phases: Phases) -> list[tuple[str, str]]:
    """(colour key, text) per legend row.

    A three-phase supply always lists R, S, T and RST, so the colour code reads the same on every
    sheet; a single-phase supply (phase null) has one colour, and its load is the whole panel's.
    """
    amps = (phases.get("R", 0), phases.get("S", 0), phases.get("T", 0))
    if phases.get("supply") == "1P2W" or any(p.get("phase") is None for p in placed):
        load = sum(float(a) for a in amps)
        return [(SINGLE_PHASE, f"{SINGLE_PHASE} 단상  {num(load)} A · {len(placed)}회로")]
    counts = phases.get("counts") or [0, 0, 0]
    entries = [
        (key, f"{key}상  {num(float(a))} A · 단상 {counts[i]}회로")
        for i, (key, a) in enumerate(zip(("R", "S", "T"), amps, strict=True))
    ]
    three_phase = sum(1 for p in placed if p.get("phase") == "RST")
    entries.append(("RST", f"RST 3상 · {three_phase}회로"))
    return entries


def _balance_lines(phases: Phases) -> list[str]:
    """The §5 balance figures as short lines; a single-phase supply says so instead."""
    supply = phases.get("supply", "")
    imbalance = phases.get("imbalance_pct")
    if not isinstance(imbalance, int | float):
        return [f"전원 {supply}", "상평형 n/a (단상)"]
    return [
        f"전원 {supply}",
        f"불평형률 {imbalance:.1f} %",
        f"설비불평형률 {float(phases.get('kec_unbalance_pct', 0) or 0):.1f} %",
    ]


def _title_block(panel: QuotePanel, title: str, left: float, top: float, right: float) -> Iterator[Shape]:
    """Two-row title block: panel name and title; model, size, material and scale."""
    width = right - left
    enclosure = panel["enclosure"]
    w, h, d = enclosure["size_mm"]
    yield Rect(left, top, width, TITLE_H, "TITLE", "title-block", stroke_width=1.5)
    yield Line(left, top + TITLE_H / 2, right, top + TITLE_H / 2, "TITLE", "title-rule")
    split = left + min(260.0, width * 0.35)
    yield Line(split, top, split, top + TITLE_H, "TITLE", "title-rule")
    mid = top + TITLE_H / 4
    low = top + TITLE_H * 3 / 4
    yield Text(left + 12.0, mid, (panel["name"],), 24.0, "TITLE", "panel-name", anchor="start", bold=True)
    yield Text(split + 12.0, mid, (title or "-",), 18.0, "TITLE", "drawing-title", anchor="start")
    yield Text(left + 12.0, low, (enclosure["model"],), 18.0, "TITLE", "model", anchor="start")
    material = " ".join(
        str(part)
        for part in (enclosure.get("material"), _thickness(enclosure), enclosure.get("location"))
        if part
    )
    facts = f"W {w} × H {h} × D {d} mm   {material}   정면도 1:1 (mm)"
    yield Text(split + 12.0, low, (facts,), 15.0, "TITLE", "size", anchor="start")


def _thickness(enclosure: Enclosure) -> str:
    """ "1.2T" from thickness_mm, empty when the quote has none."""
    value = enclosure.get("thickness_mm")
    return f"{num(float(value))}T" if value else ""
