"""The exact search by branch-and-bound (`partition.py`): spread levels decided upwards from the
bounds, within a node budget; what it leaves unproven goes on to CP-SAT."""

from __future__ import annotations

from kis_estimator.engine.phases.groups import Groups, Split, better_split, load_count_of, split_key
from kis_estimator.engine.phases.partition import Decision, decide_split
from kis_estimator.engine.phases.solution import Outcome

# The branch-and-bound applies up to this many loads, and stops (for CP-SAT) after this many nodes.
_MAX_SEARCH_LOADS = 40
SEARCH_NODE_LIMIT = 200_000


def search_exactly(
    groups: Groups, hint: Split, spread_bound: int, count_bound: int, node_limit: int
) -> Outcome:
    """The branch-and-bound, deciding levels upwards from the bounds in the order CP-SAT does below.

    Not `optimal` when there are too many loads or the node budget ran out; the split and the bounds are
    then the best known, for CP-SAT to go on from.
    """
    best = hint
    nodes_left = node_limit if load_count_of(groups) <= _MAX_SEARCH_LOADS else 0

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
    while split_key(groups, best)[0] > spread_bound and nodes_left > 0:
        level = (spread_bound + split_key(groups, best)[0] - 1) // 2
        decision = decide(level, None)
        if not decision.decided:
            break
        if decision.split is None:
            spread_bound = level + 1
        else:
            best = better_split(groups, best, decision.split)
    # ... then, at the proven spread, the count spread upwards from its bound.
    while (
        split_key(groups, best)[0] == spread_bound
        and split_key(groups, best)[1] > count_bound
        and nodes_left > 0
    ):
        decision = decide(spread_bound, count_bound)
        if not decision.decided:
            break
        if decision.split is None:
            count_bound += 1
        else:
            best = better_split(groups, best, decision.split)
    optimal = split_key(groups, best) == (spread_bound, count_bound)
    return Outcome(best, spread_bound, count_bound, optimal=optimal, method="search")
