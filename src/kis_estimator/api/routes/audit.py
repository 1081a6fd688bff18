"""The audit trail (admins): who did what and when, newest first, filtered and paged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from kis_estimator.api.auth import Admin
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError
from kis_estimator.api.schemas import ERRORS
from kis_estimator.services import audit

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=ERRORS)


class AuditEvent(BaseModel):
    id: int
    at: str
    who: str
    name: str | None
    action: str
    target: str | None
    detail: dict[str, Any]
    traceId: str | None


class AuditPage(BaseModel):
    items: list[AuditEvent]
    total: int
    page: int
    size: int


def _utc(moment: datetime | None) -> datetime | None:
    """A time without an offset is taken as UTC; every stored time is UTC."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-23:59, past the last representable time
        raise ApiError(
            422,
            "REQ_INVALID",
            "시각이 범위를 벗어났습니다 / The time is out of range",
            hint="since/until은 ISO 8601 시각 (예: 2026-12-03T09:00:00+09:00) / An ISO 8601 time.",
            path="query",
        ) from None


@router.get("", response_model=AuditPage, summary="감사 기록 검색 / Search the audit trail")
def search_audit(
    request: Request,
    _: Admin,
    who: Annotated[str | None, Query(max_length=200, description="user:kim, key:3, 또는 이름의 일부")] = None,
    action: Annotated[
        str | None, Query(max_length=40, description="quote.create, 또는 접두어 quote.")
    ] = None,
    since: Annotated[datetime | None, Query(description="이 시각부터 (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="이 시각 전까지 (ISO 8601)")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=audit.MAX_PAGE_SIZE)] = 50,
) -> dict[str, Any]:
    query = audit.AuditQuery(who, action, _utc(since), _utc(until), page, size)
    with container_of(request).reads() as session:
        return audit.search(session, query)
