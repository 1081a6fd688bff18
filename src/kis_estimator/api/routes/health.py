"""Liveness, readiness and metrics (no auth: they carry no quote data)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from kis_estimator import __version__
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import trace_id_of
from kis_estimator.api.observability import CONTENT_TYPE_LATEST
from kis_estimator.api.schemas import Health, Ready
from kis_estimator.bootstrap import Container

router = APIRouter(tags=["health"])
PROBE_TIMEOUT_S = 2.0
# Probes run here so that a hung database or store cannot hold a request thread past the timeout.
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kis-readyz")


@router.get("/healthz", response_model=Health, summary="생존 확인 / Liveness (no I/O)")
def healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def _database(container: Container) -> str:
    with container.engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()
        now = connection.execute(text("SELECT CURRENT_TIMESTAMP")).scalar_one()
    return f"ok ({now} UTC)" if isinstance(now, str) else f"ok ({now.astimezone(UTC).isoformat()})"


def _storage(container: Container) -> str:
    container.store.check()
    return "ok"


def _probe(check: Callable[[Container], str], container: Container) -> tuple[bool, str]:
    future = _probes.submit(check, container)
    try:
        return True, future.result(timeout=PROBE_TIMEOUT_S)
    except FutureTimeout:
        return False, f"error: no answer within {PROBE_TIMEOUT_S:.0f} s"
    except Exception as exc:  # any driver or storage error means not ready; its class names the cause
        return False, f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"


@router.get(
    "/readyz",
    response_model=Ready,
    summary="준비 확인 / Readiness (database and storage)",
    responses={503: {"model": Ready, "description": "degraded: the failing part says why"}},
)
def readyz(request: Request, response: Response) -> dict[str, Any]:
    container = container_of(request)
    started = time.perf_counter()
    db_ok, db = _probe(_database, container)
    storage_ok, storage = _probe(_storage, container)
    if not (db_ok and storage_ok):
        response.status_code = 503
    return {
        "status": "ok" if db_ok and storage_ok else "degraded",
        "db": db,
        "storage": storage,
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
