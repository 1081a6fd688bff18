"""The impact of a price book on the open quotes, and re-quoting them under it (services/repricing.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from kis_estimator.api.auth import Estimator
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import trace_id_of
from kis_estimator.api.routes.catalog_common import book_errors
from kis_estimator.api.schemas import ERRORS, NOT_FOUND
from kis_estimator.services import repricing

router = APIRouter(prefix="/v1/catalog/books", tags=["catalog"], responses=ERRORS)

BookId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class QuoteImpact(BaseModel):
    quoteId: str
    number: str
    status: str
    old: dict[str, int]
    new: dict[str, int] | None = Field(description="null: 이 가격표로 산출 불가 / cannot be priced")
    difference: dict[str, int] | None
    lines: list[dict[str, Any]] = Field(
        description="단가가 바뀐 줄 / Lines whose unit price moved: panel, path, name, spec, model, "
        "oldPrice, newPrice, amountDifference"
    )
    refusal: dict[str, str] | None = Field(description="엔진의 첫 거부 / The engine's first refusal")


class Impact(BaseModel):
    bookId: int
    openQuotes: int = Field(description="열린 견적 (작성·발송, 최신 개정) / Open quotes, latest revisions")
    page: int
    size: int
    checked: int = Field(description="이 페이지에서 다시 계산한 견적 / Quotes re-priced on this page")
    changed: list[QuoteImpact]
    unpriced: list[QuoteImpact]


class RequoteBody(BaseModel):
    quoteIds: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=1000)


class Requoted(BaseModel):
    bookId: int
    results: list[dict[str, Any]] = Field(
        description="견적마다 outcome: revised, skipped, not_found, not_open, refused / One per quote id"
    )


@router.get(
    "/{book_id}/impact",
    summary="가격표 영향 / Which open quotes a price book changes",
    response_model=Impact,
    responses=NOT_FOUND,
)
def book_impact(
    request: Request,
    _: Estimator,
    book_id: BookId,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int | None, Query(ge=1, description="기본·최대: REPRICE_MAX_QUOTES")] = None,
) -> dict[str, Any]:
    """The open quotes (draft, sent; latest revision) of one page re-priced with the book, staged or
    active, without documents or a save: old and new totals, the lines whose price moved, and the
    quotes it can no longer price. Like `kis catalog impact`."""
    with book_errors(book_id):
        return repricing.impact(container_of(request), book_id, page=page, size=size).as_dict()


@router.post(
    "/{book_id}/requote",
    summary="재견적 / Re-quote open quotes as revisions under the active book",
    response_model=Requoted,
    responses=NOT_FOUND,
)
def requote(request: Request, principal: Estimator, book_id: BookId, body: RequoteBody) -> dict[str, Any]:
    """Make each quote a revision priced with the book, which must be the active one (409
    PRICE_BOOK_NOT_ACTIVE: activate it first). Safe to retry: a quote whose chain already ends in a
    revision priced with the book is `skipped` and names that revision."""
    container = container_of(request)
    with book_errors(book_id):
        results = repricing.requote(
            container, book_id, body.quoteIds, trace_id=trace_id_of(request), caller=principal.subject
        )
    return {"bookId": book_id, "results": results}
