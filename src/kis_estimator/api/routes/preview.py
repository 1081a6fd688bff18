"""The live preview: a request priced by the engine without a quote number, documents or a save."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from kis_estimator.api.auth import Previewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.schemas import ERRORS, Totals
from kis_estimator.services.preview import preview

router = APIRouter(prefix="/v1/estimate", tags=["estimates"], responses=ERRORS)

REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EstimateRequest"}}},
    }
}


class PreviewTotals(Totals):
    # Only with a discount, as in a quote's totals: 소계 − 할인 = 공급가액.
    discount: int | None = Field(default=None, exclude_if=lambda value: value is None)
    supply: int | None = Field(default=None, exclude_if=lambda value: value is None)
    vat_rate: float


class Preview(BaseModel):
    panels: list[dict[str, Any]]
    totals: PreviewTotals
    catalog_sha256: str
    price_book_id: int | None
    rulebook_version: str
    engine_ms: float


@router.post(
    "/preview",
    summary="견적 미리보기 / Preview a quote (nothing saved)",
    response_model=Preview,
    openapi_extra=REQUEST_BODY,
)
def preview_estimate(
    request: Request, _: Previewer, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Price the request as a create would (the same catalog in use, rulebook and refusals) and answer
    each panel's enclosure, phase currents R/S/T, open gates and subtotal, and the totals. No quote
    number is spent and nothing is stored; not counted against RATE_LIMIT_PER_MINUTE. A refused request
    is the 422 envelope of a create: the first problem's `path`, every problem under `meta.errors`."""
    return preview(container_of(request), body)
