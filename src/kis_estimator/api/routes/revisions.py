"""Revisions: the chain of one quote's revisions, and the BOM difference between two of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kis_estimator.api.auth import Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.schemas import ERRORS, NOT_FOUND
from kis_estimator.services.revision_diff import revision_chain, revision_diff

router = APIRouter(prefix="/v1/estimate", tags=["estimates"], responses=ERRORS)


class RevisionRef(BaseModel):
    id: str
    number: str
    revision: int


class ChainRevision(RevisionRef):
    status: str
    total: int


class RevisionChain(BaseModel):
    items: list[ChainRevision]
    latest: ChainRevision


class Change(BaseModel):
    before: int | float | None
    after: int | float | None


class AmountChange(BaseModel):
    before: int
    after: int
    difference: int


class DiffLine(BaseModel):
    name: str
    spec: str
    unit: str
    qty: int | float
    unit_price: int
    amount: int


class ChangedLine(BaseModel):
    name: str
    spec: str
    unit: str
    qty: Change
    unit_price: Change
    amount: AmountChange


class PanelDiff(BaseModel):
    name: str
    status: str  # added, removed, kept
    quantity: Change
    amount: AmountChange
    added: list[DiffLine]
    removed: list[DiffLine]
    changed: list[ChangedLine]


class DiffTotals(BaseModel):
    subtotal: int
    discount: int
    supply: int
    vat: int
    total: int


class TotalsDiff(BaseModel):
    before: DiffTotals
    after: DiffTotals
    difference: DiffTotals


class RevisionDiff(BaseModel):
    from_: RevisionRef = Field(alias="from")
    to: RevisionRef
    panels: list[PanelDiff]
    totals: TotalsDiff


@router.get(
    "/{quote_id}/diff",
    summary="개정 비교 / The BOM difference between two revisions",
    responses={200: {"model": RevisionDiff}, **NOT_FOUND},
)
def diff_revisions(
    request: Request,
    _: Viewer,
    quote_id: str,
    against: Annotated[str, Query(min_length=1, max_length=64)],
) -> JSONResponse:
    """How `quote_id` differs from `against` (the "before"), two revisions of one quote: per panel
    (matched by name) the lines added, removed and changed (quantity, unit price, amount), and the totals
    before, after and their difference. Quotes of different chains get 422 REVISION_CHAIN_MISMATCH."""
    return JSONResponse(revision_diff(container_of(request), quote_id, against))


@router.get(
    "/{quote_id}/revisions",
    summary="개정 이력 / The revisions of a quote",
    responses={200: {"model": RevisionChain}, **NOT_FOUND},
)
def list_revisions(request: Request, _: Viewer, quote_id: str) -> JSONResponse:
    """Every revision of the chain the quote belongs to, the first (root) first, and the latest: only
    the latest may be revised; the others are superseded (대체됨)."""
    return JSONResponse(revision_chain(container_of(request), quote_id))
