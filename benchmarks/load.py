"""Sustained traffic against the HTTP service: throughput, p50/p95/p99 per kind, errors by status, and
where the CPU went (each server, PostgreSQL, the S3 server, the client, the machine).

`python benchmarks/load.py [--seconds N] [--clients C] [--backend sqlite|postgres] [--workers W]
[--processes 1,2] [--mix mixed|create]` starts its own service and, with C concurrent clients (threads,
each with a keep-alive connection to every server), sends for N seconds
- `--mix mixed` (the default):
  - 20% POST /v1/estimate (the DOMAIN §8 request for one of a few customers, a fresh Idempotency-Key);
  - 50% GET /v1/estimate/{id} of a quote made before or during the run;
  - 20% GET /v1/estimate?q=… (a customer's name, or a word nobody used), one page of 20;
  -  5% POST /v1/estimate with `Accept: text/event-stream`, read to its DONE frame;
  -  5% GET /v1/estimate/{id}/events of a finished quote (replay to DONE);
- `--mix create`: only the POST /v1/estimate above, back to back (the capacity figure of issue 19).
A stream's latency is the time to its DONE frame. Anything but the expected status (or a stream that
does not end with DONE) is an error, counted by status or exception class.

Services it starts (KIS_DOC_RECALC=0, in a temporary directory, removed afterwards):
- `--backend sqlite`: `kis serve --workers W` over SQLite and a file store;
- `--backend postgres`: a throwaway PostgreSQL (tests/postgres_server.py) and a moto S3 server
  (tests/storage/s3_server.py), migrated with `kis db upgrade` and `kis storage init`, and as many
  `kis serve --workers W` processes as the largest of --processes. It runs one step per entry of
  --processes (default 1 then 2), each sending to the first that many servers (each client to every one
  of them in turn), and ends with a summary of the steps.
After each step it prints the CPU each process tree spent (from /proc, see proc_cpu.py: each `kis
serve` with its workers, PostgreSQL's postmaster with its backends, the S3 server), this client
process's, and how busy the whole machine was (/proc/stat; what is left over is other work on the
machine), per second of the run (cores), per request and per create made; on PostgreSQL also what its
client backends were doing, sampled every 0.1 s (running, or waiting on a Lock, an LWLock, IO, …).
`--url URL [--url URL …] --api-key KEY` loads a running service instead (an estimator or admin key; the
quotes it makes stay). The exit status is 1 when any request failed.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the service helpers of the tests start PostgreSQL, S3 and the servers

from proc_cpu import TICKS_PER_S, process_cpu_s, tree_cpu_s  # noqa: E402 - benchmarks/ is the script's own folder
from tests.live import LiveServer, create_api_key, free_port, read_sse, run_kis  # noqa: E402

DOMAIN_S8: dict[str, Any] = json.loads(
    (ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8")
)
CUSTOMERS = ["동양기전", "서해건설", "한빛전기", "대성산업", "미래엔지니어링"]
SEARCH_TERMS = [*CUSTOMERS, "EST-", "신축", "없는고객"]
SEED_QUOTES = 20
TIMEOUT = httpx.Timeout(60.0)
S3_ACCESS_KEY = "AKIAKISLOADBENCH0001"
S3_SECRET_KEY = "kis-load-benchmark-secret"


@dataclass(frozen=True)
class Kind:
    name: str
    share: float


MIXES = {
    "mixed": [
        Kind("POST create", 0.20),
        Kind("GET quote", 0.50),
        Kind("GET search", 0.20),
        Kind("POST stream", 0.05),
        Kind("GET events", 0.05),
    ],
    "create": [Kind("POST create", 1.0)],  # the capacity of issue 19: creates back to back
}
CREATES = ("POST create", "POST stream")  # the kinds that make a quote
SERVERS = "kis serve (all servers)"


@dataclass
class Tally:
    """Latencies (ms) of the requests that succeeded and errors by status, for one kind."""

    ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def merge(self, other: Tally) -> None:
        self.ms += other.ms
        self.errors.update(other.errors)


class Quotes:
    """The ids of quotes made so far, shared by the clients (reads and event tails pick among them)."""

    def __init__(self, ids: list[str]) -> None:
        self._ids = list(ids)
        self._lock = threading.Lock()

    def add(self, quote_id: str) -> None:
        with self._lock:
            self._ids.append(quote_id)

    def pick(self, rng: random.Random) -> str:
        with self._lock:
            return rng.choice(self._ids)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def request_for(rng: random.Random) -> dict[str, Any]:
    body = copy.deepcopy(DOMAIN_S8)
    body["customer"]["name"] = rng.choice(CUSTOMERS)
    return body


class Failed(Exception):
    """A request that did not give what it should; the message is the error's key (status or reason)."""


def _expect(response: httpx.Response, status: int) -> httpx.Response:
    if response.status_code != status:
        raise Failed(str(response.status_code))
    return response


def _stream_to_done(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        response.read()
        raise Failed(str(response.status_code))
    frames = read_sse(response)
    if not frames or frames[-1].type != "DONE":
        last = frames[-1].type if frames else "nothing"
        status = frames[-1].payload.get("status") if frames and isinstance(frames[-1].payload, dict) else None
        raise Failed(f"stream ended with {last}" + (f" {status}" if status else ""))
    return dict(frames[-1].payload)


def do_create(http: httpx.Client, rng: random.Random, quotes: Quotes) -> None:
    # A random key, not one drawn from the seeded choices: a later step or run with the same seed would
    # replay the quotes made before instead of making new ones.
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    quote = _expect(http.post("/v1/estimate", json=request_for(rng), headers=headers), 201).json()
    quotes.add(quote["id"])


def do_read(http: httpx.Client, rng: random.Random, quotes: Quotes) -> None:
    _expect(http.get(f"/v1/estimate/{quotes.pick(rng)}"), 200)


def do_search(http: httpx.Client, rng: random.Random, quotes: Quotes) -> None:
    _expect(http.get("/v1/estimate", params={"q": rng.choice(SEARCH_TERMS), "size": 20}), 200)


def do_stream(http: httpx.Client, rng: random.Random, quotes: Quotes) -> None:
    sse = {"Accept": "text/event-stream"}
    with http.stream("POST", "/v1/estimate", json=request_for(rng), headers=sse) as response:
        done = _stream_to_done(response)
    quotes.add(done["quoteId"])


def do_events(http: httpx.Client, rng: random.Random, quotes: Quotes) -> None:
    with http.stream("GET", f"/v1/estimate/{quotes.pick(rng)}/events") as response:
        _stream_to_done(response)


ACTIONS: dict[str, Callable[[httpx.Client, random.Random, Quotes], None]] = {
    "POST create": do_create,
    "GET quote": do_read,
    "GET search": do_search,
    "POST stream": do_stream,
    "GET events": do_events,
}


@dataclass
class Result:
    seconds: float
    tallies: dict[str, Tally]
    per_server: Counter[str]


def run_load(
    urls: list[str], key: str, kinds: list[Kind], clients: int, seconds: float, seed: int, quotes: Quotes
) -> Result:
    """`clients` threads send the mix for `seconds`, each to every server in turn."""
    names = [kind.name for kind in kinds]
    weights = [kind.share for kind in kinds]
    tallies = {name: Tally() for name in names}
    per_server: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = 0.0

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        mine = {name: Tally() for name in names}
        sent: Counter[str] = Counter()
        headers = {"Authorization": f"Bearer {key}"}
        with contextlib.ExitStack() as stack:
            https = [
                stack.enter_context(httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT))
                for url in urls
            ]
            turn = itertools.cycle(range(len(urls)))
            for _ in range(index):  # the clients start on different servers
                next(turn)
            start.wait()
            while time.perf_counter() < deadline:
                name = rng.choices(names, weights)[0]
                server = next(turn)
                began = time.perf_counter()
                try:
                    ACTIONS[name](https[server], rng, quotes)
                except Failed as failure:
                    mine[name].errors[str(failure)] += 1
                except httpx.HTTPError as exc:
                    mine[name].errors[type(exc).__name__] += 1
                else:
                    mine[name].ms.append((time.perf_counter() - began) * 1000)
                sent[urls[server]] += 1
        with lock:
            for name in names:
                tallies[name].merge(mine[name])
            per_server.update(sent)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return Result(time.perf_counter() - began, tallies, per_server)


def seed_quotes(urls: list[str], key: str, count: int) -> Quotes:
    """Quotes to read from the first second on; also warms every server (imports, fonts, connections)."""
    rng = random.Random(0)
    ids = []
    headers = {"Authorization": f"Bearer {key}"}
    for index in range(count):
        url = urls[index % len(urls)]
        response = httpx.post(f"{url}/v1/estimate", json=request_for(rng), headers=headers, timeout=TIMEOUT)
        if response.status_code != 201:
            raise RuntimeError(f"seeding {url}: {response.status_code} {response.text[:500]}")
        ids.append(response.json()["id"])
    return Quotes(ids)


def report(result: Result, urls: list[str], kinds: list[Kind]) -> int:
    """Print the table, the errors and the spread over servers; return the number of errors."""
    print(
        f"{'':14} {'share':>5} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50':>8} {'p95':>8} "
        f"{'p99':>8} {'max':>8}"
    )
    overall = Tally()
    rows = [(kind.name, f"{kind.share:.0%}", result.tallies[kind.name]) for kind in kinds]
    for tally in result.tallies.values():
        overall.merge(tally)
    for name, share, tally in [*rows, ("all", "", overall)]:
        ms = tally.ms or [float("nan")]
        count = len(tally.ms) + sum(tally.errors.values())
        print(
            f"{name:14} {share:>5} {count:>8} {sum(tally.errors.values()):>6} "
            f"{len(tally.ms) / result.seconds:>7.1f} {percentile(ms, 0.50):>8.1f} {percentile(ms, 0.95):>8.1f} "
            f"{percentile(ms, 0.99):>8.1f} {max(ms):>8.1f}"
        )
    print("(latencies in ms at the client, successful requests only; a stream's is the time to DONE)")
    errors = Counter[str]()
    for name, tally in result.tallies.items():
        errors.update({f"{name}: {status}": n for status, n in tally.errors.items()})
    if errors:
        print("errors by status: " + ", ".join(f"{what} ×{n}" for what, n in sorted(errors.items())))
    else:
        print("errors by status: none")
    spread = ", ".join(f"{url} {result.per_server[url]}" for url in urls)
    print(f"requests per server: {spread}")
    return sum(errors.values())


# ------------------------------------------------------------------------------- services it starts


@dataclass
class Service:
    """What a run loads: the servers' URLs, a key, a description, and the processes whose CPU it reports
    with their descendants (name -> pid: each server, PostgreSQL's postmaster, the S3 server)."""

    urls: list[str]
    key: str
    what: str
    processes: dict[str, int]
    database_url: str | None = None  # PostgreSQL's, sampled for what its backends wait on


@contextlib.contextmanager
def sqlite_service(workers: int) -> Iterator[Service]:
    with tempfile.TemporaryDirectory(prefix="kis-load-") as tmp:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp}/kis.db",
            "STORAGE_URL": f"file://{tmp}/blobs",
            "KIS_DOC_RECALC": "0",
            "LOG_LEVEL": "WARNING",
        }
        key = create_api_key(env, "estimator", "load benchmark", cwd=tmp)
        with LiveServer(env, mode="serve", workers=workers, name="sqlite") as server:
            what = f"kis serve --workers {workers} over SQLite and files"
            yield Service([server.url], key, what, {"server A": server.pid})


# The S3 server runs in a process of its own, so that it does not share the clients' interpreter.
_MOTO = """
import logging, sys
sys.path.insert(0, sys.argv[1])
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from tests.storage.s3_server import GatedMotoServer
server = GatedMotoServer({sys.argv[2]: sys.argv[3]}, ip_address="127.0.0.1", port=int(sys.argv[4]))
server.start()
print("ready", flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def s3_process() -> Iterator[tuple[str, int]]:
    """A moto S3 server (behind the presign gate of the tests) in a subprocess; yields its endpoint URL
    and its pid."""
    port = free_port()
    command = [sys.executable, "-c", _MOTO, str(ROOT), S3_ACCESS_KEY, S3_SECRET_KEY, str(port)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError(f"the S3 server did not start (exit {process.wait(10)})")
            yield f"http://127.0.0.1:{port}", process.pid
        finally:
            process.kill()


@contextlib.contextmanager
def postgres_service(workers: int, processes: int) -> Iterator[Service]:
    from tests.postgres_server import TemporaryPostgres

    with contextlib.ExitStack() as stack:
        postgres = TemporaryPostgres()
        stack.callback(postgres.stop)
        postgres.start()
        endpoint, s3_pid = stack.enter_context(s3_process())
        env = {
            "DATABASE_URL": postgres.create_database("kis_load"),
            "STORAGE_URL": "s3://kis-load-evidence",
            "S3_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "AWS_REGION": "us-east-1",
            "EVIDENCE_SECRET": "kis-load-benchmark-evidence-secret",
            "KIS_DOC_RECALC": "0",
            "LOG_LEVEL": "WARNING",
        }
        run_kis(env, "db", "upgrade")
        run_kis(env, "storage", "init")
        key = create_api_key(env, "estimator", "load benchmark")
        names = [f"server {chr(ord('A') + index)}" for index in range(processes)]
        servers = [LiveServer(env, mode="serve", workers=workers, name=name[-1]) for name in names]
        for server in servers:
            stack.callback(server.close)
            server.spawn()
        for server in servers:
            server.wait_ready(timeout_s=60)
        postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
        processes = {name: server.pid for name, server in zip(names, servers, strict=True)}
        processes |= {"PostgreSQL": postmaster, "S3 (moto)": s3_pid}
        what = f"kis serve --workers {workers} over PostgreSQL and S3 (moto)"
        yield Service([server.url for server in servers], key, what, processes, env["DATABASE_URL"])


# ------------------------------------------------------------------------------- where the CPU went


def machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy so far (every core, every process: /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS_PER_S  # all but idle and iowait


class WaitSampler:
    """Samples PostgreSQL's client backends every 0.1 s during a run: how many are active and what the
    active ones wait on (Lock: row or table locks; LWLock: internal locks; IO; none: running). The CPU its
    own backend spends answering is kept in `own_cpu_s`, to take it out of PostgreSQL's figure."""

    def __init__(self, database_url: str) -> None:
        self._dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.samples = 0
        self.waits: Counter[str] = Counter()
        self.own_cpu_s = 0.0

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psycopg

        query = (
            "SELECT coalesce(wait_event_type, 'running') FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()"
        )
        with psycopg.connect(self._dsn, autocommit=True) as connection:
            own = connection.info.backend_pid
            started = process_cpu_s(own)
            while not self._stop.wait(0.1):
                rows = connection.execute(query).fetchall()
                self.samples += 1
                self.waits.update(str(row[0]) for row in rows)
            self.own_cpu_s = process_cpu_s(own) - started

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        active = sum(self.waits.values()) / self.samples
        each = ", ".join(f"{what} {n / self.samples:.2f}" for what, n in self.waits.most_common())
        return f"active {active:.2f} on average ({each or 'none'})"


@dataclass
class Spent:
    """CPU seconds over one run: each process tree, this client process, and the whole machine."""

    trees: dict[str, float]
    client: float
    machine: float


def cpu_now(service: Service) -> Spent:
    trees = {name: tree_cpu_s(pid) for name, pid in service.processes.items()}
    return Spent(trees, time.process_time(), machine_busy_s())


def report_cpu(before: Spent, after: Spent, result: Result, waits: WaitSampler | None) -> dict[str, float]:
    """Print where the CPU went over the run; return each part's CPU ms per create made."""
    creates = sum(len(result.tallies[name].ms) for name in CREATES if name in result.tallies)
    requests = sum(len(tally.ms) for tally in result.tallies.values())
    parts = {name: after.trees[name] - before.trees[name] for name in after.trees}
    if waits is not None:  # the sampler's own queries are not the service's work
        parts["PostgreSQL"] -= waits.own_cpu_s
    parts["client (this process)"] = after.client - before.client
    servers = sum(seconds for name, seconds in parts.items() if name.startswith("server "))
    machine = after.machine - before.machine
    print(f"CPU over the run ({result.seconds:.1f} s; {os.cpu_count()} CPUs):")
    print(f"  {'':24} {'CPU s':>7} {'cores':>6} {'ms/request':>10} {'ms/create':>10}")
    per_create = {}
    rows = [*parts.items(), (SERVERS, servers), ("all of the above", sum(parts.values()))]
    for name, seconds in rows:
        per_create[name] = seconds * 1000 / creates if creates else float("nan")
        print(
            f"  {name:24} {seconds:>7.2f} {seconds / result.seconds:>6.2f} "
            f"{seconds * 1000 / max(1, requests):>10.2f} {per_create[name]:>10.2f}"
        )
    others = machine - sum(parts.values())
    print(
        f"  machine busy {machine / result.seconds:.2f} cores, of which other processes (not this "
        f"benchmark) {max(0.0, others) / result.seconds:.2f}"
    )
    if waits is not None:
        print(
            f"  PostgreSQL client backends (sampled every 0.1 s): {waits.summary()}; the sampling's own "
            f"{waits.own_cpu_s:.2f} s of CPU is left out of PostgreSQL's above"
        )
    return per_create


@dataclass
class Step:
    """One run's headline figures, for the summary over process counts."""

    processes: int
    requests_per_s: float
    creates_per_s: float
    create_p95: float
    all_p95: float
    per_create: dict[str, float]  # CPU ms per create of each part (report_cpu's rows)
    errors: int


def summarise(steps: list[Step]) -> None:
    parts = {
        "servers": SERVERS,
        "PostgreSQL": "PostgreSQL",
        "S3": "S3 (moto)",
        "client": "client (this process)",
    }
    print("\nscale-out summary (latencies in ms at the client; CPU ms per create made):")
    head = "".join(f" {label:>10}" for label in parts)
    print(f"  {'processes':>9} {'req/s':>7} {'creates/s':>9} {'create p95':>10} {'all p95':>8}{head}")
    for step in steps:
        cpu = "".join(f" {step.per_create.get(name, float('nan')):>10.2f}" for name in parts.values())
        print(
            f"  {step.processes:>9} {step.requests_per_s:>7.1f} {step.creates_per_s:>9.1f} "
            f"{step.create_p95:>10.1f} {step.all_p95:>8.1f}{cpu}"
        )


def run_steps(
    service: Service, steps_of: list[int], mix: str, clients: int, seconds: float, seed: int
) -> list[Step]:
    """Seed quotes on every server, then one run of `mix` per entry of `steps_of` (that many servers),
    each printed with where its CPU went."""
    kinds = MIXES[mix]
    quotes = seed_quotes(service.urls, service.key, SEED_QUOTES)
    steps = []
    for processes in steps_of:
        urls = service.urls[:processes]
        print(
            f"\nservice: {processes} × {service.what} at {', '.join(urls)}; {mix} mix, "
            f"{clients} clients, {seconds:g} s, {os.cpu_count()} CPUs"
        )
        with contextlib.ExitStack() as sampling:
            waits = (
                sampling.enter_context(WaitSampler(service.database_url)) if service.database_url else None
            )
            before = cpu_now(service)
            result = run_load(urls, service.key, kinds, clients, seconds, seed, quotes)
            after = cpu_now(service)
        errors = report(result, urls, kinds)
        per_create = report_cpu(before, after, result, waits)
        overall = [ms for tally in result.tallies.values() for ms in tally.ms]
        created = [ms for name in CREATES if name in result.tallies for ms in result.tallies[name].ms]
        steps.append(
            Step(
                processes,
                len(overall) / result.seconds,
                len(created) / result.seconds,
                percentile(result.tallies["POST create"].ms or [float("nan")], 0.95),
                percentile(overall or [float("nan")], 0.95),
                per_create,
                errors,
            )
        )
    return steps


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the mix runs (per step)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--backend", choices=["sqlite", "postgres"], default="sqlite", help="the service it starts"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes per server it starts")
    parser.add_argument(
        "--processes",
        default=None,
        help="postgres: server processes per step, e.g. 1,2 (the default: 1 then 2)",
    )
    parser.add_argument("--mix", choices=sorted(MIXES), default="mixed", help="the requests sent")
    parser.add_argument("--url", action="append", help="load this running service (repeat for several)")
    parser.add_argument("--api-key", help="an estimator or admin key of the service at --url")
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' random choices")
    args = parser.parse_args(argv)
    if args.url and not args.api_key:
        parser.error("--url needs --api-key")
    if args.processes and args.backend != "postgres":
        parser.error("--processes needs --backend postgres")
    steps_of = [int(n) for n in (args.processes or "1,2").split(",")] if args.backend == "postgres" else [1]
    if args.url:
        steps_of = [len(args.url)]
    with contextlib.ExitStack() as stack:
        if args.url:
            urls = [url.rstrip("/") for url in args.url]
            service = Service(urls, args.api_key, "a running service", {})
        elif args.backend == "sqlite":
            service = stack.enter_context(sqlite_service(args.workers))
        else:
            service = stack.enter_context(postgres_service(args.workers, max(steps_of)))
        steps = run_steps(service, steps_of, args.mix, args.clients, args.seconds, args.seed)
    if len(steps) > 1:
        summarise(steps)
    return 1 if any(step.errors for step in steps) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
