"""engine/alternatives.py: every variant is the engine's estimate of the request with that one dimension
changed; explicit models map by type, poles, frame and rating; what cannot be mapped is listed at its path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.engine.alternatives import Variant, compare
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import Totals, run_engine, totals_of
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.ops.regression import load_cases
from tests.factories import DOMAIN_S8, make_request

GOLDSET = [
    c
    for c in load_cases(Path(__file__).parent.parent / "regression" / "goldset")
    if "error" not in c["expect"]
]
OTHER = {"LS": "SANGDO", "SANGDO": "LS"}


def _variant(variants: tuple[Variant, ...], **changes: Any) -> Variant:
    (found,) = [v for v in variants if all(v.changes.get(k) == value for k, value in changes.items())]
    return found


def _estimate(raw: dict[str, Any], catalog: Catalog, rules: Rulebook) -> Totals | list[str]:
    """The engine's totals of `raw`, or the paths of its refusal."""
    try:
        return totals_of(run_engine(raw, catalog, rules))
    except RequestRejected as exc:
        return [p.path for p in exc.problems]


def _shown(variant: Variant) -> Totals | list[str]:
    return variant.totals if variant.totals is not None else [u.path for u in variant.unmapped]


def _request(brand: str, mixed_reason: str | None = None, **panel: Any) -> dict[str, Any]:
    request = make_request(**panel)
    request["brand"] = brand
    if mixed_reason:
        request["mixed_reason"] = mixed_reason
    return request


def _breakers(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for panel in request["panels"] for b in (panel["main"], *panel.get("branches", []))]


def test_the_goldset_has_both_brands_to_compare() -> None:
    assert {c["request"]["brand"] for c in GOLDSET} == {"LS", "SANGDO"}


@pytest.mark.parametrize("case", GOLDSET, ids=[c["id"] for c in GOLDSET])
def test_the_brand_variant_is_the_request_estimated_in_the_other_brand(
    case: dict[str, Any], catalog: Catalog, rules: Rulebook
) -> None:
    raw = case["request"]
    other = OTHER[raw["brand"]]
    variant = _variant(compare(raw, catalog, rules).variants, brand=other)
    assert _shown(variant) == _estimate({**raw, "brand": other}, catalog, rules)
    if variant.totals is not None:
        assert variant.request is not None and variant.request["brand"] == other


@pytest.mark.parametrize("case", GOLDSET, ids=[c["id"] for c in GOLDSET])
def test_the_grade_variants_are_the_request_with_every_breaker_of_that_grade(
    case: dict[str, Any], catalog: Catalog, rules: Rulebook
) -> None:
    raw = case["request"]
    variants = compare(raw, catalog, rules).variants
    offered = {v.changes["grade"] for v in variants if "grade" in v.changes}
    assert "STANDARD" in offered or all(b.get("grade") == "STANDARD" for b in _breakers(raw))
    for grade in offered:
        expected = copy.deepcopy(raw)
        for breaker in _breakers(expected):
            breaker["grade"] = grade
        assert _shown(_variant(variants, grade=grade)) == _estimate(expected, catalog, rules)


@pytest.mark.parametrize("case", GOLDSET, ids=[c["id"] for c in GOLDSET])
def test_the_material_and_enclosure_variants_are_the_request_with_that_enclosure(
    case: dict[str, Any], catalog: Catalog, rules: Rulebook
) -> None:
    raw = case["request"]
    variants = compare(raw, catalog, rules).variants
    materials = [v for v in variants if "material" in v.changes]
    assert materials, "every request has a STEEL 1.6T or a SUS201 1.2T variant"
    for variant in materials:
        expected = copy.deepcopy(raw)
        for panel in expected["panels"]:
            enclosure = panel.setdefault("enclosure", {})
            enclosure.pop("series", None)  # the series follows location and material (DOMAIN §8)
            enclosure.update(
                material=variant.changes["material"], thickness_mm=variant.changes["thickness_mm"]
            )
        assert _shown(variant) == _estimate(expected, catalog, rules)
    for variant in (v for v in variants if "enclosure_kind" in v.changes):
        expected = copy.deepcopy(raw)
        for panel in expected["panels"]:
            panel.setdefault("enclosure", {})["kind"] = variant.changes["enclosure_kind"]
        assert _shown(variant) == _estimate(expected, catalog, rules)
        if variant.work is not None and variant.changes["enclosure_kind"] == "CUSTOM":
            assert all(p.choice is not None and not p.choice.stock for p in variant.work.panels)


def test_the_section_8_panel_has_four_variants_with_their_differences(
    catalog: Catalog, rules: Rulebook
) -> None:
    comparison = compare(DOMAIN_S8, catalog, rules)
    assert comparison.totals.total == 1_831_170
    changes = [v.changes for v in comparison.variants]
    assert changes == [
        {"brand": "SANGDO"},
        {"grade": "STANDARD"},
        {"material": "STEEL", "thickness_mm": 1.6},
        {"enclosure_kind": "CUSTOM"},
    ]
    steel = _variant(comparison.variants, material="STEEL")
    assert steel.work is not None and steel.work.panels[0].choice is not None
    assert steel.work.panels[0].choice.series == "HT"  # OUTDOOR STEEL (DOMAIN §8), was SC
    custom = _variant(comparison.variants, enclosure_kind="CUSTOM")
    assert custom.totals is not None and custom.totals.total - comparison.totals.total == 198_000
    # The custom box is the one the stock quote offers as its alternative: 543,300 instead of 320,000.


def _pinned(raw: dict[str, Any], catalog: Catalog, rules: Rulebook) -> dict[str, Any]:
    """`raw` with every breaker's explicit model: the one the engine resolves it to."""
    work = run_engine(raw, catalog, rules)
    pinned = copy.deepcopy(raw)
    for panel, done in zip(pinned["panels"], work.panels, strict=True):
        assert done.main is not None
        panel["main"]["model"] = done.main.breaker.model
        for line, resolved in zip(panel.get("branches", []), done.branches, strict=False):
            line["model"] = resolved.breaker.model
    return pinned


def test_explicit_models_map_to_the_other_brand_by_type_poles_frame_and_rating(
    catalog: Catalog, rules: Rulebook
) -> None:
    pinned = _pinned(DOMAIN_S8, catalog, rules)
    assert [b["model"] for b in _breakers(pinned)] == ["ABN-204", "EBN-104", "EBS-54", "32GRHS"]
    sangdo = _variant(compare(pinned, catalog, rules).variants, brand="SANGDO")
    assert sangdo.request is not None and sangdo.totals is not None
    mapped = [b["model"] for b in _breakers(sangdo.request)]
    assert mapped == ["SBS-204", "SEE-104", "SES-54", "SIE-32"]
    for before, after in zip(_breakers(pinned), _breakers(sangdo.request), strict=True):
        old, new = catalog.breaker_by_model(before["model"]), catalog.breaker_by_model(after["model"])
        assert old is not None and new is not None and new.brand == "SANGDO"
        assert (new.type, new.poles, new.frame_af) == (old.type, old.poles, old.frame_af)
        assert after["trip_at"] in new.trip_ratings_a
    # Here the mapped models are the ones the engine picks for Sangdo by itself.
    assert sangdo.totals == _estimate({**DOMAIN_S8, "brand": "SANGDO"}, catalog, rules)


def test_an_explicit_model_without_an_equivalent_is_unmapped_at_its_path(
    catalog: Catalog, rules: Rulebook
) -> None:
    request = make_request(
        main={"type": "MCCB", "poles": 3, "trip_at": 200, "model": "ABS-203"},  # LS 250AF: Sangdo has none
        branches=[
            {"type": "MCCB", "poles": 3, "trip_at": 100, "qty": 2},
            {"type": "MCCB", "poles": 2, "trip_at": 20, "qty": 4},
        ],
    )
    comparison = compare(request, catalog, rules)
    sangdo = _variant(comparison.variants, brand="SANGDO")
    assert (sangdo.totals, sangdo.work, sangdo.request) == (None, None, None)
    (unmapped,) = sangdo.unmapped
    assert unmapped.path == "panels.0.main.model"
    assert "ABS-203" in unmapped.reason_ko and "MCCB 3P 250AF" in unmapped.reason_ko
    assert "SANGDO makes no MCCB 3P 250AF breaker" in unmapped.reason_en
    # The other variants are priced all the same.
    assert all(v.totals is not None for v in comparison.variants if v is not sangdo)


def test_a_rating_the_other_brand_lacks_is_unmapped_with_the_rating(
    catalog: Catalog, rules: Rulebook
) -> None:
    request = _request(
        "SANGDO",
        main={"type": "MCCB", "poles": 3, "trip_at": 100},
        branches=[
            {
                "type": "MCCB",
                "poles": 2,
                "trip_at": 60,
                "qty": 2,
                "model": "SBE-102",
            },  # LS 2P 100AF: 75, 100 A
            {"type": "MCCB", "poles": 2, "trip_at": 20, "qty": 6},
        ],
    )
    ls = _variant(compare(request, catalog, rules).variants, brand="LS")
    (unmapped,) = ls.unmapped
    assert unmapped.path == "panels.0.branches.0.model"
    assert "60AT" in unmapped.reason_ko and "rated 60 AT" in unmapped.reason_en


def test_a_variant_the_engine_refuses_lists_the_refusals_at_their_paths(
    catalog: Catalog, rules: Rulebook
) -> None:
    request = make_request(
        main={"type": "MCCB", "poles": 2, "trip_at": 15},  # LS BS-32; Sangdo has no 2P 15 A
        branches=[{"type": "MCCB", "poles": 2, "trip_at": 15, "qty": 2}],
    )
    comparison = compare(request, catalog, rules)
    sangdo = _variant(comparison.variants, brand="SANGDO")
    assert sangdo.totals is None and sangdo.request is not None  # the request is there, to be fixed by hand
    assert [u.path for u in sangdo.unmapped] == ["panels.0.main", "panels.0.branches.0"]
    assert "SANGDO MCCB 2P 15AT" in sangdo.unmapped[0].reason_ko


def test_an_explicit_model_maps_to_its_standard_equivalent_or_is_unmapped(
    catalog: Catalog, rules: Rulebook
) -> None:
    request = make_request(
        main={"type": "MCCB", "poles": 4, "trip_at": 200, "model": "ABN-204"},  # → ABS-204 is 250AF: none
        branches=[{"type": "ELCB", "poles": 4, "trip_at": 50, "qty": 2, "model": "EBS-54"}],
    )
    standard = _variant(compare(request, catalog, rules).variants, grade="STANDARD")
    assert [u.path for u in standard.unmapped] == ["panels.0.main.model"]
    assert "표준형" in standard.unmapped[0].reason_ko

    request["panels"][0]["main"] = {"type": "MCCB", "poles": 4, "trip_at": 400, "model": "ABN-404"}
    standard = _variant(compare(request, catalog, rules).variants, grade="STANDARD")
    assert standard.request is not None and standard.totals is not None
    assert [b["model"] for b in _breakers(standard.request)] == ["ABS-404", "EBS-54"]


def test_a_mixed_request_has_a_variant_in_each_brand(catalog: Catalog, rules: Rulebook) -> None:
    request = _request(
        "MIXED",
        mixed_reason="고객 지정",
        main={"type": "MCCB", "poles": 4, "trip_at": 200, "brand": "LS"},
        branches=[{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 4, "model": "SIE-32"}],
    )
    variants = compare(request, catalog, rules).variants
    for brand in ("LS", "SANGDO"):
        variant = _variant(variants, brand=brand)
        assert variant.request is not None and variant.totals is not None
        assert variant.request["brand"] == brand and variant.request.get("mixed_reason") is None
        assert {b.get("brand") for b in _breakers(variant.request)} <= {brand, None}
        unmixed = copy.deepcopy(variant.request)
        assert variant.totals == _estimate(unmixed, catalog, rules)
    ls = _variant(variants, brand="LS")
    assert ls.request is not None and _breakers(ls.request)[1]["model"] == "32GRHS"


def test_a_refused_base_request_is_refused(catalog: Catalog, rules: Rulebook) -> None:
    with pytest.raises(RequestRejected) as refused:
        compare(make_request(main={"type": "MCCB", "poles": 5, "trip_at": 100}), catalog, rules)
    assert refused.value.first.path == "panels.0.main.poles"


def test_a_combined_change_of_one_dimension_is_that_dimension_s_variant(
    catalog: Catalog, rules: Rulebook
) -> None:
    """A proposal's option changing one dimension is exactly the alternatives' variant of it; two
    dimensions are the second variant of the first."""
    from kis_estimator.engine.alternatives import combined_request, variant_requests
    from kis_estimator.engine.request import parse_request

    request = parse_request(copy.deepcopy(DOMAIN_S8))
    for plan in variant_requests(request, catalog, rules):
        combined = combined_request(request, plan.changes, rules, catalog)
        assert combined.request is not None and plan.request is not None
        assert combined.request.model_dump(mode="json") == plan.request.model_dump(mode="json"), plan.changes
    both = combined_request(request, {"brand": "SANGDO", "grade": "STANDARD"}, rules, catalog)
    (sangdo,) = [p for p in variant_requests(request, catalog, rules) if p.changes == {"brand": "SANGDO"}]
    assert sangdo.request is not None and both.request is not None
    (standard,) = [
        p for p in variant_requests(sangdo.request, catalog, rules) if p.changes == {"grade": "STANDARD"}
    ]
    assert standard.request is not None
    assert both.request.model_dump(mode="json") == standard.request.model_dump(mode="json")


def test_a_combined_change_names_what_it_cannot_map(catalog: Catalog, rules: Rulebook) -> None:
    from kis_estimator.engine.alternatives import combined_request
    from kis_estimator.engine.request import parse_request

    request = parse_request(
        make_request(main={"type": "MCCB", "poles": 3, "trip_at": 200, "model": "ABS-203"})
    )
    planned = combined_request(request, {"brand": "SANGDO", "grade": "ECONOMY"}, rules, catalog)
    assert planned.request is None and [u.path for u in planned.unmapped] == ["panels.0.main.model"]
