"""Run times of the whole engine (`run_pipeline`): p50/p95 in ms and the per-stage p50.

`python benchmarks/engine.py [RUNS]` times three panels after a warm-up:
- the DOMAIN §8 worked example (goal: p50 under 5 ms);
- a 200-branch panel of mostly single-phase breakers with varied design loads, so that phase balancing
  is not trivial (goal: p50 under 200 ms, phases proven optimal);
- the same size with ten large single-phase loads (2P 75–200 AT at 50–200 A) among the small ones,
  which the heuristic cannot settle and the exact solver must prove (same goal; timed over fewer runs
  because a run may take the solver's whole time limit).
The 200-branch panels are drawn from fixed seeds, so every run of the script times the same requests.
Each case also reports in how many runs the phases were proven optimal and how many distinct quotes the
runs produced (1 when the engine is deterministic). The exit status is 1 when a goal is missed.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import PipelineResult, QuoteIdentity, run_pipeline

RUNS = 200
HARD_RUNS = 5
WARM_UP = 20
IDENTITY = QuoteIdentity(
    quote_id="00000000-0000-4000-8000-000000000001",
    number="EST-20260101-0001",
    created_at="2026-01-01T09:00:00+09:00",
)
LS_2P_RATINGS = (50, 75, 100, 125, 150, 175, 200, 225, 250)

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_S8: dict[str, Any] = json.loads(
    (ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8")
)


def two_hundred_branches(seed: int = 2026) -> dict[str, Any]:
    """LS, main MCCB 4P 600AT: 180 single-phase 2P 20/30 A branches with loads of 3–28 A, 20 three-phase."""
    rng = random.Random(seed)
    branches: list[dict[str, Any]] = []
    for index in range(180):
        trip_at = rng.choice((20, 30))
        branches.append(
            {
                "type": rng.choice(("MCCB", "ELCB")),
                "poles": 2,
                "trip_at": trip_at,
                "qty": 1,
                "load_a": rng.randint(300, trip_at * 100 - 200) / 100,
                "circuit": f"C-{index + 1}",
            }
        )
    branches += [
        {"type": "MCCB", "poles": 3, "trip_at": 50, "qty": 10},
        {"type": "ELCB", "poles": 3, "trip_at": 100, "qty": 6},
        {"type": "MCCB", "poles": 3, "trip_at": 225, "qty": 4, "load_a": 180},
    ]
    return {
        "customer": {"name": "벤치마크"},
        "brand": "LS",
        "panels": [
            {
                "name": "MDP-200",
                "enclosure": {"location": "INDOOR", "material": "STEEL", "mount": "FREESTANDING"},
                "main": {"type": "MCCB", "poles": 4, "trip_at": 600},
                "branches": branches,
            }
        ],
    }


def two_hundred_with_large_single_phase_loads(seed: int = 12) -> dict[str, Any]:
    """LS, main MCCB 4P 600AT: 190 single-phase 2P 20/30 A branches at their AT, and ten 2P ones at 50–200 A."""
    rng = random.Random(seed)
    branches: list[dict[str, Any]] = [
        {"type": "MCCB", "poles": 2, "trip_at": rng.choice((20, 30)), "qty": 1} for _ in range(190)
    ]
    for _ in range(10):
        load_a = rng.randint(5000, 20000) / 100
        trip_at = next(rating for rating in LS_2P_RATINGS if rating >= load_a)
        branches.append({"type": "MCCB", "poles": 2, "trip_at": trip_at, "qty": 1, "load_a": load_a})
    return {
        "customer": {"name": "벤치마크"},
        "brand": "LS",
        "panels": [
            {
                "name": "MDP-200L",
                "enclosure": {"location": "INDOOR", "material": "STEEL", "mount": "FREESTANDING"},
                "main": {"type": "MCCB", "poles": 4, "trip_at": 600},
                "branches": branches,
            }
        ],
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Timing:
    totals_ms: list[float] = field(default_factory=list)
    stages_ms: dict[str, list[float]] = field(default_factory=dict)
    proven: int = 0  # runs whose phases were proven optimal
    quotes: set[str] = field(default_factory=set)  # distinct quote JSON texts: 1 when deterministic
    last: PipelineResult | None = None


def time_case(raw: dict[str, Any], catalog: Catalog, rules: Rulebook, runs: int, warm_up: int) -> Timing:
    for _ in range(warm_up):
        run_pipeline(raw, catalog, rules, IDENTITY)
    timing = Timing()
    for _ in range(runs):
        started = time.perf_counter()
        result = run_pipeline(raw, catalog, rules, IDENTITY)
        timing.totals_ms.append((time.perf_counter() - started) * 1000)
        for stage, ms in result.stage_ms.items():
            timing.stages_ms.setdefault(stage, []).append(ms)
        timing.proven += all(panel["phases"]["optimal"] for panel in result.quote["panels"])
        timing.quotes.add(json.dumps(result.quote, ensure_ascii=False, indent=2))
        timing.last = result
    return timing


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else RUNS
    catalog, rules = load_catalog(), load_rulebook()
    # name: (request, goal for p50 in ms, runs, warm-up runs)
    cases = {
        "DOMAIN §8": (DOMAIN_S8, 5.0, runs, WARM_UP),
        "200 branches": (two_hundred_branches(), 200.0, runs, WARM_UP),
        "200 branches, 10 large 1φ loads": (two_hundred_with_large_single_phase_loads(), 200.0, HARD_RUNS, 1),
    }
    missed = []
    print("run_pipeline times in ms, after warm-up runs")
    for name, (raw, goal, case_runs, warm_up) in cases.items():
        timing = time_case(raw, catalog, rules, case_runs, warm_up)
        assert timing.last is not None
        p50, p95 = statistics.median(timing.totals_ms), percentile(timing.totals_ms, 0.95)
        panel = timing.last.quote["panels"][0]
        phases = panel["phases"]
        placed = len(panel["layout"]["placed"])
        verdict = "ok" if p50 < goal and timing.proven == case_runs else "MISSED"
        if verdict != "ok":
            missed.append(name)
        print(f"\n{name}: {placed} branch breakers, {case_runs} runs")
        print(
            f"  p50 {p50:.2f}  p95 {p95:.2f}  (goal: p50 < {goal:g} ms with proven-optimal phases: {verdict})"
        )
        print(
            f"  phases proven optimal in {timing.proven}/{case_runs} runs; distinct quotes {len(timing.quotes)}; "
            f"last run: method={phases['method']} counts={phases['counts']} spread={phases['spread_a']} A "
            f"(lower bound {phases['spread_lower_bound_a']} A), imbalance {phases['imbalance_pct']} %"
        )
        stage_p50 = "  ".join(
            f"{stage} {statistics.median(ms):.3f}" for stage, ms in timing.stages_ms.items()
        )
        print(f"  stage p50: {stage_p50}")
    if missed:
        print(f"\ngoals missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
