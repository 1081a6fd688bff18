"""The optimiser's result: what a step settles (`Outcome`) and its assembly into a per-load assignment
with its figures and proven bounds (`PhaseSolution`)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from kis_estimator.engine.phases.groups import PHASE_COUNT, Groups, Split, key_of


@dataclass(frozen=True)
class PhaseSolution:
    """An assignment of loads to phases with its figures and the lower bounds proven for them."""

    assignment: tuple[int, ...]  # per input load: 0 = R, 1 = S, 2 = T
    sums: tuple[int, int, int]  # per-phase load sums (same units as input)
    counts: tuple[int, int, int]
    spread: int
    count_spread: int
    spread_lower_bound: int  # proven
    count_spread_lower_bound: int  # proven, given the optimal spread
    optimal: bool  # both objectives proven optimal
    method: str  # "bound" (the heuristic met the bounds), "search" (branch-and-bound) or "cp-sat"


@dataclass(frozen=True)
class Outcome:
    split: Split
    spread_bound: int  # in units of the gcd
    count_bound: int
    optimal: bool
    method: str


def phase_solution(loads: Sequence[int], groups: Groups, unit: int, outcome: Outcome) -> PhaseSolution:
    assignment = _assign_loads(groups, outcome.split)
    sums = [0] * PHASE_COUNT
    counts = [0] * PHASE_COUNT
    for load, phase in zip(loads, assignment, strict=True):
        sums[phase] += load
        counts[phase] += 1
    spread, count_spread = key_of(sums, counts)
    return PhaseSolution(
        assignment=assignment,
        sums=(sums[0], sums[1], sums[2]),
        counts=(counts[0], counts[1], counts[2]),
        spread=spread,
        count_spread=count_spread,
        spread_lower_bound=outcome.spread_bound * unit,
        count_spread_lower_bound=outcome.count_bound,
        optimal=outcome.optimal,
        method=outcome.method,
    )


def _assign_loads(groups: Groups, split: Split) -> tuple[int, ...]:
    """The lexicographically smallest per-load assignment realising `split` under some phase labelling.

    Equal loads are interchangeable, so each takes the lowest label its group still has room on; the
    smallest result over the six labellings puts the first load on R and the next new phase on S.
    """
    return min(
        _fill_in_order(groups, split, labelling) for labelling in itertools.permutations(range(PHASE_COUNT))
    )


def _fill_in_order(groups: Groups, split: Split, labelling: tuple[int, ...]) -> tuple[int, ...]:
    room = [[row[phase] for phase in labelling] for row in split]  # room[group][label]
    assignment = []
    for group in groups.group_of_item:
        label = next(label for label in range(PHASE_COUNT) if room[group][label] > 0)
        room[group][label] -= 1
        assignment.append(label)
    return tuple(assignment)
