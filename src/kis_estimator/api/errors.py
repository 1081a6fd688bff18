"""One error handler for the whole API: every failure renders the envelope of ARCHITECTURE, as the one
classification (`services.failures.classify`) names it; HTTP's own refusals (404, 405, …) and the
request-schema errors are the API's."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Scope, Send

from kis_estimator.db.errors import DatabaseError
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.request import dotted_path
from kis_estimator.envelope import error_envelope
from kis_estimator.services.failures import Refused, classify
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


def trace_id_of(request: Request) -> str:
    return getattr(request.state, "trace_id", None) or uuid.uuid4().hex


class ApiError(Refused):
    """A refusal of the HTTP edge itself (credentials, headers, limits), rendered as the envelope with its
    status."""


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
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        trace_id = trace_id_of(request)
        failure = classify(exc, log, trace_id)
        response = _respond(request, failure.status, failure.envelope(trace_id))
        response.headers.update(failure.headers)
        return response

    for kind in (Refused, RequestRejected, StorageBudgetExceeded, StorageError, DatabaseError, DBAPIError):
        app.add_exception_handler(kind, failed)
    app.add_exception_handler(Exception, failed)  # a bug: 500 INTERNAL, logged with its traceback

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
