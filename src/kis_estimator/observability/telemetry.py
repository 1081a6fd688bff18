"""Optional observability: OpenTelemetry traces and Sentry error reports, each off unless configured.

Traces (extra `otel`), when OTEL_EXPORTER_OTLP_ENDPOINT is set: one SERVER span per HTTP request, and
a child span per pipeline stage (`pipeline.validate` … `pipeline.evidence`, through
`pipeline.STAGE_OBSERVER`), exported by OTLP/HTTP (the exporter reads the standard OTEL_EXPORTER_OTLP_*
variables; OTEL_SERVICE_NAME defaults to `kis-estimator`). The span's trace id IS the response's
`X-Trace-Id`:
- no usable X-Trace-Id from the caller: the span is started first (as a child of a W3C `traceparent`
  when one is sent, else with a fresh trace id) and its 32-hex trace id is handed to the app as the
  request's X-Trace-Id, so the app's own trace-id rule picks it up;
- a caller's X-Trace-Id of 32 hex digits (dashes ignored, e.g. a UUID) becomes the span's trace id,
  through an id generator that takes the id chosen for the request's root span;
- any other caller id (8–64 hex/dash characters, not 128 bits) cannot be a trace id: the span gets a
  fresh one. Every request span carries the response's X-Trace-Id as `kis.trace_id`.
The provider is the app's own (not the global one), so FastAPI's built-in telemetry stays off: one span
per request, ours, which never records query strings, bodies or headers.

Errors (extra `sentry`), when SENTRY_DSN is set: unhandled errors go to Sentry with
`send_default_pii=False`, no request bodies, cookies, query strings or local variables, without the
Authorization and Idempotency-Key headers, and tagged with the request's `trace_id`.

Unset, this module imports neither SDK and adds nothing to the app. Both read the process environment
(as their SDKs do), not `.env`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from kis_estimator import __version__
from kis_estimator.pipeline import STAGE_OBSERVER

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from kis_estimator.bootstrap import Container

__all__ = [
    "configure_process",
    "current_trace_id",
    "instrument",
    "scrub_event",
    "stage_spans",
]

log = logging.getLogger("kis_estimator.telemetry")

OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
SENTRY_DSN = "SENTRY_DSN"
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "idempotency-key", "cookie", "set-cookie", "x-api-key"}
)
_TRACE_ID_CHARS = frozenset("0123456789abcdefABCDEF-")  # the rule of api/app.py for a caller's id
_root_trace_id: ContextVar[int | None] = ContextVar("kis_root_trace_id", default=None)
_process_tracer: Any = None  # `kis mcp`'s tracer, set by configure_process
_sentry_on = False


# ------------------------------------------------------------------------------------ the app


def instrument(app: FastAPI, container: Container, *, span_exporter: Any = None) -> None:
    """Turn on what the environment asks for: Sentry (SENTRY_DSN) and request/stage spans
    (OTEL_EXPORTER_OTLP_ENDPOINT, or `span_exporter`, e.g. an in-memory one). Otherwise a no-op."""
    if os.environ.get(SENTRY_DSN):
        _start_sentry(container.settings.app_env)
        if _sentry_on:
            app.add_middleware(SentryTraceTag)
    if span_exporter is None and not os.environ.get(OTLP_ENDPOINT):
        return
    provider = _tracer_provider(span_exporter)
    if provider is None:
        return
    app.state.tracer_provider = provider
    app.add_middleware(RequestSpans, tracer=provider.get_tracer("kis_estimator", __version__))


def _caller_trace_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-trace-id":
            given = value.decode("latin-1")
            return given if 8 <= len(given) <= 64 and set(given) <= _TRACE_ID_CHARS else None
    return None


def _as_trace_id(given: str) -> int | None:
    digits = given.replace("-", "")
    if len(digits) != 32:
        return None
    try:
        value = int(digits, 16)
    except ValueError:
        return None
    return value or None  # all zeros is the invalid trace id


class RequestSpans:
    """One SERVER span per HTTP request (see the module docstring for its trace id), current while the
    app runs, so that the pipeline's stages become its children."""

    def __init__(self, app: ASGIApp, tracer: Any) -> None:
        from opentelemetry import trace
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.app, self.tracer = app, tracer
        self._trace, self._propagator = trace, TraceContextTextMapPropagator()

    def stage_span(self, name: str) -> AbstractContextManager[object]:
        return self.tracer.start_as_current_span(f"pipeline.{name}", attributes={"kis.stage": name})  # type: ignore[no-any-return]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        caller = _caller_trace_id(scope)
        wanted = _as_trace_id(caller) if caller else None
        parent = None
        if caller is None:
            carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            parent = self._propagator.extract(carrier)
        token = _root_trace_id.set(wanted)
        try:
            span = self.tracer.start_span(
                scope["method"],
                context=parent,
                kind=self._trace.SpanKind.SERVER,
                attributes={"http.request.method": scope["method"], "url.path": scope["path"]},
            )
        finally:
            _root_trace_id.reset(token)
        if caller is None:
            ours = format(span.get_span_context().trace_id, "032x").encode()
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"x-trace-id"]
            scope["headers"].append((b"x-trace-id", ours))
        status = 0

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-trace-id":
                        span.set_attribute("kis.trace_id", value.decode("latin-1"))
            await send(message)

        observer = STAGE_OBSERVER.set(self.stage_span)
        try:
            with self._trace.use_span(span, end_on_exit=False):
                await self.app(scope, receive, observed_send)
        except BaseException:
            status = status or 500
            raise
        finally:
            STAGE_OBSERVER.reset(observer)
            self._finish(span, scope, status)

    def _finish(self, span: Any, scope: Scope, status: int) -> None:
        route = getattr(scope.get("route"), "path", None)
        if route:
            span.update_name(f"{scope['method']} {route}")
            span.set_attribute("http.route", route)
        if status:
            span.set_attribute("http.response.status_code", status)
        if status >= 500 or not status:
            span.set_attribute("error.type", str(status or "incomplete_response"))
            span.set_status(self._trace.StatusCode.ERROR)
        span.end()


class _TraceIds:
    """The SDK's random ids, except that a request's root span takes the trace id chosen for it (the
    interface of opentelemetry.sdk.trace.id_generator.IdGenerator, which is not imported when off)."""

    def __init__(self, random_ids: Any) -> None:
        self._random = random_ids

    def generate_span_id(self) -> int:
        return int(self._random.generate_span_id())

    def generate_trace_id(self) -> int:
        return _root_trace_id.get() or int(self._random.generate_trace_id())

    def is_trace_id_random(self) -> bool:
        """Asked right after generate_trace_id: a caller's id carries no promise of randomness."""
        return _root_trace_id.get() is None and bool(self._random.is_trace_id_random())


def _tracer_provider(span_exporter: Any) -> Any:
    """A provider exporting to `span_exporter` at once, else batched to OTLP; None without the extra."""
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
        from opentelemetry.sdk.trace.id_generator import RandomIdGenerator

        if span_exporter is None:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        log.warning("%s is set but the otel extra is not installed: tracing is off", OTLP_ENDPOINT)
        return None
    resource = Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME", "kis-estimator"), "service.version": __version__}
    )
    ids = _TraceIds(RandomIdGenerator())
    provider = TracerProvider(resource=resource, id_generator=ids)  # type: ignore[arg-type]  # duck-typed
    if span_exporter is None:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    return provider


# ------------------------------------------------------------------------------- other processes


def configure_process() -> None:
    """For `kis mcp`: Sentry, and a global tracer provider when OTEL_EXPORTER_OTLP_ENDPOINT is set
    (the MCP SDK's span per message; `stage_spans` adds the stages under it)."""
    global _process_tracer
    if os.environ.get(SENTRY_DSN):
        _start_sentry(os.environ.get("APP_ENV", "development"))
    if not os.environ.get(OTLP_ENDPOINT) or _process_tracer is not None:
        return
    provider = _tracer_provider(None)
    if provider is None:
        return
    from opentelemetry import trace

    trace.set_tracer_provider(provider)
    _process_tracer = provider.get_tracer("kis_estimator", __version__)


@contextmanager
def stage_spans() -> Iterator[None]:
    """A span per pipeline stage for the runs inside, when this process traces (configure_process)."""
    tracer = _process_tracer
    if tracer is None:
        yield
        return

    def stage_span(name: str) -> AbstractContextManager[object]:
        return tracer.start_as_current_span(f"pipeline.{name}", attributes={"kis.stage": name})  # type: ignore[no-any-return]

    token = STAGE_OBSERVER.set(stage_span)
    try:
        yield
    finally:
        STAGE_OBSERVER.reset(token)


def current_trace_id() -> str | None:
    """The current span's trace id (32 hex) when this process traces, else None."""
    if _process_tracer is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


# ------------------------------------------------------------------------------------------ Sentry


def _start_sentry(environment: str) -> None:
    global _sentry_on
    if _sentry_on:
        return
    try:
        import sentry_sdk
    except ImportError:
        log.warning("%s is set but the sentry extra is not installed: error reports are off", SENTRY_DSN)
        return
    sentry_sdk.init(
        dsn=os.environ[SENTRY_DSN],
        environment=environment,
        release=f"kis-estimator@{__version__}",
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_event,  # type: ignore[arg-type]  # Sentry's Event is a TypedDict of a dict
        before_breadcrumb=_scrub_breadcrumb,
    )
    _sentry_on = True


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send: drop the request body, cookies, query string, environment and secret headers."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = _without_query(request["url"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values if isinstance(values, list) else ():
        if isinstance(crumb, dict):
            _scrub_breadcrumb(crumb)
    return event


def _scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    data = crumb.get("data")
    if isinstance(data, dict):
        data.pop("http.query", None)
        data.pop("http.fragment", None)
        if isinstance(data.get("url"), str):
            data["url"] = _without_query(data["url"])
    return crumb


class SentryTraceTag:
    """Tags the request's Sentry events with its X-Trace-Id (set by the app on `request.state`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            import sentry_sdk

            def tag(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
                trace_id = scope.get("state", {}).get("trace_id")
                if trace_id:
                    event.setdefault("tags", {})["trace_id"] = trace_id
                return event

            sentry_sdk.get_isolation_scope().add_event_processor(tag)  # type: ignore[arg-type]
        await self.app(scope, receive, send)
