"""The exact search by CP-SAT: one feasibility decision per (spread, count spread) level, upwards from the
bounds, after a plain optimisation where the gap is wide; within the time limit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from kis_estimator.engine.phases.groups import (
    Groups,
    PhaseKey,
    Split,
    better_split,
    load_count_of,
    split_key,
    total_of,
)
from kis_estimator.engine.phases.residues import Relaxation, allowed_sums
from kis_estimator.engine.phases.sat_model import build_model, count_triples
from kis_estimator.engine.phases.solution import Outcome

# Any fixed value: with a single worker it makes CP-SAT repeat the same search for the same model.
_SOLVER_SEED = 20_240_611


# Spreads decided one by one when the gap to the bound is this narrow; a wider gap is optimised first ...
_SCAN_LEVELS = 8
# ... with this share of the time limit.
_WIDE_GAP_SHARE = 0.5


@dataclass
class _Search:
    """The state of the exact search: the best split so far, the bounds proven so far, the time left."""

    groups: Groups
    relaxations: Sequence[Relaxation]
    best: Split
    spread_bound: int
    count_bound: int
    time_left_s: float

    @property
    def key(self) -> PhaseKey:
        return split_key(self.groups, self.best)

    def offer(self, split: Split | None) -> None:
        self.best = better_split(self.groups, self.best, split)


def solve_exactly(
    groups: Groups,
    hint: Split,
    relaxations: Sequence[Relaxation],
    spread_bound: int,
    count_bound: int,
    time_limit_s: float,
) -> Outcome:
    """CP-SAT, lexicographically: the least feasible spread, then the least count spread at that spread.

    Spreads and count spreads are decided one value at a time, upwards from their bounds: fixing them
    nearly fixes every phase sum and count, and CP-SAT decides such problems far faster than it closes
    the gap of an optimisation over loads of random sizes. The first feasible pair is the optimum.
    """
    search = _Search(groups, relaxations, hint, spread_bound, count_bound, time_limit_s)
    if search.key[0] - search.spread_bound > _SCAN_LEVELS:
        _optimise_spread(search)
    while search.key != (search.spread_bound, search.count_bound) and search.time_left_s > 0:
        if not _decide_next(search):
            break
    # Without a proven spread, the count bound stays the one that holds for any assignment.
    optimal = search.key == (search.spread_bound, search.count_bound)
    return Outcome(search.best, search.spread_bound, search.count_bound, optimal=optimal, method="cp-sat")


def _optimise_spread(search: _Search) -> None:
    """Narrow a wide gap by plain optimisation: it comes from few or large loads, where that is quick."""
    result = _run_cp_sat(
        search, spreads=(search.spread_bound, search.key[0]), minimise_spread=True, share=_WIDE_GAP_SHARE
    )
    search.offer(result.split)
    if result.status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        search.spread_bound = max(search.spread_bound, result.bound)


def _decide_next(search: _Search) -> bool:
    """Decide whether (spread bound, count bound) is feasible, raising a bound if not; False on timeout."""
    level, count_level = search.spread_bound, search.count_bound
    spread_proven = search.key[0] == level
    result = _run_cp_sat(search, spreads=(level, level), count_spread=count_level)
    if result.split is not None:
        search.offer(result.split)
        return True
    if result.status != cp_model.INFEASIBLE:
        return False
    if not spread_proven:
        result = _run_cp_sat(search, spreads=(level, level))
        if result.status == cp_model.INFEASIBLE:
            search.spread_bound = level + 1
            return True
        if result.split is None:
            return False
        search.offer(result.split)
    search.count_bound = count_level + 1  # the spread is now proven, and this count spread is not feasible
    return True


@dataclass(frozen=True)
class _Result:
    status: int
    split: Split | None
    bound: int  # the proven lower bound of the minimised spread (0 without one)


def _run_cp_sat(
    search: _Search,
    *,
    spreads: tuple[int, int],
    count_spread: int | None = None,
    minimise_spread: bool = False,
    share: float = 1.0,
) -> _Result:
    """One CP-SAT solve with the spread in `spreads` (and the count spread fixed if given).

    Hinted with the best split so far; decides feasibility unless `minimise_spread`.
    """
    built = build_model(search.groups, search.best)
    lowest, highest = spreads
    built.model.add(built.spread >= lowest)
    built.model.add(built.spread <= highest)
    allowed = allowed_sums(search.relaxations, total_of(search.groups), lowest, highest + 1)
    if allowed is not None:
        # Also without relaxations: CP-SAT propagates a table of sums much better than the bounds.
        built.model.add_allowed_assignments(built.sums, allowed)
    if count_spread is not None:
        built.model.add_allowed_assignments(
            built.counts, count_triples(load_count_of(search.groups), count_spread)
        )
    if minimise_spread:
        built.model.minimize(built.spread)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = _SOLVER_SEED
    solver.parameters.max_time_in_seconds = max(search.time_left_s * share, 0.0)
    status = solver.solve(built.model)
    search.time_left_s -= float(solver.wall_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _Result(int(status), None, 0)
    split = [[int(solver.value(var)) for var in row] for row in built.split]
    bound = math.ceil(float(solver.best_objective_bound) - 1e-9) if minimise_spread else 0
    return _Result(int(status), split, bound)
