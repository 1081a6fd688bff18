"""The residue relaxation: a stronger spread bound, and a construction guided by it.

Most panels carry many "coarse" loads that share a large common divisor (the ATs of standard breakers)
and a few "fine" ones. Placing the fine loads exactly and letting the coarse ones take any multiple of
their divisor relaxes the problem: each phase sum is then known modulo the divisor. The relaxation gives
a lower bound far stronger than the gcd one, and its best residues guide the construction of a solution
that meets it. Residue states (r_R, r_S), r_T being implied by the total, are the bits r_R·m + r_S of
Python integers used as bitsets, so one load's three placements cost three shifts of one integer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from kis_estimator.engine.phases.groups import (
    PHASE_COUNT,
    Groups,
    Split,
    better_split,
    phase_counts,
    phase_sums,
    split_key,
    total_of,
)
from kis_estimator.engine.phases.heuristic import improve

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


@dataclass(frozen=True)
class Relaxation:
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


def residue_relaxations(groups: Groups) -> list[Relaxation]:
    """One relaxation per candidate modulus, where the state tables stay small."""
    relaxations = []
    for modulus in _candidate_moduli(groups):
        relaxation = _relax(groups, modulus)
        if relaxation is not None:
            relaxations.append(relaxation)
    return relaxations


def _candidate_moduli(groups: Groups) -> list[int]:
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


def _relax(groups: Groups, modulus: int) -> Relaxation | None:
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
    return Relaxation(modulus, fine_groups, tuple(layers))


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


def _residue_targets(relaxation: Relaxation, total: int, first: int, stop: int) -> Iterator[tuple[int, ...]]:
    """The phase sums the relaxation allows, by increasing spread in [first, stop), among the first
    `_MAX_CHECKED_SUMS` candidates."""
    candidates = itertools.islice(_sum_triples(total, first, stop), _MAX_CHECKED_SUMS)
    return (sums for sums in candidates if relaxation.allows(sums))


def _residue_spread_bound(relaxation: Relaxation, total: int, first: int, stop: int) -> int:
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


def allowed_sums(
    relaxations: Sequence[Relaxation], total: int, first: int, stop: int
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


def _residue_guided_split(groups: Groups, relaxation: Relaxation, first: int, stop: int) -> Split | None:
    """A split whose phase sums are the first target of the relaxation (spread below `stop`) it can meet."""
    targets = _residue_targets(relaxation, total_of(groups), first, stop)
    for sums in itertools.islice(targets, _MAX_GUIDED_TARGETS):
        split = _realise(groups, relaxation, sums)
        if split is not None:
            return split
    return None


def _realise(groups: Groups, relaxation: Relaxation, sums: Sequence[int]) -> Split | None:
    """Place the fine loads on the target residues, then fill each phase up to its sum with coarse loads."""
    split = [[0] * PHASE_COUNT for _ in groups.values]
    fine_phases = _trace_fine_loads(groups, relaxation, sums)
    for group, phase in zip(relaxation.fine_groups, fine_phases, strict=True):
        split[group][phase] += 1
    room = [target - placed for target, placed in zip(sums, phase_sums(groups, split), strict=True)]
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
    coarse_phases = _fill_exactly(coarse_units, [r // modulus for r in room], phase_counts(split))
    if coarse_phases is None:
        return None
    for group, phase in zip(coarse_groups, coarse_phases, strict=True):
        split[group][phase] += 1
    return split


def _trace_fine_loads(groups: Groups, relaxation: Relaxation, sums: Sequence[int]) -> list[int]:
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


def tighten_with_residues(
    groups: Groups, split: Split, relaxations: Sequence[Relaxation], spread_bound: int, count_bound: int
) -> tuple[int, Split]:
    """Raise the spread bound by the residue relaxations, and try the solutions the best one suggests."""
    spread = split_key(groups, split)[0]
    best: Relaxation | None = None
    for relaxation in relaxations:
        bound = _residue_spread_bound(relaxation, total_of(groups), spread_bound, spread)
        if best is None or bound > spread_bound:
            best, spread_bound = relaxation, max(spread_bound, bound)
    if best is None:
        return spread_bound, split
    guided = _residue_guided_split(groups, best, spread_bound, spread + 1)
    if guided is None:
        return spread_bound, split
    improve(groups, guided, target=(spread_bound, count_bound), keep_counts=False)
    return spread_bound, better_split(groups, split, guided)
