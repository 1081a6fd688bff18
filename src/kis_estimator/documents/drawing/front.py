"""The front view of one panel: enclosure outline, main breaker, busbar, branch rows, accessory area
and the height chain, placed as the quote sized them (DOMAIN §4) with the catalog's breaker bodies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

from kis_estimator.documents.drawing.shapes import (
    DIM_GAP,
    INK,
    PAPER,
    PHASE_COLOURS,
    SINGLE_PHASE,
    SINGLE_PHASE_COLOUR,
    Line,
    Rect,
    Shape,
    Text,
    em_width,
    fit_size,
    h_dimension,
    layer_suffix,
    num,
    v_dimension,
)

if TYPE_CHECKING:
    from kis_estimator.engine.catalog import Catalog
    from kis_estimator.engine.model import PlacedBreaker, QuoteBreaker, QuotePanel

# Rulebook [critic] busbar_corridor_mm: the clear corridor between the facing breakers' line ends.
BUSBAR_CORRIDOR_MM = 80.0
BUSBAR_WIDTH_MM = 20.0
# Rulebook [critic] side_clearance_mm: used to inset the accessory box from the side walls.
SIDE_CLEARANCE_MM = 30.0
MAIN_FILL = "#e8e8e8"
BUSBAR_FILL = "#b87333"  # copper
# Text drawn on a phase fill: white where the fill is dark, black on amber and light grey.
_TEXT_ON = {"R": PAPER, "S": INK, "T": PAPER, "RST": PAPER, SINGLE_PHASE: INK}
CHAIN_GAP = 45.0  # right edge → the height-terms chain dimension


@dataclass(frozen=True)
class Frame:
    """Where the enclosure's front view sits on the sheet."""

    x: float
    y: float
    w: float
    h: float
    d: float

    @property
    def centre_x(self) -> float:
        return self.x + self.w / 2


def enclosure_outline(frame: Frame, panel: QuotePanel) -> Iterator[Shape]:
    """The selected box's outline and its W and H dimension lines."""
    yield Rect(frame.x, frame.y, frame.w, frame.h, "ENCLOSURE", "enclosure-outline", stroke_width=3.0)
    top = frame.y - DIM_GAP
    yield from h_dimension(frame.x, frame.x + frame.w, top, frame.y, f"W {num(frame.w)}")
    left = frame.x - DIM_GAP
    yield from v_dimension(frame.y, frame.y + frame.h, left, frame.x, f"H {num(frame.h)}")


def front_contents(frame: Frame, panel: QuotePanel, catalog: Catalog) -> Iterator[Shape]:
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


def _main_offset(panel: QuotePanel, main_h: float) -> float:
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


def _row_tops(panel: QuotePanel, main_bottom: float) -> dict[int, tuple[float, float]]:
    """Row number → (top y, pitch); rows stack from the main's bottom plus the gap."""
    y = main_bottom + float(panel["enclosure"]["height_terms_mm"].get("gap", 0))
    tops: dict[int, tuple[float, float]] = {}
    for row in sorted(panel["layout"]["rows"], key=lambda r: r["row"]):
        tops[row["row"]] = (y, float(row["pitch_mm"]))
        y += float(row["pitch_mm"])
    return tops


def _rows_bottom(panel: QuotePanel, rows: dict[int, tuple[float, float]], main_bottom: float) -> float:
    """The y where the branch rows end (the accessory area starts here)."""
    if not rows:
        return main_bottom + float(panel["enclosure"]["height_terms_mm"].get("gap", 0))
    top, pitch = rows[max(rows)]
    return top + pitch


def _main_breaker(frame: Frame, spec: QuoteBreaker, main: _Body, top: float) -> Iterator[Shape]:
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
    size = fit_size(lines, main.w * 0.9, main.h * 0.8, 20.0)
    yield Text(frame.centre_x, top + main.h / 2, lines, size, "TEXT", "label main-label", bold=True)


def _busbar(frame: Frame, top: float, bottom: float) -> Iterator[Shape]:
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
    frame: Frame, placed: PlacedBreaker, body: _Body, row_top: float, pitch: float
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
        f"BRANCH_{layer_suffix(key)}",
        f"breaker branch phase-{layer_suffix(key)}",
        fill=PHASE_COLOURS.get(key, SINGLE_PHASE_COLOUR),
        data=(
            ("index", str(placed["index"])),
            ("model", placed["model"]),
            ("at", str(placed["trip_at"])),
            ("phase", phase),
        ),
    )
    lines = (placed["model"], f"{placed['trip_at']}AT · {phase}")
    size = fit_size(lines, length * 0.86, thickness * 0.72, 16.0)
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
    frame: Frame, placed: PlacedBreaker, x: float, length: float, y: float, left: bool
) -> Iterator[Shape]:
    """ "No. circuit" in the free space between the breaker's load end and the side wall.

    The number alone is used when the circuit name does not fit, nothing when even that does not.
    """
    number = str(placed["index"] + 1)
    room = (x - frame.x if left else frame.x + frame.w - (x + length)) - 12.0
    size = 11.0
    for text in (f"{number}. {placed['circuit']}" if placed.get("circuit") else number, number):
        if em_width(text) * size <= room:
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


def _accessory_area(frame: Frame, top: float, e_acc: float) -> Iterator[Shape]:
    """The dashed box reserved for contactors / meters (E_acc), inset from the walls."""
    inset = 5.0  # keeps the dashes off the last row's breakers
    x = frame.x + SIDE_CLEARANCE_MM
    w = frame.w - 2 * SIDE_CLEARANCE_MM
    yield Rect(x, top + inset, w, e_acc - 2 * inset, "ACCESSORY", "accessory", dashed=True, stroke_width=1.2)
    yield Text(
        frame.centre_x,
        top + e_acc / 2,
        ("부속자재", f"E {num(e_acc)}"),
        min(22.0, e_acc * 0.2),
        "TEXT",
        "accessory-label",
    )


def _height_chain(
    frame: Frame, panel: QuotePanel, main_top: float, main_h: float, rows_bottom: float, e_acc: float
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
        label = num(bottom - top)
        # A text that does not fit its segment (the 15 mm gap) would collide; the ticks still show it.
        yield from v_dimension(top, bottom, x, frame.x + frame.w, label, size=14.0, show=bottom - top > 40)
