"""Per request: the trace id, the latency metric and the access log line, as plain ASGI middleware.

The trace id is the client's X-Trace-Id when it looks like one (8–64 hex digits or dashes), else a new
one; it is put in the request's state (`request.state.trace_id`) before any route runs and added to the
response's headers. When the response starts, the request's latency is observed under its route
template, method and status, and one access log line is written (trace id, method, route, status, ms,
principal). A request whose exception escapes the app (a bug, answered 500 further out) is neither
measured nor logged here; the error handler logs it with its traceback.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kis_estimator.observability.metrics import Metrics

log = logging.getLogger("kis_estimator.api.access")

_TRACE_ID_OK = frozenset(b"0123456789abcdefABCDEF-")
_TRACE_HEADER = b"x-trace-id"


def trace_id(scope: Scope) -> str:
    """The client's X-Trace-Id when well formed, else a new random one."""
    given: bytes
    for name, given in scope["headers"]:
        if name == _TRACE_HEADER:
            if 8 <= len(given) <= 64 and _TRACE_ID_OK.issuperset(given):
                return given.decode("ascii")
            break
    return uuid.uuid4().hex


class TraceAndMeasure:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["trace_id"] = traced = trace_id(scope)
        header = (_TRACE_HEADER, traced.encode("ascii"))
        started = time.perf_counter()

        async def measured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [pair for pair in message.get("headers", ()) if pair[0].lower() != _TRACE_HEADER]
                message["headers"] = [*headers, header]
                self._record(scope, message["status"], time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, measured_send)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        template = getattr(scope.get("route"), "path", "unmatched")
        method = scope["method"]
        self.metrics.requests.labels(template, method, str(status)).observe(elapsed)
        if log.isEnabledFor(logging.INFO):
            principal = scope["state"].get("principal")
            log.info(
                "request",
                extra={
                    "trace_id": scope["state"]["trace_id"],
                    "method": method,
                    "route": template,
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                    "principal": principal.subject if principal else None,
                },
            )
