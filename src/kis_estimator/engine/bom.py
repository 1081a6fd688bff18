"""The bill of materials of one panel (DOMAIN §7): ordered lines, bundles, sub-materials, merging."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal

from kis_estimator.engine.accessories import ResolvedAccessory
from kis_estimator.engine.adjustments import LinePrice
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.enclosure import DeviceCounts, EnclosureChoice
from kis_estimator.engine.layout import BranchLayout
from kis_estimator.engine.money import round_1dp, round_100, round_won, to_decimal
from kis_estimator.engine.request import ExtraLine
from kis_estimator.engine.resolve import ResolvedBreaker, breaker_spec_text
from kis_estimator.engine.rulebook import Rulebook, band

MergeKey = tuple[str, str, str, int, str | None, LinePrice | None]


@dataclass(frozen=True)
class Line:
    name: str
    spec: str
    unit: str
    qty: Decimal
    unit_price: int
    model: str | None = None
    note: str = ""
    section: str = ""
    merges: bool = True  # False: the line stays on its own (the main breaker)
    adjustment: LinePrice | None = None  # the estimator's unit price, with the list price

    @property
    def amount(self) -> int:
        return round_won(self.qty * self.unit_price)

    @property
    def merge_key(self) -> MergeKey:
        return (self.name, self.spec, self.unit, self.unit_price, self.model, self.adjustment)


@dataclass(frozen=True)
class PanelFacts:
    """What the BOM needs to know about one panel after sizing and placement."""

    main: ResolvedBreaker
    branches: list[ResolvedBreaker]
    accessories: list[ResolvedAccessory]
    extra_lines: list[ExtraLine]
    layout: BranchLayout
    choice: EnclosureChoice
    counts: DeviceCounts
    mount: str
    p_cover: str


def merge_lines(lines: list[Line]) -> list[Line]:
    """Identical lines (name, spec, unit, unit price, model, price adjustment) merged at the first one's place.

    A line that does not merge (the main breaker) keeps its place and takes no other line in.
    """
    merged: dict[MergeKey | int, Line] = {}
    for index, line in enumerate(lines):
        key = line.merge_key if line.merges else index
        merged[key] = replace(merged[key], qty=merged[key].qty + line.qty) if key in merged else line
    return list(merged.values())


def _pyeong(w: int, h: int, rules: Rulebook) -> Decimal:
    return Decimal(w * h) / rules.custom_enclosure.area_divisor_mm2


def _enclosure_lines(facts: PanelFacts, rules: Rulebook) -> list[Line]:
    choice = facts.choice
    w, h, d = choice.size
    label = choice.series if choice.stock else "주문제작"
    spec = f"{label} {w}×{h}×{d} {choice.material} {choice.thickness_mm:.1f}T"
    lines = [Line("외함", spec, "면", Decimal(1), choice.price, model=choice.model, section="enclosure")]
    bom = rules.bom
    if facts.mount == "FLUSH":
        price = round_100(_pyeong(w, h, rules) * bom.suscover_per_pyeong)
        lines.append(Line("SUSCOVER", f"{w}×{h}", "면", Decimal(1), price, section="enclosure"))
    elif facts.mount == "FREESTANDING":
        price = round_100(_pyeong(w, bom.base_height_mm, rules) * bom.base_per_pyeong)
        lines.append(Line("BASE", f"{w}×{bom.base_height_mm}", "EA", Decimal(1), price, section="enclosure"))
    elif facts.mount == "POLE":
        lines.append(
            Line("POLE BRACKET", "전주부착", "EA", Decimal(1), bom.pole_bracket, section="enclosure")
        )
    return lines


def _breaker_line(breaker: ResolvedBreaker, note: str, *, merges: bool = True) -> Line:
    return Line(
        breaker.breaker.type,
        breaker_spec_text(breaker),
        "EA",
        Decimal(breaker.qty),
        breaker.unit_price,
        model=breaker.breaker.model,
        note=note,
        section="breaker",
        merges=merges,
        adjustment=breaker.adjustment,
    )


def _breaker_lines(facts: PanelFacts) -> list[Line]:
    main = facts.main
    lines = [_breaker_line(main, f"MAIN {main.breaker.model}", merges=False)]
    ordered = sorted(facts.branches, key=lambda b: (-b.breaker.poles, -b.trip_at, b.breaker.model))
    lines.extend(_breaker_line(b, b.breaker.model + (" (SPD)" if b.is_spd else "")) for b in ordered)
    return lines


def _catalog_line(catalog: Catalog, model: str, qty: int, unit_price: int | None = None) -> Line:
    item = catalog.accessory_by_model(model)
    if item is None or (item.price_krw is None and unit_price is None):
        raise ValueError(f"rulebook bundle item {model!r} is not priced in the catalog")
    price = unit_price if unit_price is not None else item.price_krw
    assert price is not None
    return Line(
        item.line_name, item.spec, item.unit, Decimal(qty), price, model=item.model, section="accessory"
    )


def _accessory_lines(facts: PanelFacts, catalog: Catalog, rules: Rulebook) -> list[Line]:
    bom = rules.bom
    lines: list[Line] = []
    for acc in facts.accessories:
        item = acc.item
        lines.append(
            Line(
                item.line_name,
                item.spec,
                item.unit,
                Decimal(acc.qty),
                acc.unit_price,
                model=item.model,
                section="accessory",
                adjustment=acc.adjustment,
            )
        )
        if item.kind == "MAGNET":
            lines.extend(_catalog_line(catalog, b.model, b.qty * acc.qty) for b in bom.contactor_bundle)
            if acc.with_pbl:
                lines.append(_catalog_line(catalog, bom.pbl_model, bom.pbl_per_contactor * acc.qty))
        elif item.kind == "TIMER":
            lines.extend(_catalog_line(catalog, b.model, b.qty * acc.qty) for b in bom.timer_bundle)
        elif item.kind == "SPD":
            lines.append(_catalog_line(catalog, bom.spd_cable.model, acc.qty, bom.spd_cable.unit_price))
    return lines


def _sub(name: str, spec: str, unit: str, qty: int | Decimal, price: int) -> Line:
    return Line(name, spec, unit, to_decimal(qty), price, section="sub")


def _sub_material_lines(facts: PanelFacts, rules: Rulebook) -> list[Line]:
    bom = rules.bom
    w, h, _ = facts.choice.size
    frame = facts.main.breaker.frame_af
    main_at = facts.main.trip_at
    branch_count = sum(b.qty for b in facts.branches)
    breakers_total = 1 + branch_count
    lines = [
        _sub(
            "E.T", "", "EA", breakers_total // bom.et_breakers_per_piece + 1, band(bom.et_price, frame).value
        ),
        _sub("N.T", "", "EA", 1, bom.nt_price),
    ]
    if branch_count:
        lines.append(_sub("N.P", "CARD HOLDER", "EA", branch_count, bom.card_holder_price))
    lines.append(_sub("N.P", bom.name_plate_spec, "EA", 1, bom.name_plate_price))
    main_kg = round_1dp(Decimal(w * h) * to_decimal(band(bom.main_busbar_k, main_at).value))
    lines.append(
        _sub("MAIN BUS-BAR", band(bom.busbar_spec, main_at).value, "kg", main_kg, bom.busbar_price_per_kg)
    )
    if facts.branches:
        largest_frame = max(b.breaker.frame_af for b in facts.branches)
        branch_kg = round_1dp(Decimal(w * h) * to_decimal(band(bom.branch_busbar_k, main_at).value))
        if branch_kg > 0:
            spec = band(bom.busbar_spec, largest_frame).value
            lines.append(_sub("BUS-BAR", spec, "kg", branch_kg, bom.busbar_price_per_kg))
    lines.append(_sub("COATING", "PVC(20mm)", "M", 1, band(bom.coating_price, frame).value))
    lines.append(_p_cover(facts, rules))
    if frame >= bom.breaker_support_from_af:
        rows = len(facts.layout.rows) + bom.breaker_support_extra_rows
        lines.append(_sub("차단기지지대", "", "EA", rows, bom.breaker_support_price))
    small = sum(b.qty for b in facts.branches if b.breaker.is_small_family)
    if small:
        lines.append(_sub("ELB지지대", "", "EA", small, bom.elb_support_price))
    lines.append(
        _sub("INSULATOR", "EPOXY 40×40", "EA", bom.insulator_qty, band(bom.insulator_price, frame).value)
    )
    lines.append(_sub("잡자재비", "", "식", 1, _consumables(h, facts.counts, rules)))
    lines.append(_sub("ASSEMBLY CHARGE", "", "식", 1, _assembly_charge(facts, rules)))
    return lines


def _p_cover(facts: PanelFacts, rules: Rulebook) -> Line:
    bom = rules.bom
    w, h, _ = facts.choice.size
    area = _pyeong(w, h, rules)
    if facts.p_cover == "STEEL":
        return _sub("P-COVER", "철판", "EA", 1, round_100(area * bom.p_cover_steel_per_pyeong))
    price = max(bom.p_cover_acrylic_min, round_100(area * bom.p_cover_acrylic_per_pyeong))
    return _sub("P-COVER", "아크릴", "EA", 1, price)


def _consumables(height_mm: int, counts: DeviceCounts, rules: Rulebook) -> int:
    bom = rules.bom
    charge = bom.consumables_base
    if height_mm > bom.consumables_from_h_mm:
        charge += bom.consumables_per_100mm * ((height_mm - bom.consumables_from_h_mm) // 100)
    charge += bom.consumables_per_device * counts.devices
    return min(charge, bom.consumables_max)


def _assembly_charge(facts: PanelFacts, rules: Rulebook) -> int:
    row = band(rules.bom.assembly, facts.main.breaker.frame_af)
    if facts.choice.required.main_only:
        return row.main_only
    height = facts.choice.size[1]
    return row.base + row.step * math.ceil(max(0, height - row.base_h_mm) / 100)


def _extra_lines(facts: PanelFacts) -> list[Line]:
    return [
        Line(x.name, x.spec, x.unit, to_decimal(x.qty), x.unit_price, note="수기 추가", section="extra")
        for x in facts.extra_lines
    ]


def bill_of_materials(facts: PanelFacts, catalog: Catalog, rules: Rulebook) -> list[Line]:
    """The panel's lines in DOMAIN §7 order, identical lines merged."""
    lines = [
        *_enclosure_lines(facts, rules),
        *_breaker_lines(facts),
        *_accessory_lines(facts, catalog, rules),
        *_sub_material_lines(facts, rules),
        *_extra_lines(facts),
    ]
    return merge_lines(lines)
