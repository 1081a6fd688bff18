"""Server CPU per request through a real `kis serve`: what the HTTP edge adds to each route's use case.

`python benchmarks/http_cpu.py [RUNS]` starts `kis serve --workers 1` over SQLite and a file store in a
temporary directory (KIS_DOC_RECALC=0, the log level of a default install), warms up, and then sends,
one at a time over one keep-alive connection, RUNS creates (default 100) and 5 × RUNS of each other kind:
- POST /v1/estimate with the DOMAIN §8 request (the whole pipeline and the save);
- GET /v1/estimate/{id} of the quotes just made;
- GET /healthz;
- POST /v1/estimate/preview with the §8 request (the engine only; the 2P line's quantity varies).
For each it prints the server's CPU per request (user + system time, and the system part alone of the server's process tree, read
from /proc/<pid>/stat before and after: every thread, the event loop and the thread pool alike), the
client's own CPU per request, and the client-side latency p50/p95. CPU, not wall time, is the figure
to compare on a shared machine; latencies are reported for the goals of issue 19.
"""

from __future__ import annotations

import copy
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_requests import DOMAIN_S8

from api import own_service, percentile

WARM_UP = 10
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of `pid` and the processes of its group (uvicorn's workers)."""
    group = subprocess.run(["pgrep", "-g", str(os.getpgid(pid))], capture_output=True, text=True, check=False)
    user = system = 0
    for each in {pid, *(int(p) for p in group.stdout.split())}:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        user, system = user + int(fields[11]), system + int(fields[12])
    return user / CLOCK_TICKS, system / CLOCK_TICKS


def server_pid(url: str) -> int:
    """The pid listening on the service's port (the `kis serve` process)."""
    port = url.rsplit(":", 1)[1]
    found = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True)
    return int(found.stdout.split("pid=", 1)[1].split(",", 1)[0])


def measure(
    name: str, pid: int, runs: int, send: Callable[[int], httpx.Response], expected: int
) -> tuple[str, float, float, float, float, float]:
    for n in range(WARM_UP):
        assert send(n).status_code == expected
    ms: list[float] = []
    server_before, client_before = tree_cpu_s(pid), time.process_time()
    for n in range(runs):
        began = time.perf_counter()
        response = send(n)
        ms.append((time.perf_counter() - began) * 1000)
        assert response.status_code == expected, response.text
    server_after = tree_cpu_s(pid)
    user, system = (
        (after - before) / runs * 1000 for after, before in zip(server_after, server_before, strict=True)
    )
    client = (time.process_time() - client_before) / runs * 1000
    return name, user + system, system, client, statistics.median(ms), percentile(ms, 0.95)


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 100
    previews = []
    for n in range(24):
        request = copy.deepcopy(DOMAIN_S8)
        request["panels"][0]["branches"][2]["qty"] = n + 1
        previews.append(request)
    with own_service(1) as (url, key):
        pid = server_pid(url)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30.0) as http:
            ids: list[str] = []

            def create(_: int) -> httpx.Response:
                response = http.post("/v1/estimate", json=DOMAIN_S8)
                ids.append(response.json()["id"])
                return response

            rows = [
                measure("POST /v1/estimate", pid, runs, create, 201),
                measure(
                    "GET /v1/estimate/{id}",
                    pid,
                    runs * 5,
                    lambda n: http.get(f"/v1/estimate/{ids[n % runs]}"),
                    200,
                ),
                measure("GET /healthz", pid, runs * 5, lambda _: http.get("/healthz"), 200),
                measure(
                    "POST /v1/estimate/preview",
                    pid,
                    runs * 5,
                    lambda n: http.post("/v1/estimate/preview", json=previews[n % 24]),
                    200,
                ),
            ]
    print(f"kis serve --workers 1 (SQLite, file store), {runs} creates, {runs * 5} of each other request")
    print(
        f"{'request':<28}{'server CPU ms':>14}{'of it system':>13}{'client CPU ms':>14}{'p50 ms':>9}{'p95 ms':>9}"
    )
    for name, server, system, client, p50, p95 in rows:
        print(f"{name:<28}{server:>14.2f}{system:>13.2f}{client:>14.2f}{p50:>9.1f}{p95:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
