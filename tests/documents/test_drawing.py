"""The front-view drawing: true to scale, one shape per breaker, phase colours, SVG and DXF agree."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from itertools import combinations, pairwise
from typing import Any

import ezdxf
import pytest

from kis_estimator.documents.drawing.dxf import render_dxf, render_layout_dxf
from kis_estimator.documents.drawing.front import BUSBAR_CORRIDOR_MM
from kis_estimator.documents.drawing.shapes import PHASE_COLOURS
from kis_estimator.documents.drawing.sheet import quote_title
from kis_estimator.documents.drawing.svg import render_layout_svg, render_svg
from kis_estimator.engine.catalog import Catalog
from tests.factories import ROOT

SVG = "{http://www.w3.org/2000/svg}"
BRANCH_LAYERS = ("BRANCH_R", "BRANCH_S", "BRANCH_T", "BRANCH_RST", "BRANCH_1P")


def _example(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def s8(quote_of: Any) -> dict[str, Any]:
    """The DOMAIN §8 reference quote: LP-1, SC 70 120 20 (700 × 1200 × 200), 18 branches."""
    return quote_of(_example("domain-s8-outdoor-sus"))


@pytest.fixture(scope="module")
def s8_panel(s8: dict[str, Any]) -> dict[str, Any]:
    return s8["panels"][0]


@pytest.fixture(scope="module")
def s8_svg(s8: dict[str, Any], s8_panel: dict[str, Any], catalog: Catalog) -> ET.Element:
    return ET.fromstring(render_svg(s8_panel, catalog, title=quote_title(s8)))


# ---------------------------------------------------------------------------------------------------
# SVG helpers


def _rects(root: ET.Element, css: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if css in r.get("class", "").split()]


def _box(rect: ET.Element) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of an SVG rect."""
    x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
    return x, y, x + float(rect.get("width", 0)), y + float(rect.get("height", 0))


def _outline(root: ET.Element) -> tuple[float, float, float, float]:
    (outline,) = _rects(root, "enclosure-outline")
    return _box(outline)


def _label_text(root: ET.Element, index: int) -> str:
    """All text of the branch label of placed breaker `index`."""
    (label,) = [
        t
        for t in root.iter(f"{SVG}text")
        if "branch-label" in t.get("class", "") and t.get("data-index") == str(index)
    ]
    return " ".join("".join(label.itertext()).split())


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Interiors intersect (rows of full-pitch breakers may share an edge)."""
    eps = 1e-6
    return a[0] < b[2] - eps and b[0] < a[2] - eps and a[1] < b[3] - eps and b[1] < a[3] - eps


# ---------------------------------------------------------------------------------------------------
# SVG


def test_svg_is_sized_in_millimetres(s8_svg: ET.Element) -> None:
    _, _, vb_w, vb_h = (float(v) for v in s8_svg.get("viewBox", "").split())
    assert s8_svg.get("width") == f"{vb_w:g}mm"
    assert s8_svg.get("height") == f"{vb_h:g}mm"
    x0, y0, x1, y1 = _outline(s8_svg)
    assert x0 > 0 and x1 < vb_w and y0 > 0 and y1 < vb_h  # margins hold the dimensions


def test_outline_is_the_selected_box(s8_svg: ET.Element, s8_panel: dict[str, Any]) -> None:
    x0, y0, x1, y1 = _outline(s8_svg)
    assert (x1 - x0, y1 - y0) == (700, 1200)
    assert s8_panel["enclosure"]["size_mm"][:2] == [700, 1200]


def test_outer_dimensions_and_model_are_labelled(s8_svg: ET.Element) -> None:
    texts = {" ".join("".join(t.itertext()).split()) for t in s8_svg.iter(f"{SVG}text")}
    assert {"W 700", "H 1200", "D 200", "SC 70 120 20", "LP-1"} <= texts


def test_one_breaker_shape_per_placed_breaker_plus_the_main(
    s8_svg: ET.Element, s8_panel: dict[str, Any]
) -> None:
    assert len(_rects(s8_svg, "breaker")) == len(s8_panel["layout"]["placed"]) + 1 == 19
    assert len(_rects(s8_svg, "main")) == 1


def test_main_stands_upright_at_top_centre(
    s8_svg: ET.Element, s8_panel: dict[str, Any], catalog: Catalog
) -> None:
    (main,) = _rects(s8_svg, "main")
    spec = catalog.breaker_by_model("ABN-204")
    assert spec is not None
    x0, y0, x1, y1 = _box(main)
    ox0, oy0, ox1, _ = _outline(s8_svg)
    assert (x1 - x0, y1 - y0) == (spec.w_mm, spec.h_mm)  # upright: catalog w × h
    assert (x0 + x1) / 2 == (ox0 + ox1) / 2
    assert y0 - oy0 == s8_panel["enclosure"]["height_terms_mm"]["a_top"] == 200
    label = " ".join(
        "".join(
            next(t for t in s8_svg.iter(f"{SVG}text") if "main-label" in t.get("class", "")).itertext()
        ).split()
    )
    assert "ABN-204" in label and "200AT" in label


def test_branches_lie_sideways_in_their_rows(
    s8_svg: ET.Element, s8_panel: dict[str, Any], catalog: Catalog
) -> None:
    ox0, oy0, ox1, _ = _outline(s8_svg)
    centre = (ox0 + ox1) / 2
    terms = s8_panel["enclosure"]["height_terms_mm"]
    row_top = oy0 + terms["a_top"] + terms["h_main"] + terms["gap"]
    tops = {}
    for row in s8_panel["layout"]["rows"]:
        tops[row["row"]] = (row_top, row["pitch_mm"])
        row_top += row["pitch_mm"]
    rects = {int(r.get("data-index", -1)): _box(r) for r in _rects(s8_svg, "branch")}
    for placed in s8_panel["layout"]["placed"]:
        spec = catalog.breaker_by_model(placed["model"])
        assert spec is not None
        x0, y0, x1, y1 = rects[placed["index"]]
        assert (x1 - x0, y1 - y0) == (spec.h_mm, spec.w_mm)  # catalog height runs horizontally
        top, pitch = tops[placed["row"]]
        assert top <= y0 and y1 <= top + pitch
        if placed["side"] == "L":
            assert x1 == centre - BUSBAR_CORRIDOR_MM / 2
        else:
            assert x0 == centre + BUSBAR_CORRIDOR_MM / 2
    small = [r for r in s8_panel["layout"]["rows"] if r["frame_af"] == 30]
    assert small and all(r["pitch_mm"] == 40 for r in small)


def test_every_branch_label_shows_model_at_and_phase(s8_svg: ET.Element, s8_panel: dict[str, Any]) -> None:
    for placed in s8_panel["layout"]["placed"]:
        text = _label_text(s8_svg, placed["index"])
        assert placed["model"] in text
        assert f"{placed['trip_at']}AT" in text
        assert placed["phase"] in text.split()


def test_phase_fills_use_the_four_colours(s8_svg: ET.Element, s8_panel: dict[str, Any]) -> None:
    by_index = {int(r.get("data-index", -1)): r.get("fill") for r in _rects(s8_svg, "branch")}
    for placed in s8_panel["layout"]["placed"]:
        assert by_index[placed["index"]] == PHASE_COLOURS[placed["phase"]]
    assert set(by_index.values()) == {"#d62728", "#e6a700", "#1f77b4", PHASE_COLOURS["RST"]}
    swatches = {r.get("fill") for r in _rects(s8_svg, "swatch")}
    assert set(PHASE_COLOURS.values()) <= swatches


def test_breakers_lie_inside_the_outline_without_overlapping(s8_svg: ET.Element) -> None:
    ox0, oy0, ox1, oy1 = _outline(s8_svg)
    boxes = [_box(r) for r in _rects(s8_svg, "breaker")]
    for x0, y0, x1, y1 in boxes:
        assert ox0 <= x0 < x1 <= ox1 and oy0 <= y0 < y1 <= oy1
    assert not [pair for pair in combinations(boxes, 2) if _overlap(*pair)]


def test_busbar_runs_from_the_main_through_the_rows(s8_svg: ET.Element, s8_panel: dict[str, Any]) -> None:
    (busbar,) = _rects(s8_svg, "busbar")
    (main,) = _rects(s8_svg, "main")
    _, top, _, bottom = _box(busbar)
    assert top == _box(main)[3]
    terms = s8_panel["enclosure"]["height_terms_mm"]
    rows_end = _outline(s8_svg)[1] + terms["a_top"] + terms["h_main"] + terms["gap"] + terms["rows"]
    assert bottom == rows_end >= max(_box(r)[3] for r in _rects(s8_svg, "branch"))


def test_korean_text_is_utf8_with_a_korean_font(s8: dict[str, Any], catalog: Catalog) -> None:
    data = render_svg(s8["panels"][0], catalog, title=quote_title(s8))
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "신축공장 동력설비".encode() in data
    family = ET.fromstring(data).get("font-family", "")
    assert "'Noto Sans KR'" in family and family.endswith("sans-serif")


def test_no_accessory_box_without_e_acc(s8_svg: ET.Element) -> None:
    assert _rects(s8_svg, "accessory") == []


def test_accessory_area_is_a_dashed_box_below_the_rows(quote_of: Any, catalog: Catalog) -> None:
    panel = quote_of(_example("motor-control-contactors"))["panels"][0]
    root = ET.fromstring(render_svg(panel, catalog, title="MCC"))
    (box,) = _rects(root, "accessory")
    assert box.get("stroke-dasharray")
    assert _box(box)[1] >= max(_box(r)[3] for r in _rects(root, "branch"))
    labels = [" ".join("".join(t.itertext()).split()) for t in root.iter(f"{SVG}text")]
    assert any(text.startswith("부속자재") for text in labels)


def test_single_phase_supply_labels_branches_1phi(quote_of: Any, catalog: Catalog) -> None:
    panel = quote_of(_example("apartment-2p20a"))["panels"][0]
    root = ET.fromstring(render_svg(panel, catalog, title=""))
    for placed in panel["layout"]["placed"]:
        assert placed["phase"] is None
        assert "1φ" in _label_text(root, placed["index"])


def test_main_only_panel_has_just_the_main(quote_of: Any, catalog: Catalog) -> None:
    panel = quote_of(_example("main-only-400af"))["panels"][0]
    root = ET.fromstring(render_svg(panel, catalog, title=""))
    assert len(_rects(root, "breaker")) == 1
    assert _rects(root, "busbar") == []
    ox0, oy0, ox1, oy1 = _outline(root)
    x0, y0, x1, y1 = _box(_rects(root, "main")[0])
    assert ox0 < x0 < x1 < ox1 and oy0 < y0 < y1 < oy1


@pytest.mark.parametrize(
    ("model", "message"), [("NO-SUCH", "not in the catalog"), ("ABN-62", "no catalog dimensions")]
)
def test_undrawable_model_is_reported(
    s8_panel: dict[str, Any], catalog: Catalog, model: str, message: str
) -> None:
    broken = json.loads(json.dumps(s8_panel))
    broken["layout"]["placed"][0]["model"] = model
    with pytest.raises(ValueError, match=message):
        render_svg(broken, catalog, title="")


def test_layout_draws_every_panel_side_by_side(quote_of: Any, catalog: Catalog) -> None:
    quote = quote_of(_example("project-three-panels"))
    root = ET.fromstring(render_layout_svg(quote, catalog))
    outlines = sorted(_box(r) for r in _rects(root, "enclosure-outline"))
    sizes = [(x1 - x0, y1 - y0) for x0, y0, x1, y1 in outlines]
    assert sizes == [tuple(p["enclosure"]["size_mm"][:2]) for p in quote["panels"]]
    assert all(a[2] < b[0] for a, b in pairwise(outlines))
    placed = sum(len(p["layout"]["placed"]) + 1 for p in quote["panels"])
    assert len(_rects(root, "breaker")) == placed


def test_layout_of_one_panel_is_that_panel(s8: dict[str, Any], catalog: Catalog) -> None:
    assert render_layout_svg(s8, catalog) == render_svg(s8["panels"][0], catalog, title=quote_title(s8))


def test_svg_is_deterministic(s8: dict[str, Any], catalog: Catalog) -> None:
    assert render_layout_svg(s8, catalog) == render_layout_svg(s8, catalog)


# ---------------------------------------------------------------------------------------------------
# DXF


def _read_dxf(data: bytes) -> Any:
    return ezdxf.read(io.StringIO(data.decode("utf-8")))


@pytest.fixture(scope="module")
def s8_dxf(s8: dict[str, Any], s8_panel: dict[str, Any], catalog: Catalog) -> Any:
    return _read_dxf(render_dxf(s8_panel, catalog, title=quote_title(s8)))


def _extent(entity: Any) -> tuple[float, float]:
    xs, ys = zip(*((p[0], p[1]) for p in entity.get_points("xy")), strict=True)
    # Rounded: the y flip (sheet height − y) may leave float dust on an exact millimetre.
    return round(max(xs) - min(xs), 6), round(max(ys) - min(ys), 6)


def test_dxf_is_in_millimetres(s8_dxf: Any) -> None:
    assert s8_dxf.header["$INSUNITS"] == 4


def test_dxf_outline_is_the_selected_box(s8_dxf: Any) -> None:
    (outline,) = s8_dxf.modelspace().query('LWPOLYLINE[layer=="ENCLOSURE"]')
    assert outline.closed
    assert _extent(outline) == (700, 1200)


def test_dxf_has_one_breaker_entity_per_breaker(s8_dxf: Any, s8_panel: dict[str, Any]) -> None:
    msp = s8_dxf.modelspace()
    assert len(msp.query('LWPOLYLINE[layer=="MAIN"]')) == 1
    per_layer = {name: len(msp.query(f'LWPOLYLINE[layer=="{name}"]')) for name in BRANCH_LAYERS}
    placed = s8_panel["layout"]["placed"]
    assert sum(per_layer.values()) == len(placed) == 18
    for phase in ("R", "S", "T", "RST"):
        assert per_layer[f"BRANCH_{phase}"] == sum(1 for p in placed if p["phase"] == phase)


def test_dxf_breakers_are_true_to_scale(s8_dxf: Any, catalog: Catalog) -> None:
    msp = s8_dxf.modelspace()
    (main,) = msp.query('LWPOLYLINE[layer=="MAIN"]')
    assert _extent(main) == (140, 165)  # ABN-204 upright
    small = [_extent(e) for e in msp.query('LWPOLYLINE[layer=="BRANCH_R"]')]
    assert small == [(70, 33)] * 4  # 32GRHS lying sideways


def test_dxf_labels_and_layers(s8_dxf: Any, s8_panel: dict[str, Any]) -> None:
    msp = s8_dxf.modelspace()
    texts = [t.dxf.text for t in msp.query("TEXT")]
    for expected in ("W 700", "H 1200", "D 200", "SC 70 120 20", "LP-1", "EBN-104", "100AT · RST"):
        assert expected in texts
    assert texts.count("20AT · R") == 4
    assert {"ENCLOSURE", "MAIN", "BUSBAR", "TEXT", "DIM", *BRANCH_LAYERS} <= {
        layer.dxf.name for layer in s8_dxf.layers
    }


def test_dxf_is_deterministic_and_leaves_ezdxf_options_alone(s8: dict[str, Any], catalog: Catalog) -> None:
    before = ezdxf.options.write_fixed_meta_data_for_testing
    first = render_layout_dxf(s8, catalog)
    assert first == render_layout_dxf(s8, catalog)
    assert ezdxf.options.write_fixed_meta_data_for_testing is before


def test_dxf_layout_counts_every_panel(quote_of: Any, catalog: Catalog) -> None:
    quote = quote_of(_example("project-three-panels"))
    msp = _read_dxf(render_layout_dxf(quote, catalog)).modelspace()
    outlines = msp.query('LWPOLYLINE[layer=="ENCLOSURE"]')
    assert sorted(_extent(e) for e in outlines) == sorted(
        tuple(p["enclosure"]["size_mm"][:2]) for p in quote["panels"]
    )
    breakers = sum(len(msp.query(f'LWPOLYLINE[layer=="{name}"]')) for name in ("MAIN", *BRANCH_LAYERS))
    assert breakers == sum(len(p["layout"]["placed"]) + 1 for p in quote["panels"])


def test_dxf_extents_match_the_svg_sheet(s8: dict[str, Any], s8_dxf: Any, s8_svg: ET.Element) -> None:
    _, _, width, height = (float(v) for v in s8_svg.get("viewBox", "").split())
    assert tuple(s8_dxf.header["$EXTMIN"])[:2] == (0, 0)
    assert tuple(s8_dxf.header["$EXTMAX"])[:2] == (width, height)
