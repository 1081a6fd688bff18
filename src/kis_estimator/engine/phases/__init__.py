"""Phase balancing: assign single-phase loads to R/S/T with a proven-optimal spread.

The objective is lexicographic: first the spread (max − min) of the per-phase load sums, then the spread
of the per-phase load counts. In order, until the best assignment found meets the best bounds proven:

1. lower bounds from the gcd, the divisibility of the total and the largest load;
2. a deterministic heuristic: greedy, largest load first, then exchanges of one or two loads;
3. a residue relaxation (fine loads exactly, coarse loads modulo their divisor) that raises the bound
   and guides the construction of an assignment meeting it;
4. up to 40 loads, a complete branch-and-bound (`engine/phases/partition.py`) deciding one spread (then count
   spread) at a time upwards from the bounds, within a fixed node budget;
5. CP-SAT, deciding the same way, where the branch-and-bound does not apply or ran out of nodes.

Steps 1–3 settle the usual panel without a solver. Loads of equal value are interchangeable, so the
search works on how many loads of each distinct value go to each phase (a "split"), not on items.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from ortools.sat.python import cp_model

from kis_estimator.engine.phases.partition import Decision, decide_split

PHASE_COUNT = 3
PHASE_NAMES = ("R", "S", "T")

# Any fixed value: with a single worker it makes CP-SAT repeat the same search for the same model.
_SOLVER_SEED = 20_240_611
# A safety net only: every accepted local-search step strictly improves a bounded integer key.
_MAX_LOCAL_STEPS = 10_000
# Residue relaxation budgets: moduli up to this keep a state table within 128 KiB ...
_MAX_MODULUS = 1024
# ... and all tables of one relaxation stay within 16 MiB; a table of an exact fill within 1 MiB.
_MAX_TABLE_BITS = 1 << 27
_MAX_FILL_TABLE_BITS = 1 << 23
# An exact fill of few loads over a large table costs more than CP-SAT needs for the whole problem.
_MAX_FILL_TABLE_BITS_PER_LOAD = 1 << 16
# Target sums tried per relaxation before leaving the rest to CP-SAT.
_MAX_GUIDED_TARGETS = 16
# Phase-sum triples checked against a relaxation per search (each check is cheap, but they add up) ...
_MAX_CHECKED_SUMS = 20_000
# ... and worth handing to CP-SAT as a table (a longer table slows it down more than it helps).
_MAX_ALLOWED_SUMS = 200
# Spreads decided one by one when the gap to the bound is this narrow; a wider gap is optimised first ...
_SCAN_LEVELS = 8
# ... with this share of the time limit.
_WIDE_GAP_SHARE = 0.5
# The branch-and-bound applies up to this many loads, and stops (for CP-SAT) after this many nodes.
_MAX_SEARCH_LOADS = 40
_SEARCH_NODE_LIMIT = 200_000

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
    method: str  # "bound" (the heuristic met the bounds), "search" (branch-and-bound) or "cp-sat"


@dataclass(frozen=True)
class _Groups:
    """The loads grouped by distinct value, in units of their gcd."""

    values: tuple[int, ...]  # distinct values, descending
    multiplicities: tuple[int, ...]
    group_of_item: tuple[int, ...]  # per input load: its index in `values`


Split = list[list[int]]
"""split[group][phase]: how many loads of that group the phase carries."""


def balance_phases(
    loads: Sequence[int], *, time_limit_s: float = 5.0, search_node_limit: int = _SEARCH_NODE_LIMIT
) -> PhaseSolution:
    """Assign each load to a phase, minimising the sum spread and then the count spread.

    Loads are non-negative integers (0.01 A); `optimal` says whether both minima were proven in time.
    `search_node_limit` bounds the branch-and-bound (0: straight to CP-SAT); `time_limit_s` bounds CP-SAT.
    """
    _check_loads(loads)
    if not loads:
        return PhaseSolution((), (0, 0, 0), (0, 0, 0), 0, 0, 0, 0, optimal=True, method="bound")
    unit = math.gcd(*loads) or 1  # every phase sum is a multiple of the gcd, so bounds work in its units
    groups = _group([load // unit for load in loads])
    spread_bound = _spread_lower_bound(groups)
    count_bound = _count_spread_lower_bound(len(loads))
    split = _heuristic_split(groups, target=(spread_bound, count_bound))
    relaxations: list[_Relaxation] = []
    if _key(groups, split) != (spread_bound, count_bound):
        relaxations = _relaxations(groups)
        spread_bound, split = _tighten_with_residues(groups, split, relaxations, spread_bound, count_bound)
    if _key(groups, split) == (spread_bound, count_bound):
        outcome = _Outcome(split, spread_bound, count_bound, optimal=True, method="bound")
    else:
        outcome = _search_exactly(groups, split, spread_bound, count_bound, search_node_limit)
        if not outcome.optimal:
            outcome = _solve_exactly(
                groups, outcome.split, relaxations, outcome.spread_bound, outcome.count_bound, time_limit_s
            )
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


# --- residue relaxation -------------------------------------------------------------------------------
#
# Most panels carry many "coarse" loads that share a large common divisor (the ATs of standard breakers)
# and a few "fine" ones. Placing the fine loads exactly and letting the coarse ones take any multiple of
# their divisor relaxes the problem: each phase sum is then known modulo the divisor. The relaxation gives
# a lower bound far stronger than the gcd one, and its best residues guide the construction of a solution
# that meets it. Residue states (r_R, r_S), r_T being implied by the total, are the bits r_R·m + r_S of
# Python integers used as bitsets, so one load's three placements cost three shifts of one integer.


@dataclass(frozen=True)
class _Relaxation:
    """The residue states reachable by the fine loads, load by load, for one modulus."""

    modulus: int
    fine_groups: tuple[int, ...]  # group index of each fine load, in the order they were added
    layers: tuple[int, ...]  # layers[i]: the states reachable with the first i fine loads

    def allows(self, sums: Sequence[int]) -> bool:
        """Whether the fine loads can give phase sums these residues (under any labelling of the phases)."""
        state = (sums[0] % self.modulus) * self.modulus + sums[1] % self.modulus
        return bool(self._reachable[state >> 3] >> (state & 7) & 1)

    @cached_property
    def _reachable(self) -> bytes:
        # Bytes answer a bit test in constant time; shifting a big integer costs its length.
        return self.layers[-1].to_bytes(self.modulus * self.modulus // 8 + 1, "little")


def _relaxations(groups: _Groups) -> list[_Relaxation]:
    """One relaxation per candidate modulus, where the state tables stay small."""
    relaxations = []
    for modulus in _candidate_moduli(groups):
        relaxation = _relax(groups, modulus)
        if relaxation is not None:
            relaxations.append(relaxation)
    return relaxations


def _candidate_moduli(groups: _Groups) -> list[int]:
    """The gcds of the most repeated values, taking one more group at a time: coarse divisors."""
    by_repetition = sorted(
        (group for group, multiplicity in enumerate(groups.multiplicities) if multiplicity > 1),
        key=lambda group: (-groups.multiplicities[group], group),
    )
    moduli: list[int] = []
    divisor = 0
    for group in by_repetition:
        divisor = math.gcd(divisor, groups.values[group])
        if 1 < divisor <= _MAX_MODULUS and divisor not in moduli:
            moduli.append(divisor)
    return moduli


def _relax(groups: _Groups, modulus: int) -> _Relaxation | None:
    """The relaxation for `modulus`, or None when its tables would outgrow the memory budget."""
    state_count = modulus * modulus
    all_states = (1 << state_count) - 1
    fine_groups = tuple(
        group
        for group, (value, multiplicity) in enumerate(zip(groups.values, groups.multiplicities, strict=True))
        if value % modulus
        for _ in range(multiplicity)
    )
    layers = [1]  # only (0, 0): no fine load placed yet
    stored_bits = state_count
    for group in fine_groups:
        states = layers[-1]
        if states != all_states:
            shift = groups.values[group] % modulus
            onto_r = ((states << shift * modulus) | (states >> state_count - shift * modulus)) & all_states
            # r_S counts modulo m within a row: columns below m − shift gain `shift`, the rest wrap round.
            staying = _repeat_rows((1 << modulus - shift) - 1, rows=modulus, stride=modulus)
            onto_s = ((states & staying) << shift) | ((states & ~staying) >> modulus - shift)
            states |= onto_r | onto_s  # onto T leaves (r_R, r_S) unchanged
            stored_bits += state_count
            if stored_bits > _MAX_TABLE_BITS:
                return None
        layers.append(states)
    return _Relaxation(modulus, fine_groups, tuple(layers))


def _repeat_rows(pattern: int, *, rows: int, stride: int) -> int:
    """`pattern` repeated in every row of a row-major bit table, rows `stride` bits apart.

    Built by doubling: adding one row at a time would cost rows × table size.
    """
    repeated, rows_done = pattern, 1
    while rows_done < rows:
        repeated |= repeated << rows_done * stride
        rows_done *= 2
    return repeated & ((1 << rows * stride) - 1)


def _sum_triples(total: int, first: int, stop: int) -> Iterator[tuple[int, int, int]]:
    """Phase sums R ≥ S ≥ T ≥ 0 adding up to `total`, by increasing spread in [first, stop)."""
    for spread in range(first, stop):
        for heaviest in range(-(-(total + spread) // 3), (total + 2 * spread) // 3 + 1):
            lightest = heaviest - spread
            if lightest >= 0:
                yield heaviest, total - heaviest - lightest, lightest


def _more_triples_than(limit: int, total: int, first: int, stop: int) -> bool:
    """Whether `_sum_triples` would yield more than `limit` triples; stops counting once it knows."""
    count = 0
    for spread in range(first, stop):
        count += (total + 2 * spread) // 3 - (total + spread + 2) // 3 + 1
        if count > limit:
            return True
    return False


def _residue_targets(relaxation: _Relaxation, total: int, first: int, stop: int) -> Iterator[tuple[int, ...]]:
    """The phase sums the relaxation allows, by increasing spread in [first, stop), among the first
    `_MAX_CHECKED_SUMS` candidates."""
    candidates = itertools.islice(_sum_triples(total, first, stop), _MAX_CHECKED_SUMS)
    return (sums for sums in candidates if relaxation.allows(sums))


def _residue_spread_bound(relaxation: _Relaxation, total: int, first: int, stop: int) -> int:
    """The least spread from `first` the relaxation allows, or `stop` if none is below it.

    After `_MAX_CHECKED_SUMS` candidates the search stops at the spread it reached, still a valid bound.
    """
    budget = _MAX_CHECKED_SUMS
    for spread in range(first, stop):
        candidates = list(itertools.islice(_sum_triples(total, spread, spread + 1), budget + 1))
        if any(relaxation.allows(sums) for sums in candidates[:budget]):
            return spread
        budget -= len(candidates)
        if budget < 0:
            return spread  # not all of this spread was checked
    return stop


def _allowed_sums(
    relaxations: Sequence[_Relaxation], total: int, first: int, stop: int
) -> list[tuple[int, int, int]] | None:
    """The phase sums (heaviest first) with a spread in [first, stop) that every relaxation allows.

    None when the list would be too long to help a solver, or too long to build.
    """
    if _more_triples_than(_MAX_ALLOWED_SUMS * 16, total, first, stop):
        return None
    candidates = (
        sums
        for sums in _sum_triples(total, first, stop)
        if all(relaxation.allows(sums) for relaxation in relaxations)
    )
    allowed = list(itertools.islice(candidates, _MAX_ALLOWED_SUMS + 1))
    return allowed if len(allowed) <= _MAX_ALLOWED_SUMS else None


def _residue_guided_split(groups: _Groups, relaxation: _Relaxation, first: int, stop: int) -> Split | None:
    """A split whose phase sums are the first target of the relaxation (spread below `stop`) it can meet."""
    targets = _residue_targets(relaxation, _total(groups), first, stop)
    for sums in itertools.islice(targets, _MAX_GUIDED_TARGETS):
        split = _realise(groups, relaxation, sums)
        if split is not None:
            return split
    return None


def _realise(groups: _Groups, relaxation: _Relaxation, sums: Sequence[int]) -> Split | None:
    """Place the fine loads on the target residues, then fill each phase up to its sum with coarse loads."""
    split = [[0] * PHASE_COUNT for _ in groups.values]
    fine_phases = _trace_fine_loads(groups, relaxation, sums)
    for group, phase in zip(relaxation.fine_groups, fine_phases, strict=True):
        split[group][phase] += 1
    room = [target - placed for target, placed in zip(sums, _phase_sums(groups, split), strict=True)]
    if min(room) < 0:
        return None
    modulus = relaxation.modulus
    coarse_groups = [
        group
        for group, (value, multiplicity) in enumerate(zip(groups.values, groups.multiplicities, strict=True))
        if value % modulus == 0
        for _ in range(multiplicity)
    ]
    coarse_units = [groups.values[group] // modulus for group in coarse_groups]
    coarse_phases = _fill_exactly(coarse_units, [r // modulus for r in room], _phase_counts(split))
    if coarse_phases is None:
        return None
    for group, phase in zip(coarse_groups, coarse_phases, strict=True):
        split[group][phase] += 1
    return split


def _trace_fine_loads(groups: _Groups, relaxation: _Relaxation, sums: Sequence[int]) -> list[int]:
    """A placement of the fine loads reaching the residues of `sums`, leaving the most room where it can."""
    modulus = relaxation.modulus
    residues = [sums[0] % modulus, sums[1] % modulus]
    room = list(sums)
    phases = [0] * len(relaxation.fine_groups)
    for index in range(len(relaxation.fine_groups) - 1, -1, -1):
        value = groups.values[relaxation.fine_groups[index]]
        possible = []
        for phase in range(PHASE_COUNT):
            before = list(residues)
            if phase < 2:
                before[phase] = (before[phase] - value) % modulus
            if relaxation.layers[index] >> (before[0] * modulus + before[1]) & 1:
                possible.append((phase, before))
        phase, residues = max(possible, key=lambda option: (room[option[0]], -option[0]))
        room[phase] -= value
        phases[index] = phase
    return phases


def _fill_exactly(units: Sequence[int], targets: Sequence[int], counts: Sequence[int]) -> list[int] | None:
    """Phases for loads of `units` so that each phase p receives exactly targets[p] units, or None.

    A table over (units on R, units on S) per load; the way back prefers the phase with fewest loads.
    """
    rows, width, widest = targets[0] + 1, targets[1] + 1, max(units, default=0)
    table_bits = rows * (width + widest)
    if table_bits > min(_MAX_FILL_TABLE_BITS, _MAX_FILL_TABLE_BITS_PER_LOAD * len(units)):
        return None
    step = _FillStep(rows=rows, width=width, widest=widest)
    # Only every block-th table is kept; the way back recomputes the others a block at a time.
    block = max(1, math.isqrt(len(units)))
    checkpoints = [1]  # checkpoints[b]: the states before load b·block; at first only (0, 0)
    states = 1
    for index, unit in enumerate(units):
        states = step(states, unit)
        if (index + 1) % block == 0:
            checkpoints.append(states)
    if not states >> step.bit(targets[0], targets[1]) & 1:
        return None
    position = [targets[0], targets[1]]
    loads_on = list(counts)
    phases = [0] * len(units)
    for start in range(block * ((len(units) - 1) // block), -1, -block):
        end = min(start + block, len(units))
        layers = [checkpoints[start // block]]
        for unit in units[start : end - 1]:
            layers.append(step(layers[-1], unit))
        for index in range(end - 1, start - 1, -1):
            possible = []
            for phase in range(PHASE_COUNT):
                before = list(position)
                if phase < 2:
                    before[phase] -= units[index]
                if min(before) >= 0 and layers[index - start] >> step.bit(before[0], before[1]) & 1:
                    possible.append((phase, before))
            phase, position = min(possible, key=lambda option: (loads_on[option[0]], option[0]))
            loads_on[phase] += 1
            phases[index] = phase
    return phases


class _FillStep:
    """Places one more load on R, S or T in a table of reachable (units on R, units on S).

    Rows are padded by the widest load, so a shift along a row never spills into the next one, and one
    mask clears whatever passed the last real column.
    """

    def __init__(self, *, rows: int, width: int, widest: int) -> None:
        self.stride = width + widest
        self._columns = _repeat_rows((1 << width) - 1, rows=rows, stride=self.stride)

    def bit(self, on_r: int, on_s: int) -> int:
        return on_r * self.stride + on_s

    def __call__(self, states: int, unit: int) -> int:
        onto_r = (states << unit * self.stride) & self._columns
        onto_s = (states << unit) & self._columns
        return states | onto_r | onto_s  # onto T leaves the table position unchanged


def _tighten_with_residues(
    groups: _Groups, split: Split, relaxations: Sequence[_Relaxation], spread_bound: int, count_bound: int
) -> tuple[int, Split]:
    """Raise the spread bound by the residue relaxations, and try the solutions the best one suggests."""
    spread = _key(groups, split)[0]
    best: _Relaxation | None = None
    for relaxation in relaxations:
        bound = _residue_spread_bound(relaxation, _total(groups), spread_bound, spread)
        if best is None or bound > spread_bound:
            best, spread_bound = relaxation, max(spread_bound, bound)
    if best is None:
        return spread_bound, split
    guided = _residue_guided_split(groups, best, spread_bound, spread + 1)
    if guided is None:
        return spread_bound, split
    _improve(groups, guided, target=(spread_bound, count_bound), keep_counts=False)
    return spread_bound, _better(groups, split, guided)


# --- exact solution -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    split: Split
    spread_bound: int  # in units of the gcd
    count_bound: int
    optimal: bool
    method: str


@dataclass
class _Search:
    """The state of the exact search: the best split so far, the bounds proven so far, the time left."""

    groups: _Groups
    relaxations: Sequence[_Relaxation]
    best: Split
    spread_bound: int
    count_bound: int
    time_left_s: float

    @property
    def key(self) -> PhaseKey:
        return _key(self.groups, self.best)

    def offer(self, split: Split | None) -> None:
        self.best = _better(self.groups, self.best, split)


def _solve_exactly(
    groups: _Groups,
    hint: Split,
    relaxations: Sequence[_Relaxation],
    spread_bound: int,
    count_bound: int,
    time_limit_s: float,
) -> _Outcome:
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
    return _Outcome(search.best, search.spread_bound, search.count_bound, optimal=optimal, method="cp-sat")


def _search_exactly(
    groups: _Groups, hint: Split, spread_bound: int, count_bound: int, node_limit: int
) -> _Outcome:
    """The branch-and-bound, deciding levels upwards from the bounds in the order CP-SAT does below.

    Not `optimal` when there are too many loads or the node budget ran out; the split and the bounds are
    then the best known, for CP-SAT to go on from.
    """
    best = hint
    nodes_left = node_limit if _load_count(groups) <= _MAX_SEARCH_LOADS else 0

    def decide(spread: int, count_spread: int | None) -> Decision:
        nonlocal nodes_left
        decision = decide_split(
            groups.values,
            groups.multiplicities,
            spread=spread,
            count_spread=count_spread,
            node_limit=nodes_left,
        )
        nodes_left -= decision.nodes
        return decision

    # The spread by bisection between the bound and the best found (a gap can be wide with few loads) ...
    while _key(groups, best)[0] > spread_bound and nodes_left > 0:
        level = (spread_bound + _key(groups, best)[0] - 1) // 2
        decision = decide(level, None)
        if not decision.decided:
            break
        if decision.split is None:
            spread_bound = level + 1
        else:
            best = _better(groups, best, decision.split)
    # ... then, at the proven spread, the count spread upwards from its bound.
    while _key(groups, best)[0] == spread_bound and _key(groups, best)[1] > count_bound and nodes_left > 0:
        decision = decide(spread_bound, count_bound)
        if not decision.decided:
            break
        if decision.split is None:
            count_bound += 1
        else:
            best = _better(groups, best, decision.split)
    optimal = _key(groups, best) == (spread_bound, count_bound)
    return _Outcome(best, spread_bound, count_bound, optimal=optimal, method="search")


def _better(groups: _Groups, incumbent: Split, challenger: Split | None) -> Split:
    if challenger is None or _key(groups, incumbent) <= _key(groups, challenger):
        return incumbent
    return challenger


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
    built = _build_model(search.groups, search.best)
    lowest, highest = spreads
    built.model.add(built.spread >= lowest)
    built.model.add(built.spread <= highest)
    allowed = _allowed_sums(search.relaxations, _total(search.groups), lowest, highest + 1)
    if allowed is not None:
        # Also without relaxations: CP-SAT propagates a table of sums much better than the bounds.
        built.model.add_allowed_assignments(built.sums, allowed)
    if count_spread is not None:
        built.model.add_allowed_assignments(
            built.counts, _count_triples(_load_count(search.groups), count_spread)
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


def _count_triples(load_count: int, count_spread: int) -> list[tuple[int, ...]]:
    """Every labelled triple of phase counts adding up to `load_count` with this count spread."""
    return sorted(
        {
            labelled
            for most in range(-(-(load_count + count_spread) // 3), (load_count + 2 * count_spread) // 3 + 1)
            if most - count_spread >= 0
            for labelled in itertools.permutations(
                (most, load_count - 2 * most + count_spread, most - count_spread)
            )
        }
    )


@dataclass(frozen=True)
class _Model:
    model: cp_model.CpModel
    split: list[list[cp_model.IntVar]]
    sums: list[cp_model.IntVar]  # heaviest first
    counts: list[cp_model.IntVar]
    spread: cp_model.IntVar
    count_spread: cp_model.IntVar


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
    return _Model(model, split, sums, counts, spread, count_spread)


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
    return min(
        _fill_in_order(groups, split, labelling) for labelling in itertools.permutations(range(PHASE_COUNT))
    )


def _fill_in_order(groups: _Groups, split: Split, labelling: tuple[int, ...]) -> tuple[int, ...]:
    room = [[row[phase] for phase in labelling] for row in split]  # room[group][label]
    assignment = []
    for group in groups.group_of_item:
        label = next(label for label in range(PHASE_COUNT) if room[group][label] > 0)
        room[group][label] -= 1
        assignment.append(label)
    return tuple(assignment)
