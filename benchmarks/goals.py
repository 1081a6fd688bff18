"""Every figure issue 19's goals name, measured in one run and judged met or MISSED in one summary.

`python benchmarks/goals.py [--runs N] [--seconds S] [--skip PART …]` (from the repository root,
`PYTHONPATH=src`) runs, each part printing its own table as it goes:
- one: a real `kis serve --workers 1` over SQLite, one client (server_cpu.py): the server's CPU per create,
  POST /v1/estimate p50 and p95, POST /v1/estimate/preview p95, and the preview use case's p95 (the
  engine alone, in this process: preview.py);
- capacity: `kis serve --workers 2` over SQLite (api.py's service), 8 clients sending creates back to
  back for S seconds: creates per second and p95;
- phases: the phase corpus (phase_corpus.py), all 1,000 panels: p99 and the count unproven;
- scale-out: PostgreSQL + S3 with 1 then 2 `kis serve --workers 1` processes, 8 clients sending creates
  back to back for S seconds each (load.py --backend postgres --mix create): creates per second, p95,
  and the CPU per create of the servers, PostgreSQL and the S3 server. The issue sets no number here but
  asks that throughput grow with processes until the database is the limit: the growth is judged, the
  rest reported.
The exit status is 1 when a goal is missed. Client, servers, PostgreSQL and the S3 server share the
machine's cores: run it on a quiet machine, and compare runs made back to back.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers start the services

import load  # noqa: E402
import phase_corpus  # noqa: E402
import server_cpu  # noqa: E402
from bench_requests import DOMAIN_S8  # noqa: E402
from preview import use_case  # noqa: E402

import api  # noqa: E402 - benchmarks/ is the script's own folder

PARTS = ("one", "capacity", "phases", "scale-out")
CLIENTS = 8


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    goal: str  # "<= 35", ">= 25", "" (reported, no goal)
    met: bool | None  # None: reported only


def one_client(runs: int) -> list[Figure]:
    print("== one client, kis serve --workers 1 (server_cpu.py) ==")
    through = server_cpu.through_server(runs, server_cpu.PREVIEW_RUNS, server_cpu.WARM_UP)
    server_cpu.latency_table(through)
    measured = server_cpu.figures(through, use_case(server_cpu.PREVIEW_RUNS))
    return [
        Figure(name, value, "ms", f"<= {server_cpu.GOALS[name]:g}", value <= server_cpu.GOALS[name])
        for name, value in measured.items()
    ]


def capacity(seconds: float) -> list[Figure]:
    print(f"\n== capacity: kis serve --workers 2 (SQLite), {CLIENTS} clients, creates back to back ==")
    with api.own_service(2) as (url, key):
        headers = {"Authorization": f"Bearer {key}"}

        def create(http: httpx.Client, _: random.Random) -> httpx.Response:
            return http.post("/v1/estimate", json=DOMAIN_S8)

        api.measure("warm-up", url, headers, create, 201, CLIENTS, api.WARM_UP_S)
        run = api.measure("POST /v1/estimate", url, headers, create, 201, CLIENTS, seconds)
    ok = not run.failures
    p95 = api.percentile(run.ms, 0.95) if run.ms else float("inf")
    p50 = api.percentile(run.ms, 0.5) if run.ms else float("inf")
    print(
        f"{len(run.ms)} creates in {run.seconds:.1f} s: {run.throughput:.1f}/s, p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms (at the client), failures {run.failures or 'none'}"
    )
    return [
        Figure(
            f"creates/s, --workers 2, {CLIENTS} clients",
            run.throughput,
            "/s",
            ">= 25",
            ok and run.throughput >= 25,
        ),
        Figure(f"POST p95, --workers 2, {CLIENTS} clients", p95, "ms", "<= 500", ok and p95 <= 500),
    ]


def phases() -> list[Figure]:
    print("\n== phase corpus (phase_corpus.py), 1,000 panels ==")
    corpus = phase_corpus.solve_corpus()
    p99 = phase_corpus.percentile(corpus.times_ms, 0.99)
    print(
        f"p50 {phase_corpus.percentile(corpus.times_ms, 0.5):.1f} ms  p95 "
        f"{phase_corpus.percentile(corpus.times_ms, 0.95):.1f} ms  p99 {p99:.1f} ms  max "
        f"{corpus.times_ms[-1]:.1f} ms  unproven {len(corpus.unproven)}  wall {corpus.wall_s:.1f} s"
    )
    return [
        Figure("phase corpus p99", p99, "ms", "<= 200", p99 <= 200),
        Figure("phase corpus unproven", len(corpus.unproven), "", "<= 0", not corpus.unproven),
    ]


def scale_out(seconds: float) -> list[Figure]:
    print(f"\n== scale-out: PostgreSQL + S3 (load.py --backend postgres --mix create), {CLIENTS} clients ==")
    with contextlib.ExitStack() as stack:
        service = stack.enter_context(load.postgres_service(1, 2))
        steps = load.run_steps(service, [1, 2], "create", CLIENTS, seconds, seed=1)
    load.summarise(steps)
    figures = []
    for step in steps:
        n = f"{step.processes} process{'es' if step.processes > 1 else ''}"
        figures += [
            Figure(f"PostgreSQL + S3, {n}: creates/s", step.creates_per_s, "/s", "", None),
            Figure(f"PostgreSQL + S3, {n}: POST p95", step.create_p95, "ms", "", None),
            Figure(
                f"PostgreSQL + S3, {n}: PostgreSQL CPU/create", step.per_create["PostgreSQL"], "ms", "", None
            ),
        ]
    growth = steps[1].creates_per_s / steps[0].creates_per_s if steps[0].creates_per_s else 0.0
    errors = sum(step.errors for step in steps)
    figures.append(
        Figure("PostgreSQL + S3, creates/s 2 over 1 process", growth, "x", "> 1", growth > 1 and not errors)
    )
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="serial creates of the one-client part")
    parser.add_argument("--seconds", type=float, default=20.0, help="each load run (capacity, scale-out)")
    parser.add_argument("--skip", action="append", choices=PARTS, default=[], help="leave a part out")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    if "one" not in args.skip:
        figures += one_client(args.runs)
    if "capacity" not in args.skip:
        figures += capacity(args.seconds)
    if "phases" not in args.skip:
        figures += phases()
    if "scale-out" not in args.skip:
        figures += scale_out(args.seconds)
    print("\ngoals of issue 19:")
    for figure in figures:
        verdict = "reported" if figure.met is None else ("met" if figure.met else "MISSED")
        goal = f"(goal {figure.goal})" if figure.goal else ""
        print(f"  {figure.name:<50} {figure.value:9.2f} {figure.unit:<3} {goal:<14} {verdict}")
    return 1 if any(figure.met is False for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
