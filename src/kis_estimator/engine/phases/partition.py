"""Exact three-way partitioning by branch-and-bound, for the phase optimiser's decisions.

`decide_split` answers one question completely: is there a split of the loads onto three phases whose
sum spread is at most `spread` and whose count spread is at most `count_spread`? Loads are grouped by
value (largest first); a node places all loads of one group, as counts per phase. A node is cut when a
phase exceeds the most any phase can carry, or when the loads left cannot lift every phase to the least
it must reach (both for sums and counts). Phases in the same state are interchangeable, so only one
order of them is tried. The search is deterministic and counts its nodes: past `node_limit` it stops
and says so, never guessing.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

PHASES = 3

Split = list[list[int]]
"""split[group][phase]: how many loads of that group the phase carries."""


@dataclass(frozen=True)
class Decision:
    """`split` when one exists; `decided` False when the node limit stopped the search first."""

    split: Split | None
    decided: bool
    nodes: int


class _OutOfNodes(Exception):
    pass


def decide_split(
    values: Sequence[int],
    multiplicities: Sequence[int],
    *,
    spread: int,
    count_spread: int | None,
    node_limit: int,
) -> Decision:
    """A split meeting both spreads (`count_spread` None: any), or None once proven that there is none.

    `values` must be distinct and descending, as the optimiser groups them.
    """
    search = _Search(values, multiplicities, spread, count_spread, node_limit)
    try:
        found = search.run()
    except _OutOfNodes:
        return Decision(None, decided=False, nodes=search.nodes)
    return Decision(found, decided=True, nodes=search.nodes)


class _Search:
    def __init__(
        self,
        values: Sequence[int],
        multiplicities: Sequence[int],
        spread: int,
        count_spread: int | None,
        node_limit: int,
    ) -> None:
        self.values = list(values)
        self.multiplicities = list(multiplicities)
        self.spread = spread
        total = sum(v * m for v, m in zip(values, multiplicities, strict=True))
        load_count = sum(multiplicities)
        # Sums within `spread` of each other and adding up to `total` lie in [least, most].
        self.most = (total + 2 * spread) // PHASES
        self.least = -((2 * spread - total) // PHASES)
        self.count_spread = load_count if count_spread is None else count_spread
        self.most_loads = (load_count + 2 * self.count_spread) // PHASES
        self.fewest_loads = -((2 * self.count_spread - load_count) // PHASES)
        # What is left to place from each group on.
        self.sum_left = [
            sum(v * m for v, m in zip(values[g:], multiplicities[g:], strict=True))
            for g in range(len(values) + 1)
        ]
        self.loads_left = [sum(multiplicities[g:]) for g in range(len(values) + 1)]
        # reachable[g]: bit x set when some loads of groups g… add up to x.
        self.reachable = [1] * (len(values) + 1)
        for g in range(len(values) - 1, -1, -1):
            reach = self.reachable[g + 1]
            for _ in range(multiplicities[g]):
                reach |= reach << values[g]
            self.reachable[g] = reach
        self.node_limit = node_limit
        self.nodes = 0
        self.split: Split = [[0] * PHASES for _ in values]
        self.sums = [0] * PHASES
        self.counts = [0] * PHASES

    def run(self) -> Split | None:
        if self._cut(0):
            return None
        return [row[:] for row in self.split] if self._place(0) else None

    def _cut(self, group: int) -> bool:
        """True when no completion of the current phases can meet the spreads."""
        sums, counts = self.sums, self.counts
        if max(sums) > self.most or max(counts) > self.most_loads:
            return True
        floor = max(self.least, max(sums) - self.spread)
        if sum(max(0, floor - s) for s in sums) > self.sum_left[group]:
            return True
        # Each phase must receive some subset of what is left that lands it in [floor, most].
        reach = self.reachable[group]
        for s in sums:
            low = max(0, floor - s)
            if not (reach >> low) & ((1 << (self.most - s - low + 1)) - 1):
                return True
        count_floor = max(self.fewest_loads, max(counts) - self.count_spread)
        return sum(max(0, count_floor - c) for c in counts) > self.loads_left[group]

    def _place(self, group: int) -> bool:
        if group == len(self.values):
            return True
        self.nodes += 1
        if self.nodes > self.node_limit:
            raise _OutOfNodes
        value, row = self.values[group], self.split[group]
        for shares in self._shares(group):
            for p in range(PHASES):
                row[p] = shares[p]
                self.sums[p] += value * shares[p]
                self.counts[p] += shares[p]
            if not self._cut(group + 1) and self._place(group + 1):
                return True
            for p in range(PHASES):
                self.sums[p] -= value * shares[p]
                self.counts[p] -= shares[p]
                row[p] = 0
        return False

    def _shares(self, group: int) -> list[tuple[int, int, int]]:
        """The ways to share this group's loads, one per class of interchangeable phases, lightest first.

        Phases in the same state take non-increasing shares in label order; the tries run from the
        lightest resulting heaviest phase up, so a balanced completion is met early.
        """
        multiplicity, value = self.multiplicities[group], self.values[group]
        states = list(zip(self.sums, self.counts, strict=True))
        if multiplicity == 1:
            phases = [p for p in range(PHASES) if states[p] not in states[:p]]
            phases.sort(key=lambda p: (self.sums[p], p))
            return [(int(p == 0), int(p == 1), int(p == 2)) for p in phases]
        options = []
        for first, second in itertools.product(range(multiplicity + 1), repeat=2):
            third = multiplicity - first - second
            if third < 0:
                continue
            shares = (first, second, third)
            if any(states[p] == states[q] and shares[p] < shares[q] for p, q in ((0, 1), (0, 2), (1, 2))):
                continue
            options.append(shares)
        return sorted(options, key=lambda s: (max(self.sums[p] + value * s[p] for p in range(PHASES)), s))
