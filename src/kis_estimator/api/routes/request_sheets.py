"""Request sheets: the blank template (`GET /v1/request-template`) and the check of a filled one
(`POST /v1/validate`)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kis_estimator.api.auth import Estimator, Viewer
from kis_estimator.api.errors import ApiError
from kis_estimator.api.routes.catalog_common import (
    BINARY,
    MEDIA_TYPES,
    read_upload,
)
from kis_estimator.api.schemas import ERRORS
from kis_estimator.documents import request_sheet

router = APIRouter(responses=ERRORS)

# The request-sheet findings that refuse the file itself (it cannot be read safely); the others are
# about its content and are answered with 200, next to their cells.
_SHEET_REFUSALS = ("SHEET_NOT_XLSX", "SHEET_TOO_LARGE")


class SheetCheck(BaseModel):
    request: dict[str, Any] | None = Field(description="정규화된 견적 요청 / The normalized request")
    findings: list[dict[str, Any]] = Field(description="code, severity, cell (견적요청!F13), message, hint")
    ok: bool


@router.get(
    "/v1/request-template",
    tags=["request sheets"],
    summary="빈 견적요청 양식 / The blank request sheet",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: BINARY}}},
)
def request_template(_: Viewer) -> Response:
    """The blank request template (`request-template.xlsx`) to fill in and check with `POST /v1/validate`."""
    name = quote("견적요청서_양식.xlsx", safe="")
    disposition = f"attachment; filename=\"request-template.xlsx\"; filename*=UTF-8''{name}"
    return Response(
        request_sheet.TEMPLATE_PATH.read_bytes(),
        media_type=MEDIA_TYPES["xlsx"],
        headers={"Content-Disposition": disposition},
    )


@router.post(
    "/v1/validate",
    tags=["request sheets"],
    summary="견적요청서 검사 / Check a request sheet",
    response_model=SheetCheck,
)
def validate_sheet(
    request: Request,
    _: Estimator,
    file: Annotated[UploadFile, File(description="채운 견적요청 양식 (.xlsx) / A filled request sheet")],
) -> dict[str, Any]:
    """Read a request sheet into the normalized request JSON. Problems in the sheet are findings that
    name their cell (200, `ok` false when any is an error); a file that is not a readable workbook,
    or a hostile one, is refused with 422."""
    data = read_upload(file, request_sheet.MAX_UPLOAD_BYTES, "SHEET_TOO_LARGE")
    result = request_sheet.import_request_sheet(data)
    refusal = next((f for f in result.findings if f.cell is None and f.code in _SHEET_REFUSALS), None)
    if refusal is not None:
        errors = {"errors": [refusal.as_dict()]}
        raise ApiError(422, refusal.code, refusal.message, hint=refusal.hint, path="file", extra=errors)
    return {"request": result.request, "findings": [f.as_dict() for f in result.findings], "ok": result.ok}
