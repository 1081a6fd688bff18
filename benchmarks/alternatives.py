"""Latency of the alternatives for the DOMAIN §8 panel, every variant priced, without documents: p50/p95
in ms.

`python benchmarks/alternatives.py [RUNS] [--no-route]` times, after a warm-up, one comparison at a time:
- the use case alone (`services.alternatives.alternatives_of_request`: the base request and its four
  variants (brand SANGDO, grade STANDARD, material STEEL 1.6T, custom enclosure) through the engine;
  no HTTP, no database, no documents);
- the route POST /v1/estimate/alternatives through the ASGI app in process (FastAPI's TestClient over a
  temporary SQLite database: the key's check, the catalog in use, the engine, the JSON).
Goal (issue 18): the use case's p95 under 20 ms. The exit status is 1 when it is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers build the app
from bench_requests import DOMAIN_S8  # noqa: E402 - benchmarks/ is the script's own folder

RUNS = 300
WARM_UP = 20
GOAL_MS = 20.0
TOTAL = 1_831_170
VARIANTS = 4


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(call: Callable[[], Any], runs: int) -> list[float]:
    for _ in range(WARM_UP):
        call()
    ms = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        ms.append((time.perf_counter() - began) * 1000)
    return ms


def _checked(answer: dict[str, Any]) -> None:
    assert answer["base"]["totals"]["total"] == TOTAL
    assert len(answer["variants"]) == VARIANTS and all(v["totals"] for v in answer["variants"])


def use_case(runs: int) -> list[float]:
    from kis_estimator.catalog_io import load_catalog, load_rulebook
    from kis_estimator.services.alternatives import alternatives_of_request

    catalog, rules = load_catalog(), load_rulebook()
    _checked(alternatives_of_request(DOMAIN_S8, catalog, rules))
    return timed(lambda: alternatives_of_request(DOMAIN_S8, catalog, rules), runs)


def in_process(runs: int) -> list[float]:
    from tests.api.conftest import make_api, make_settings

    with tempfile.TemporaryDirectory(prefix="kis-bench-alternatives-") as tmp:
        api = make_api(make_settings(Path(tmp)))
        with api.client:
            api.client.headers.update(api.auth("estimator"))
            first = api.client.post("/v1/estimate/alternatives", json=DOMAIN_S8)
            assert first.status_code == 200, first.text[:300]
            _checked(first.json())

            def call() -> None:
                response = api.client.post("/v1/estimate/alternatives", json=DOMAIN_S8)
                if response.status_code != 200:
                    raise SystemExit(f"alternatives failed: {response.status_code} {response.text[:300]}")

            return timed(call, runs)


def line(name: str, ms: list[float], goal: float | None) -> str:
    p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
    judged = "" if goal is None else f"  goal p95 < {goal:g} ms: {'met' if p95 < goal else 'MISSED'}"
    return f"{name:<44} n={len(ms):>4}  p50 {p50:6.2f}  p95 {p95:6.2f} ms{judged}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=RUNS)
    parser.add_argument("--no-route", action="store_true", help="skip the route through the ASGI app")
    args = parser.parse_args(argv)
    results = [("use case (engine only, no documents)", use_case(args.runs), GOAL_MS)]
    if not args.no_route:
        results.append(("route, ASGI in process (TestClient)", in_process(args.runs), None))
    print(f"alternatives of the DOMAIN §8 panel (base {TOTAL:,} KRW + {VARIANTS} variants), one at a time")
    for name, ms, goal in results:
        print(line(name, ms, goal))
    return 1 if percentile(results[0][1], 0.95) >= GOAL_MS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
