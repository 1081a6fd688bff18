"""Sizing the enclosure by the face-to-face method and choosing the box (DOMAIN §4)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from kis_estimator.engine.catalog import Catalog, Enclosure
from kis_estimator.engine.errors import RequestProblem
from kis_estimator.engine.layout import BranchLayout
from kis_estimator.engine.money import round_1dp, round_100
from kis_estimator.engine.request import EnclosureSpec
from kis_estimator.engine.resolve import ResolvedBreaker
from kis_estimator.engine.rulebook import Rulebook, band

Size = tuple[int, int, int]


@dataclass(frozen=True)
class DeviceCounts:
    contactors: int = 0
    timers: int = 0
    meters: int = 0
    spds: int = 0
    accessories: int = 0  # every accessory line's quantity, parts included

    @property
    def devices(self) -> int:
        return self.contactors + self.timers + self.meters + self.spds


@dataclass(frozen=True)
class RequiredSize:
    width_mm: int
    height_mm: int
    depth_mm: int
    height_terms: dict[str, int]
    main_only: bool

    @property
    def size(self) -> Size:
        return (self.width_mm, self.height_mm, self.depth_mm)


@dataclass(frozen=True)
class CustomBox:
    size: Size
    area_pyeong: Decimal
    rate_per_pyeong: int
    material_factor: float
    price: int


@dataclass(frozen=True)
class EnclosureChoice:
    series: str | None
    model: str
    size: Size
    material: str
    thickness_mm: float
    stock: bool
    price: int
    fit_score: float
    required: RequiredSize
    custom: CustomBox | None  # the custom box quoted, or the alternative when fit is low
    reason: str


def _main_only_size(main: ResolvedBreaker, rules: Rulebook) -> RequiredSize:
    rules_e = rules.enclosure
    frame = main.breaker.frame_af
    if frame < rules_e.main_only_small_below_af:
        w, h, d = rules_e.main_only_small_mm
        return RequiredSize(w, h, d, {"main_only": h}, main_only=True)
    row = band(rules_e.main_only_large, frame)
    height_terms = {
        "h_main": main.height_mm,
        "clearance": rules_e.main_only_large_clearance_mm,
        "cable_space": row.cable_space_mm,
    }
    return RequiredSize(row.width_mm, sum(height_terms.values()), row.depth_mm, height_terms, main_only=True)


def _accessory_height(counts: DeviceCounts, rules: Rulebook) -> int:
    rules_e = rules.enclosure
    height = 0
    if counts.contactors > rules_e.contactors_without_space:
        height += rules_e.contactor_space_mm * math.ceil(counts.contactors / rules_e.contactors_per_space)
    if counts.meters:
        height += rules_e.meter_space_mm * math.ceil(counts.meters / rules_e.meters_per_space)
    return height


def _required_width(main: ResolvedBreaker, branches: list[ResolvedBreaker], rules: Rulebook) -> int:
    rules_e = rules.enclosure
    row = band(rules_e.width_mm, main.breaker.frame_af)
    branch_count = sum(b.qty for b in branches)
    large = sum(b.qty for b in branches if b.breaker.frame_af in rules_e.large_branch_frames_af)
    small_frame = rules.breakers.small_family_frame_af
    if (row.wide_when == "branch_count" and branch_count >= rules_e.wide_from_branch_count) or (
        row.wide_when == "large_branches" and large >= rules_e.wide_from_large_branches
    ):
        width = row.wide
    elif branches and all(b.breaker.frame_af == small_frame for b in branches):
        width = row.small_only
    else:
        width = row.value
    tallest = max((b.height_mm for b in branches), default=0)
    return max(width, 2 * tallest + rules_e.min_width_margin_mm)


def _required_depth(main: ResolvedBreaker, counts: DeviceCounts, rules: Rulebook) -> int:
    rules_e = rules.enclosure
    depth = rules_e.depth_base_mm
    if (
        main.trip_at >= rules_e.depth_devices_from_main_at
        or counts.contactors + counts.timers + counts.meters
    ):
        depth = max(depth, rules_e.depth_with_devices_mm)
    return max(depth, band(rules_e.depth_by_main_frame_mm, main.breaker.frame_af).value)


def required_size(
    main: ResolvedBreaker,
    branches: list[ResolvedBreaker],
    layout: BranchLayout,
    counts: DeviceCounts,
    rules: Rulebook,
) -> RequiredSize:
    """W, H, D the panel needs, with the terms of H_req for the evidence."""
    if not branches and counts.accessories == 0:
        return _main_only_size(main, rules)
    rules_e = rules.enclosure
    frame = main.breaker.frame_af
    height_terms = {
        "a_top": band(rules_e.top_margin_mm, frame).value,
        "h_main": main.height_mm,
        "gap": rules_e.pitch_between_main_and_rows_mm,
        "rows": layout.stack_mm,
        "b_bottom": band(rules_e.bottom_margin_mm, frame).value,
        "e_acc": _accessory_height(counts, rules),
    }
    return RequiredSize(
        width_mm=_required_width(main, branches, rules),
        height_mm=sum(height_terms.values()),
        depth_mm=_required_depth(main, counts, rules),
        height_terms=height_terms,
        main_only=False,
    )


def series_for(spec: EnclosureSpec, thickness_mm: float, rules: Rulebook) -> str | None:
    """The stock series for the location and material, or None (e.g. SUS304 is always custom)."""
    if spec.series:
        return spec.series
    for rule in rules.enclosure.series:
        if rule.location != spec.location or rule.material != spec.material:
            continue
        if rule.thickness_mm is None or math.isclose(rule.thickness_mm, thickness_mm):
            return rule.series
    return None


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def custom_box(size: Size, spec: EnclosureSpec, rules: Rulebook) -> CustomBox:
    """A custom box at `size` rounded up to 50 mm, priced by area, mount, depth and material."""
    rules_c = rules.custom_enclosure
    w, h, d = (_round_up(v, rules_c.round_to_mm) for v in size)
    area = round_1dp(Decimal(w * h) / rules_c.area_divisor_mm2)
    if spec.mount == "FLUSH":
        last = rules_c.flush_rate[-1]
        rate = band(rules_c.flush_rate, d).value
        if d > last.upto:
            rate = last.value + rules_c.flush_step_rate * math.ceil((d - last.upto) / rules_c.flush_step_mm)
    else:
        last = rules_c.surface_rate[-1]
        rate = band(rules_c.surface_rate, d).value
        if d > last.upto:
            rate = last.value + rules_c.flush_step_rate * math.ceil((d - last.upto) / rules_c.flush_step_mm)
        if spec.location == "OUTDOOR":
            rate += rules_c.outdoor_extra_per_pyeong
    factor = rules_c.material_factor[spec.material]
    price = round_100(area * rate * Decimal(repr(factor)) * Decimal(repr(rules_c.markup)))
    return CustomBox((w, h, d), area, rate, factor, price)


def _fits(box: Enclosure, size: Size) -> bool:
    return box.w_mm >= size[0] and box.h_mm >= size[1] and box.d_mm >= size[2]


def _cheapest_stock(series: str, size: Size, catalog: Catalog) -> Enclosure | None:
    fitting = [e for e in catalog.enclosures_of_series(series) if _fits(e, size)]
    return min(fitting, key=lambda e: (e.price_krw, e.w_mm * e.h_mm * e.d_mm, e.model), default=None)


def _exact_stock(series: str, size: Size, catalog: Catalog) -> Enclosure | None:
    exact = [e for e in catalog.enclosures_of_series(series) if (e.w_mm, e.h_mm, e.d_mm) == tuple(size)]
    return min(exact, key=lambda e: (e.price_krw, e.model), default=None)


def fit_score(required: Size, selected: Size) -> float:
    return round((required[0] * required[1]) / (selected[0] * selected[1]), 4)


def _too_small_problem(path: str, size: Size, required: RequiredSize) -> RequestProblem:
    req = "×".join(str(v) for v in required.size)
    return RequestProblem(
        code="ENCLOSURE_TOO_SMALL",
        message_ko=f"지정한 외함 {'×'.join(str(v) for v in size)}이(가) 필요한 크기 {req}보다 작습니다",
        message_en=f"The requested enclosure {'x'.join(str(v) for v in size)} is smaller than the required {req}",
        path=f"{path}.size_mm",
        hint=f"W×H×D가 {req} 이상인 크기를 보내거나 size_mm을 빼 주세요 / "
        f"Send a size of at least {req}, or omit size_mm.",
    )


def choose_enclosure(
    spec: EnclosureSpec, required: RequiredSize, catalog: Catalog, rules: Rulebook, path: str
) -> EnclosureChoice | RequestProblem:
    """The cheapest stock box of the series that holds the required size, else a custom box."""
    thickness = spec.thickness_mm or rules.enclosure.default_thickness_mm[spec.material]
    series = series_for(spec, thickness, rules)
    wanted = required.size
    if spec.size_mm is not None:
        if any(s < r for s, r in zip(spec.size_mm, wanted, strict=True)):
            return _too_small_problem(path, spec.size_mm, required)
        wanted = spec.size_mm
    stock = None
    reason = "custom requested"
    if spec.kind == "STOCK" and series is None:
        reason = f"no stock series for {spec.location} {spec.material}"
    elif spec.kind == "STOCK" and series is not None and spec.size_mm is not None:
        stock = _exact_stock(series, spec.size_mm, catalog)
        reason = f"size {spec.size_mm} is not a stock {series} box"
    elif spec.kind == "STOCK" and series is not None:
        stock = _cheapest_stock(series, wanted, catalog)
        reason = f"no stock {series} box holds {wanted}"
    if stock is not None:
        selected = (stock.w_mm, stock.h_mm, stock.d_mm)
        score = fit_score(required.size, selected)
        alternative = (
            custom_box(required.size, spec, rules) if score < rules.enclosure.fit_warn_below else None
        )
        return EnclosureChoice(
            series=stock.series,
            model=stock.model,
            size=selected,
            material=stock.material,
            thickness_mm=stock.thickness_mm,
            stock=True,
            price=stock.price_krw,
            fit_score=score,
            required=required,
            custom=alternative,
            reason=f"cheapest stock {stock.series} box holding {required.size}",
        )
    box = custom_box(wanted, spec, rules)
    return EnclosureChoice(
        series=None,
        model="주문제작",
        size=box.size,
        material=spec.material,
        thickness_mm=thickness,
        stock=False,
        price=box.price,
        fit_score=fit_score(required.size, box.size),
        required=required,
        custom=box,
        reason=reason,
    )
