"""`kis serve`: get the embedded default ready, make sure someone can sign in, run uvicorn.

Uvicorn stops gracefully on SIGTERM/SIGINT: it stops accepting, lets running requests finish (up to
`GRACEFUL_S`), then exits. Event streams end on their own after DONE/ERROR; a stream still open at the
deadline is closed.

Slow and idle clients cannot hold connections: uvicorn closes a keep-alive connection idle for
SERVE_KEEP_ALIVE_S, but it has no deadline for a request head (a head trickled a byte at a time, or a
connection that never sends anything, stays open forever) and no cap on open connections (its
`limit_concurrency` answers 503 to requests but still accepts every connection, so idle sockets would
use every file descriptor). `GuardedH11Protocol` adds both: a head must be complete within
SERVE_HEAD_TIMEOUT_S of the connection (or of the previous response), else the connection is closed
(408 when part of a head came); and at SERVE_MAX_CONNECTIONS open connections in a worker, a new one
closes the oldest connection still waiting for its head, or is refused with 503 when every connection
is busy with a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import signal
import socket
import sys
import weakref
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState
from uvicorn.supervisors import Multiprocess

from kis_estimator.bootstrap import Container
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.settings import Settings

GRACEFUL_S = 10
RESERVED_FDS = 64  # file descriptors kept for the database pool, storage, logs and the listener


def _plain_answer(status: str, text: str, *headers: str) -> bytes:
    """A complete HTTP/1.1 answer that closes the connection, for refusals made before any request."""
    body = f"{text}\r\n".encode()
    head = [f"HTTP/1.1 {status}", "content-type: text/plain; charset=utf-8", f"content-length: {len(body)}"]
    lines = [*head, *headers, "connection: close", "", ""]
    return "\r\n".join(lines).encode() + body


_TIMED_OUT = _plain_answer("408 Request Timeout", "The request head came too slowly.")
_BUSY = _plain_answer("503 Service Unavailable", "Too many open connections.", "retry-after: 1")
# Per server: the connections waiting for a request head, oldest first.
_WAITING: weakref.WeakKeyDictionary[ServerState, dict[GuardedH11Protocol, None]] = weakref.WeakKeyDictionary()


class GuardedConfig(uvicorn.Config):
    """uvicorn's Config with the head deadline and the connection cap of `GuardedH11Protocol`."""

    def __init__(self, *args: Any, head_timeout_s: float, max_connections: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout_s, self.max_connections = head_timeout_s, max_connections


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and a cap on open connections."""

    def __init__(
        self, config: GuardedConfig, server_state: ServerState, app_state: dict[str, Any], **kw: Any
    ) -> None:
        super().__init__(config, server_state, app_state, **kw)
        self.head_timeout_s, self.max_connections = config.head_timeout_s, config.max_connections
        self.waiting = _WAITING.setdefault(server_state, {})
        self.head_deadline: asyncio.TimerHandle | None = None
        self.head_begun = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._await_head()
        if len(self.connections) > self.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.head_begun = self.head_begun or self.head_deadline is not None
        super().data_received(data)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request head was parsed: its request runs without this deadline
            self._head_arrived()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._await_head()  # the next head (a pipelined one arrives in super() and disarms it)
        super().on_response_complete()

    def _await_head(self) -> None:
        self._head_arrived()
        self.head_begun = False
        self.head_deadline = self.loop.call_later(self.head_timeout_s, self._head_timed_out)
        self.waiting[self] = None

    def _head_arrived(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None
        self.waiting.pop(self, None)

    def _head_timed_out(self) -> None:
        self.head_deadline = None
        self._close(_TIMED_OUT if self.head_begun else b"")

    def _make_room(self) -> None:
        """Close the oldest connection still waiting for its head; with none, refuse this one."""
        oldest = next((other for other in self.waiting if other is not self), None)
        if oldest is None:
            self._close(_BUSY)
        else:
            oldest._close(b"")

    def _close(self, answer: bytes) -> None:
        self._head_arrived()
        if self.transport.is_closing():
            return
        if answer:
            self.transport.write(answer)
        with contextlib.suppress(h11.LocalProtocolError):
            self.conn.send(h11.ConnectionClosed())
        self.transport.close()


def connection_limit(configured: int) -> int:
    """SERVE_MAX_CONNECTIONS, lowered to what the process's file-descriptor limit allows."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - RESERVED_FDS))


def ensure_admin_key(container: Container) -> str | None:
    """On a database without any live API key, create an admin key and return it (shown once)."""
    with container.sessions.begin() as session:
        keys = ApiKeyRepository(session)
        if keys.count_live() > 0:
            return None
        _, key = keys.create("first admin (kis serve)", "admin")
        return key


def _listening_socket(host: str, port: int) -> socket.socket:
    """The shared socket of several workers, made with IPPROTO_TCP so that asyncio turns Nagle off on
    every accepted connection (uvicorn's own `bind_socket` leaves the protocol 0, which costs ~40 ms per
    keep-alive response: Kludex/uvicorn#3149)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def run(host: str, port: int, workers: int, settings: Settings) -> None:
    # Uvicorn re-raises the SIGTERM it handled once shutdown is done; exit 0 then, as a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    config = GuardedConfig(
        "kis_estimator.api.main:app",
        head_timeout_s=settings.serve_head_timeout_s,
        max_connections=connection_limit(settings.serve_max_connections),
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_S,
        proxy_headers=False,  # the app's ForwardedHeaders applies them, from FORWARDED_ALLOW_IPS only
        # h11 caps a request's head at 16 KB; httptools would read a header of any size into memory.
        http=GuardedH11Protocol,
        ws="none",  # no route speaks WebSocket: an Upgrade stays a plain request
        timeout_keep_alive=settings.serve_keep_alive_s,
        backlog=settings.serve_backlog,
    )
    if workers == 1:
        uvicorn.Server(config).run()  # asyncio binds with IPPROTO_TCP itself
        return
    Multiprocess(config, sockets=[_listening_socket(host, port)]).run()
