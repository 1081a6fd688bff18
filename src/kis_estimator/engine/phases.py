"""Phase balancing: assign single-phase loads to R/S/T with a proven-optimal spread.

The objective is lexicographic: first the spread (max − min) of the per-phase load sums, then the spread
of the per-phase load counts. Cheap lower bounds and a deterministic heuristic settle the common panel
without a solver; the rest is solved exactly with CP-SAT. Loads of equal value are interchangeable, so
the search works on how many loads of each distinct value go to each phase (a "split"), not on items.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations

from ortools.sat.python import cp_model

PHASE_COUNT = 3
PHASE_NAMES = ("R", "S", "T")

# Any fixed value: with a single worker it makes CP-SAT repeat the same search for the same model.
_SOLVER_SEED = 20_240_611
# A safety net only: every accepted local-search step strictly improves a bounded integer key.
_MAX_LOCAL_STEPS = 10_000

PhaseKey = tuple[int, int]
"""(spread, count spread): compared lexicographically, smaller is better."""


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
    method: str  # "bound" (heuristic met the bounds) or "cp-sat"


@dataclass(frozen=True)
class _Groups:
    """The loads grouped by distinct value, in units of their gcd."""

    values: tuple[int, ...]  # distinct values, descending
    multiplicities: tuple[int, ...]
    group_of_item: tuple[int, ...]  # per input load: its index in `values`


Split = list[list[int]]
"""split[group][phase]: how many loads of that group the phase carries."""


def balance_phases(loads: Sequence[int], *, time_limit_s: float = 5.0) -> PhaseSolution:
    """Assign each load to a phase, minimising the sum spread and then the count spread.

    Loads are non-negative integers (0.01 A); `optimal` says whether both minima were proven in time.
    """
    _check_loads(loads)
    if not loads:
        return PhaseSolution((), (0, 0, 0), (0, 0, 0), 0, 0, 0, 0, optimal=True, method="bound")
    unit = math.gcd(*loads) or 1  # every phase sum is a multiple of the gcd, so bounds work in its units
    groups = _group([load // unit for load in loads])
    spread_bound = _spread_lower_bound(groups)
    count_bound = _count_spread_lower_bound(len(loads))
    split = _heuristic_split(groups, target=(spread_bound, count_bound))
    if _key(groups, split) == (spread_bound, count_bound):
        outcome = _Outcome(split, spread_bound, count_bound, optimal=True, method="bound")
    else:
        outcome = _solve_exactly(groups, split, spread_bound, count_bound, time_limit_s)
    return _solution(loads, groups, unit, outcome)


def _check_loads(loads: Sequence[int]) -> None:
    """Refuse anything but non-negative integers: the bounds rely on integer arithmetic."""
    for index, load in enumerate(loads):
        if isinstance(load, bool) or not isinstance(load, int):
            raise TypeError(f"load {index} is not an integer: {load!r}")
        if load < 0:
            raise ValueError(f"load {index} is negative: {load}")


def _group(units: Sequence[int]) -> _Groups:
    values = tuple(sorted(set(units), reverse=True))
    index_of_value = {value: index for index, value in enumerate(values)}
    group_of_item = tuple(index_of_value[value] for value in units)
    multiplicities = tuple(group_of_item.count(index) for index in range(len(values)))
    return _Groups(values, multiplicities, group_of_item)


# --- lower bounds -------------------------------------------------------------------------------------


def _spread_lower_bound(groups: _Groups) -> int:
    """A spread no assignment can beat, in units of the gcd."""
    total = _total(groups)
    largest = groups.values[0]
    positive_loads = sum(m for v, m in zip(groups.values, groups.multiplicities, strict=True) if v > 0)
    if positive_loads < PHASE_COUNT:
        # Some phase carries no positive load, and another carries the largest one.
        return largest
    # Integer sums that are not all equal differ by at least one unit.
    divisibility_bound = 0 if total % PHASE_COUNT == 0 else 1
    # The phase holding the largest load has at least `largest`; the lighter of the other two at most
    # half of what is left.
    largest_load_bound = largest - (total - largest) // 2
    return max(divisibility_bound, largest_load_bound)


def _count_spread_lower_bound(load_count: int) -> int:
    return 0 if load_count % PHASE_COUNT == 0 else 1


# --- evaluation ---------------------------------------------------------------------------------------


def _total(groups: _Groups) -> int:
    return sum(v * m for v, m in zip(groups.values, groups.multiplicities, strict=True))


def _phase_sums(groups: _Groups, split: Split) -> list[int]:
    return [sum(v * row[p] for v, row in zip(groups.values, split, strict=True)) for p in range(PHASE_COUNT)]


def _phase_counts(split: Split) -> list[int]:
    return [sum(row[p] for row in split) for p in range(PHASE_COUNT)]


def _key(groups: _Groups, split: Split) -> PhaseKey:
    return _key_of(_phase_sums(groups, split), _phase_counts(split))


def _key_of(sums: Sequence[int], counts: Sequence[int]) -> PhaseKey:
    return max(sums) - min(sums), max(counts) - min(counts)


# --- heuristic ----------------------------------------------------------------------------------------


def _heuristic_split(groups: _Groups, *, target: PhaseKey) -> Split:
    """A good split found without search, deterministic; stops early once it reaches `target`."""
    balanced = _greedy_split(groups, balance_counts=True)
    _improve(groups, balanced, target=target, keep_counts=True)
    if _key(groups, balanced) == target:
        return balanced
    # Count-preserving exchanges were not enough: let the counts change too, from two starts.
    relaxed = [row[:] for row in balanced]
    _improve(groups, relaxed, target=target, keep_counts=False)
    unconstrained = _greedy_split(groups, balance_counts=False)
    _improve(groups, unconstrained, target=target, keep_counts=False)
    candidates = [balanced, relaxed, unconstrained]
    return min(candidates, key=lambda split: _key(groups, split))  # min keeps the first of equals


def _load_count(groups: _Groups) -> int:
    return sum(groups.multiplicities)


def _greedy_split(groups: _Groups, *, balance_counts: bool) -> Split:
    """Largest load first onto the lightest phase (fewest loads, then R before S before T on ties).

    With `balance_counts`, a phase takes a load only while the counts can still end within one.
    """
    base_count, phases_with_extra = divmod(_load_count(groups), PHASE_COUNT)
    split = [[0] * PHASE_COUNT for _ in groups.values]
    sums = [0] * PHASE_COUNT
    counts = [0] * PHASE_COUNT
    for group, (value, multiplicity) in enumerate(zip(groups.values, groups.multiplicities, strict=True)):
        for _ in range(multiplicity):
            phases_at_extra = sum(1 for count in counts if count > base_count)
            open_phases = [
                p
                for p in range(PHASE_COUNT)
                if not balance_counts
                or counts[p] < base_count
                or (counts[p] == base_count and phases_at_extra < phases_with_extra)
            ]
            phase = min(open_phases, key=lambda p: (sums[p], counts[p], p))
            split[group][phase] += 1
            sums[phase] += value
            counts[phase] += 1
    return split


@dataclass(frozen=True)
class _Exchange:
    """Loads `out` (group indices) leave `phase_a` for `phase_b`, and loads `back` go the other way."""

    phase_a: int
    out: tuple[int, ...]
    phase_b: int
    back: tuple[int, ...]


@dataclass(frozen=True)
class _Packet:
    """A few loads of one phase that may leave it together."""

    total: int
    loads: tuple[int, ...]  # group indices


def _improve(groups: _Groups, split: Split, *, target: PhaseKey, keep_counts: bool) -> None:
    """Apply the best improving exchange until none improves the key; edits `split` in place.

    Exchanges of single loads come first; pairs of loads are tried only when singles are stuck, since
    they cost quadratically more and are needed only for the last few units of spread.
    """
    largest_packet = 1
    for _ in range(_MAX_LOCAL_STEPS):
        if _key(groups, split) == target:
            return
        exchange = _best_exchange(groups, split, largest_packet=largest_packet, keep_counts=keep_counts)
        if exchange is not None:
            _apply(split, exchange)
            largest_packet = 1
        elif largest_packet == 1:
            largest_packet = 2
        else:
            return


def _best_exchange(
    groups: _Groups, split: Split, *, largest_packet: int, keep_counts: bool
) -> _Exchange | None:
    """The exchange between two phases, of up to `largest_packet` loads each way, that lowers the key most.

    For a fixed outgoing packet the new spread is convex in the amount transferred and least where the
    pair is levelled, so per size only the two returning packets bracketing that target can be best.
    """
    sums = _phase_sums(groups, split)
    counts = _phase_counts(split)
    best_key = _key_of(sums, counts)
    best: _Exchange | None = None
    packets = [_packets(groups, split, phase, largest_packet) for phase in range(PHASE_COUNT)]
    for phase_a, phase_b in ((0, 1), (0, 2), (1, 2)):
        half_gap = (sums[phase_a] - sums[phase_b]) / 2
        for out_size, outgoing in enumerate(packets[phase_a]):
            for back_size, returning in enumerate(packets[phase_b]):
                if keep_counts and back_size != out_size:
                    continue
                totals = [packet.total for packet in returning]
                for out in outgoing:
                    position = bisect_left(totals, out.total - half_gap)
                    for back in returning[max(position - 1, 0) : position + 1]:
                        exchange = _Exchange(phase_a, out.loads, phase_b, back.loads)
                        key = _key_after(groups, sums, counts, exchange)
                        if key < best_key:
                            best_key, best = key, exchange
    return best


def _packets(groups: _Groups, split: Split, phase: int, largest_packet: int) -> list[list[_Packet]]:
    """The phase's packets by size (0 … `largest_packet`), each size sorted by total."""
    present = [group for group in range(len(groups.values)) if split[group][phase] > 0]
    by_size = [[_Packet(0, ())], [_Packet(groups.values[group], (group,)) for group in present]]
    if largest_packet >= 2:
        by_size.append(
            [
                _Packet(groups.values[first] + groups.values[second], (first, second))
                for index, first in enumerate(present)
                for second in present[index:]
                if second != first or split[first][phase] >= 2
            ]
        )
    return [sorted(packets, key=lambda packet: (packet.total, packet.loads)) for packets in by_size]


def _key_after(groups: _Groups, sums: Sequence[int], counts: Sequence[int], exchange: _Exchange) -> PhaseKey:
    moved = sum(groups.values[group] for group in exchange.out) - sum(
        groups.values[group] for group in exchange.back
    )
    moved_count = len(exchange.out) - len(exchange.back)
    new_sums = list(sums)
    new_counts = list(counts)
    new_sums[exchange.phase_a] -= moved
    new_sums[exchange.phase_b] += moved
    new_counts[exchange.phase_a] -= moved_count
    new_counts[exchange.phase_b] += moved_count
    return _key_of(new_sums, new_counts)


def _apply(split: Split, exchange: _Exchange) -> None:
    for group in exchange.out:
        split[group][exchange.phase_a] -= 1
        split[group][exchange.phase_b] += 1
    for group in exchange.back:
        split[group][exchange.phase_b] -= 1
        split[group][exchange.phase_a] += 1


# --- exact solution -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    split: Split
    spread_bound: int  # in units of the gcd
    count_bound: int
    optimal: bool
    method: str


@dataclass(frozen=True)
class _Model:
    model: cp_model.CpModel
    split: list[list[cp_model.IntVar]]
    spread: cp_model.IntVar
    count_spread: cp_model.IntVar


def _solve_exactly(
    groups: _Groups, hint: Split, spread_bound: int, count_bound: int, time_limit_s: float
) -> _Outcome:
    """CP-SAT, lexicographically: the spread first, then the count spread with the spread fixed."""
    best = hint
    time_left = time_limit_s
    if _key(groups, hint)[0] > spread_bound:
        solved, spread_bound, time_used = _minimise(groups, best, spread_bound, None, time_left)
        best = _better(groups, best, solved)
        time_left -= time_used
        if _key(groups, best)[0] > spread_bound:
            # Not proven within the time limit; the count bound is the one valid for any assignment.
            return _Outcome(best, spread_bound, count_bound, optimal=False, method="cp-sat")
    if _key(groups, best)[1] > count_bound and time_left > 0:
        solved, count_bound, _ = _minimise(groups, best, spread_bound, count_bound, time_left)
        best = _better(groups, best, solved)
    optimal = _key(groups, best) == (spread_bound, count_bound)
    return _Outcome(best, spread_bound, count_bound, optimal=optimal, method="cp-sat")


def _better(groups: _Groups, incumbent: Split, challenger: Split | None) -> Split:
    if challenger is None or _key(groups, incumbent) <= _key(groups, challenger):
        return incumbent
    return challenger


def _minimise(
    groups: _Groups, hint: Split, spread_bound: int, count_bound: int | None, time_limit_s: float
) -> tuple[Split | None, int, float]:
    """Minimise the spread, or with `count_bound` given, the count spread at spread = `spread_bound`.

    Returns the best split found (None if none), the proven bound of the objective, and the time used.
    """
    built = _build_model(groups, hint)
    if count_bound is None:
        objective, bound = built.spread, spread_bound
    else:
        built.model.add(built.spread == spread_bound)
        objective, bound = built.count_spread, count_bound
    built.model.add(objective >= bound)
    built.model.minimize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = _SOLVER_SEED
    solver.parameters.max_time_in_seconds = max(time_limit_s, 0.0)
    status = solver.solve(built.model)
    time_used = float(solver.wall_time)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, bound, time_used
    split = [[int(solver.value(var)) for var in row] for row in built.split]
    proven = max(bound, math.ceil(float(solver.best_objective_bound) - 1e-9))
    return split, proven, time_used


def _build_model(groups: _Groups, hint: Split) -> _Model:
    """Integer counts per (distinct value, phase): equal loads need no symmetric copies."""
    model = cp_model.CpModel()
    total = _total(groups)
    load_count = _load_count(groups)
    split = [
        [model.new_int_var(0, multiplicity, f"n_{group}_{PHASE_NAMES[p]}") for p in range(PHASE_COUNT)]
        for group, multiplicity in enumerate(groups.multiplicities)
    ]
    for row, multiplicity in zip(split, groups.multiplicities, strict=True):
        model.add(sum(row) == multiplicity)
    sums = [model.new_int_var(0, total, f"sum_{name}") for name in PHASE_NAMES]
    counts = [model.new_int_var(0, load_count, f"count_{name}") for name in PHASE_NAMES]
    for p in range(PHASE_COUNT):
        model.add(sums[p] == sum(value * row[p] for value, row in zip(groups.values, split, strict=True)))
        model.add(counts[p] == sum(row[p] for row in split))
    # Phases are interchangeable: order them by sum, heaviest first, so the spread is first − last.
    model.add(sums[0] >= sums[1])
    model.add(sums[1] >= sums[2])
    spread = model.new_int_var(0, total, "spread")
    model.add(spread == sums[0] - sums[2])
    most = model.new_int_var(0, load_count, "most_loads")
    fewest = model.new_int_var(0, load_count, "fewest_loads")
    model.add_max_equality(most, counts)
    model.add_min_equality(fewest, counts)
    count_spread = model.new_int_var(0, load_count, "count_spread")
    model.add(count_spread == most - fewest)
    _add_hint(model, groups, split, hint)
    return _Model(model, split, spread, count_spread)


def _add_hint(
    model: cp_model.CpModel, groups: _Groups, variables: list[list[cp_model.IntVar]], hint: Split
) -> None:
    """Hint the heuristic split, its phases reordered heaviest first to respect the symmetry breaking."""
    sums = _phase_sums(groups, hint)
    order = sorted(range(PHASE_COUNT), key=lambda p: (-sums[p], p))
    for row_vars, row in zip(variables, hint, strict=True):
        for var, phase in zip(row_vars, order, strict=True):
            model.add_hint(var, row[phase])


# --- result -------------------------------------------------------------------------------------------


def _solution(loads: Sequence[int], groups: _Groups, unit: int, outcome: _Outcome) -> PhaseSolution:
    assignment = _assign_loads(groups, outcome.split)
    sums = [0] * PHASE_COUNT
    counts = [0] * PHASE_COUNT
    for load, phase in zip(loads, assignment, strict=True):
        sums[phase] += load
        counts[phase] += 1
    spread, count_spread = _key_of(sums, counts)
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


def _assign_loads(groups: _Groups, split: Split) -> tuple[int, ...]:
    """The lexicographically smallest per-load assignment realising `split` under some phase labelling.

    Equal loads are interchangeable, so each takes the lowest label its group still has room on; the
    smallest result over the six labellings puts the first load on R and the next new phase on S.
    """
    return min(_fill_in_order(groups, split, labelling) for labelling in permutations(range(PHASE_COUNT)))


def _fill_in_order(groups: _Groups, split: Split, labelling: tuple[int, ...]) -> tuple[int, ...]:
    room = [[row[phase] for phase in labelling] for row in split]  # room[group][label]
    assignment = []
    for group in groups.group_of_item:
        label = next(label for label in range(PHASE_COUNT) if room[group][label] > 0)
        room[group][label] -= 1
        assignment.append(label)
    return tuple(assignment)
