"""The CPU one create costs through a real `kis serve` process, next to the in-process stage table, and
one client's latencies: the figures issue 19 names for one create.

`python benchmarks/server_cpu.py [--runs N] [--preview-runs M] [--warm-up W] [--no-profile]` (from the
repository root, `PYTHONPATH=src`) starts `kis serve --workers 1` over SQLite and a file store in a
temporary directory (KIS_DOC_RECALC=0, the default log level), and from one client (this process, one
keep-alive connection, one request at a time), after W warm-up rounds of every request below:
- N creates: POST /v1/estimate of the DOMAIN §8 example (examples/domain-s8-outdoor-sus.json);
- N reads: GET /v1/estimate/{id} of each quote made;
- the first download of each document of each quote (GET /v1/estimate/{id}/documents/{kind}, kind by
  kind), then a second download of each: when a document is rendered on its first download instead of
  at create, the first costs the rendering and the second what any download costs;
- M previews: POST /v1/estimate/preview as the web UI sends them (the 2P line's quantity 1..24).
For each it prints the wall p50/p95/p99 at the client, the server's CPU per request (the whole
process tree of `kis serve`, from /proc: see proc_cpu.py) and the client's own CPU per request
(`time.process_time`). The server is idle between requests, so its CPU over a run divided by the
requests is what each cost it (its idle CPU per second is printed too, to show it is negligible).

Then, unless --no-profile, the in-process profile of create_cpu.py (N creates through the use case,
each stage timed) and the preview use case (the engine alone, preview.py), and the per-stage table of
one create with two HTTP rows: the TestClient's (in process) and the real server's (its CPU per create
minus the use case's mean CPU per create), and the first download of each document. Last the goals of
issue 19 that these figures judge, met or missed; the exit status is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers start `kis serve`

from bench_requests import DOMAIN_S8  # noqa: E402 - benchmarks/ is the script's own folder
from create_cpu import Profile, profile  # noqa: E402
from local_service import local_service  # noqa: E402 - benchmarks/ is the script's own folder
from preview import keystrokes, use_case  # noqa: E402
from proc_cpu import tree_cpu_s, tree_cpu_split_s  # noqa: E402

DOCUMENT_KINDS = ("xlsx", "pdf", "svg", "dxf")
IDLE_S = 2.0
PREVIEW_RUNS = 300
WARM_UP = 5
# Issue 19's goals judged here: (figure, at most ms).
GOALS = {
    "server CPU per create": 35.0,
    "POST /v1/estimate p50, one client": 40.0,
    "POST /v1/estimate p95, one client": 60.0,
    "POST /v1/estimate/preview p95, one client": 15.0,
    "preview use case p95": 15.0,
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Served:
    """One run of requests through the server: wall ms each, and CPU ms per request."""

    name: str
    wall_ms: list[float]
    server_ms: float
    server_system_ms: float  # of server_ms, the kernel's share (file writes, fsync, sockets)
    client_ms: float


Call = Callable[[], httpx.Response]


def timed(name: str, pid: int, calls: list[Call], expected: int) -> tuple[Served, list[httpx.Response]]:
    """Send `calls` one at a time; the server's and the client's CPU over the run, divided by the count."""
    wall: list[float] = []
    answers: list[httpx.Response] = []
    server_before, client_before = tree_cpu_split_s(pid), time.process_time()
    for call in calls:
        began = time.perf_counter()
        response = call()
        wall.append((time.perf_counter() - began) * 1000)
        if response.status_code != expected:
            raise SystemExit(f"{name}: {response.status_code} {response.text[:300]}")
        answers.append(response)
    user, system = (
        (a - b) * 1000 / len(calls) for a, b in zip(tree_cpu_split_s(pid), server_before, strict=True)
    )
    client = (time.process_time() - client_before) * 1000 / len(calls)
    return Served(name, wall, user + system, system, client), answers


@dataclass(frozen=True)
class Through:
    """What the real server measured: creates, reads, downloads (first and repeat) and previews."""

    idle_ms_per_s: float
    create: Served
    read: Served
    first: dict[str, Served]
    repeat: dict[str, Served]
    preview: Served


def through_server(runs: int, preview_runs: int, warm_up: int) -> Through:
    with local_service(name="benchmark-server-cpu") as (server, key):
        pid = server.pid  # `kis serve`; with --workers > 1 its workers are its children
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60.0
        ) as http:

            def create() -> httpx.Response:
                return http.post("/v1/estimate", json=DOMAIN_S8)

            def rounds(count: int, previews: int) -> Through:
                made, answers = timed("POST /v1/estimate", pid, [create] * count, 201)
                ids = [answer.json()["id"] for answer in answers]
                read, _ = timed(
                    "GET /v1/estimate/{id}", pid, [_get(http, f"/v1/estimate/{i}") for i in ids], 200
                )
                first: dict[str, Served] = {}
                repeat: dict[str, Served] = {}
                for label, downloads in (("first", first), ("repeat", repeat)):
                    for kind in DOCUMENT_KINDS:
                        paths = [f"/v1/estimate/{i}/documents/{kind}" for i in ids]
                        downloads[kind], _ = timed(
                            f"GET …/documents/{kind} ({label})", pid, [_get(http, p) for p in paths], 200
                        )
                previewed, _ = timed(
                    "POST /v1/estimate/preview",
                    pid,
                    [_post(http, "/v1/estimate/preview", body) for body in keystrokes(previews)],
                    200,
                )
                return Through(0.0, made, read, first, repeat, previewed)

            # Warm-up: imports, fonts, caches, the first pages, each document's first rendering.
            rounds(warm_up, warm_up * 4)
            before = tree_cpu_s(pid)
            time.sleep(IDLE_S)
            idle = (tree_cpu_s(pid) - before) * 1000 / IDLE_S
            measured = rounds(runs, preview_runs)
    return replace(measured, idle_ms_per_s=idle)


def _get(http: httpx.Client, path: str) -> Call:
    return lambda: http.get(path)


def _post(http: httpx.Client, path: str, body: object) -> Call:
    return lambda: http.post(path, json=body)


def latency_table(through: Through) -> None:
    print(
        "\nOne client, kis serve --workers 1 (SQLite + file store), keep-alive, one request at a time\n"
        f"{'request':36} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7}   {'server CPU':>10} {'of it sys':>9} "
        f"{'client CPU':>10}"
    )
    runs = [through.create, through.read, *through.first.values(), *through.repeat.values(), through.preview]
    for run in runs:
        p50, p95, p99 = (percentile(run.wall_ms, f) for f in (0.5, 0.95, 0.99))
        print(
            f"{run.name:36} {len(run.wall_ms):>4} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f}   "
            f"{run.server_ms:>10.2f} {run.server_system_ms:>9.2f} {run.client_ms:>10.2f}"
        )
    print(
        "(wall ms at the client; CPU ms per request: the server's process tree from /proc, with its "
        "system (kernel) part, the "
        f"client's process_time; server idle {through.idle_ms_per_s:.2f} ms of CPU per s)"
    )


def stage_table(through: Through, profile: Profile) -> None:
    rows = dict(profile.stages)
    http_in_process = rows.pop("HTTP")
    real_http = through.create.server_ms - profile.use_case_mean
    print(
        f"\nCPU of one create, DOMAIN §8 panel, SQLite + file store (ms; stages: p50 of {profile.runs} "
        "creates in process)"
    )
    for name, ms in rows.items():
        print(f"  {name:<44} {ms:7.2f}")
    print(f"  {'use case (p50; mean)':<44} {profile.use_case:7.2f}  ({profile.use_case_mean:.2f})")
    print(f"  {'HTTP, TestClient in process (p50 difference)':<44} {http_in_process:7.2f}")
    print(f"  {'HTTP, kis serve (server mean - use case mean)':<44} {real_http:7.2f}")
    print(f"  {'server CPU per create (kis serve, mean)':<44} {through.create.server_ms:7.2f}")
    print("First download of each document through kis serve (server CPU per request, mean ms)")
    for kind in DOCUMENT_KINDS:
        first, repeat = through.first[kind].server_ms, through.repeat[kind].server_ms
        print(
            f"  {kind + ' first download':<44} {first:7.2f}  (repeat {repeat:.2f}, "
            f"first minus repeat {first - repeat:.2f})"
        )
    downloads = sum(run.server_ms for run in through.first.values())
    print(f"  {'create + first download of every document':<44} {through.create.server_ms + downloads:7.2f}")


def figures(through: Through, preview_use_case: list[float] | None) -> dict[str, float]:
    """The goal figures in ms (the preview use case's only when it was measured)."""
    result = {
        "server CPU per create": through.create.server_ms,
        "POST /v1/estimate p50, one client": percentile(through.create.wall_ms, 0.5),
        "POST /v1/estimate p95, one client": percentile(through.create.wall_ms, 0.95),
        "POST /v1/estimate/preview p95, one client": percentile(through.preview.wall_ms, 0.95),
    }
    if preview_use_case is not None:
        result["preview use case p95"] = percentile(preview_use_case, 0.95)
    return result


def judge(measured: dict[str, float], goals: dict[str, float], unit: str = "ms") -> list[str]:
    """Print each goal met or MISSED; return the names of the goals missed."""
    missed = []
    for name, value in measured.items():
        goal = goals[name]
        ok = value <= goal
        print(f"  {name:<46} {value:9.2f} {unit:<3} (goal <= {goal:g})  {'met' if ok else 'MISSED'}")
        if not ok:
            missed.append(name)
    return missed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="creates (and reads, downloads) measured")
    parser.add_argument("--preview-runs", type=int, default=PREVIEW_RUNS, help="previews measured")
    parser.add_argument("--warm-up", type=int, default=WARM_UP, help="warm-up creates before measuring")
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the in-process stage profile (the server only)"
    )
    args = parser.parse_args(argv)
    through = through_server(args.runs, args.preview_runs, args.warm_up)
    latency_table(through)
    preview_use_case = None
    if not args.no_profile:
        stage_table(through, profile(args.runs))
        preview_use_case = use_case(args.preview_runs)
    print("\ngoals (issue 19):")
    missed = judge(figures(through, preview_use_case), GOALS)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
