"""The engine's stages, from a validated request to priced panels, and the quote they add up to.

Each stage is a pure function of the Work so far; the pipeline runs them in `STAGES` order, times them
and reports progress. A stage that finds request problems raises RequestRejected with all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from kis_estimator.engine.accessories import ResolvedAccessory, resolve_accessory
from kis_estimator.engine.adjustments import discount_amount, discount_problem
from kis_estimator.engine.balance import PhaseReport, assign_phases
from kis_estimator.engine.bom import Line, PanelFacts, bill_of_materials
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.critic import Gate, Thermal, critique, thermal_check
from kis_estimator.engine.enclosure import DeviceCounts, EnclosureChoice, choose_enclosure, required_size
from kis_estimator.engine.errors import RequestProblem, RequestRejected
from kis_estimator.engine.gates import check_request
from kis_estimator.engine.layout import BranchLayout, lay_out_branches
from kis_estimator.engine.money import round_won
from kis_estimator.engine.request import BranchLine, EstimateRequest, PanelRequest, parse_request
from kis_estimator.engine.resolve import ResolvedBreaker, resolve_breaker
from kis_estimator.engine.rulebook import Rulebook

MAX_QUOTE_TOTAL = 999_999_999_999_999  # spelled out in Korean words up to 조 on the cover


@dataclass
class PanelWork:
    """One panel as the stages fill it in."""

    index: int
    request: PanelRequest
    main: ResolvedBreaker | None = None
    branches: list[ResolvedBreaker] = field(default_factory=list)
    accessories: list[ResolvedAccessory] = field(default_factory=list)
    counts: DeviceCounts = field(default_factory=DeviceCounts)
    layout: BranchLayout | None = None
    choice: EnclosureChoice | None = None
    phases: PhaseReport | None = None
    thermal: Thermal | None = None
    gates: list[Gate] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"panels.{self.index}"

    @property
    def subtotal(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass
class Work:
    raw: Any
    catalog: Catalog
    rules: Rulebook
    request: EstimateRequest | None = None
    panels: list[PanelWork] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _raise_if(problems: list[RequestProblem]) -> None:
    if problems:
        raise RequestRejected(problems)


def stage_validate(work: Work) -> None:
    """Schema and catalog-independent gates (DOMAIN §2). A request the caller parsed already (in
    `work.request`) is not parsed again."""
    request = work.request if work.request is not None else parse_request(work.raw)
    _raise_if(check_request(request, work.catalog, work.rules))
    work.request = request
    work.panels = [PanelWork(i, p) for i, p in enumerate(request.panels)]
    if request.brand == "MIXED":
        work.notes.append(f"brand MIXED: {request.mixed_reason}")


def _spd_branch(acc: ResolvedAccessory, brand: str, work: Work) -> ResolvedBreaker | RequestProblem:
    spd = work.rules.bom.spd_breaker
    line = BranchLine(
        type="MCCB",
        poles=spd.poles,
        trip_at=spd.trip_at,
        qty=acc.qty,
        brand="LS" if brand == "MIXED" else None,
    )
    resolved = resolve_breaker(
        line, role="branch", path=acc.path, request_brand=brand, catalog=work.catalog, rules=work.rules
    )
    if isinstance(resolved, RequestProblem):
        return resolved
    return replace(resolved, is_spd=True)


def _count_devices(accessories: list[ResolvedAccessory]) -> DeviceCounts:
    def total(kind: str) -> int:
        return sum(a.qty for a in accessories if a.item.kind == kind)

    return DeviceCounts(
        contactors=total("MAGNET"),
        timers=total("TIMER"),
        meters=total("METER"),
        spds=total("SPD"),
        accessories=sum(a.qty for a in accessories),
    )


def stage_resolve(work: Work) -> None:
    """Breakers and accessories bound to catalog models (DOMAIN §3)."""
    assert work.request is not None
    brand = work.request.brand
    problems: list[RequestProblem] = []
    for panel in work.panels:
        main = resolve_breaker(
            panel.request.main,
            role="main",
            path=f"{panel.path}.main",
            request_brand=brand,
            catalog=work.catalog,
            rules=work.rules,
        )
        if isinstance(main, RequestProblem):
            problems.append(main)
        else:
            panel.main = main
        for i, line in enumerate(panel.request.branches):
            branch = resolve_breaker(
                line,
                role="branch",
                path=f"{panel.path}.branches.{i}",
                request_brand=brand,
                catalog=work.catalog,
                rules=work.rules,
            )
            if isinstance(branch, RequestProblem):
                problems.append(branch)
            else:
                panel.branches.append(branch)
        for i, acc_line in enumerate(panel.request.accessories):
            acc = resolve_accessory(acc_line, f"{panel.path}.accessories.{i}", work.catalog, work.rules)
            if isinstance(acc, RequestProblem):
                problems.append(acc)
                continue
            panel.accessories.append(acc)
            if acc.item.kind == "SPD":
                spd = _spd_branch(acc, brand, work)
                if isinstance(spd, RequestProblem):
                    problems.append(spd)
                else:
                    panel.branches.append(spd)
        panel.counts = _count_devices(panel.accessories)
    _raise_if(problems)


def stage_enclosure(work: Work) -> None:
    """Rows, the required size and the chosen box (DOMAIN §4)."""
    problems: list[RequestProblem] = []
    for panel in work.panels:
        assert panel.main is not None
        panel.layout = lay_out_branches(panel.branches, work.rules)
        required = required_size(panel.main, panel.branches, panel.layout, panel.counts, work.rules)
        choice = choose_enclosure(
            panel.request.enclosure, required, work.catalog, work.rules, f"{panel.path}.enclosure"
        )
        if isinstance(choice, RequestProblem):
            problems.append(choice)
        else:
            panel.choice = choice
    _raise_if(problems)


def stage_placement(work: Work) -> None:
    """Proven-optimal phase assignment of the placed breakers (DOMAIN §5)."""
    for panel in work.panels:
        assert panel.main is not None and panel.layout is not None
        panel.phases = assign_phases(panel.main, panel.layout.placed, work.rules)


def stage_critic(work: Work) -> None:
    """Row width, stack height, fit, phase and thermal gates (DOMAIN §6)."""
    for panel in work.panels:
        assert panel.main and panel.layout and panel.choice and panel.phases
        panel.thermal = thermal_check(
            panel.main, panel.branches, panel.choice, panel.request.enclosure.mount, work.rules
        )
        panel.gates = critique(panel.layout, panel.choice, panel.phases, panel.thermal, work.rules)


def stage_pricing(work: Work) -> None:
    """The bill of materials of every panel (DOMAIN §7)."""
    assert work.request is not None
    for panel in work.panels:
        assert panel.main and panel.layout and panel.choice
        facts = PanelFacts(
            main=panel.main,
            branches=panel.branches,
            accessories=panel.accessories,
            extra_lines=list(panel.request.extra_lines),
            layout=panel.layout,
            choice=panel.choice,
            counts=panel.counts,
            mount=panel.request.enclosure.mount,
            p_cover=work.request.options.p_cover,
        )
        panel.lines = bill_of_materials(facts, work.catalog, work.rules)
    subtotal = sum(p.subtotal * p.request.quantity for p in work.panels)
    _raise_if([p for p in [discount_problem(subtotal, work.request.discount)] if p is not None])
    total = totals_of(work).total
    if total > MAX_QUOTE_TOTAL:
        raise RequestRejected(
            [
                RequestProblem(
                    "REQ_LIMIT_EXCEEDED",
                    f"견적 총액 {total:,}원이 한도 {MAX_QUOTE_TOTAL:,}원을 넘습니다",
                    f"The quote total {total:,} KRW exceeds the limit of {MAX_QUOTE_TOTAL:,} KRW",
                    "panels",
                    "수량과 단가를 확인하거나 요청을 나눠 주세요 / Check quantities and unit prices, or split the request.",
                )
            ]
        )


STAGES: tuple[tuple[str, Callable[[Work], None]], ...] = (
    ("validate", stage_validate),
    ("resolve", stage_resolve),
    ("enclosure", stage_enclosure),
    ("placement", stage_placement),
    ("critic", stage_critic),
    ("pricing", stage_pricing),
)


@dataclass(frozen=True)
class Totals:
    subtotal: int
    discount: int  # 0 without a discount
    supply: int  # subtotal − discount (공급가액)
    vat: int
    total: int


def totals_of(work: Work) -> Totals:
    """Σ panel subtotal × quantity, less the discount; VAT at the rulebook rate on the supply, rounded
    half-up to the won."""
    assert work.request is not None
    subtotal = sum(p.subtotal * p.request.quantity for p in work.panels)
    discount = discount_amount(subtotal, work.request.discount)
    supply = subtotal - discount
    vat = round_won(supply * Decimal(repr(work.rules.vat_rate)))
    return Totals(subtotal, discount, supply, vat, supply + vat)


def run_engine(raw: Any, catalog: Catalog, rules: Rulebook) -> Work:
    """All stages at once, for callers that need no progress events."""
    work = Work(raw=raw, catalog=catalog, rules=rules)
    for _, stage in STAGES:
        stage(work)
    return work
