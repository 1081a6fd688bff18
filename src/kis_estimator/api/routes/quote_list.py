"""The quote list's export: the quotes a search lists (same filters, same order) as one workbook."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from kis_estimator.api.auth import Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError
from kis_estimator.api.listing import QuoteListQuery
from kis_estimator.api.schemas import ERRORS
from kis_estimator.services.quote_list import TooManyToExport, export_filename, export_quotes

router = APIRouter(prefix="/v1/estimate", tags=["estimates"], responses=ERRORS)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_BYTES = 64 * 1024


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    with file:
        while block := file.read(CHUNK_BYTES):
            yield block


@router.get(
    "/export.xlsx",
    summary="견적 목록 내보내기 / Export the listed quotes",
    response_class=StreamingResponse,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def export_estimates(request: Request, _: Viewer, query: QuoteListQuery) -> StreamingResponse:
    """Every quote `GET /v1/estimate` finds with the same filters, in the same order (all pages), as an
    xlsx: number, date, customer, project, panel summary, subtotal, VAT, total, revision and status,
    and a second sheet naming the search. More than EXPORT_MAX_ROWS quotes (5,000 by default) are
    refused with 422 EXPORT_TOO_MANY_ROWS: narrow the search."""
    container = container_of(request)
    with contextlib.ExitStack() as owned:
        file = owned.enter_context(tempfile.TemporaryFile())
        try:
            export_quotes(container, query, file)
        except TooManyToExport as exc:
            raise ApiError(
                422,
                "EXPORT_TOO_MANY_ROWS",
                f"내보낼 견적이 {exc.total:,}건으로 한 번에 내보낼 수 있는 {exc.limit:,}건을 넘습니다 / "
                f"{exc.total:,} quotes match; one export holds at most {exc.limit:,}",
                hint="기간·상태·고객으로 검색을 좁혀 주세요 (EXPORT_MAX_ROWS) / "
                "Narrow the search by dates, status or customer (EXPORT_MAX_ROWS).",
                path="query",
                extra={"total": exc.total, "maxRows": exc.limit},
            ) from None
        owned.pop_all()  # written: the response streams it and then closes it
    file.seek(0)
    name = export_filename(container.settings.timezone)
    ascii_name = name.replace("견적목록", "quotes")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return StreamingResponse(
        _chunks(file),
        media_type=XLSX,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
