"""One classification of failures for every edge: an exception → (code, status, message, hint, path).

The API's error handlers, the streamed ERROR events, the MCP server's tool errors and the CLI's
envelopes all render `classify(exc)`; a use case that refuses on purpose raises `Refused` with its
own code. Statuses are HTTP's: the CLI maps them to its exit codes, the MCP server ignores them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from kis_estimator.db import errors as db_errors
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.envelope import error_envelope, rejection_envelope, storage_budget_envelope
from kis_estimator.services.storage_budget import StorageBudgetExceeded
from kis_estimator.storage import StorageError

RETRY_LATER = "잠시 후 다시 시도해 주세요 / Retry later."


@dataclass(frozen=True)
class Failure:
    """A classified failure; `extra` goes under the envelope's `meta`, `headers` on an HTTP answer."""

    code: str
    status: int
    message: str
    hint: str
    path: str = ""
    extra: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def envelope(self, trace_id: str) -> dict[str, Any]:
        """The error envelope {code, message, hint, path, traceId, meta}."""
        return error_envelope(
            self.code, self.message, hint=self.hint, path=self.path, trace_id=trace_id, extra=self.extra
        )

    def event(self, trace_id: str) -> dict[str, Any]:
        """The data of a streamed ERROR event: the envelope and its status (one shape for every stream)."""
        return self.envelope(trace_id) | {"status": self.status}


class Refused(Exception):
    """A use case's refusal on purpose, with its own code (rendered as the envelope with its status)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        hint: str,
        path: str = "",
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hint, self.path, self.extra = (
            status,
            code,
            message,
            hint,
            path,
            extra,
        )
        self.headers = headers or {}

    @property
    def failure(self) -> Failure:
        return Failure(self.code, self.status, self.message, self.hint, self.path, self.extra, self.headers)


def _of_envelope(envelope: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Failure:
    extra = {name: value for name, value in envelope["meta"].items() if name != "dedupKey"}
    return Failure(
        envelope["code"],
        status,
        envelope["message"],
        envelope["hint"],
        envelope["path"],
        extra or None,
        headers or {},
    )


def classify(exc: BaseException, log: logging.Logger, trace_id: str = "") -> Failure:
    """The failure an exception means. `log` (the edge's logger) gets the failures an operator must
    see: a store or database down, and a bug (an unexpected exception: INTERNAL, 500)."""
    if isinstance(exc, Refused):
        return exc.failure
    if isinstance(exc, RequestRejected):  # the first problem, and all of them under meta.errors
        return _of_envelope(rejection_envelope(exc, trace_id), 422)
    if isinstance(exc, StorageBudgetExceeded):
        retry = {"Retry-After": str(exc.retry_after_s)}
        return _of_envelope(storage_budget_envelope(exc, trace_id), 507, retry)
    if isinstance(exc, StorageError):
        log.error("storage failure", extra={"trace_id": trace_id, "backend": exc.backend})
        return Failure(
            "STORAGE_UNAVAILABLE", 503, "저장소를 쓸 수 없습니다 / Storage is unavailable", RETRY_LATER
        )
    database = db_errors.translated(exc)
    if isinstance(database, db_errors.ValueRefused):
        return Failure(
            "REQ_INVALID",
            422,
            "허용되지 않는 값입니다 (예: NUL 문자) / A value the database cannot store (e.g. a NUL character)",
            "제어 문자를 지우고 다시 보내 주세요 / Remove control characters and retry.",
        )
    if isinstance(database, db_errors.Unavailable):
        log.error("database failure", extra={"trace_id": trace_id, "error": str(database)})
        return Failure(
            "DB_UNAVAILABLE",
            503,
            "데이터베이스를 쓸 수 없습니다 / The database is unavailable",
            "잠시 후 다시 시도해 주세요 (/readyz 확인) / Retry later; see /readyz.",
        )
    log.error(
        "unhandled error", exc_info=exc, extra={"trace_id": trace_id}
    )  # Sentry's logging hook reports it
    return Failure(
        "INTERNAL", 500, "내부 오류 / Internal error", "traceId를 알려 주세요 / Report the traceId."
    )
