"""Phase corpus: solve times and unproven count of `balance_phases` over seeded random panels.

`python benchmarks/phase_corpus.py [--panels 1000] [--seed 19] [--sample N]`

Each panel has 1–40 distinct single-phase (2P) loads between 1 A and 100 A in 0.01 A, the hard case
of DOMAIN §9: measured `load_a` values share no large divisor, so the residue relaxation does not help.
A panel also draws 0–4 three- or four-pole loads; they load all three phases equally and so never
reach the optimiser (§9), but are drawn to keep the corpus a list of whole panels. Panel i is built
from `Random(seed + i)`, so `--sample N` (every k-th panel) times a subset of the same corpus.
Prints p50/p95/p99/max in ms, the count unproven (not proven optimal within the time limit) and the
methods used.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from kis_estimator.engine.phases import balance_phases

MAX_SINGLE_PHASE_LOADS = 40
LOAD_RANGE_CA = (100, 10_000)  # 0.01 A: 1 A … 100 A


@dataclass(frozen=True)
class Panel:
    single_phase: list[int]  # 0.01 A, distinct
    multi_pole: list[int]  # 0.01 A on each phase; not optimised


def corpus_panel(seed: int) -> Panel:
    rng = random.Random(seed)
    count = rng.randint(1, MAX_SINGLE_PHASE_LOADS)
    single_phase = rng.sample(range(LOAD_RANGE_CA[0], LOAD_RANGE_CA[1] + 1), count)
    multi_pole = [rng.randint(*LOAD_RANGE_CA) for _ in range(rng.randint(0, 4))]
    return Panel(single_phase, multi_pole)


def percentile(sorted_ms: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    rank = max(1, -(-len(sorted_ms) * int(share * 1000) // 1000))
    return sorted_ms[rank - 1]


@dataclass(frozen=True)
class Corpus:
    """What timing a corpus gave: each panel's solve time (ms, sorted), the methods used, the panels
    left unproven and the wall time of it all (s)."""

    panels: int
    timed: int
    seed: int
    times_ms: list[float]
    methods: Counter[str]
    unproven: list[int]
    wall_s: float


def solve_corpus(panels: int = 1000, seed: int = 19, sample: int = 0) -> Corpus:
    """Time `balance_phases` on every panel of the corpus (or `sample` panels of it, evenly spread)."""
    indices = list(range(panels))
    if sample:
        indices = indices[:: max(1, panels // sample)][:sample]
    times_ms: list[float] = []
    methods: Counter[str] = Counter()
    unproven: list[int] = []
    started_all = time.perf_counter()
    for index in indices:
        panel = corpus_panel(seed + index)
        started = time.perf_counter()
        solution = balance_phases(panel.single_phase)
        times_ms.append((time.perf_counter() - started) * 1000)
        methods[solution.method] += 1
        if not solution.optimal:
            unproven.append(index)
    times_ms.sort()
    return Corpus(panels, len(indices), seed, times_ms, methods, unproven, time.perf_counter() - started_all)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--panels", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--sample", type=int, default=0, help="time only this many panels, evenly spread")
    args = parser.parse_args()
    corpus = solve_corpus(args.panels, args.seed, args.sample)
    times_ms, unproven = corpus.times_ms, corpus.unproven
    print(f"panels {corpus.timed} of a corpus of {args.panels} (seed {args.seed}), 1-40 distinct 2P loads")
    print(
        f"p50 {percentile(times_ms, 0.50):.1f} ms  p95 {percentile(times_ms, 0.95):.1f} ms  "
        f"p99 {percentile(times_ms, 0.99):.1f} ms  max {times_ms[-1]:.1f} ms  "
        f"mean {statistics.fmean(times_ms):.1f} ms"
    )
    print(f"unproven {len(unproven)}{' ' + str(unproven) if unproven else ''}")
    print("methods " + ", ".join(f"{name} {count}" for name, count in sorted(corpus.methods.items())))
    print(f"wall {corpus.wall_s:.1f} s")


if __name__ == "__main__":
    main()
