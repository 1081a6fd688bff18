"""The FastAPI app factory (first slice of the HTTP service: health, readiness, create, get, search, status).

Auth, idempotency, SSE, documents and metrics come with the rest of the HTTP service issue.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Body, FastAPI, Query, Request, Response
from sqlalchemy import text

from kis_estimator import __version__
from kis_estimator.api.errors import ApiError, install_error_handlers, trace_id_of
from kis_estimator.bootstrap import Container
from kis_estimator.db.models import STATUSES
from kis_estimator.db.repository import IllegalTransition, QuoteRepository
from kis_estimator.service import SaveContext, save_estimate


def _not_found(quote_id: str) -> ApiError:
    return ApiError(
        404,
        "QUOTE_NOT_FOUND",
        f"견적이 없습니다 / No quote {quote_id}",
        hint="견적 ID를 확인해 주세요 / Check the quote id.",
        path="id",
    )


def create_app(container: Container) -> FastAPI:
    """The app over `container` (built by bootstrap); nothing connects until a request needs it."""
    app = FastAPI(
        title="KIS Estimator", version=__version__, openapi_url="/openapi.json", docs_url="/openapi"
    )
    app.state.container = container
    install_error_handlers(app)

    @app.middleware("http")
    async def trace(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.trace_id = request.headers.get("X-Trace-Id") or uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Trace-Id"] = request.state.trace_id
        return response

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz")
    def readyz(request: Request, response: Response) -> dict[str, Any]:
        result: dict[str, Any] = {
            "status": "ok",
            "db": "ok",
            "storage": "ok",
            "ts": datetime.now(UTC).isoformat(timespec="seconds"),
            "traceId": trace_id_of(request),
        }
        started = time.perf_counter()
        try:
            with container.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means not ready; the message names it
            result["db"], result["status"] = f"error: {type(exc).__name__}", "degraded"
        try:
            container.store.check()
        except Exception as exc:
            result["storage"], result["status"] = f"error: {type(exc).__name__}", "degraded"
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        if result["status"] != "ok":
            response.status_code = 503
        return result

    @app.post("/v1/estimate", status_code=201)
    def create_estimate(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        catalog, price_book_id = container.quoting_catalog()
        context = SaveContext(
            catalog,
            container.rules,
            container.store,
            container.sessions,
            container.document_options(),
            container.settings.timezone,
            price_book_id,
        )
        with container.sessions.begin() as session:
            return save_estimate(context, body, session=session)

    @app.get("/v1/estimate/{quote_id}")
    def get_estimate(quote_id: str) -> dict[str, Any]:
        with container.sessions() as session:
            row = QuoteRepository(session).get(quote_id)
            if row is None:
                raise _not_found(quote_id)
            return row.document

    @app.get("/v1/estimate")
    def search_estimates(
        q: str | None = None,
        customer: str | None = None,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        size: Annotated[int, Query(ge=1, le=200)] = 20,
    ) -> dict[str, Any]:
        with container.sessions() as session:
            found = QuoteRepository(session).search(
                q=q,
                customer=customer,
                status=status,
                date_from=date_from,
                date_to=date_to,
                page=page,
                size=size,
            )
            items = [
                {
                    "id": r.id,
                    "number": r.number,
                    "status": r.status,
                    "customer": r.customer_name,
                    "project": r.project,
                    "date": r.quote_date.isoformat(),
                    "total": r.total,
                }
                for r in found.items
            ]
        return {"items": items, "total": found.total, "page": found.page, "size": found.size}

    @app.patch("/v1/estimate/{quote_id}")
    def change_status(quote_id: str, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        wanted = body.get("status")
        if wanted not in STATUSES:
            raise ApiError(
                422,
                "REQ_INVALID",
                f"알 수 없는 상태 / Unknown status {wanted!r}",
                hint=f"다음 중 하나 / One of: {', '.join(STATUSES)}",
                path="status",
            )
        try:
            with container.sessions.begin() as session:
                row = QuoteRepository(session).set_status(quote_id, wanted)
                if row is None:
                    raise _not_found(quote_id)
                return row.document
        except IllegalTransition as exc:
            raise ApiError(
                409,
                "ILLEGAL_STATUS_CHANGE",
                f"상태를 {exc.current}에서 {exc.wanted}(으)로 바꿀 수 없습니다 / "
                f"Cannot move from {exc.current} to {exc.wanted}",
                hint="견적 → 발송 → 수주 → 출하 → 입금 → 종료 순서입니다 / "
                "draft → sent → ordered → shipped → paid → closed",
                path="status",
            ) from None

    return app
