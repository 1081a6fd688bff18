"""Response shapes for the OpenAPI document (handlers return JSON directly; these describe it)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorMeta(_Open):
    dedupKey: str


class ErrorEnvelope(BaseModel):
    code: str = Field(examples=["POLES_MISMATCH"])
    message: str = Field(examples=["극수가 맞지 않습니다 / The poles do not match"])
    hint: str
    path: str = Field(examples=["panels.0.main.poles"])
    traceId: str
    meta: ErrorMeta


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in {
        400: "요청을 읽을 수 없음 / Malformed request",
        401: "인증 필요 / Authentication required",
        403: "권한 없음 / Role not allowed",
        413: "요청이 너무 큼 / Payload too large",
        422: "검증 실패 / Validation or gate failure",
        429: "요청 과다 / Too many write requests (RATE_LIMIT_PER_MINUTE)",
        503: "의존 서비스 중단 / A dependency is down",
    }.items()
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorEnvelope, "description": "없음 / Not found"}
}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorEnvelope, "description": "충돌 / Conflict"}}
OVER_BUDGET: dict[int | str, dict[str, Any]] = {
    507: {
        "model": ErrorEnvelope,
        "description": "오늘의 저장 한도 초과 / The caller's daily storage budget is spent "
        "(STORAGE_BUDGET_BYTES_PER_CALLER; Retry-After)",
    }
}


class Totals(BaseModel):
    subtotal: int
    vat: int
    total: int


class Gate(_Open):
    id: str
    status: Literal["pass", "warn", "fail"]
    message: str


class Quote(_Open):
    id: str
    number: str = Field(pattern=r"^EST-\d{8}-\d{4,}(-R\d+)?$")
    status: str
    customer: dict[str, Any]
    panels: list[dict[str, Any]]
    totals: Totals
    gates: list[Gate]
    evidence: dict[str, Any]
    rulebook_version: str
    catalog_sha256: str
    # The price book the quote was priced with (null: the configured catalog; absent on older quotes).
    price_book_id: int | None = None
    created_at: str


class QuoteSummary(BaseModel):
    id: str
    number: str
    status: str
    customer: str
    project: str | None
    date: str
    total: int
    revision: int
    author: str | None = Field(default=None, description="작성자 / Who made it (a user's or key's name)")
    summary: str = Field(
        description="패널 한 줄 요약 / One line of the panels",
        examples=["LS 옥외 SUS · 메인 4P 200A · 분기 18"],
    )


class SearchPage(BaseModel):
    items: list[QuoteSummary]
    total: int
    page: int
    size: int


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["draft", "sent", "ordered", "shipped", "paid", "closed"]


class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Ready(BaseModel):
    status: Literal["ok", "degraded"]
    db: str = Field(description='"ok", or the error that makes the database not ready')
    storage: str = Field(description='"ok", or the error that makes the storage not ready')
    dbTime: str | None = Field(
        description="the database's clock at the probe (ISO 8601, UTC); null when it failed"
    )
    checkedAt: str = Field(description="when the probe ran (answers are reused for READYZ_CACHE_S seconds)")
    ts: str
    traceId: str
    ms: float
