"""Small request-scoped helpers shared by the routers."""

from __future__ import annotations

from fastapi import Request

from kis_estimator.api.errors import ApiError
from kis_estimator.bootstrap import Container


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def quote_not_found(quote_id: str) -> ApiError:
    return ApiError(
        404,
        "QUOTE_NOT_FOUND",
        f"견적이 없습니다 / No quote {quote_id[:64]}",
        hint="견적 ID를 확인해 주세요 (GET /v1/estimate 로 검색) / Check the quote id (search with GET /v1/estimate).",
        path="id",
    )
