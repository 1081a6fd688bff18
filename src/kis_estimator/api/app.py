"""The FastAPI app factory: middleware (trace ids, metrics, access log, body limits, CORS), one error
handler, and a router per feature. `create_app(container)` connects to nothing until a request needs it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kis_estimator import __version__
from kis_estimator.api import docs_page, sse
from kis_estimator.api.access import TraceAndMeasure
from kis_estimator.api.errors import install_error_handlers, send_envelope
from kis_estimator.api.links import ForwardedHeaders, trusted_networks
from kis_estimator.api.routes import (
    alternatives,
    catalog,
    catalog_impact,
    customers,
    documents,
    drafts,
    estimates,
    health,
    keys,
    preview,
    proposal,
    quote_list,
    revisions,
    templates,
)
from kis_estimator.api.routes import quick as quick_entry
from kis_estimator.api.routes.audit import router as audit_router
from kis_estimator.api.routes.session import router as session_router
from kis_estimator.bootstrap import Container
from kis_estimator.engine.request import EstimateRequest
from kis_estimator.observability import telemetry

UPLOAD_PATHS = ("/v1/validate", "/v1/catalog/import", "/v1/customers/import")


class BodyLimit:
    """413 for a body over the limit: by Content-Length up front, or counted while it streams in."""

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].startswith(UPLOAD_PATHS) else self.json_limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await send_envelope(scope, send, 413, limit)
            return
        received = 0
        started = answered = False

        async def counting_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not answered:
                        answered = True
                        await send_envelope(scope, send, 413, limit)
                    return {"type": "http.disconnect"}  # the app stops reading; its answer is dropped
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, tracking_send)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version="3.1.0",
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    request_schema = EstimateRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(request_schema.pop("$defs", {}))
    components["EstimateRequest"] = request_schema
    app.openapi_schema = schema
    return schema


def create_app(container: Container) -> FastAPI:
    """The app over `container` (built by bootstrap). Refuses unsafe production settings and a
    FORWARDED_ALLOW_IPS entry that is not an address (ValueError)."""
    settings = container.settings
    settings.check_production()
    app = FastAPI(
        title="KIS Estimator",
        version=__version__,
        description="분전반 견적 API / Quotation API for electrical distribution panels",
        openapi_url="/openapi.json",
        docs_url=None,  # docs_page serves /openapi from packaged files (FastAPI's page uses a CDN)
        redoc_url=None,
    )
    app.state.container = container
    app.state.readiness = health.ReadinessCache(settings.readyz_cache_s)
    app.state.streams = streams = sse.StreamSlots(
        settings.sse_max_streams_per_caller, settings.sse_max_streams
    )
    metrics = container.metrics
    metrics.streams.set_function(lambda: streams.open)
    install_error_handlers(app)

    app.add_middleware(TraceAndMeasure, metrics=metrics)

    origins = settings.cors_origin_list()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "Last-Event-ID",
                "X-Trace-Id",
                "X-CSRF-Token",
            ],
            expose_headers=["X-Trace-Id", "X-Quote-Id", "Idempotent-Replayed", "ETag"],
        )
    app.add_middleware(BodyLimit, json_limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes)
    # Outermost: everything after it sees the client's scheme, host and address (from a trusted proxy).
    app.add_middleware(ForwardedHeaders, trusted=trusted_networks(settings.forwarded_allow_list()))

    # quote_list before estimates: export.xlsx before {quote_id}
    for module in (health, quote_list, estimates, documents, catalog, keys, drafts, templates, customers):
        app.include_router(module.router)
    app.include_router(preview.router)
    app.include_router(alternatives.router)
    app.include_router(proposal.router)
    app.include_router(keys.me_router)
    app.include_router(quick_entry.router)
    app.include_router(catalog_impact.router)
    app.include_router(revisions.router)
    app.include_router(session_router)
    app.include_router(audit_router)
    docs_page.mount(app)
    from kis_estimator import web  # the UI depends on the API, never the other way round

    web.mount(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    telemetry.instrument(app, container)  # OTel spans and Sentry, when the environment asks for them
    return app
