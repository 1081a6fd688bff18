"""`balance_phases`: the optimiser's steps in order, until the best assignment found meets the best
bounds proven."""

from __future__ import annotations

import math
from collections.abc import Sequence

from kis_estimator.engine.phases.cp_sat import solve_exactly
from kis_estimator.engine.phases.groups import (
    count_spread_lower_bound,
    group_loads,
    split_key,
    spread_lower_bound,
)
from kis_estimator.engine.phases.heuristic import heuristic_split
from kis_estimator.engine.phases.residues import Relaxation, residue_relaxations, tighten_with_residues
from kis_estimator.engine.phases.search import SEARCH_NODE_LIMIT, search_exactly
from kis_estimator.engine.phases.solution import Outcome, PhaseSolution, phase_solution


def balance_phases(
    loads: Sequence[int], *, time_limit_s: float = 5.0, search_node_limit: int = SEARCH_NODE_LIMIT
) -> PhaseSolution:
    """Assign each load to a phase, minimising the sum spread and then the count spread.

    Loads are non-negative integers (0.01 A); `optimal` says whether both minima were proven in time.
    `search_node_limit` bounds the branch-and-bound (0: straight to CP-SAT); `time_limit_s` bounds CP-SAT.
    """
    _check_loads(loads)
    if not loads:
        return PhaseSolution((), (0, 0, 0), (0, 0, 0), 0, 0, 0, 0, optimal=True, method="bound")
    unit = math.gcd(*loads) or 1  # every phase sum is a multiple of the gcd, so bounds work in its units
    groups = group_loads([load // unit for load in loads])
    spread_bound = spread_lower_bound(groups)
    count_bound = count_spread_lower_bound(len(loads))
    split = heuristic_split(groups, target=(spread_bound, count_bound))
    relaxations: list[Relaxation] = []
    if split_key(groups, split) != (spread_bound, count_bound):
        relaxations = residue_relaxations(groups)
        spread_bound, split = tighten_with_residues(groups, split, relaxations, spread_bound, count_bound)
    if split_key(groups, split) == (spread_bound, count_bound):
        outcome = Outcome(split, spread_bound, count_bound, optimal=True, method="bound")
    else:
        outcome = search_exactly(groups, split, spread_bound, count_bound, search_node_limit)
        if not outcome.optimal:
            outcome = solve_exactly(
                groups, outcome.split, relaxations, outcome.spread_bound, outcome.count_bound, time_limit_s
            )
    return phase_solution(loads, groups, unit, outcome)


def _check_loads(loads: Sequence[int]) -> None:
    """Refuse anything but non-negative integers: the bounds rely on integer arithmetic."""
    for index, load in enumerate(loads):
        if isinstance(load, bool) or not isinstance(load, int):
            raise TypeError(f"load {index} is not an integer: {load!r}")
        if load < 0:
            raise ValueError(f"load {index} is negative: {load}")
