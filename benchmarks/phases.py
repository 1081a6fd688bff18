"""Solve times of `balance_phases`: p50/p95 in ms over repeated runs (`python benchmarks/phases.py`).

Each run of a random case solves a different instance drawn from a fixed seed, so the percentiles cover
instance variety as well as timing noise, and every run of the script times the same instances.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable

from kis_estimator.engine.phases import balance_phases

RUNS = 50
REALISTIC_LOADS_CA = (1250, 1500, 2000, 2500, 3000)  # 0.01 A: 12.5 A … 30 A


def twelve_20a(_: random.Random) -> list[int]:
    return [2000] * 12


def mixed_200(rng: random.Random) -> list[int]:
    return [rng.choice(REALISTIC_LOADS_CA) for _ in range(200)]


def odd_200(rng: random.Random) -> list[int]:
    return [rng.randint(100, 5000) for _ in range(200)]


def mixed_with_odd_200(rng: random.Random) -> list[int]:
    """Breaker ratings with a measured `load_a` on one branch in ten."""
    return [
        rng.choice(REALISTIC_LOADS_CA) if rng.random() < 0.9 else rng.randint(100, 5000) for _ in range(200)
    ]


def time_case(make_loads: Callable[[random.Random], list[int]]) -> tuple[list[float], Counter[str]]:
    times_ms: list[float] = []
    outcomes: Counter[str] = Counter()
    for run in range(RUNS):
        loads = make_loads(random.Random(run))
        started = time.perf_counter()
        solution = balance_phases(loads)
        times_ms.append((time.perf_counter() - started) * 1000)
        outcomes[f"{solution.method}{'' if solution.optimal else ' (not proven)'}"] += 1
    return times_ms, outcomes


def main() -> None:
    cases = {
        "12 × 20 A": twelve_20a,
        "200 mixed loads": mixed_200,
        "200 odd loads": odd_200,
        "200 mixed + odd": mixed_with_odd_200,
    }
    print(f"{'case':<18}{'p50 ms':>9}{'p95 ms':>9}  outcomes over {RUNS} runs")
    for name, make_loads in cases.items():
        times_ms, outcomes = time_case(make_loads)
        p50 = statistics.median(times_ms)
        p95 = statistics.quantiles(times_ms, n=20, method="inclusive")[-1]
        summary = ", ".join(f"{method} {count}" for method, count in sorted(outcomes.items()))
        print(f"{name:<18}{p50:>9.2f}{p95:>9.2f}  {summary}")


if __name__ == "__main__":
    main()
