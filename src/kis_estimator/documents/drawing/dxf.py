"""The DXF writer: a sheet's shapes as an R2013 DXF in mm, one layer per kind of shape, fixed metadata."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from kis_estimator.documents.drawing.shapes import Line, Rect, Shape, Sheet, Text, line_offsets
from kis_estimator.documents.drawing.sheet import layout_sheet, panel_sheet

if TYPE_CHECKING:
    from kis_estimator.engine.catalog import Catalog
    from kis_estimator.engine.model import Quote, QuotePanel

DXF_FONT = "malgun.ttf"  # the Hangul font every Korean Windows CAD seat has

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


def render_dxf(panel: QuotePanel, catalog: Catalog, *, title: str) -> bytes:
    """One panel's front view as DXF (R2013, mm, $INSUNITS = 4) bytes."""
    return _dxf_bytes(panel_sheet(panel, catalog, title=title))


def render_layout_dxf(quote: Quote, catalog: Catalog, sheet: Sheet | None = None) -> bytes:
    """Every panel of the quote side by side, as DXF bytes (`sheet`: its layout_sheet, when at hand)."""
    return _dxf_bytes(sheet or layout_sheet(quote, catalog))


def render_sheet_dxf(sheet: Sheet) -> bytes:
    """A finished sheet as DXF bytes: what the stored layout (`stored.sheet_from_json`) renders to."""
    return _dxf_bytes(sheet)


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
    for line, offset in zip(text.lines, line_offsets(text), strict=True):
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
