"""Liveness, readiness and metrics (no auth: they carry no quote data).

`/readyz` probes the database and the storage (a put, get and delete); the answer is cached for
READYZ_CACHE_S seconds per process, and concurrent calls share one probe, so a flood of unauthenticated
calls costs at most one probe per interval.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from kis_estimator import __version__
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import trace_id_of
from kis_estimator.api.schemas import Health, Ready
from kis_estimator.bootstrap import Container
from kis_estimator.observability.metrics import CONTENT_TYPE_LATEST

router = APIRouter(tags=["health"])
PROBE_TIMEOUT_S = 2.0
# Probes run here so that a hung database or store cannot hold a request thread past the timeout.
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kis-readyz")


@router.get("/healthz", response_model=Health, summary="생존 확인 / Liveness (no I/O)")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def _database(container: Container) -> str:
    """The database's clock (ISO 8601, UTC) after `SELECT 1`."""
    with container.engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()
        now = connection.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one()
    # SQLite answers text in UTC ("2026-12-03 06:45:11"), PostgreSQL a timezone-aware datetime.
    moment = datetime.fromisoformat(now).replace(tzinfo=UTC) if isinstance(now, str) else now
    return str(moment.astimezone(UTC).isoformat(timespec="seconds"))


def _storage(container: Container) -> str:
    container.store.check()
    return "ok"


async def _probe(check: Callable[[Container], str], container: Container) -> tuple[bool, str]:
    future = asyncio.wrap_future(_probes.submit(check, container))
    try:
        return True, await asyncio.wait_for(future, PROBE_TIMEOUT_S)
    except TimeoutError:
        return False, f"error: no answer within {PROBE_TIMEOUT_S:.0f} s"
    except Exception as exc:  # any driver or storage error means not ready; its class names the cause
        return False, f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"


@dataclass(frozen=True)
class Readiness:
    """One probe of both parts: `db` and `storage` are "ok" or the error text."""

    db: str
    storage: str
    db_time: str | None
    checked_at: str
    checked_monotonic: float

    @property
    def ok(self) -> bool:
        return self.db == "ok" and self.storage == "ok"


class ReadinessCache:
    """The last probe, reused for `ttl_s` seconds; concurrent callers wait for one probe together."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._last: Readiness | None = None
        self._lock: asyncio.Lock | None = None

    async def get(self, container: Container) -> Readiness:
        if (fresh := self._fresh()) is not None:
            return fresh
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if (fresh := self._fresh()) is not None:  # another caller probed while this one waited
                return fresh
            self._last = await _probe_both(container)
            return self._last

    def _fresh(self) -> Readiness | None:
        last = self._last
        if last is not None and time.monotonic() - last.checked_monotonic < self.ttl_s:
            return last
        return None


async def _probe_both(container: Container) -> Readiness:
    # The answer's age counts from when the probe began: no reuse ever reports a state older than ttl_s.
    started = time.monotonic()
    (db_ok, db), (_, storage) = await asyncio.gather(
        _probe(_database, container), _probe(_storage, container)
    )
    return Readiness(
        db="ok" if db_ok else db,
        storage=storage,
        db_time=db if db_ok else None,
        checked_at=datetime.now(UTC).isoformat(timespec="seconds"),
        checked_monotonic=started,
    )


def readiness_cache(request: Request) -> ReadinessCache:
    cache: ReadinessCache = request.app.state.readiness
    return cache


@router.get(
    "/readyz",
    response_model=Ready,
    summary="준비 확인 / Readiness (database and storage)",
    responses={503: {"model": Ready, "description": "degraded: the failing part says why"}},
)
async def readyz(request: Request, response: Response) -> dict[str, Any]:
    started = time.perf_counter()
    ready = await readiness_cache(request).get(container_of(request))
    if not ready.ok:
        response.status_code = 503
    return {
        "status": "ok" if ready.ok else "degraded",
        "db": ready.db,
        "storage": ready.storage,
        "dbTime": ready.db_time,
        "checkedAt": ready.checked_at,
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "traceId": trace_id_of(request),
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


@router.get(
    "/metrics",
    summary="Prometheus 지표 / Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    return Response(container_of(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)
