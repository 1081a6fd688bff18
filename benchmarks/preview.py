"""Latency of the live preview (POST /v1/estimate/preview) for the DOMAIN §8 panel: p50/p95/p99 in ms.

`python benchmarks/preview.py [RUNS] [--no-live] [--url URL --api-key KEY]` times, after a warm-up,
one request at a time as the web UI sends them (each keystroke's request differs: the 2P line's
quantity steps through 1..24):
- the use case alone (`services.preview.preview_estimate`: the engine, no HTTP, no database);
- the route through the ASGI app in process (FastAPI's TestClient over a temporary SQLite database:
  the key's check, the catalog in use, the engine, the JSON);
- the route through a running `kis serve` (started here over SQLite in a temporary directory, one
  worker, one keep-alive connection), or through the service at `--url` with `--api-key`.
Goals: the route's p95 under 50 ms (keystroke to numbers: the browser adds a few ms; the UI sends a
committed value at once and a value being typed after a 150 ms pause); the use case's p95 at most
15 ms is a later speed goal, reported only. The exit status is 1 when the route's goal is missed or a
request failed.
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers build the app and start `kis serve`
from bench_requests import DOMAIN_S8  # noqa: E402 - benchmarks/ is the script's own folder
from local_service import local_service  # noqa: E402 - benchmarks/ is the script's own folder

RUNS = 300
WARM_UP = 20
ROUTE_GOAL_MS = 50.0
USE_CASE_GOAL_MS = 15.0  # a later goal: reported, not judged
TOTAL = 1_831_170


def keystrokes(runs: int) -> list[dict[str, Any]]:
    """The §8 request as it is while the estimator types: the 2P line's quantity 1..24, round and round."""
    requests = []
    for n in range(runs):
        request = copy.deepcopy(DOMAIN_S8)
        request["panels"][0]["branches"][2]["qty"] = n % 24 + 1
        requests.append(request)
    return requests


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(call: Callable[[dict[str, Any]], None], runs: int) -> list[float]:
    for request in keystrokes(WARM_UP):
        call(request)
    ms = []
    for request in keystrokes(runs):
        began = time.perf_counter()
        call(request)
        ms.append((time.perf_counter() - began) * 1000)
    return ms


def use_case(runs: int) -> list[float]:
    from kis_estimator.catalog_io import load_catalog, load_rulebook
    from kis_estimator.services.preview import preview_estimate

    catalog, rules = load_catalog(), load_rulebook()
    assert preview_estimate(DOMAIN_S8, catalog, rules)["totals"]["total"] == TOTAL
    return timed(lambda request: preview_estimate(request, catalog, rules), runs)


def over_http(client: httpx.Client, runs: int) -> list[float]:
    first = client.post("/v1/estimate/preview", json=DOMAIN_S8)
    assert first.status_code == 200 and first.json()["totals"]["total"] == TOTAL, first.text[:300]

    def call(request: dict[str, Any]) -> None:
        response = client.post("/v1/estimate/preview", json=request)
        if response.status_code != 200:
            raise SystemExit(f"preview failed: {response.status_code} {response.text[:300]}")

    return timed(call, runs)


def in_process(runs: int) -> list[float]:
    from tests.api.conftest import make_api, make_settings

    with tempfile.TemporaryDirectory(prefix="kis-bench-preview-") as tmp:
        api = make_api(make_settings(Path(tmp)))
        with api.client:
            api.client.headers.update(api.auth("estimator"))
            return over_http(api.client, runs)


@contextmanager
def own_service() -> Iterator[tuple[str, str]]:
    """`kis serve` (one worker) on SQLite in a temporary directory; yields (base URL, estimator key)."""
    with local_service(role="estimator", name="benchmark-preview") as (server, key):
        yield server.url, key


def live(url: str, key: str, runs: int) -> list[float]:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        return over_http(client, runs)


def line(name: str, ms: list[float], goal: float | None) -> str:
    p50, p95, p99 = (percentile(ms, f) for f in (0.5, 0.95, 0.99))
    judged = "" if goal is None else f"  goal p95 < {goal:g} ms: {'met' if p95 < goal else 'MISSED'}"
    return f"{name:<44} n={len(ms):>4}  p50 {p50:6.2f}  p95 {p95:6.2f}  p99 {p99:6.2f} ms{judged}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=RUNS)
    parser.add_argument("--no-live", action="store_true", help="skip the running-service measurement")
    parser.add_argument("--url", help="measure this running service instead of starting one")
    parser.add_argument("--api-key", help="an estimator (or admin) key of --url")
    args = parser.parse_args(argv)
    if args.url and not args.api_key:
        parser.error("--url needs --api-key")

    results = [("use case (engine only, no HTTP)", use_case(args.runs), None)]
    results.append(("route, ASGI in process (TestClient)", in_process(args.runs), ROUTE_GOAL_MS))
    if args.url:
        results.append((f"route, {args.url}", live(args.url, args.api_key, args.runs), ROUTE_GOAL_MS))
    elif not args.no_live:
        with own_service() as (url, key):
            results.append(
                ("route, kis serve (1 worker, keep-alive)", live(url, key, args.runs), ROUTE_GOAL_MS)
            )
    print(f"POST /v1/estimate/preview, DOMAIN §8 panel (total {TOTAL:,} KRW), one request at a time")
    missed = False
    for name, ms, goal in results:
        print(line(name, ms, goal))
        missed = missed or (goal is not None and percentile(ms, 0.95) >= goal)
    use_case_p95 = percentile(results[0][1], 0.95)
    state = "met" if use_case_p95 <= USE_CASE_GOAL_MS else "not yet"
    print(f"later goal: the use case's p95 <= {USE_CASE_GOAL_MS:g} ms: {state} ({use_case_p95:.2f} ms)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
