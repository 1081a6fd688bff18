"""The stream and connection attacks of issue 14 (findings 2 and 3), measured against a fresh `kis serve`.

`python benchmarks/attacks.py [--streams N] [--idle N] [--fd-limit N] [--trickle-s S]` starts its own
`kis serve` (one process) on loopback over SQLite and a file store in a temporary directory, with
RLIMIT_NOFILE set to --fd-limit (a common default), and runs each attack in turn, bounded in count and
time, nothing but loopback:
- finished: N event streams of one key on a finished quote with `Last-Event-ID: 999999`;
- in-flight: N event streams spread over N/8 keys on a quote whose create is still running;
- idle: N connections that never send a byte;
- trickle: one request head sent a byte every second, for at most --trickle-s seconds.
For each: how many streams or connections the server still holds after SETTLE_S + HOLD_S (a stream's
request asks for `Connection: close`, so a connection open is a stream still running), its CPU use
(share of one core) over the HOLD_S while they are held, and the time /healthz takes meanwhile
(TIMEOUT when it does not answer in HEALTH_TIMEOUT_S).
Run it with PYTHONPATH pointing at another source tree to measure that code (e.g. the code before the
fix). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' service helpers start and stop `kis serve`
from tests.live import LiveServer  # noqa: E402

SETTLE_S = 2.0
HOLD_S = 5.0
HEALTH_TIMEOUT_S = 5.0
HEALTH_PROBES = 5
KEYS_PER_STREAMS = 8
_WITH_FD_LIMIT = (
    "import os, resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]),) * 2); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


class LimitedServer(LiveServer):
    def __init__(self, env: dict[str, str], fd_limit: int, **options: Any) -> None:
        super().__init__(env, **options)
        self.fd_limit = fd_limit

    def command(self) -> list[str]:
        return [sys.executable, "-c", _WITH_FD_LIMIT, str(self.fd_limit), *super().command()]


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _health(url: str) -> dict[str, Any]:
    """HEALTH_PROBES fresh-connection GETs of /healthz: the slowest, and how many failed."""
    times, failed = [], 0
    for _ in range(HEALTH_PROBES):
        began = time.monotonic()
        try:
            with httpx.Client(timeout=HEALTH_TIMEOUT_S) as client:
                ok = client.get(f"{url}/healthz", headers={"Connection": "close"}).status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok:
            times.append(time.monotonic() - began)
        else:
            failed += 1
    return {"healthz_max_s": round(max(times), 3) if times else "TIMEOUT", "healthz_failed": failed}


@contextlib.contextmanager
def _sockets(server: LiveServer, heads: list[bytes]) -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    try:
        for head in heads:
            try:
                connection = socket.create_connection((server.host, server.port), timeout=2)
            except OSError:
                break
            if head:
                connection.sendall(head)
            connection.setblocking(False)
            opened.append(connection)
        yield opened
    finally:
        for connection in opened:
            with contextlib.suppress(OSError):
                connection.close()


def _still_open(connections: list[socket.socket]) -> tuple[int, dict[str, int]]:
    """How many the server has not closed, and the statuses answered (what came is read and dropped)."""
    statuses: dict[str, int] = {}
    open_count = 0
    for connection in connections:
        try:
            while chunk := connection.recv(65536):
                if chunk.startswith(b"HTTP/1.1 "):
                    statuses[chunk[9:12].decode()] = statuses.get(chunk[9:12].decode(), 0) + 1
            closed = True
        except BlockingIOError:
            closed = False
        except OSError:
            closed = True
        open_count += not closed
    return open_count, statuses


def _attack(server: LiveServer, name: str, heads: list[bytes]) -> dict[str, Any]:
    with _sockets(server, heads) as connections:
        time.sleep(SETTLE_S)  # the requests are answered; what follows is the cost of holding them
        cpu_before, began = _cpu_s(server.pid), time.monotonic()
        time.sleep(HOLD_S)
        cpu = (_cpu_s(server.pid) - cpu_before) / (time.monotonic() - began)
        held, statuses = _still_open(connections)
        fds = _fds(server.pid)
        health = _health(server.url)
    return {
        "attack": name,
        "sent": len(heads),
        "opened": len(connections),
        "answers": statuses,
        "held_after_s": SETTLE_S + HOLD_S,
        "held": held,
        "server_fds": fds,
        "server_cpu_share": round(cpu, 2),
        **health,
    }


def _stream_head(path: str, key: str, last_event_id: str | None = None) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: attack",
        f"Authorization: Bearer {key}",
        "Connection: close",  # an open connection is a stream still running
    ]
    if last_event_id is not None:
        lines.append(f"Last-Event-ID: {last_event_id}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _trickle(server: LiveServer, bound_s: float) -> dict[str, Any]:
    head = b"GET /healthz HTTP/1.1\r\nHost: attack\r\nX-Slow: " + b"s" * 1000
    began = time.monotonic()
    with socket.create_connection((server.host, server.port), timeout=1.0) as connection:
        for byte in head:
            if time.monotonic() - began > bound_s:
                return {"attack": "trickle", "closed_after_s": f"> {bound_s:.0f} (still open)"}
            try:
                connection.send(bytes([byte]))
                answer = connection.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                answer = b""
            return {
                "attack": "trickle",
                "closed_after_s": round(time.monotonic() - began, 1),
                "answer": answer[:12].decode(),
            }
    return {"attack": "trickle", "closed_after_s": "never"}


def _prepare(env: dict[str, str], in_flight_keys: int) -> tuple[str, str, list[str]]:
    """Keys, a finished quote (its events end with DONE) and an in-flight one (no DONE yet)."""
    from kis_estimator import bootstrap
    from kis_estimator.db.events import EventRepository
    from kis_estimator.db.keys import ApiKeyRepository
    from kis_estimator.settings import Settings

    settings = Settings(_env_file=None, database_url=env["DATABASE_URL"], storage_url=env["STORAGE_URL"])  # type: ignore[call-arg]
    container = bootstrap.build(settings)
    container.prepare_embedded()
    with container.sessions.begin() as session:
        keys = [
            ApiKeyRepository(session).create(f"attacker {n}", "viewer")[1] for n in range(in_flight_keys + 1)
        ]
        events = EventRepository(session)
        for seq, stage in enumerate(("accepted", "validate"), start=1):
            events.append("finished", "PROGRESS", {"stage": stage, "seq": seq})
            events.append("in-flight", "PROGRESS", {"stage": stage, "seq": seq})
        events.append("finished", "DONE", {"quoteId": "finished"})
    container.engine.dispose()
    return "finished", "in-flight", keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=300, help="streams per stream attack")
    parser.add_argument("--idle", type=int, default=1500, help="idle connections")
    parser.add_argument("--fd-limit", type=int, default=1024, help="the server's RLIMIT_NOFILE")
    parser.add_argument("--trickle-s", type=float, default=30.0, help="longest trickle")
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kis-attacks-") as tmp:
        env = {
            "DATABASE_URL": f"sqlite:///{tmp}/kis.db",
            "STORAGE_URL": f"file://{tmp}/blobs",
            "KIS_DOC_RECALC": "0",
            "LOG_LEVEL": "WARNING",
        }
        finished, in_flight, keys = _prepare(env, -(-args.streams // KEYS_PER_STREAMS))
        with LimitedServer(env, args.fd_limit, mode="serve", name="attacks", cwd=tmp) as server:
            results.append({"attack": "none", "server_fds": _fds(server.pid), **_health(server.url)})
            path = f"/v1/estimate/{finished}/events"
            results.append(
                _attack(server, "finished", [_stream_head(path, keys[0], "999999")] * args.streams)
            )
            path = f"/v1/estimate/{in_flight}/events"
            heads = [_stream_head(path, keys[1 + n // KEYS_PER_STREAMS]) for n in range(args.streams)]
            results.append(_attack(server, "in-flight", heads))
            time.sleep(2.0)  # let the server notice the closed streams
            results.append(_attack(server, "idle", [b""] * args.idle))
            results.append(_trickle(server, args.trickle_s))
            server.stop()
    print(json.dumps({"fd_limit": args.fd_limit, "hold_s": HOLD_S, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
