"""Latency and throughput of the HTTP service: p50/p95/p99 in ms and requests per second.

`python benchmarks/api.py [--seconds N] [--clients C] [--workers W]` starts its own `kis serve` (with W
worker processes) over SQLite and a file store in a temporary directory, with KIS_DOC_RECALC=0, makes
an admin key with `kis keys create`, warms up, and then, with C concurrent clients (threads, each with
its own keep-alive connection) for N seconds each, measures:
- POST /v1/estimate with the DOMAIN §8 request (examples/domain-s8-outdoor-sus.json): the whole
  pipeline, documents, evidence and the save; first back to back from C clients (the capacity), then
  on a schedule of 15/s spread over C clients (goal: p95 < 250 ms while keeping up with 15/s);
- GET /v1/estimate/{id} over the quotes just made, from 1 client (goal: p95 < 15 ms) and from C;
- GET /healthz from 1 client (goal: p95 < 5 ms) and from C.
`--url URL --api-key KEY` measures an already running service instead (its data is left in place: the
POSTs add quotes). Latencies are measured at the client, so they include the client's own overhead.
The exit status is 1 when a goal is missed or a request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' service helpers start and stop `kis serve`
from local_service import local_service  # noqa: E402 - benchmarks/ is the script's own folder

DOMAIN_S8: dict[str, Any] = json.loads(
    (ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8")
)
WARM_UP_S = 2.0
# Goals: p95 in ms, and the least requests per second (None: no throughput goal).
# The POST goal is judged on the open-loop run at 15/s from 8 clients: with 8 clients sending back to
# back, p95 < 250 ms would need > 32 estimates/s (Little's law), i.e. < 31 ms of CPU each on 2 cores.
GOALS: dict[str, tuple[float, float | None]] = {
    "POST /v1/estimate @15/s": (250.0, 14.5),
    "GET /v1/estimate/{id}": (15.0, None),
    "GET /healthz": (5.0, None),
}
Request = Callable[[httpx.Client, random.Random], httpx.Response]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Run:
    name: str
    clients: int
    seconds: float = 0.0
    rate: float | None = None  # the schedule of an open-loop run
    ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # status (or error class) -> count
    bodies: list[Any] = field(default_factory=list)  # JSON bodies of successful answers, when kept

    @property
    def throughput(self) -> float:
        return len(self.ms) / self.seconds if self.seconds else 0.0


def measure(
    name: str,
    base_url: str,
    headers: dict[str, str],
    request: Request,
    expected: int,
    clients: int,
    seconds: float,
    keep_bodies: bool = False,
    rate: float | None = None,
) -> Run:
    """`clients` threads send `request` back to back for `seconds`; each answer is timed.

    With `rate` (requests per second over all clients) the clients follow a fixed schedule instead (an
    open loop): each request is timed from the moment it was due, so a service that falls behind is
    charged for the wait too (no coordinated omission).
    """
    run = Run(name, clients, rate=rate)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def client(index: int) -> None:
        rng = random.Random(index)
        ms: list[float] = []
        failures: dict[str, int] = {}
        bodies: list[Any] = []
        interval = clients / rate if rate else 0.0
        with httpx.Client(base_url=base_url, headers=headers, timeout=30.0) as http:
            start.wait()
            due = time.perf_counter() + (index * interval / clients)
            while time.perf_counter() < deadline:
                if rate:
                    time.sleep(max(0.0, due - time.perf_counter()))
                    if due >= deadline:
                        break
                began = due if rate else time.perf_counter()
                due += interval
                try:
                    response = request(http, rng)
                except httpx.HTTPError as exc:
                    failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                    continue
                elapsed = (time.perf_counter() - began) * 1000
                if response.status_code == expected:
                    ms.append(elapsed)
                    if keep_bodies:
                        bodies.append(response.json())
                else:
                    key = str(response.status_code)
                    failures[key] = failures.get(key, 0) + 1
        with lock:
            run.ms += ms
            run.bodies += bodies
            for key, count in failures.items():
                run.failures[key] = run.failures.get(key, 0) + count

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    # A closed loop's rate is what was answered over the whole run. An open loop sends what falls due
    # within `seconds` (rate × seconds requests): its rate is over that window, not over the window plus
    # the last answers' tail, else a service that kept up exactly would read as falling behind.
    run.seconds = seconds if rate else time.perf_counter() - began
    return run


@contextmanager
def own_service(workers: int) -> Iterator[tuple[str, str]]:
    """`kis serve --workers W` on SQLite in a temporary directory; yields (base URL, admin key)."""
    with local_service(workers=workers) as (server, key):
        yield server.url, key


def benchmark(url: str, key: str, clients: int, seconds: float) -> list[Run]:
    headers = {"Authorization": f"Bearer {key}"}

    def create(http: httpx.Client, _: random.Random) -> httpx.Response:
        return http.post("/v1/estimate", json=DOMAIN_S8)

    def healthz(http: httpx.Client, _: random.Random) -> httpx.Response:
        return http.get("/healthz")

    # Warm-up: every worker process imports, connects and renders once before anything is timed.
    measure("warm-up", url, headers, create, 201, clients, WARM_UP_S)
    measure("warm-up", url, headers, healthz, 200, clients, WARM_UP_S / 2)

    capacity = measure("POST /v1/estimate", url, headers, create, 201, clients, seconds, keep_bodies=True)
    paced = measure("POST /v1/estimate @15/s", url, headers, create, 201, clients, seconds, rate=15.0)
    ids = [quote["id"] for quote in capacity.bodies] or [
        httpx.post(f"{url}/v1/estimate", json=DOMAIN_S8, headers=headers, timeout=30).json()["id"]
    ]

    def get_quote(http: httpx.Client, rng: random.Random) -> httpx.Response:
        return http.get(f"/v1/estimate/{rng.choice(ids)}")

    return [
        capacity,
        paced,
        measure("GET /v1/estimate/{id}", url, headers, get_quote, 200, 1, seconds),
        measure("GET /v1/estimate/{id} x8", url, headers, get_quote, 200, clients, seconds),
        measure("GET /healthz", url, headers, healthz, 200, 1, seconds),
        measure("GET /healthz x8", url, headers, healthz, 200, clients, seconds),
    ]


def report(runs: list[Run]) -> list[str]:
    """Print the table and the goals; return the names of the goals missed."""
    print(
        f"{'':24} {'clients':>7} {'requests':>8} {'failed':>6} {'req/s':>8} {'p50':>8} {'p95':>8} {'p99':>8}"
    )
    for run in runs:
        ms = run.ms or [float("nan")]
        print(
            f"{run.name:24} {run.clients:>7} {len(run.ms):>8} {sum(run.failures.values()):>6} "
            f"{run.throughput:>8.1f} {percentile(ms, 0.50):>8.2f} {percentile(ms, 0.95):>8.2f} "
            f"{percentile(ms, 0.99):>8.2f}"
        )
    print("(latencies in ms, measured at the client)")
    missed = []
    print("\ngoals:")
    for run in runs:
        if run.name not in GOALS:
            continue
        p95_goal, rate_goal = GOALS[run.name]
        p95 = percentile(run.ms, 0.95) if run.ms else float("inf")
        ok = p95 < p95_goal and not run.failures
        wanted = f"p95 < {p95_goal:g} ms"
        measured = f"p95 {p95:.2f} ms"
        if rate_goal is not None:
            ok = ok and run.throughput >= rate_goal
            wanted += f" and >= {rate_goal:g}/s"
            measured += f", {run.throughput:.1f}/s"
        if run.failures:
            measured += f", failures {run.failures}"
        print(f"  {run.name:24} {wanted:28} {measured:34} {'met' if ok else 'MISSED'}")
        if not ok:
            missed.append(run.name)
    return missed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measuring time per scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the service it starts")
    parser.add_argument("--url", help="measure this running service instead of starting one")
    parser.add_argument("--api-key", help="an estimator or admin key of the service at --url")
    args = parser.parse_args(argv)
    if args.url and not args.api_key:
        parser.error("--url needs --api-key")
    if args.url:
        print(f"service: {args.url}; {args.clients} clients, {args.seconds:g} s per scenario")
        runs = benchmark(args.url.rstrip("/"), args.api_key, args.clients, args.seconds)
    else:
        with own_service(args.workers) as (url, key):
            print(
                f"service: kis serve --workers {args.workers} (SQLite, KIS_DOC_RECALC=0) at {url}; "
                f"{args.clients} clients, {args.seconds:g} s per scenario, {os.cpu_count()} CPUs"
            )
            runs = benchmark(url, key, args.clients, args.seconds)
    missed = report(runs)
    if missed:
        print(f"\ngoals missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
