"""Phase balancing: optimal against brute force, proven bounds, determinism, and the solver paths."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kis_estimator.engine.phases import PhaseSolution, balance_phases

BREAKER_LOADS_CA = (1250, 1500, 2000, 2500, 3000)  # 0.01 A

some_loads = st.lists(
    st.one_of(st.sampled_from(BREAKER_LOADS_CA), st.integers(min_value=0, max_value=10_000)), max_size=10
)


def brute_force_optimum(loads: list[int]) -> tuple[int, int]:
    """The lexicographic least (spread, count spread) over all 3^n assignments.

    Phase states are kept sorted: relabelling the phases changes neither objective.
    """
    states = {((0, 0), (0, 0), (0, 0))}
    for load in loads:
        states = {
            tuple(
                sorted(state[:phase] + ((state[phase][0] + load, state[phase][1] + 1),) + state[phase + 1 :])
            )
            for state in states
            for phase in range(3)
        }
    return min(
        (
            max(s for s, _ in state) - min(s for s, _ in state),
            max(c for _, c in state) - min(c for _, c in state),
        )
        for state in states
    )


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


@settings(max_examples=150, deadline=None)
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

    solution = balance_phases(loads)

    assert solution.method == "cp-sat"
    assert solution.optimal
    assert solution.spread == solution.spread_lower_bound == 100
    assert_consistent(loads, solution)


def test_cp_sat_proves_a_spread_above_the_simple_bounds() -> None:
    # Total 1200 divides by 3, but no subset of 300, 300, 200, 200, 200 makes 400 three times.
    solution = balance_phases([300, 300, 200, 200, 200])

    assert solution.method == "cp-sat"
    assert solution.optimal
    assert solution.spread == solution.spread_lower_bound == 200
    assert solution.count_spread == 1


def test_cp_sat_proves_the_count_spread_at_the_optimal_spread() -> None:
    # Only {600}, {300, 300}, {200, 200, 200} balance the sums, so the counts must be 1, 2, 3.
    solution = balance_phases([600, 300, 300, 200, 200, 200])

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


def test_out_of_time_returns_the_best_assignment_with_honest_bounds() -> None:
    loads = [1100, 1600, 800, 400, 1900, 600, 700]

    solution = balance_phases(loads, time_limit_s=0.0)

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
