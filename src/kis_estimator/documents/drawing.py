"""Front-view drawings of a panel (분전반), true to scale in millimetres, as SVG and DXF.

The drawing follows the face-to-face layout of DOMAIN §4: the main breaker stands upright at the top
centre, a vertical branch busbar runs down the middle, and the branch breakers lie sideways in facing
pairs left and right of it, so a breaker's catalog width is its share of the panel's height and its
catalog height is its horizontal length.  Everything is read from the quote JSON (`quote["panels"][i]`)
plus the catalog's breaker dimensions; nothing is recomputed.

Both formats are drawn from one list of neutral shapes (rectangles, lines, texts in sheet millimetres,
y pointing down), so the SVG and the DXF cannot drift apart.  Output is deterministic: the same panel
gives the same bytes.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING, Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr  # escape() writes SVG text, parses nothing  # nosec B406

if TYPE_CHECKING:
    from kis_estimator.engine.catalog import Catalog

# Rulebook [critic] busbar_corridor_mm: the clear corridor between the facing breakers' line ends.
BUSBAR_CORRIDOR_MM = 80.0
BUSBAR_WIDTH_MM = 20.0
# Rulebook [critic] side_clearance_mm: used to inset the accessory box from the side walls.
SIDE_CLEARANCE_MM = 30.0

INK = "#000000"
PAPER = "#ffffff"
MAIN_FILL = "#e8e8e8"
BUSBAR_FILL = "#b87333"  # copper
PHASE_COLOURS = {"R": "#d62728", "S": "#e6a700", "T": "#1f77b4", "RST": "#4d4d4d"}
SINGLE_PHASE = "1φ"  # placed phase null: a single-phase supply has no R/S/T to balance
SINGLE_PHASE_COLOUR = "#bdbdbd"
# Text drawn on a phase fill: white where the fill is dark, black on amber and light grey.
_TEXT_ON = {"R": PAPER, "S": INK, "T": PAPER, "RST": PAPER, SINGLE_PHASE: INK}
FONT_FAMILY = "'Noto Sans KR', 'Noto Sans CJK KR', 'Malgun Gothic', sans-serif"
DXF_FONT = "malgun.ttf"  # the Hangul font every Korean Windows CAD seat has
LINE_SPACING = 1.2

# Sheet furniture around one panel's front view, in mm.
MARGIN = 40.0
DIM_GAP = 60.0  # enclosure edge → dimension line
CHAIN_GAP = 45.0  # right edge → the height-terms chain dimension
SIDE_GAP = 150.0  # front view → side view
LEGEND_GAP = 70.0
LEGEND_W = 250.0
TITLE_GAP = 50.0
TITLE_H = 110.0
PANEL_SPACING = 120.0  # between panels in a layout drawing
DIM_TEXT = 22.0


# ---------------------------------------------------------------------------------------------------
# Neutral shapes: sheet millimetres, origin top left, y down.


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


# ---------------------------------------------------------------------------------------------------
# Public API


def render_svg(panel: dict[str, Any], catalog: Catalog, *, title: str) -> bytes:
    """One panel's front view as UTF-8 SVG bytes, 1 user unit = 1 mm."""
    return _svg_bytes(_panel_sheet(panel, catalog, title=title))


def render_dxf(panel: dict[str, Any], catalog: Catalog, *, title: str) -> bytes:
    """One panel's front view as DXF (R2013, mm, $INSUNITS = 4) bytes."""
    return _dxf_bytes(_panel_sheet(panel, catalog, title=title))


def render_layout_svg(quote: dict[str, Any], catalog: Catalog, sheet: Sheet | None = None) -> bytes:
    """Every panel of the quote side by side, as SVG bytes (`sheet`: its layout_sheet, when at hand)."""
    return _svg_bytes(sheet or _layout_sheet(quote, catalog))


def render_layout_dxf(quote: dict[str, Any], catalog: Catalog, sheet: Sheet | None = None) -> bytes:
    """Every panel of the quote side by side, as DXF bytes (`sheet`: its layout_sheet, when at hand)."""
    return _dxf_bytes(sheet or _layout_sheet(quote, catalog))


def layout_sheet(quote: dict[str, Any], catalog: Catalog) -> Sheet:
    """The shape list both drawings of a quote are made from (SVG and DXF share it)."""
    return _layout_sheet(quote, catalog)


def quote_title(quote: dict[str, Any]) -> str:
    """The title a quote's drawings carry: its number and project."""
    return " · ".join(str(part) for part in (quote.get("number"), quote.get("project")) if part)


# ---------------------------------------------------------------------------------------------------
# Sheets


def _layout_sheet(quote: dict[str, Any], catalog: Catalog) -> Sheet:
    """Panels placed left to right, tops aligned; one panel gives exactly its own sheet."""
    title = quote_title(quote)
    sheets = [_panel_sheet(panel, catalog, title=title) for panel in quote["panels"]]
    if len(sheets) == 1:
        return sheets[0]
    shapes: list[Shape] = []
    x = 0.0
    for sheet in sheets:
        shapes.extend(shape.moved(x, 0.0) for shape in sheet.shapes)
        x += sheet.width + PANEL_SPACING
    width = x - PANEL_SPACING
    return Sheet(width, max(s.height for s in sheets), tuple(shapes), title)


@dataclass(frozen=True)
class _Frame:
    """Where the enclosure's front view sits on the sheet."""

    x: float
    y: float
    w: float
    h: float
    d: float

    @property
    def centre_x(self) -> float:
        return self.x + self.w / 2


def _panel_sheet(panel: dict[str, Any], catalog: Catalog, *, title: str) -> Sheet:
    """One panel: front view with dimensions, side view, legend and title block."""
    w, h, d = (float(v) for v in panel["enclosure"]["size_mm"])
    frame = _Frame(MARGIN + DIM_GAP + 30.0, MARGIN + DIM_GAP + 30.0, w, h, d)
    side_x = frame.x + w + SIDE_GAP
    legend_x = side_x + d + LEGEND_GAP
    width = legend_x + LEGEND_W + MARGIN
    title_y = frame.y + h + TITLE_GAP
    height = title_y + TITLE_H + MARGIN
    shapes = [
        Rect(0, 0, width, height, "PAPER", "sheet", fill=PAPER, stroke="none", stroke_width=0),
        *_enclosure(frame, panel),
        *_front_contents(frame, panel, catalog),
        *_side_view(frame, side_x),
        *_legend(panel, legend_x, frame.y),
        *_title_block(panel, title, frame.x - DIM_GAP, title_y, width - MARGIN),
    ]
    return Sheet(width, height, tuple(shapes), f"{panel['name']} — {title}" if title else panel["name"])


def _front_contents(frame: _Frame, panel: dict[str, Any], catalog: Catalog) -> Iterator[Shape]:
    """Main breaker, busbar, branch rows and accessory area, stacked as the quote sized them."""
    main_spec = panel["breakers"][0]
    main = _breaker(catalog, main_spec["model"])
    main_top = frame.y + _main_offset(panel, main.h)
    yield from _main_breaker(frame, main_spec, main, main_top)
    rows = _row_tops(panel, main_top + main.h)
    rows_bottom = _rows_bottom(panel, rows, main_top + main.h)
    if rows:
        yield from _busbar(frame, main_top + main.h, rows_bottom)
    for placed in panel["layout"]["placed"]:
        row_top, pitch = rows[placed["row"]]
        yield from _branch(frame, placed, _breaker(catalog, placed["model"]), row_top, pitch)
    e_acc = float(panel["enclosure"]["height_terms_mm"].get("e_acc", 0))
    if e_acc > 0:
        yield from _accessory_area(frame, rows_bottom, e_acc)
    yield from _height_chain(frame, panel, main_top, main.h, rows_bottom, e_acc)


class _Body(NamedTuple):
    """A breaker's catalog body as it stands upright: width and height in mm."""

    w: float
    h: float


def _breaker(catalog: Catalog, model: str) -> _Body:
    """The catalog body of a quoted model; an unknown model or one without dimensions is a data error."""
    found = catalog.breaker_by_model(model)
    if found is None:
        raise ValueError(f"breaker model {model!r} is not in the catalog")
    if found.w_mm is None or found.h_mm is None:
        raise ValueError(f"breaker model {model!r} has no catalog dimensions to draw")
    return _Body(float(found.w_mm), float(found.h_mm))


def _main_offset(panel: dict[str, Any], main_h: float) -> float:
    """How far below the enclosure's top edge the main breaker starts.

    A panel with branches keeps A_top above the main (DOMAIN §4).  A main-only panel has no A_top:
    the large one splits its clearance above and below the main (cable space below that), the small
    stock box simply centres it.
    """
    terms = panel["enclosure"]["height_terms_mm"]
    if "a_top" in terms:
        return float(terms["a_top"])
    if "clearance" in terms:
        return float(terms["clearance"]) / 2
    return (float(panel["enclosure"]["size_mm"][1]) - main_h) / 2


def _row_tops(panel: dict[str, Any], main_bottom: float) -> dict[int, tuple[float, float]]:
    """Row number → (top y, pitch); rows stack from the main's bottom plus the gap."""
    y = main_bottom + float(panel["enclosure"]["height_terms_mm"].get("gap", 0))
    tops: dict[int, tuple[float, float]] = {}
    for row in sorted(panel["layout"]["rows"], key=lambda r: r["row"]):
        tops[row["row"]] = (y, float(row["pitch_mm"]))
        y += float(row["pitch_mm"])
    return tops


def _rows_bottom(panel: dict[str, Any], rows: dict[int, tuple[float, float]], main_bottom: float) -> float:
    """The y where the branch rows end (the accessory area starts here)."""
    if not rows:
        return main_bottom + float(panel["enclosure"]["height_terms_mm"].get("gap", 0))
    top, pitch = rows[max(rows)]
    return top + pitch


# ---------------------------------------------------------------------------------------------------
# Front view pieces


def _enclosure(frame: _Frame, panel: dict[str, Any]) -> Iterator[Shape]:
    """The selected box's outline and its W and H dimension lines."""
    yield Rect(frame.x, frame.y, frame.w, frame.h, "ENCLOSURE", "enclosure-outline", stroke_width=3.0)
    top = frame.y - DIM_GAP
    yield from _h_dimension(frame.x, frame.x + frame.w, top, frame.y, f"W {_num(frame.w)}")
    left = frame.x - DIM_GAP
    yield from _v_dimension(frame.y, frame.y + frame.h, left, frame.x, f"H {_num(frame.h)}")


def _main_breaker(frame: _Frame, spec: dict[str, Any], main: _Body, top: float) -> Iterator[Shape]:
    """The main breaker upright at the top centre, its catalog w × h, labelled model / AT / poles."""
    x = frame.centre_x - main.w / 2
    yield Rect(
        x,
        top,
        main.w,
        main.h,
        "MAIN",
        "breaker main",
        fill=MAIN_FILL,
        stroke_width=1.5,
        data=(("model", spec["model"]), ("at", str(spec["trip_at"]))),
    )
    lines = (spec["model"], f"{spec['trip_at']}AT", f"{spec['poles']}P {spec['frame_af']}AF", "MAIN")
    size = _fit_size(lines, main.w * 0.9, main.h * 0.8, 20.0)
    yield Text(frame.centre_x, top + main.h / 2, lines, size, "TEXT", "label main-label", bold=True)


def _busbar(frame: _Frame, top: float, bottom: float) -> Iterator[Shape]:
    """The vertical branch busbar from below the main down through the last row."""
    yield Rect(
        frame.centre_x - BUSBAR_WIDTH_MM / 2,
        top,
        BUSBAR_WIDTH_MM,
        bottom - top,
        "BUSBAR",
        "busbar",
        fill=BUSBAR_FILL,
        stroke_width=0.8,
    )


def _branch(
    frame: _Frame, placed: dict[str, Any], body: _Body, row_top: float, pitch: float
) -> Iterator[Shape]:
    """One branch breaker lying sideways in its row, its strap to the busbar and its labels.

    Lying sideways, the catalog height runs horizontally away from the busbar corridor and the
    catalog width sits inside the row pitch (centred, so a 33 mm breaker in a 40 mm row keeps 3.5 mm
    each side).
    """
    length, thickness = body.h, body.w
    half_corridor = BUSBAR_CORRIDOR_MM / 2
    left = placed["side"] == "L"
    x = frame.centre_x - half_corridor - length if left else frame.centre_x + half_corridor
    y = row_top + (pitch - thickness) / 2
    phase = placed.get("phase") or SINGLE_PHASE
    key = phase if phase in PHASE_COLOURS else SINGLE_PHASE
    yield from _strap(frame.centre_x, y + thickness / 2, left)
    yield Rect(
        x,
        y,
        length,
        thickness,
        f"BRANCH_{_layer_suffix(key)}",
        f"breaker branch phase-{_layer_suffix(key)}",
        fill=PHASE_COLOURS.get(key, SINGLE_PHASE_COLOUR),
        data=(
            ("index", str(placed["index"])),
            ("model", placed["model"]),
            ("at", str(placed["trip_at"])),
            ("phase", phase),
        ),
    )
    lines = (placed["model"], f"{placed['trip_at']}AT · {phase}")
    size = _fit_size(lines, length * 0.86, thickness * 0.72, 16.0)
    yield Text(
        x + length / 2,
        y + thickness / 2,
        lines,
        size,
        "TEXT",
        "label branch-label",
        fill=_TEXT_ON[key],
        data=(("index", str(placed["index"])),),
    )
    yield from _circuit_label(frame, placed, x, length, y + thickness / 2, left)


def _strap(centre_x: float, y: float, left: bool) -> Iterator[Shape]:
    """The short link from the busbar's edge to the breaker's line end, across the corridor."""
    inner = BUSBAR_WIDTH_MM / 2
    outer = BUSBAR_CORRIDOR_MM / 2
    sign = -1.0 if left else 1.0
    yield Line(centre_x + sign * inner, y, centre_x + sign * outer, y, "BUSBAR", "strap", BUSBAR_FILL, 2.0)


def _circuit_label(
    frame: _Frame, placed: dict[str, Any], x: float, length: float, y: float, left: bool
) -> Iterator[Shape]:
    """ "No. circuit" in the free space between the breaker's load end and the side wall.

    The number alone is used when the circuit name does not fit, nothing when even that does not.
    """
    number = str(placed["index"] + 1)
    room = (x - frame.x if left else frame.x + frame.w - (x + length)) - 12.0
    size = 11.0
    for text in (f"{number}. {placed['circuit']}" if placed.get("circuit") else number, number):
        if _em_width(text) * size <= room:
            anchor_x = x - 6.0 if left else x + length + 6.0
            yield Text(
                anchor_x,
                y,
                (text,),
                size,
                "TEXT",
                "circuit-label",
                anchor="end" if left else "start",
                data=(("index", number),),
            )
            return


def _accessory_area(frame: _Frame, top: float, e_acc: float) -> Iterator[Shape]:
    """The dashed box reserved for contactors / meters (E_acc), inset from the walls."""
    inset = 5.0  # keeps the dashes off the last row's breakers
    x = frame.x + SIDE_CLEARANCE_MM
    w = frame.w - 2 * SIDE_CLEARANCE_MM
    yield Rect(x, top + inset, w, e_acc - 2 * inset, "ACCESSORY", "accessory", dashed=True, stroke_width=1.2)
    yield Text(
        frame.centre_x,
        top + e_acc / 2,
        ("부속자재", f"E {_num(e_acc)}"),
        min(22.0, e_acc * 0.2),
        "TEXT",
        "accessory-label",
    )


def _height_chain(
    frame: _Frame, panel: dict[str, Any], main_top: float, main_h: float, rows_bottom: float, e_acc: float
) -> Iterator[Shape]:
    """A chain dimension right of the front view: A_top, main, gap, rows, E_acc, and what is left.

    It lets a checker read the §4 height sum straight off the drawing.
    """
    marks = [frame.y, main_top, main_top + main_h]
    if panel["layout"]["rows"] or e_acc > 0:
        marks.append(rows_bottom - float(panel["enclosure"]["height_terms_mm"]["rows"]))
        marks.append(rows_bottom)
    if e_acc > 0:
        marks.append(rows_bottom + e_acc)
    marks.append(frame.y + frame.h)
    marks = sorted(set(marks))
    x = frame.x + frame.w + CHAIN_GAP
    for top, bottom in pairwise(marks):
        label = _num(bottom - top)
        # A text that does not fit its segment (the 15 mm gap) would collide; the ticks still show it.
        yield from _v_dimension(top, bottom, x, frame.x + frame.w, label, size=14.0, show=bottom - top > 40)


# ---------------------------------------------------------------------------------------------------
# Side view, legend, title block


def _side_view(frame: _Frame, x: float) -> Iterator[Shape]:
    """The enclosure seen from the side: D × H, with the D dimension."""
    yield Rect(x, frame.y, frame.d, frame.h, "SIDE", "side-outline", stroke_width=2.0)
    yield from _h_dimension(x, x + frame.d, frame.y - DIM_GAP, frame.y, f"D {_num(frame.d)}")
    yield Text(x + frame.d / 2, frame.y + frame.h + 25.0, ("측면",), 16.0, "TEXT", "view-label")


def _legend(panel: dict[str, Any], x: float, y: float) -> Iterator[Shape]:
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
            f"swatch phase-{_layer_suffix(key)}",
            fill=PHASE_COLOURS.get(key, SINGLE_PHASE_COLOUR),
            solid_in_cad=True,
        )
        yield Text(x + 46.0, row_y + 10.0, (text,), 14.0, "LEGEND", "legend-text", anchor="start")
        row_y += 30.0
    for text in _balance_lines(phases):
        yield Text(x, row_y + 10.0, (text,), 13.0, "LEGEND", "legend-text", anchor="start")
        row_y += 22.0


def _legend_entries(placed: list[dict[str, Any]], phases: dict[str, Any]) -> list[tuple[str, str]]:
    """(colour key, text) per legend row.

    A three-phase supply always lists R, S, T and RST, so the colour code reads the same on every
    sheet; a single-phase supply (phase null) has one colour, and its load is the whole panel's.
    """
    if phases.get("supply") == "1P2W" or any(p.get("phase") is None for p in placed):
        load = sum(float(phases.get(key, 0)) for key in ("R", "S", "T"))
        return [(SINGLE_PHASE, f"{SINGLE_PHASE} 단상  {_num(load)} A · {len(placed)}회로")]
    counts = phases.get("counts") or [0, 0, 0]
    entries = [
        (key, f"{key}상  {_num(float(phases.get(key, 0)))} A · 단상 {counts[i]}회로")
        for i, key in enumerate(("R", "S", "T"))
    ]
    three_phase = sum(1 for p in placed if p.get("phase") == "RST")
    entries.append(("RST", f"RST 3상 · {three_phase}회로"))
    return entries


def _balance_lines(phases: dict[str, Any]) -> list[str]:
    """The §5 balance figures as short lines; a single-phase supply says so instead."""
    supply = phases.get("supply", "")
    imbalance = phases.get("imbalance_pct")
    if not isinstance(imbalance, int | float):
        return [f"전원 {supply}", "상평형 n/a (단상)"]
    return [
        f"전원 {supply}",
        f"불평형률 {imbalance:.1f} %",
        f"설비불평형률 {float(phases.get('kec_unbalance_pct', 0)):.1f} %",
    ]


def _title_block(panel: dict[str, Any], title: str, left: float, top: float, right: float) -> Iterator[Shape]:
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


def _thickness(enclosure: dict[str, Any]) -> str:
    """ "1.2T" from thickness_mm, empty when the quote has none."""
    value = enclosure.get("thickness_mm")
    return f"{_num(float(value))}T" if value else ""


# ---------------------------------------------------------------------------------------------------
# Dimensions (drawn as lines, ticks and text so both formats show the same thing)


def _h_dimension(x1: float, x2: float, y: float, from_y: float, label: str) -> Iterator[Shape]:
    """A horizontal dimension line at y with extension lines down to from_y and oblique ticks."""
    yield Line(x1, from_y - 5.0, x1, y - 8.0, "DIM", "dim-ext")
    yield Line(x2, from_y - 5.0, x2, y - 8.0, "DIM", "dim-ext")
    yield Line(x1, y, x2, y, "DIM", "dim-line")
    yield from _tick(x1, y)
    yield from _tick(x2, y)
    yield Text((x1 + x2) / 2, y - DIM_TEXT * 0.7, (label,), DIM_TEXT, "DIM", "dim-text")


def _v_dimension(
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


def _em_width(text: str) -> float:
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


def _fit_size(lines: Sequence[str], width: float, height: float, largest: float) -> float:
    """The largest font size (mm) at which the lines fit the box, capped at `largest`."""
    by_height = height / (len(lines) * LINE_SPACING)
    by_width = width / max(_em_width(line) for line in lines)
    return round(min(largest, by_height, by_width), 1)


def _layer_suffix(key: str) -> str:
    """Phase key → DXF layer / CSS suffix ("1φ" is not a safe layer name)."""
    return "1P" if key == SINGLE_PHASE else key


def _num(value: float) -> str:
    """Shortest stable decimal text for a coordinate: 2 dp at most, no "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------------------------------------------
# SVG


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
    w, h = _num(sheet.width), _num(sheet.height)
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
        f'<rect class="{rect.css}" x="{_num(rect.x)}" y="{_num(rect.y)}" width="{_num(rect.w)}" '
        f'height="{_num(rect.h)}" fill="{rect.fill}" stroke="{rect.stroke}" '
        f'stroke-width="{_num(rect.stroke_width)}"{dash}{_data_attrs(rect.data)}/>'
    )


def _svg_line(line: Line) -> str:
    return (
        f'<line class="{line.css}" x1="{_num(line.x1)}" y1="{_num(line.y1)}" x2="{_num(line.x2)}" '
        f'y2="{_num(line.y2)}" stroke="{line.stroke}" stroke-width="{_num(line.stroke_width)}"/>'
    )


def _line_offsets(text: Text) -> list[float]:
    """Each line's centre offset from the text's centre, for stacked lines."""
    n = len(text.lines)
    return [(i - (n - 1) / 2) * text.size * LINE_SPACING for i in range(n)]


def _svg_text(text: Text) -> str:
    x, y = _num(text.x), _num(text.y)
    weight = ' font-weight="bold"' if text.bold else ""
    rotate = f' transform="rotate(-90 {x} {y})"' if text.vertical else ""
    spans = "".join(
        f'<tspan x="{x}" y="{_num(text.y + dy)}">{escape(line)}</tspan>'
        for line, dy in zip(text.lines, _line_offsets(text), strict=True)
    )
    return (
        f'<text class="{text.css}" font-size="{_num(text.size)}" text-anchor="{text.anchor}" '
        f'dominant-baseline="central" fill="{text.fill}"{weight}{rotate}{_data_attrs(text.data)}>'
        f"{spans}</text>"
    )


# ---------------------------------------------------------------------------------------------------
# DXF

# Layer → (ACI colour, true colour or None, linetype).  True colours match the SVG phase colours.
DXF_LAYERS: dict[str, tuple[int, tuple[int, int, int] | None, str]] = {
    "ENCLOSURE": (7, None, "Continuous"),
    "SIDE": (7, None, "Continuous"),
    "MAIN": (7, None, "Continuous"),
    "BUSBAR": (30, (184, 115, 51), "Continuous"),
    "BRANCH_R": (1, (214, 39, 40), "Continuous"),
    "BRANCH_S": (2, (230, 167, 0), "Continuous"),
    "BRANCH_T": (5, (31, 119, 180), "Continuous"),
    # Plain ACI greys: the SVG's dark grey would vanish on a CAD program's dark background.
    "BRANCH_RST": (8, None, "Continuous"),
    "BRANCH_1P": (9, None, "Continuous"),
    "ACCESSORY": (7, None, "DASHED"),
    "DIM": (3, None, "Continuous"),
    "TEXT": (7, None, "Continuous"),
    "LEGEND": (7, None, "Continuous"),
    "TITLE": (7, None, "Continuous"),
}
_DXF_LOCK = threading.Lock()


@contextmanager
def _fixed_dxf_metadata() -> Iterator[None]:
    """Make ezdxf write fixed dates, GUIDs and marker strings, so equal drawings give equal bytes.

    ezdxf stamps $TDCREATE/$TDUPDATE with the clock and $VERSIONGUID/$FINGERPRINTGUID at random on
    every write; its own switch for fixed metadata is process-wide, so it is set under a lock and
    restored afterwards.
    """
    from ezdxf._options import options  # the object ezdxf re-exports as `ezdxf.options`

    with _DXF_LOCK:
        before = options.write_fixed_meta_data_for_testing
        options.write_fixed_meta_data_for_testing = True
        try:
            yield
        finally:
            options.write_fixed_meta_data_for_testing = before


def _dxf_bytes(sheet: Sheet) -> bytes:
    """The sheet as an R2013 DXF in mm; y is flipped so the drawing stands upright in CAD."""
    # Imported here: only the DXF export needs ezdxf, the SVG path works without it.
    from ezdxf import units
    from ezdxf.filemanagement import new

    with _fixed_dxf_metadata():
        doc = new("R2013", setup=["linetypes"])
        doc.units = units.MM  # $INSUNITS = 4
        doc.header["$MEASUREMENT"] = 1
        doc.styles.add("HANGUL", font=DXF_FONT)
        for name, (aci, rgb, linetype) in DXF_LAYERS.items():
            layer = doc.layers.add(name, color=aci, linetype=linetype)
            if rgb is not None:
                layer.rgb = rgb
        msp = doc.modelspace()
        _frame_view(doc, msp, sheet)
        for shape in sheet.shapes:
            if shape.layer != "PAPER":  # the white paper is an SVG nicety, not a CAD entity
                _dxf_shape(msp, shape, sheet.height)
        # ezdxf adds a CLASS per entity type in use by iterating a set, whose order follows the
        # process's hash seed; adding them now in sorted order makes every write list them alike.
        doc.classes.add_required_classes(doc.dxfversion)
        doc.classes.classes = dict(sorted(doc.classes.classes.items()))
        stream = io.StringIO()
        doc.write(stream)
    return stream.getvalue().encode(doc.output_encoding)


def _frame_view(doc: Any, msp: Any, sheet: Sheet) -> None:
    """Extents, limits and the opening view cover the sheet, so CAD opens on the whole drawing."""
    # Layout and header both: on write ezdxf copies the layout's extents into the header, except
    # when the minimum is (0, 0, 0), which ours is; then the header's own values stand.
    msp.dxf.extmin = doc.header["$EXTMIN"] = (0.0, 0.0, 0.0)
    msp.dxf.extmax = doc.header["$EXTMAX"] = (sheet.width, sheet.height, 0.0)
    msp.dxf.limmin = (0.0, 0.0)
    msp.dxf.limmax = (sheet.width, sheet.height)
    doc.set_modelspace_vport(height=sheet.height * 1.05, center=(sheet.width / 2, sheet.height / 2))


def _dxf_shape(msp: Any, shape: Shape, sheet_height: float) -> None:
    if isinstance(shape, Rect):
        _dxf_rect(msp, shape, sheet_height)
    elif isinstance(shape, Line):
        msp.add_line(
            (shape.x1, sheet_height - shape.y1),
            (shape.x2, sheet_height - shape.y2),
            dxfattribs={"layer": shape.layer},
        )
    else:
        _dxf_text(msp, shape, sheet_height)


def _dxf_rect(msp: Any, rect: Rect, sheet_height: float) -> None:
    """A closed LWPOLYLINE (and, for legend swatches, a solid hatch in the swatch's colour)."""
    top = sheet_height - rect.y
    points = [(rect.x, top), (rect.x + rect.w, top), (rect.x + rect.w, top - rect.h), (rect.x, top - rect.h)]
    msp.add_lwpolyline(points, close=True, dxfattribs={"layer": rect.layer})
    if rect.solid_in_cad:
        hatch = msp.add_hatch(dxfattribs={"layer": rect.layer})
        hatch.rgb = _rgb(rect.fill)
        hatch.paths.add_polyline_path(points, is_closed=True)


def _dxf_text(msp: Any, text: Text, sheet_height: float) -> None:
    """One TEXT per line; DXF text height is the cap height, about 0.7 of the SVG font size."""
    from ezdxf.enums import TextEntityAlignment

    align = {
        "start": TextEntityAlignment.MIDDLE_LEFT,
        "middle": TextEntityAlignment.MIDDLE_CENTER,
        "end": TextEntityAlignment.MIDDLE_RIGHT,
    }[text.anchor]
    for line, offset in zip(text.lines, _line_offsets(text), strict=True):
        # A vertical text's lines stack along x once turned; only single lines are drawn vertically.
        x, y = (text.x + offset, text.y) if text.vertical else (text.x, text.y + offset)
        entity = msp.add_text(
            line,
            height=round(text.size * 0.7, 2),
            rotation=90.0 if text.vertical else 0.0,
            dxfattribs={"layer": text.layer, "style": "HANGUL"},
        )
        entity.set_placement((x, sheet_height - y), align=align)


def _rgb(colour: str) -> tuple[int, int, int]:
    """ "#d62728" → (214, 39, 40)."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


__all__ = [
    "PHASE_COLOURS",
    "layout_sheet",
    "quote_title",
    "render_dxf",
    "render_layout_dxf",
    "render_layout_svg",
    "render_svg",
]
