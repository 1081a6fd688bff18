"""`kis serve`: get the embedded default ready, make sure someone can sign in, run uvicorn.

Uvicorn stops gracefully on SIGTERM/SIGINT: it stops accepting, lets running requests finish (up to
`GRACEFUL_S`), then exits. Event streams end on their own after DONE/ERROR; a stream still open at the
deadline is closed.
"""

from __future__ import annotations

import signal
import sys

import uvicorn

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


def run(host: str, port: int, workers: int) -> None:
    # Uvicorn re-raises the SIGTERM it handled once shutdown is done; exit 0 then, as a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        "kis_estimator.api.main:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_S,
        proxy_headers=True,
    )
