"""The one error shape every edge (CLI, API) renders: code, message, hint, path, traceId, meta."""

from __future__ import annotations

import hashlib
from typing import Any

from kis_estimator.engine.errors import RequestRejected
from kis_estimator.services.storage_budget import StorageBudgetExceeded


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


def storage_budget_envelope(error: StorageBudgetExceeded, trace_id: str) -> dict[str, Any]:
    """The envelope of a create refused by the caller's daily storage budget (HTTP 507)."""
    spent = f"{error.used:,} / {error.limit:,}"
    return error_envelope(
        "STORAGE_BUDGET_EXCEEDED",
        f"오늘의 저장 한도를 넘습니다 (사용 {spent}바이트, 이 견적 {error.needed:,}바이트) / "
        f"The storage budget for today is spent ({spent} bytes used, this quote {error.needed:,} bytes)",
        hint=f"{error.retry_after_s}초 뒤(UTC 자정)에 다시 보내거나 관리자에게 STORAGE_BUDGET_BYTES_PER_CALLER를 "
        f"늘려 달라고 하세요 / Retry in {error.retry_after_s} s (00:00 UTC, Retry-After), or ask an "
        "administrator to raise STORAGE_BUDGET_BYTES_PER_CALLER.",
        path="",
        trace_id=trace_id,
        extra={
            "budgetBytes": error.limit,
            "usedBytes": error.used,
            "neededBytes": error.needed,
            "retryAfterS": error.retry_after_s,
        },
    )
