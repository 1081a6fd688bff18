"""Catalog: search the catalog in use (services/catalog_search.py) and the price-book versions (list,
import, activate, export: services/price_books.py). The row upsert (catalog_items.py) and the request
sheets (request_sheets.py) are routers of their own, included here after these routes so that the
order of the routes, and of the OpenAPI document, stays as it was.

The catalog in use is the active price book, or the catalog shipped with the package before any book
is active. Searches filter its typed rows (the columns of the import files) in one place for both
sources, so that `total` and paging are exact whatever the size of the book.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from kis_estimator.api.auth import Admin, Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError, trace_id_of
from kis_estimator.api.routes import catalog_items, request_sheets
from kis_estimator.api.routes.catalog_common import (
    BINARY,
    MEDIA_TYPES,
    PriceBook,
    answer,
    book_errors,
    file_path,
    read_upload,
    refusals,
)
from kis_estimator.api.schemas import ERRORS, NOT_FOUND
from kis_estimator.pricebooks import MAX_UPLOAD_BYTES
from kis_estimator.services import catalog_search, price_books

router = APIRouter(responses=ERRORS)

Kind = Literal["breakers", "enclosures", "accessories"]
ExportFormat = Literal["zip", "xlsx"]
# Path and shell characters, controls, and the bidi controls that could make a name read backwards.
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]')


class CatalogPage(BaseModel):
    items: list[dict[str, Any]] = Field(
        description="카탈로그 행 (가져오기 파일의 열) / Rows, as the import columns"
    )
    total: int
    page: int
    size: int
    priceBookId: int | None = Field(
        description="활성 가격표, 없으면 기본 카탈로그 / null: the shipped catalog"
    )


# ------------------------------------------------------------------------------------------- search


@router.get(
    "/v1/catalog/price-books",
    tags=["catalog"],
    summary="가격표 목록 / Price-book versions",
    response_model=list[PriceBook],
)
def list_price_books(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """Every version, newest first; exactly one is active once any has been activated."""
    return [version.as_dict() for version in price_books.list_price_books(container_of(request))]


@router.get(
    "/v1/catalog/{kind}",
    tags=["catalog"],
    summary="카탈로그 검색 / Search the catalog in use",
    response_model=CatalogPage,
)
def search_catalog(
    request: Request,
    _: Viewer,
    kind: Kind,
    q: Annotated[
        str | None, Query(max_length=100, description="모델·이름 일부 / Part of a model or name")
    ] = None,
    brand: Annotated[str | None, Query(max_length=20, description="차단기 / breakers: LS, SANGDO")] = None,
    type: Annotated[
        str | None,
        Query(max_length=20, description="차단기 MCCB·ELCB, 부속 MAGNET·TIMER… / breaker or accessory type"),
    ] = None,
    series: Annotated[
        str | None, Query(max_length=40, description="차단기·외함 / breakers, enclosures")
    ] = None,
    grade: Annotated[str | None, Query(max_length=20, description="차단기 / breakers")] = None,
    poles: Annotated[int | None, Query(ge=1, le=4, description="차단기 / breakers")] = None,
    frame_af: Annotated[int | None, Query(ge=1, le=10_000, description="차단기 / breakers")] = None,
    trip_at: Annotated[
        int | None, Query(ge=1, le=10_000, description="차단기: 정격에 포함 / breakers rated for this AT")
    ] = None,
    material: Annotated[str | None, Query(max_length=20, description="외함 / enclosures")] = None,
    location: Annotated[str | None, Query(max_length=20, description="외함 / enclosures")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The active price book's rows (the shipped catalog's before any is active) of one kind."""
    given = {
        "brand": brand,
        "type": type,
        "series": series,
        "grade": grade,
        "poles": poles,
        "frame_af": frame_af,
        "trip_at": trip_at,
        "material": material,
        "location": location,
    }
    filters = {name: value for name, value in given.items() if value is not None}
    try:
        with book_errors():
            found = catalog_search.search_catalog(container_of(request), kind, q, filters, page, size)
    except catalog_search.CatalogFilterUnknown as exc:
        raise ApiError(422, exc.code, exc.message, hint=exc.hint, path=f"query.{exc.name}") from None
    return {
        "items": found.items,
        "total": found.total,
        "page": page,
        "size": size,
        "priceBookId": found.price_book_id,
    }


# ---------------------------------------------------------------------------------- price books


@router.post(
    "/v1/catalog/import",
    status_code=201,
    tags=["catalog"],
    summary="가격표 가져오기 / Import a price book",
    responses={
        201: {"model": PriceBook, "description": "새 버전 / A new version"},
        200: {
            "model": PriceBook,
            "description": "같은 가격표가 이미 있음 / The identical book, already stored",
        },
    },
)
def import_price_book(
    request: Request,
    _: Admin,
    file: Annotated[
        UploadFile, File(description=".zip (CSV 3개), .xlsx (시트 3개), 또는 breakers.csv 같은 CSV 하나")
    ],
    label: Annotated[
        str | None, Form(max_length=100, description="기본: 파일 이름 / Default: file name")
    ] = None,
    activate: Annotated[bool, Form(description="바로 활성화 / Make it active at once")] = False,
) -> JSONResponse:
    """Validate a price book (every problem named by sheet and cell under meta.errors) and store it as a
    version, like `kis catalog import`. One CSV updates that kind of the catalog in use."""
    container = container_of(request)
    filename = PurePosixPath((file.filename or "upload").replace("\\", "/")).name or "upload"
    data = read_upload(file, MAX_UPLOAD_BYTES, "FILE_TOO_LARGE")
    name = (label or "").strip() or PurePosixPath(filename).stem[:100] or "upload"
    hint = (
        "표시된 칸을 고쳐 다시 올려 주세요 (전체 목록: meta.errors) / "
        "Fix the named cells and upload again (all problems: meta.errors)."
    )
    with refusals(container, file_path, hint), book_errors():
        return answer(
            price_books.import_price_book(
                container,
                filename,
                data,
                name,
                filename,
                activate=activate,
                who=request.state.principal.subject,
                trace_id=trace_id_of(request),
            )
        )


@router.post(
    "/v1/catalog/price-books/{book_id}/activate",
    tags=["catalog"],
    summary="가격표 활성화 / Activate a price book",
    response_model=PriceBook,
    responses=NOT_FOUND,
)
def activate_price_book(
    request: Request, _: Admin, book_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    """Make a version the one quotes are priced with; the previous one is retired (activating an older
    version rolls back)."""
    with book_errors(book_id):
        return price_books.activate_price_book(
            container_of(request), book_id, who=request.state.principal.subject, trace_id=trace_id_of(request)
        ).as_dict()


@router.get(
    "/v1/catalog/price-books/{book_id}/export",
    tags=["catalog"],
    summary="가격표 내보내기 / Export a price book",
    response_class=Response,
    responses={200: {"content": {media: BINARY for media in MEDIA_TYPES.values()}}, **NOT_FOUND},
)
def export_price_book(
    request: Request,
    _: Viewer,
    book_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    export_format: Annotated[ExportFormat, Query(alias="format")] = "zip",
) -> Response:
    """A version as a zip of the three CSVs or an xlsx with three sheets, ready to edit and import again."""
    with book_errors(book_id):
        exported = price_books.export_price_book(container_of(request), book_id, export_format)
    data, ascii_name, book = exported.data, exported.filename, exported.version
    name = _UNSAFE_FILENAME.sub("_", f"가격표_{book.label}_{book.id}.{export_format}")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(data, media_type=MEDIA_TYPES[export_format], headers={"Content-Disposition": disposition})


router.include_router(catalog_items.router)
router.include_router(request_sheets.router)
