"""The critic after placement: row width, stack height, phase balance and heat (DOMAIN §5–6).

Every check is a Gate: pass, warn or fail with its value, limit and message. A warning never blocks a
quote; the figures go into the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from kis_estimator.engine.balance import PhaseReport
from kis_estimator.engine.enclosure import EnclosureChoice
from kis_estimator.engine.layout import BranchLayout
from kis_estimator.engine.resolve import ResolvedBreaker
from kis_estimator.engine.rulebook import Rulebook, band


@dataclass(frozen=True)
class Gate:
    id: str
    status: str  # "pass" | "warn" | "fail"
    value: float | str | None
    limit: float | str | None
    message: str


@dataclass(frozen=True)
class Thermal:
    loss_w: float
    capacity_w: float
    margin_w: float
    area_m2: float
    k: float
    rdf: float


def thermal_check(
    main: ResolvedBreaker,
    branches: list[ResolvedBreaker],
    choice: EnclosureChoice,
    mount: str,
    rules: Rulebook,
) -> Thermal:
    """IEC 61439-1 §10.10 simplified: breaker losses at rated diversity against the box's dissipation."""
    rules_t = rules.thermal
    circuits = sum(b.qty for b in branches)
    rdf = band(rules_t.rdf, circuits).value
    loss = 0.0
    for breaker in [main, *branches]:
        per_pole = band(rules_t.loss_per_pole_w, breaker.breaker.frame_af).value
        loss += per_pole * breaker.breaker.poles * rdf**2 * breaker.qty
    loss *= 1 + rules_t.busbar_wiring_extra
    w, h, d = (v / 1000 for v in choice.size)
    if mount == "FREESTANDING":
        area = 1.8 * h * (w + d) + 1.4 * w * d
    elif mount == "FLUSH":
        area = 0.9 * w * h
    else:
        area = 1.4 * w * (h + d) + 1.8 * d * h
    k = rules_t.k_stainless if choice.material.startswith("SUS") else rules_t.k_painted_steel
    capacity = k * area * rules_t.delta_t_k
    return Thermal(
        loss_w=round(loss, 2),
        capacity_w=round(capacity, 2),
        margin_w=round(capacity - loss, 2),
        area_m2=round(area, 4),
        k=k,
        rdf=rdf,
    )


def _gate(
    gate_id: str,
    ok: bool,
    value: float | str | None,
    limit: float | str | None,
    message: str,
    bad: str = "fail",
) -> Gate:
    return Gate(gate_id, "pass" if ok else bad, value, limit, message)


def critique(
    layout: BranchLayout,
    choice: EnclosureChoice,
    phases: PhaseReport,
    thermal: Thermal,
    rules: Rulebook,
) -> list[Gate]:
    """The panel's gates after placement, in a fixed order."""
    width = choice.size[0]
    corridor = rules.critic.busbar_corridor_mm + 2 * rules.critic.side_clearance_mm
    widest_row = max((2 * row.height_mm + corridor for row in layout.rows), default=0)
    gates = [
        _gate(
            "row_width",
            widest_row <= width,
            widest_row,
            width,
            f"가장 넓은 분기 열 {widest_row} mm / 외함 폭 {width} mm",
        ),
        _gate(
            "stack_height",
            choice.required.height_mm <= choice.size[1],
            choice.required.height_mm,
            choice.size[1],
            f"필요 높이 {choice.required.height_mm} mm / 외함 높이 {choice.size[1]} mm",
        ),
        _gate(
            "enclosure_fit",
            choice.fit_score >= rules.enclosure.fit_warn_below,
            choice.fit_score,
            rules.enclosure.fit_warn_below,
            _fit_message(choice),
            bad="warn",
        ),
    ]
    gates.extend(_phase_gates(phases, rules))
    gates.append(
        _gate(
            "thermal",
            thermal.loss_w <= thermal.capacity_w,
            thermal.loss_w,
            thermal.capacity_w,
            f"발열 {thermal.loss_w} W / 방열 한계 {thermal.capacity_w} W (여유 {thermal.margin_w} W)",
            bad="warn",
        )
    )
    return gates


def _fit_message(choice: EnclosureChoice) -> str:
    message = f"적합도 {choice.fit_score:.3f} ({choice.model} {'×'.join(str(v) for v in choice.size)})"
    if choice.stock and choice.custom is not None:
        size = "×".join(str(v) for v in choice.custom.size)
        message += f"; 주문제작 대안 {size} {choice.custom.price:,}원"
    return message


def _phase_gates(phases: PhaseReport, rules: Rulebook) -> list[Gate]:
    if phases.imbalance_pct is None or phases.kec_unbalance_pct is None:
        return [
            Gate("phase_balance", "pass", "n/a", None, "단상 2선식: 상 평형 해당 없음 / single phase: n/a")
        ]
    limit = rules.phases.balance_pass_max_pct
    proven = "최적 증명됨" if phases.optimal else "최적 미증명"
    message = (
        f"불평형률 {phases.imbalance_pct}% (R {phases.amps[0]} A, S {phases.amps[1]} A, T {phases.amps[2]} A; "
        f"최소 편차 {phases.spread_a} A, 하한 {phases.spread_lower_bound_a} A, {proven})"
    )
    kec_limit = rules.phases.kec_limit_pct
    return [
        _gate(
            "phase_balance", phases.imbalance_pct <= limit, phases.imbalance_pct, limit, message, bad="warn"
        ),
        _gate(
            "kec_unbalance",
            phases.kec_unbalance_pct <= kec_limit,
            phases.kec_unbalance_pct,
            kec_limit,
            f"설비불평형률 {phases.kec_unbalance_pct}% (한도 {kec_limit}%)",
            bad="warn",
        ),
    ]
