"""The optimiser's model: loads grouped by distinct value, splits of the groups onto phases, their
keys (sum spread, count spread) and the lower bounds no assignment can beat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PHASE_COUNT = 3
PHASE_NAMES = ("R", "S", "T")


PhaseKey = tuple[int, int]
"""(spread, count spread): compared lexicographically, smaller is better."""


@dataclass(frozen=True)
class Groups:
    """The loads grouped by distinct value, in units of their gcd."""

    values: tuple[int, ...]  # distinct values, descending
    multiplicities: tuple[int, ...]
    group_of_item: tuple[int, ...]  # per input load: its index in `values`


Split = list[list[int]]
"""split[group][phase]: how many loads of that group the phase carries."""


def group_loads(units: Sequence[int]) -> Groups:
    values = tuple(sorted(set(units), reverse=True))
    index_of_value = {value: index for index, value in enumerate(values)}
    group_of_item = tuple(index_of_value[value] for value in units)
    multiplicities = tuple(group_of_item.count(index) for index in range(len(values)))
    return Groups(values, multiplicities, group_of_item)


def spread_lower_bound(groups: Groups) -> int:
    """A spread no assignment can beat, in units of the gcd."""
    total = total_of(groups)
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


def count_spread_lower_bound(load_count: int) -> int:
    return 0 if load_count % PHASE_COUNT == 0 else 1


def total_of(groups: Groups) -> int:
    return sum(v * m for v, m in zip(groups.values, groups.multiplicities, strict=True))


def phase_sums(groups: Groups, split: Split) -> list[int]:
    return [sum(v * row[p] for v, row in zip(groups.values, split, strict=True)) for p in range(PHASE_COUNT)]


def phase_counts(split: Split) -> list[int]:
    return [sum(row[p] for row in split) for p in range(PHASE_COUNT)]


def split_key(groups: Groups, split: Split) -> PhaseKey:
    return key_of(phase_sums(groups, split), phase_counts(split))


def key_of(sums: Sequence[int], counts: Sequence[int]) -> PhaseKey:
    return max(sums) - min(sums), max(counts) - min(counts)


def load_count_of(groups: Groups) -> int:
    return sum(groups.multiplicities)


def better_split(groups: Groups, incumbent: Split, challenger: Split | None) -> Split:
    if challenger is None or split_key(groups, incumbent) <= split_key(groups, challenger):
        return incumbent
    return challenger
