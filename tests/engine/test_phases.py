"""Phase balancing: optimal against brute force, proven bounds, determinism, and the solver paths."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from kis_estimator.engine.phases import PhaseSolution, balance_phases
from kis_estimator.engine.phases.partition import decide_split

BREAKER_LOADS_CA = (1250, 1500, 2000, 2500, 3000)  # 0.01 A

# Up to 10 loads, so that brute force over 3^n assignments stays quick.
some_loads = st.lists(
    st.one_of(st.sampled_from(BREAKER_LOADS_CA), st.integers(min_value=0, max_value=10_000)), max_size=10
)

PhaseState = tuple[tuple[int, int], ...]  # (sum, count) per phase, sorted


def brute_force_optimum(loads: list[int]) -> tuple[int, int]:
    """The lexicographic least (spread, count spread) over all 3^n assignments.

    Phase states are kept sorted: relabelling the phases changes neither objective.
    """
    states: set[PhaseState] = {((0, 0), (0, 0), (0, 0))}
    for load in loads:
        states = {placed(state, phase, load) for state in states for phase in range(3)}
    return min(objectives(state) for state in states)


def placed(state: PhaseState, phase: int, load: int) -> PhaseState:
    phases = list(state)
    load_sum, count = phases[phase]
    phases[phase] = (load_sum + load, count + 1)
    return tuple(sorted(phases))


def objectives(state: PhaseState) -> tuple[int, int]:
    sums = [load_sum for load_sum, _ in state]
    counts = [count for _, count in state]
    return max(sums) - min(sums), max(counts) - min(counts)


def reference_optimum(loads: list[int]) -> tuple[int, int]:
    """(spread, count spread) from a plain one-boolean-per-load CP-SAT model, sharing no code."""
    model = cp_model.CpModel()
    on = [[model.new_bool_var(f"load{i}_on{p}") for p in range(3)] for i in range(len(loads))]
    for row in on:
        model.add_exactly_one(row)
    heaviest = model.new_int_var(0, sum(loads), "heaviest")
    lightest = model.new_int_var(0, sum(loads), "lightest")
    most = model.new_int_var(0, len(loads), "most")
    fewest = model.new_int_var(0, len(loads), "fewest")
    for p in range(3):
        phase_sum = sum(load * row[p] for load, row in zip(loads, on, strict=True))
        phase_count = sum(row[p] for row in on)
        model.add(heaviest >= phase_sum)
        model.add(lightest <= phase_sum)
        model.add(most >= phase_count)
        model.add(fewest <= phase_count)
    weight = len(loads) + 1  # a count spread never reaches it, so the weighted sum is lexicographic
    model.minimize((heaviest - lightest) * weight + most - fewest)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30
    assert solver.solve(model) == cp_model.OPTIMAL
    spread, count_spread = divmod(round(solver.objective_value), weight)
    return spread, count_spread


def assert_consistent(loads: list[int], solution: PhaseSolution) -> None:
    """The figures are those of the assignment, the labels read R, S, T in order of first use."""
    assert len(solution.assignment) == len(loads)
    sums = [
        sum(load for load, phase in zip(loads, solution.assignment, strict=True) if phase == p)
        for p in range(3)
    ]
    counts = [solution.assignment.count(p) for p in range(3)]
    assert solution.sums == tuple(sums)
    assert solution.counts == tuple(counts)
    assert solution.spread == max(sums) - min(sums)
    assert solution.count_spread == max(counts) - min(counts)
    first_uses = list(dict.fromkeys(solution.assignment))
    assert first_uses == sorted(first_uses) == list(range(len(first_uses)))
    assert 0 <= solution.spread_lower_bound <= solution.spread
    assert 0 <= solution.count_spread_lower_bound <= solution.count_spread
    if solution.optimal:
        assert (solution.spread, solution.count_spread) == (
            solution.spread_lower_bound,
            solution.count_spread_lower_bound,
        )


@settings(max_examples=300, deadline=None)
@given(some_loads)
def test_matches_brute_force_and_is_proven(loads: list[int]) -> None:
    solution = balance_phases(loads)

    assert_consistent(loads, solution)
    assert solution.optimal
    assert (solution.spread, solution.count_spread) == brute_force_optimum(loads)


@settings(max_examples=30, deadline=None)
@given(some_loads)
def test_same_input_same_assignment(loads: list[int]) -> None:
    assert balance_phases(loads) == balance_phases(loads)


def test_twelve_20a_loads_split_four_per_phase_without_a_solver() -> None:
    solution = balance_phases([2000] * 12)

    assert solution.counts == (4, 4, 4)
    assert solution.spread == 0
    assert solution.count_spread == 0
    assert solution.optimal
    assert solution.method == "bound"
    # Equal loads fill R, then S, then T: the smallest assignment in placement order.
    assert solution.assignment == (0,) * 4 + (1,) * 4 + (2,) * 4


def test_heuristic_missing_a_reachable_bound_is_settled_by_cp_sat() -> None:
    # 7 100 is not a multiple of 3, so the bound is 100; 2400/2400/2300 exists, but greedy and the
    # exchanges stop at a spread of 200.
    loads = [1100, 1600, 800, 400, 1900, 600, 700]

    solution = balance_phases(loads, search_node_limit=0)

    assert solution.method == "cp-sat"
    assert solution.optimal
    assert solution.spread == solution.spread_lower_bound == 100
    assert_consistent(loads, solution)


def test_cp_sat_proves_a_spread_above_the_simple_bounds() -> None:
    # Total 1200 divides by 3, but no subset of 300, 300, 200, 200, 200 makes 400 three times.
    solution = balance_phases([300, 300, 200, 200, 200], search_node_limit=0)

    assert solution.method == "cp-sat"
    assert solution.optimal
    assert solution.spread == solution.spread_lower_bound == 200
    assert solution.count_spread == 1


def test_cp_sat_proves_the_count_spread_at_the_optimal_spread() -> None:
    # Only {600}, {300, 300}, {200, 200, 200} balance the sums, so the counts must be 1, 2, 3.
    solution = balance_phases([600, 300, 300, 200, 200, 200], search_node_limit=0)

    assert solution.method == "cp-sat"
    assert solution.optimal
    assert solution.spread == 0
    assert sorted(solution.counts) == [1, 2, 3]
    assert solution.count_spread_lower_bound == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_200_realistic_loads_are_proven_optimal(seed: int) -> None:
    rng = random.Random(seed)
    loads = [rng.choice((1500, 2000, 3000, 2500)) for _ in range(180)] + [
        rng.randint(1, 5000) for _ in range(20)
    ]

    solution = balance_phases(loads)

    assert_consistent(loads, solution)
    assert solution.optimal
    assert solution.count_spread <= 1


@pytest.mark.parametrize(
    "loads",
    [
        # ATs sharing the divisor 250 or 500 and a few measured loads: the residues of those alone force
        # a spread above the simple bounds, which the residue relaxation proves without a solver.
        [2000, 2500, 7409, 8368, 6464, 4000, 2500, 2000, 3000, 5962, 3000, 1000, 2500, 2000, 1000],
        [1500, 1250, 6000, 1250, 494, 5823, 1016, 2500, 3000, 500, 3000, 6000, 2500, 2000],
        [2000, 2000, 4000, 1000, 500, 2000, 1250, 1250, 2373, 1500, 1500, 2457, 4429, 486, 500, 5876, 4000],
    ],
)
def test_residue_bound_agrees_with_an_independent_solver(loads: list[int]) -> None:
    solution = balance_phases(loads)

    assert solution.method == "bound"
    assert solution.optimal
    assert solution.spread > 1  # above what the gcd and divisibility bounds prove
    assert (solution.spread, solution.count_spread) == reference_optimum(loads)


def test_out_of_time_returns_the_best_assignment_with_honest_bounds() -> None:
    loads = [1100, 1600, 800, 400, 1900, 600, 700]

    solution = balance_phases(loads, time_limit_s=0.0, search_node_limit=0)

    assert not solution.optimal
    assert solution.method == "cp-sat"
    assert_consistent(loads, solution)
    assert solution.spread > solution.spread_lower_bound


def test_empty_input_is_trivially_optimal() -> None:
    assert balance_phases([]) == PhaseSolution(
        assignment=(),
        sums=(0, 0, 0),
        counts=(0, 0, 0),
        spread=0,
        count_spread=0,
        spread_lower_bound=0,
        count_spread_lower_bound=0,
        optimal=True,
        method="bound",
    )


def test_fewer_loads_than_phases_leave_a_phase_empty() -> None:
    solution = balance_phases([3000, 2000])

    assert solution.assignment == (0, 1)
    assert solution.spread == solution.spread_lower_bound == 3000
    assert solution.optimal


def test_zero_loads_only_balance_the_counts() -> None:
    solution = balance_phases([0] * 7)

    assert solution.spread == 0
    assert sorted(solution.counts) == [2, 2, 3]
    assert solution.optimal


def test_negative_load_is_refused() -> None:
    with pytest.raises(ValueError, match="load 1 is negative"):
        balance_phases([2000, -1])


def test_non_integer_load_is_refused() -> None:
    with pytest.raises(TypeError, match="load 0 is not an integer"):
        balance_phases([12.5])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("loads", "spread", "count_spread"),
    [
        ([1100, 1600, 800, 400, 1900, 600, 700], 100, 1),
        ([300, 300, 200, 200, 200], 200, 1),
        ([600, 300, 300, 200, 200, 200], 0, 2),
    ],
)
def test_branch_and_bound_settles_what_the_heuristic_leaves_open(
    loads: list[int], spread: int, count_spread: int
) -> None:
    solution = balance_phases(loads)

    assert solution.method == "search"
    assert solution.optimal
    assert (solution.spread, solution.count_spread) == (spread, count_spread)
    assert (solution.spread_lower_bound, solution.count_spread_lower_bound) == (spread, count_spread)
    assert_consistent(loads, solution)


def test_branch_and_bound_out_of_nodes_hands_over_to_cp_sat() -> None:
    loads = [1100, 1600, 800, 400, 1900, 600, 700]

    solution = balance_phases(loads, search_node_limit=1)

    assert solution.method == "cp-sat"
    assert solution.optimal
    assert solution.spread == 100


@pytest.mark.parametrize("seed", range(8))
def test_branch_and_bound_objective_equals_cp_sat(seed: int) -> None:
    # Distinct measured loads, 1-40 of them: the panels the branch-and-bound is meant for.
    rng = random.Random(seed)
    loads = rng.sample(range(100, 10_001), rng.randint(4, 16))

    searched = balance_phases(loads)
    solved = balance_phases(loads, search_node_limit=0, time_limit_s=60.0)

    assert searched.optimal
    assert solved.optimal
    assert (searched.spread, searched.count_spread) == (solved.spread, solved.count_spread)
    assert_consistent(loads, searched)


def test_decision_proves_infeasible_and_stops_at_its_node_limit() -> None:
    # 300, 300, 200, 200, 200: no split reaches a spread of 100, one reaches 200.
    values, multiplicities = (300, 200), (2, 3)

    infeasible = decide_split(values, multiplicities, spread=100, count_spread=None, node_limit=10_000)
    feasible = decide_split(values, multiplicities, spread=200, count_spread=None, node_limit=10_000)
    stopped = decide_split(values, multiplicities, spread=100, count_spread=None, node_limit=0)

    assert infeasible.decided and infeasible.split is None
    assert feasible.decided and feasible.split is not None
    assert [sum(row) for row in feasible.split] == [2, 3]
    assert not stopped.decided and stopped.split is None
