"""`kis serve`: get the embedded default ready, make sure someone can sign in, run uvicorn.

Uvicorn stops gracefully on SIGTERM/SIGINT: it stops accepting, lets running requests finish (up to
`GRACEFUL_S`), then exits. Event streams end on their own after DONE/ERROR; a stream still open at the
deadline is closed.
"""

from __future__ import annotations

import signal
import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess

from kis_estimator.bootstrap import Container
from kis_estimator.db.keys import ApiKeyRepository

GRACEFUL_S = 10


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


def run(host: str, port: int, workers: int) -> None:
    # Uvicorn re-raises the SIGTERM it handled once shutdown is done; exit 0 then, as a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    config = uvicorn.Config(
        "kis_estimator.api.main:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_S,
        proxy_headers=False,  # the app's ForwardedHeaders applies them, from FORWARDED_ALLOW_IPS only
        # h11 caps a request's head at 16 KB; httptools would read a header of any size into memory.
        http="h11",
    )
    if workers == 1:
        uvicorn.Server(config).run()  # asyncio binds with IPPROTO_TCP itself
        return
    Multiprocess(config, sockets=[_listening_socket(host, port)]).run()
