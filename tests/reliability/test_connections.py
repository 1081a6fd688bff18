"""Slow and idle clients against a real `kis serve` on loopback (issue 14, finding 3).

One server runs with short limits (SERVE_HEAD_TIMEOUT_S, SERVE_KEEP_ALIVE_S, SERVE_MAX_CONNECTIONS)
and a file-descriptor limit of its own (RLIMIT_NOFILE), so that a few hundred idle sockets are enough to
exhaust it the way ~20,000 exhausted the default. A request head trickled a byte at a time, and a
connection that never sends anything, are cut within the head deadline; idle sockets beyond the
connection limit never stop /healthz answering.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.live import LiveServer, embedded_env
from tests.reliability.figures import record

HEAD_TIMEOUT_S = 2.0
KEEP_ALIVE_S = 1
MAX_CONNECTIONS = 100
FD_LIMIT = 256  # the server's RLIMIT_NOFILE: without a connection limit, IDLE_SOCKETS exhaust it
IDLE_SOCKETS = 300
SLACK_S = 1.0  # timers fire on the event loop's next turn; the test machine is shared

_WITH_FD_LIMIT = (
    "import os, resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]),) * 2); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


class LimitedServer(LiveServer):
    """`kis serve` with RLIMIT_NOFILE set to FD_LIMIT (the process execs itself into the command)."""

    def command(self) -> list[str]:
        return [sys.executable, "-c", _WITH_FD_LIMIT, str(FD_LIMIT), *super().command()]


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with tempfile.TemporaryDirectory(prefix="kis-connections-") as tmp:
        env = embedded_env(
            tmp,
            SERVE_HEAD_TIMEOUT_S=str(HEAD_TIMEOUT_S),
            SERVE_KEEP_ALIVE_S=str(KEEP_ALIVE_S),
            SERVE_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
        )
        with LimitedServer(env, mode="serve", name="connections") as running:
            yield running


def _closed_after(
    connection: socket.socket, trickle: bytes = b"", every_s: float = 0.25
) -> tuple[float, bytes]:
    """Send `trickle` a byte every `every_s` (or nothing) until the server closes; (seconds, answer)."""
    began, answer, sent = time.monotonic(), b"", 0
    connection.settimeout(every_s)
    while time.monotonic() - began < 10 * HEAD_TIMEOUT_S:
        if sent < len(trickle):
            try:
                connection.send(trickle[sent : sent + 1])
            except OSError:
                break
            sent += 1
        try:
            chunk = connection.recv(4096)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        answer += chunk
    return time.monotonic() - began, answer


def _connect(server: LiveServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=5)


def test_a_head_trickled_a_byte_at_a_time_is_cut_within_the_head_timeout(server: LiveServer) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"s" * 200
    with _connect(server) as connection:
        seconds, answer = _closed_after(connection, head)
    assert seconds < HEAD_TIMEOUT_S + SLACK_S, f"the trickled head stayed open {seconds:.1f} s"
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    record("connections_trickle", head_timeout_s=HEAD_TIMEOUT_S, closed_after_s=round(seconds, 2))


def test_a_connection_that_sends_nothing_is_closed_within_the_head_timeout(server: LiveServer) -> None:
    with _connect(server) as connection:
        seconds, answer = _closed_after(connection)
    assert seconds < HEAD_TIMEOUT_S + SLACK_S and answer == b"", (seconds, answer[:200])


def test_an_idle_keep_alive_connection_is_closed_after_serve_keep_alive_s(server: LiveServer) -> None:
    with _connect(server) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = connection.recv(4096)
        seconds, _ = _closed_after(connection)
    assert first.startswith(b"HTTP/1.1 200 "), first[:200]
    assert seconds < KEEP_ALIVE_S + SLACK_S, f"the idle keep-alive connection stayed open {seconds:.1f} s"


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_idle_sockets_beyond_the_connection_limit_do_not_stop_healthz(server: LiveServer) -> None:
    idle: list[socket.socket] = []
    try:
        for _ in range(IDLE_SOCKETS):
            idle.append(_connect(server))
        health_s = []
        with httpx.Client(base_url=server.url, timeout=HEAD_TIMEOUT_S / 2) as client:
            for _ in range(5):
                began = time.monotonic()
                assert client.get("/healthz", headers={"Connection": "close"}).status_code == 200
                health_s.append(time.monotonic() - began)
        fds = _open_fds(server.pid)
    finally:
        for sock in idle:
            with contextlib.suppress(OSError):
                sock.close()
    assert fds < MAX_CONNECTIONS + 64, f"the server holds {fds} file descriptors"
    record(
        "connections_idle",
        idle_sockets=IDLE_SOCKETS,
        max_connections=MAX_CONNECTIONS,
        server_fds=fds,
        healthz_max_s=round(max(health_s), 3),
    )
