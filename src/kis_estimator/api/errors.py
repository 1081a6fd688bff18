"""One error handler for the whole API: every failure renders the envelope of ARCHITECTURE."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Scope, Send

from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.request import dotted_path
from kis_estimator.envelope import error_envelope, rejection_envelope, storage_budget_envelope
from kis_estimator.services.storage_budget import StorageBudgetExceeded
from kis_estimator.storage import StorageError

log = logging.getLogger("kis_estimator.api")

_HTTP_CODES = {
    400: (
        "REQ_MALFORMED",
        "요청을 읽을 수 없습니다 / The request could not be read",
        "JSON 본문을 확인해 주세요 / Check the JSON body.",
    ),
    401: (
        "AUTH_REQUIRED",
        "인증이 필요합니다 / Authentication required",
        "Authorization: Bearer <API 키>를 보내 주세요 / Send an API key.",
    ),
    403: (
        "FORBIDDEN",
        "권한이 없습니다 / Not allowed for this key",
        "권한 있는 키를 쓰세요 / Use a key with the right role.",
    ),
    404: ("NOT_FOUND", "찾을 수 없습니다 / Not found", "주소와 ID를 확인해 주세요 / Check the path and id."),
    405: (
        "METHOD_NOT_ALLOWED",
        "허용되지 않는 메서드입니다 / Method not allowed",
        "API 문서를 확인해 주세요 / See /openapi.",
    ),
    429: (
        "RATE_LIMITED",
        "요청이 너무 많습니다 / Too many requests",
        "잠시 후 다시 시도해 주세요 / Retry after the time in Retry-After.",
    ),
    413: (
        "PAYLOAD_TOO_LARGE",
        "요청이 너무 큽니다 / The request is too large",
        "더 작은 파일을 보내 주세요 / Send a smaller file.",
    ),
}


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database is down or unreachable (503), not a bug."""
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    )


def trace_id_of(request: Request) -> str:
    return getattr(request.state, "trace_id", None) or uuid.uuid4().hex


class ApiError(Exception):
    """An error a handler raises on purpose, rendered as the envelope with its status."""

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


def _count(app: Any, code: str, status: int) -> None:
    container = getattr(getattr(app, "state", None), "container", None)
    if container is not None:
        container.metrics.errors.labels(code, str(status)).inc()


def _respond(request: Request, status: int, body: dict[str, Any]) -> JSONResponse:
    _count(request.app, body["code"], status)
    return JSONResponse(body, status_code=status, headers={"X-Trace-Id": body["traceId"]})


async def send_envelope(scope: Scope, send: Send, status: int, limit: int) -> None:
    """The 413 envelope, sent by the body-limit middleware before any route ran."""
    code, message, hint = _HTTP_CODES[413]
    trace_id = uuid.uuid4().hex
    body = error_envelope(
        code,
        f"{message} (> {limit:,} bytes)",
        hint=hint,
        path="body",
        trace_id=trace_id,
        extra={"limitBytes": limit},
    )
    _count(scope.get("app"), code, status)
    response = JSONResponse(body, status_code=status, headers={"X-Trace-Id": trace_id, "Connection": "close"})
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        body = error_envelope(
            exc.code,
            exc.message,
            hint=exc.hint,
            path=exc.path,
            trace_id=trace_id_of(request),
            extra=exc.extra,
        )
        response = _respond(request, exc.status, body)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestRejected)
    async def rejected(request: Request, exc: RequestRejected) -> JSONResponse:
        return _respond(request, 422, rejection_envelope(exc, trace_id_of(request)))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid", "type": "value_error"}
        location = tuple(part for part in first.get("loc", ()) if part != "body")
        code = "REQ_MALFORMED" if first.get("type") == "json_invalid" else "REQ_INVALID"
        status = 400 if code == "REQ_MALFORMED" else 422
        body = error_envelope(
            code,
            f"요청 형식 오류 / Invalid request: {first.get('msg')}",
            hint="요청 스키마를 확인해 주세요 / Check the schema at /openapi.",
            path=dotted_path(location),
            trace_id=trace_id_of(request),
        )
        return _respond(request, status, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message, hint = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", str(exc.detail), ""))
        body = error_envelope(code, message, hint=hint, path=request.url.path, trace_id=trace_id_of(request))
        response = _respond(request, exc.status_code, body)
        for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
            response.headers[name] = value
        return response

    @app.exception_handler(StorageBudgetExceeded)
    async def over_budget(request: Request, exc: StorageBudgetExceeded) -> JSONResponse:
        response = _respond(request, 507, storage_budget_envelope(exc, trace_id_of(request)))
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    @app.exception_handler(StorageError)
    async def storage_down(request: Request, exc: StorageError) -> JSONResponse:
        log.error("storage failure", extra={"trace_id": trace_id_of(request), "backend": exc.backend})
        body = error_envelope(
            "STORAGE_UNAVAILABLE",
            "저장소를 쓸 수 없습니다 / Storage is unavailable",
            hint="잠시 후 다시 시도해 주세요 / Retry later.",
            path="",
            trace_id=trace_id_of(request),
        )
        return _respond(request, 503, body)

    @app.exception_handler(DBAPIError)
    async def database_down(request: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc, DataError):  # e.g. PostgreSQL refuses a NUL character in text
            body = error_envelope(
                "REQ_INVALID",
                "허용되지 않는 값입니다 (예: NUL 문자) / A value the database cannot store (e.g. a NUL character)",
                hint="제어 문자를 지우고 다시 보내 주세요 / Remove control characters and retry.",
                path="",
                trace_id=trace_id_of(request),
            )
            return _respond(request, 422, body)
        if not database_unavailable(exc):
            return await bug(request, exc)
        log.error(
            "database failure", extra={"trace_id": trace_id_of(request), "error": type(exc.orig).__name__}
        )
        body = error_envelope(
            "DB_UNAVAILABLE",
            "데이터베이스를 쓸 수 없습니다 / The database is unavailable",
            hint="잠시 후 다시 시도해 주세요 (/readyz 확인) / Retry later; see /readyz.",
            path="",
            trace_id=trace_id_of(request),
        )
        return _respond(request, 503, body)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"trace_id": trace_id_of(request)})
        body = error_envelope(
            "INTERNAL",
            "내부 오류 / Internal error",
            hint="traceId를 알려 주세요 / Report the traceId.",
            path="",
            trace_id=trace_id_of(request),
        )
        return _respond(request, 500, body)
