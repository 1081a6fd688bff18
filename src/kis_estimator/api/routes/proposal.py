"""A multi-option proposal: a request priced as 2-3 options, delivered as one zip (the workbook and PDF
with the comparison first, and every option's calculation); nothing is stored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from kis_estimator.api.auth import Estimator
from kis_estimator.api.deps import container_of
from kis_estimator.api.schemas import ERRORS
from kis_estimator.services.proposal import proposal

router = APIRouter(prefix="/v1/estimate", tags=["estimates"], responses=ERRORS)

_CHANGES = {
    "type": "object",
    "properties": {
        "brand": {"enum": ["LS", "SANGDO"]},
        "grade": {"enum": ["ECONOMY", "STANDARD"]},
        "material": {"enum": ["STEEL", "SUS201"]},
        "thickness_mm": {"type": "number"},
        "enclosure_kind": {"enum": ["STOCK", "CUSTOM"]},
    },
    "additionalProperties": False,
}
PROPOSAL_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["request", "options"],
                    "properties": {
                        "request": {"$ref": "#/components/schemas/EstimateRequest"},
                        "options": {"type": "array", "minItems": 2, "maxItems": 3, "items": _CHANGES},
                    },
                }
            }
        },
    }
}
ZIP: dict[int | str, dict[str, Any]] = {
    200: {"description": "제안서 zip / The proposal pack", "content": {"application/zip": {}}}
}


@router.post(
    "/proposal",
    summary="대안 제안서 / Multi-option proposal (zip; nothing saved)",
    response_class=Response,
    responses=ZIP,
    openapi_extra=PROPOSAL_BODY,
)
def make_proposal(
    request: Request, principal: Estimator, body: Annotated[dict[str, Any], Body()]
) -> Response:
    """`request` priced as each of `options` (A, B, C: each the request with `brand`, `grade`,
    `material` (+ `thickness_mm`) or `enclosure_kind` changed; `{}` is the request as it is). The zip
    holds documents/proposal.xlsx (sheet 비교 first, live formulas into each option's sheet),
    documents/proposal.pdf (the comparison page first), proposal.json, options/<label>/ (each option's
    stage files, documents and manifest), manifest.json and SHA256SUMS. A wrong option is a 422 at
    `options.N.key`; the request's own problems are at their paths within `request`."""
    made = proposal(container_of(request), body.get("request"), body.get("options"), actor=principal.subject)
    return Response(
        made.zip_bytes(),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{made.number}.zip"',
            "X-Proposal-Sha256": made.sha256,
        },
    )
