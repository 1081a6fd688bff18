"""Alternatives: the variants of a request that change one dimension at a time (DOMAIN "Alternatives"),
each priced by the same engine as the request itself.

The dimensions are the brand (LS ↔ SANGDO), the breaker grade (ECONOMY ↔ STANDARD), the enclosure's
material (STEEL 1.6T ↔ SUS201 1.2T; the series then follows location and material as DOMAIN §8 maps
them) and stock ↔ custom enclosure. A variant is a request: the base request with that one dimension
changed on every panel and breaker. An explicit model is mapped to its equivalent in the catalog (same
type, poles, frame and rating; for the brand the other maker's, for the grade the same maker's other
grade). What cannot be mapped, and what the engine refuses in the variant, is listed as unmapped with
its request path and reason; such a variant carries no totals and the other variants are unaffected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kis_estimator.engine.catalog import Breaker, Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.estimate import Totals, Work, run_engine, totals_of
from kis_estimator.engine.request import BreakerSpec, EstimateRequest, PanelRequest
from kis_estimator.engine.rulebook import Rulebook

__all__ = ["Comparison", "Unmapped", "Variant", "combined_request", "compare", "variant_requests"]

GRADE_KO = {"ECONOMY": "경제형", "STANDARD": "표준형"}
BRAND_KO = {"LS": "LS", "SANGDO": "상도"}


@dataclass(frozen=True)
class Unmapped:
    """A part of the request a variant cannot carry over, at its request path, with the reason."""

    path: str
    reason_ko: str
    reason_en: str

    @property
    def reason(self) -> str:
        return f"{self.reason_ko} / {self.reason_en}"


@dataclass(frozen=True)
class Planned:
    """A variant before pricing: its changes, and its request (None when something could not be mapped)."""

    changes: dict[str, str | float]
    request: EstimateRequest | None
    unmapped: tuple[Unmapped, ...]


@dataclass(frozen=True)
class Variant:
    """A priced variant: `work` and `totals` are None when it has unmapped parts."""

    changes: dict[str, str | float]
    request: dict[str, Any] | None
    unmapped: tuple[Unmapped, ...]
    work: Work | None
    totals: Totals | None


@dataclass(frozen=True)
class Comparison:
    base: Work
    totals: Totals
    variants: tuple[Variant, ...]


SpecMap = Callable[[BreakerSpec, str], BreakerSpec | Unmapped]


def _map_breakers(request: EstimateRequest, change: SpecMap) -> tuple[list[PanelRequest], list[Unmapped]]:
    """Every panel with its main and branches passed through `change`; the unmapped ones collected."""
    panels: list[PanelRequest] = []
    unmapped: list[Unmapped] = []

    def mapped(spec: BreakerSpec, path: str) -> BreakerSpec:
        result = change(spec, path)
        if isinstance(result, Unmapped):
            unmapped.append(result)
            return spec
        return result

    for p, panel in enumerate(request.panels):
        main = mapped(panel.main, f"panels.{p}.main")
        branches = [mapped(b, f"panels.{p}.branches.{i}") for i, b in enumerate(panel.branches)]
        panels.append(panel.model_copy(update={"main": main, "branches": branches}))
    return panels, unmapped


def _equivalent(catalog: Catalog, model: Breaker, brand: str, trip_at: int, grade: str) -> Breaker | None:
    """The catalog model of `brand` with the type, poles and frame of `model` that carries `trip_at`,
    of `grade` (or BOTH; any grade when ""): the one of the grade class wanted (the asked grade's, else the model's: ECONOMY
    and BOTH, or STANDARD) and of the model's compactness first, then the cheapest, then by name."""
    found = [
        b
        for b in catalog.breakers_rated(brand, model.type, model.poles, trip_at)
        if b.frame_af == model.frame_af and b.grade in _grades(grade)
    ]
    economy = grade == "ECONOMY" if grade else model.grade in ("ECONOMY", "BOTH")

    def key(b: Breaker) -> tuple[bool, bool, float, str]:
        price = b.price_krw.high if b.price_krw else float("inf")
        return ((b.grade in ("ECONOMY", "BOTH")) != economy, b.compact != model.compact, price, b.model)

    return min(found, key=key, default=None)


def _no_equivalent(
    catalog: Catalog, model: Breaker, brand: str, trip_at: int, path: str, grade: str
) -> Unmapped:
    what = f"{model.type} {model.poles}P {model.frame_af}AF"
    grade_ko, grade_en = (f"{GRADE_KO[grade]} ", f"{grade} ") if grade else ("", "")
    same_frame = any(
        b.brand == brand and b.type == model.type and b.poles == model.poles and b.frame_af == model.frame_af
        for b in catalog.breakers
    )
    if same_frame:
        return Unmapped(
            f"{path}.model",
            f"{BRAND_KO[brand]}에는 {model.model}에 맞는 {grade_ko}{what} {trip_at}AT 차단기가 없습니다",
            f"{brand} has no {grade_en}{what} breaker rated {trip_at} AT to replace {model.model}",
        )
    return Unmapped(
        f"{path}.model",
        f"{BRAND_KO[brand]}에는 {model.model}와(과) 같은 {what} 차단기가 없습니다",
        f"{brand} makes no {what} breaker like {model.model}",
    )


def _grades(grade: str) -> tuple[str, ...]:
    return (grade, "BOTH") if grade else ("ECONOMY", "STANDARD", "BOTH")


def _to_brand(catalog: Catalog, brand: str) -> SpecMap:
    def change(spec: BreakerSpec, path: str) -> BreakerSpec | Unmapped:
        update: dict[str, Any] = {}
        if spec.brand is not None:
            update["brand"] = brand
        model = catalog.breaker_by_model(spec.model) if spec.model else None
        if model is not None and model.brand != brand:
            grade = spec.grade or ""
            found = _equivalent(catalog, model, brand, spec.trip_at, grade)
            if found is None:
                return _no_equivalent(catalog, model, brand, spec.trip_at, path, grade)
            update["model"] = found.model
        return spec.model_copy(update=update)

    return change


def _to_grade(catalog: Catalog, grade: str) -> SpecMap:
    def change(spec: BreakerSpec, path: str) -> BreakerSpec | Unmapped:
        update: dict[str, Any] = {"grade": grade}
        model = catalog.breaker_by_model(spec.model) if spec.model else None
        if model is not None and model.grade not in _grades(grade):
            found = _equivalent(catalog, model, model.brand, spec.trip_at, grade)
            if found is None:
                return _no_equivalent(catalog, model, model.brand, spec.trip_at, path, grade)
            update["model"] = found.model
        return spec.model_copy(update=update)

    return change


def _breaker_specs(request: EstimateRequest) -> list[BreakerSpec]:
    return [spec for panel in request.panels for spec in (panel.main, *panel.branches)]


def _planned(
    changes: dict[str, str | float],
    request: EstimateRequest,
    update: dict[str, Any],
    panels: list[PanelRequest],
    unmapped: list[Unmapped],
) -> Planned:
    if unmapped:
        return Planned(changes, None, tuple(unmapped))
    return Planned(changes, request.model_copy(update={**update, "panels": panels}), ())


def variant_requests(request: EstimateRequest, catalog: Catalog, rules: Rulebook) -> list[Planned]:
    """The variants of `request`, one dimension at a time: brand, grade, material, enclosure kind."""
    planned: list[Planned] = []
    brands = (
        ("LS", "SANGDO")
        if request.brand == "MIXED"
        else tuple(b for b in ("LS", "SANGDO") if b != request.brand)
    )
    for brand in brands:
        panels, unmapped = _map_breakers(request, _to_brand(catalog, brand))
        update: dict[str, Any] = {"brand": brand}
        if request.brand == "MIXED":
            update["mixed_reason"] = None
        planned.append(_planned({"brand": brand}, request, update, panels, unmapped))
    asked = {spec.grade or "ECONOMY" for spec in _breaker_specs(request)}
    for grade in ("ECONOMY", "STANDARD"):
        if asked != {grade}:
            panels, unmapped = _map_breakers(request, _to_grade(catalog, grade))
            planned.append(_planned({"grade": grade}, request, {}, panels, unmapped))
    defaults = rules.enclosure.default_thickness_mm
    for material in ("STEEL", "SUS201"):
        thickness = defaults[material]
        now = {
            (p.enclosure.material, p.enclosure.thickness_mm or defaults[p.enclosure.material])
            for p in request.panels
        }
        if now != {(material, thickness)}:
            panels = [
                p.model_copy(
                    update={
                        "enclosure": p.enclosure.model_copy(
                            update={"material": material, "thickness_mm": thickness}
                            | ({"series": None} if p.enclosure.series else {})
                        )
                    }
                )
                for p in request.panels
            ]
            planned.append(
                _planned({"material": material, "thickness_mm": thickness}, request, {}, panels, [])
            )
    for kind in ("STOCK", "CUSTOM"):
        if {p.enclosure.kind for p in request.panels} != {kind}:
            panels = [
                p.model_copy(update={"enclosure": p.enclosure.model_copy(update={"kind": kind})})
                for p in request.panels
            ]
            planned.append(_planned({"enclosure_kind": kind}, request, {}, panels, []))
    return planned


def combined_request(
    request: EstimateRequest, changes: dict[str, str | float], rules: Rulebook, catalog: Catalog
) -> Planned:
    """`request` with several dimensions changed at once (a proposal's option): `brand`, `grade`,
    `material` (with `thickness_mm`, else the material's default) and `enclosure_kind`, applied in that
    order, each as its single-dimension variant applies it. Unknown keys are the caller's to refuse."""
    update: dict[str, Any] = {}
    unmapped: list[Unmapped] = []
    current = request
    if "brand" in changes:
        brand = str(changes["brand"])
        panels, missed = _map_breakers(current, _to_brand(catalog, brand))
        if missed:  # the grade would be asked of the breakers left in the old brand: said once, here
            return Planned(changes, None, tuple(missed))
        update = {"brand": brand} | ({"mixed_reason": None} if current.brand == "MIXED" else {})
        current = current.model_copy(update={**update, "panels": panels})
    if "grade" in changes:
        panels, missed = _map_breakers(current, _to_grade(catalog, str(changes["grade"])))
        unmapped += missed
        current = current.model_copy(update={"panels": panels})
    enclosure: dict[str, Any] = {}
    if "material" in changes:
        material = str(changes["material"])
        thickness = changes.get("thickness_mm") or rules.enclosure.default_thickness_mm[material]
        enclosure = {"material": material, "thickness_mm": float(thickness)}
    if "enclosure_kind" in changes:
        enclosure["kind"] = str(changes["enclosure_kind"])
    if enclosure:
        panels = [
            p.model_copy(
                update={
                    "enclosure": p.enclosure.model_copy(
                        update=enclosure
                        | ({"series": None} if "material" in enclosure and p.enclosure.series else {})
                    )
                }
            )
            for p in current.panels
        ]
        current = current.model_copy(update={"panels": panels})
    if unmapped:
        return Planned(changes, None, tuple(unmapped))
    return Planned(changes, current, ())


def _priced(plan: Planned, catalog: Catalog, rules: Rulebook) -> Variant:
    if plan.request is None:
        return Variant(plan.changes, None, plan.unmapped, None, None)
    raw = plan.request.model_dump(mode="json", exclude_unset=True)
    try:
        work = run_engine(raw, catalog, rules)
    except RequestRejected as exc:
        refused = tuple(Unmapped(p.path, p.message_ko, p.message_en) for p in exc.problems)
        return Variant(plan.changes, raw, refused, None, None)
    return Variant(plan.changes, raw, (), work, totals_of(work))


def compare(raw: Any, catalog: Catalog, rules: Rulebook) -> Comparison:
    """The base request priced, and every variant of it priced by the same engine with the same catalog
    and rulebook. Raises RequestRejected when the base request itself is refused."""
    base = run_engine(raw, catalog, rules)
    assert base.request is not None
    variants = tuple(_priced(plan, catalog, rules) for plan in variant_requests(base.request, catalog, rules))
    return Comparison(base, totals_of(base), variants)
