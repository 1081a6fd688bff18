"""The one error shape every edge (CLI, API) renders: code, message, hint, path, traceId, meta."""

from __future__ import annotations

import hashlib
from typing import Any

from kis_estimator.engine.errors import RequestRejected


def dedup_key(code: str, path: str) -> str:
    """A short stable key for the same kind of failure at the same place (for log grouping)."""
    return hashlib.sha256(f"{code}:{path}".encode()).hexdigest()[:16]


def error_envelope(
    code: str, message: str, *, hint: str, path: str, trace_id: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"dedupKey": dedup_key(code, path)}
    if extra:
        meta.update(extra)
    return {"code": code, "message": message, "hint": hint, "path": path, "traceId": trace_id, "meta": meta}


def rejection_envelope(error: RequestRejected, trace_id: str) -> dict[str, Any]:
    """The envelope of a rejected request: the first problem, and all of them under meta.errors."""
    first = error.first
    return error_envelope(
        first.code,
        first.message,
        hint=first.hint,
        path=first.path,
        trace_id=trace_id,
        extra={"errors": [p.as_dict() for p in error.problems]},
    )
