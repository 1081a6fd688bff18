"""Phase assignment of the placed branch breakers and the balance figures (DOMAIN §5)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kis_estimator.engine.layout import PlacedBreaker
from kis_estimator.engine.money import round_half_up
from kis_estimator.engine.phases import balance_phases
from kis_estimator.engine.resolve import ResolvedBreaker
from kis_estimator.engine.rulebook import Rulebook

PHASES = ("R", "S", "T")


@dataclass(frozen=True)
class PhaseReport:
    supply: str  # "3P4W" | "1P2W"
    phase_of: tuple[str | None, ...]  # per placed breaker: R, S, T, RST, or None on a 1P2W supply
    amps: tuple[float, float, float]
    counts: tuple[int, int, int]
    imbalance_pct: float | None
    kec_unbalance_pct: float | None
    optimal: bool
    spread_a: float
    spread_lower_bound_a: float
    count_spread: int
    method: str


def _centiamps(amps: float) -> int:
    return int(round_half_up(Decimal(repr(amps)) * 100))


def _pct(numerator: int, denominator: Decimal) -> float:
    if denominator == 0:
        return 0.0
    return float(round_half_up(Decimal(numerator) / denominator * 100, 2))


def assign_phases(main: ResolvedBreaker, placed: tuple[PlacedBreaker, ...], rules: Rulebook) -> PhaseReport:
    """Balance 2P branches over R/S/T with a proven-optimal assignment; 3P/4P load all three."""
    if main.breaker.poles == 2:
        total = sum(_centiamps(p.source.load_for_phases) for p in placed) / 100
        return PhaseReport(
            "1P2W",
            (None,) * len(placed),
            (total, 0.0, 0.0),
            (len(placed), 0, 0),
            None,
            None,
            True,
            0.0,
            0.0,
            0,
            "n/a",
        )
    single = [p for p in placed if p.source.breaker.poles == 2]
    loads = [_centiamps(p.source.load_for_phases) for p in single]
    solution = balance_phases(loads, time_limit_s=rules.phases.solver_time_limit_s)
    phase_by_index = {p.index: PHASES[phase] for p, phase in zip(single, solution.assignment, strict=True)}
    three_phase = sum(_centiamps(p.source.load_for_phases) for p in placed if p.source.breaker.poles != 2)
    currents = [s + three_phase for s in solution.sums]
    total = sum(currents)
    average = Decimal(total) / 3
    deviation = max((abs(Decimal(c) - average) for c in currents), default=Decimal(0))
    imbalance = 0.0 if average == 0 else float(round_half_up(deviation / average * 100, 2))
    return PhaseReport(
        supply="3P4W",
        phase_of=tuple(phase_by_index.get(p.index, "RST") for p in placed),
        amps=(currents[0] / 100, currents[1] / 100, currents[2] / 100),
        counts=solution.counts,
        imbalance_pct=imbalance,
        kec_unbalance_pct=_pct(solution.spread, average),
        optimal=solution.optimal,
        spread_a=solution.spread / 100,
        spread_lower_bound_a=solution.spread_lower_bound / 100,
        count_spread=solution.count_spread,
        method=solution.method,
    )
