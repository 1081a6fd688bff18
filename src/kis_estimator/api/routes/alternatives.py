"""Alternatives side by side: the variants of a request or of a saved quote (brand, grade, material,
stock/custom enclosure), each priced by the engine with the catalog in use; nothing is stored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel

from kis_estimator.api.auth import Previewer, Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.schemas import ERRORS, NOT_FOUND, Totals
from kis_estimator.services import quotes
from kis_estimator.services.alternatives import alternatives, quote_alternatives

router = APIRouter(prefix="/v1/estimate", tags=["estimates"], responses=ERRORS)

REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EstimateRequest"}}},
    }
}


class Unmapped(BaseModel):
    path: str
    reason: str


class Variant(BaseModel):
    changes: dict[str, str | float]
    totals: Totals | None
    difference: int | None
    panels: list[dict[str, Any]]
    unmapped: list[Unmapped]
    request: dict[str, Any] | None


class Base(BaseModel):
    totals: Totals
    panels: list[dict[str, Any]]


class SavedQuote(BaseModel):
    id: str
    number: str
    revision: int
    status: str
    totals: Totals


class Alternatives(BaseModel):
    base: Base
    variants: list[Variant]
    catalog_sha256: str
    price_book_id: int | None
    rulebook_version: str
    engine_ms: float


class QuoteAlternatives(Alternatives):
    quote: SavedQuote


# Route order: POST /alternatives shares its shape with no POST of the estimates router (whose POSTs are
# "" and /{quote_id}/revise); a GET of /v1/estimate/alternatives is GET /{quote_id}, a 404 (test_alternatives).
@router.post(
    "/alternatives",
    summary="대안 비교 / Alternatives of a request (nothing saved)",
    response_model=Alternatives,
    openapi_extra=REQUEST_BODY,
)
def request_alternatives(
    request: Request, _: Previewer, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """The request and its variants that change one dimension at a time: brand (LS ↔ SANGDO), grade
    (ECONOMY ↔ STANDARD), material (STEEL 1.6T ↔ SUS201 1.2T) and stock ↔ custom enclosure; each with
    its totals, its `difference` from the base total (signed KRW), its enclosure per panel, what could
    not be mapped (`unmapped`: path and reason; then no totals) and its `request`. Nothing is stored;
    not counted against RATE_LIMIT_PER_MINUTE. A refused request is the 422 envelope of a create."""
    return alternatives(container_of(request), body)


@router.get(
    "/{quote_id}/alternatives",
    summary="견적의 대안 비교 / Alternatives of a saved quote",
    response_model=QuoteAlternatives,
    responses=NOT_FOUND,
)
def saved_alternatives(request: Request, _: Viewer, quote_id: str) -> dict[str, Any]:
    """The saved quote's request and its variants, re-priced with the catalog in use (as a revision
    made now would be); `quote` gives its id, number, revision, status and saved totals."""
    container = container_of(request)
    return quote_alternatives(container, quotes.get_quote(container, quote_id))
