"""The CP-SAT model: integer counts per (distinct value, phase), phase sums and counts, their spreads,
and the hint of the best split so far."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ortools.sat.python import cp_model

from kis_estimator.engine.phases.groups import (
    PHASE_COUNT,
    PHASE_NAMES,
    Groups,
    Split,
    load_count_of,
    phase_sums,
    total_of,
)


def count_triples(load_count: int, count_spread: int) -> list[tuple[int, ...]]:
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
class Model:
    model: cp_model.CpModel
    split: list[list[cp_model.IntVar]]
    sums: list[cp_model.IntVar]  # heaviest first
    counts: list[cp_model.IntVar]
    spread: cp_model.IntVar
    count_spread: cp_model.IntVar


def build_model(groups: Groups, hint: Split) -> Model:
    """Integer counts per (distinct value, phase): equal loads need no symmetric copies."""
    model = cp_model.CpModel()
    total = total_of(groups)
    load_count = load_count_of(groups)
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
    return Model(model, split, sums, counts, spread, count_spread)


def _add_hint(
    model: cp_model.CpModel, groups: Groups, variables: list[list[cp_model.IntVar]], hint: Split
) -> None:
    """Hint the heuristic split, its phases reordered heaviest first to respect the symmetry breaking."""
    sums = phase_sums(groups, hint)
    order = sorted(range(PHASE_COUNT), key=lambda p: (-sums[p], p))
    for row_vars, row in zip(variables, hint, strict=True):
        for var, phase in zip(row_vars, order, strict=True):
            model.add_hint(var, row[phase])
