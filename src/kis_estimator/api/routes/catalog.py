"""Catalog: search the catalog in use, price-book versions (list, import, activate, export), the row
upsert, the blank request sheet (`GET /v1/request-template`) and the request-sheet check
(`POST /v1/validate`).

The catalog in use is the active price book, or the catalog shipped with the package before any book
is active. Searches filter its typed rows (the columns of the import files) in one place for both
sources, so that `total` and paging are exact whatever the size of the book.

Decision (upsert, `POST /v1/catalog/items`): price books are immutable versions, so an upsert never
edits a book. It builds a NEW version: the catalog in use with each given row merged into the row of
the same model (the given columns replace that row's values; omitted columns keep theirs; null clears
an optional one) or added when the model is new. The result is rendered to the import format and read
back by `read_price_book`, so it passes exactly the rules of an import; it is staged like an import
(an identical book already stored is returned, with 200) and activated only with `activate: true`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import event
from sqlalchemy.orm import Session

from kis_estimator.api.auth import Admin, Estimator, Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError, trace_id_of
from kis_estimator.api.schemas import ERRORS, NOT_FOUND
from kis_estimator.bootstrap import Container
from kis_estimator.db.models import PriceBookRow
from kis_estimator.documents import request_sheet
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import DataError
from kis_estimator.pricebook import (
    COLUMNS,
    KINDS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    ROW_LIMIT_CODES,
    ParsedBook,
    PriceBookNotFound,
    PriceBookRepository,
    Problem,
    catalog_rows,
    export_filename,
    label_problem,
    read_price_book,
    render_price_book,
)
from kis_estimator.services import audit
from kis_estimator.services.catalog_in_use import catalog_in_use

router = APIRouter(responses=ERRORS)

Kind = Literal["breakers", "enclosures", "accessories"]
ItemKind = Literal["breaker", "enclosure", "accessory"]
ExportFormat = Literal["zip", "xlsx"]

_MEDIA_TYPES = {
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
# Path and shell characters, controls, and the bidi controls that could make a name read backwards.
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]')
# What `q` is matched against, per kind (besides the model, the names a person would type).
_NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "breakers": ("model", "series"),
    "enclosures": ("model", "series"),
    "accessories": ("model", "line_name", "spec"),
}
# The filters each kind accepts: query parameter → the row's column.
_FILTERS: dict[str, dict[str, str]] = {
    "breakers": {
        "brand": "brand",
        "type": "type",
        "series": "series",
        "grade": "grade",
        "poles": "poles",
        "frame_af": "frame_af",
        "trip_at": "trip_ratings_a",
    },
    "enclosures": {"series": "series", "material": "material", "location": "location"},
    "accessories": {"type": "kind"},
}
_LIST_COLUMN_TYPES = ("ratings", "money_range", "decimal_range")  # may be sent as a JSON list
# The request-sheet findings that refuse the file itself (it cannot be read safely); the others are
# about its content and are answered with 200, next to their cells.
_SHEET_REFUSALS = ("SHEET_NOT_XLSX", "SHEET_TOO_LARGE")


# ------------------------------------------------------------------------------------------ shapes


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


class PriceBook(BaseModel):
    id: int
    label: str
    source_name: str
    state: Literal["draft", "active", "retired"]
    active: bool
    sha256: str
    items: dict[str, int] = Field(examples=[{"breakers": 105, "enclosures": 141, "accessories": 25}])
    created_at: str | None
    activated_at: str | None


class UpsertResult(PriceBook):
    replaced: list[str] = Field(description="바뀐 모델 / Models whose rows were changed")
    added: list[str] = Field(description="추가된 모델 / Models added")


class ItemsUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ItemKind
    rows: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_ROWS,
        examples=[[{"model": "ABN-204", "price_krw": 160000}]],
        description="가격표 가져오기와 같은 열; 있는 모델은 보낸 열만 바뀝니다 / The import's columns; "
        "for a model already in the catalog only the columns sent change",
    )
    label: str | None = Field(default=None, min_length=1, max_length=100)
    activate: bool = False


class SheetCheck(BaseModel):
    request: dict[str, Any] | None = Field(description="정규화된 견적 요청 / The normalized request")
    findings: list[dict[str, Any]] = Field(description="code, severity, cell (견적요청!F13), message, hint")
    ok: bool


# ----------------------------------------------------------------------------------------- helpers


def _version(row: PriceBookRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "label": row.label,
        "source_name": row.source_name,
        "state": row.state,
        "active": row.state == "active",
        "sha256": row.catalog_sha256,
        "items": {kind: len(row.catalog.get(kind, ())) for kind in KINDS},
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "activated_at": row.activated_at.isoformat() if row.activated_at else None,
    }


@contextmanager
def _book_errors(book_id: int | None = None) -> Iterator[None]:
    """PriceBookNotFound → 404; DataError (a stored book that fails its hash) → 422."""
    try:
        yield
    except PriceBookNotFound as exc:
        raise ApiError(
            404,
            "PRICE_BOOK_NOT_FOUND",
            f"가격표가 없습니다 / No price book {exc.book_id}",
            hint="GET /v1/catalog/price-books 로 목록을 보세요 / List them with GET /v1/catalog/price-books.",
            path="book_id",
        ) from None
    except DataError as exc:
        raise ApiError(
            422,
            "PRICE_BOOK_CORRUPT",
            f"저장된 가격표가 손상되었습니다 / A stored price book is corrupt: {exc}"[:500],
            hint="가격표를 다시 가져오세요 / Import the price book again.",
            path="book_id" if book_id is not None else "",
        ) from None


@contextmanager
def _inserted(session: Session) -> Iterator[list[object]]:
    """The objects this block inserts: tells a newly staged book from the stored twin stage() returns."""
    inserted: list[object] = []

    def record(_: Session, instance: object) -> None:
        inserted.append(instance)

    event.listen(session, "pending_to_persistent", record)
    try:
        yield inserted
    finally:
        event.remove(session, "pending_to_persistent", record)


def _stage(
    container: Container,
    repository: PriceBookRepository,
    parsed: ParsedBook,
    label: str,
    source: str,
    activate: bool,
) -> tuple[int, PriceBookRow]:
    """Stage (and activate) a book; 201 for a new version, 200 for the identical one already stored."""
    problem = label_problem(label)
    if problem is not None:
        hint = "이름에서 보이지 않는 방향 문자를 지워 주세요 / Remove the invisible direction characters."
        raise _refused(container, [problem], lambda _: "label", hint)
    with _inserted(repository.session) as inserted:
        row = repository.stage(parsed, label, source)
    if activate:
        with _book_errors(row.id):
            row = repository.activate(row.id)
    return (201 if row in inserted else 200), row


def _base_catalog(container: Container) -> Catalog:
    """The catalog in use (services.catalog_in_use); a corrupt active book is a 422."""
    with _book_errors():
        return catalog_in_use(container).catalog


def _read_book(
    container: Container, filename: str, data: bytes, base: Catalog | None
) -> ParsedBook | list[Problem]:
    """read_price_book with the installation's row limit (PRICE_BOOK_MAX_ROWS). It runs outside any
    transaction: reading a big book takes seconds, and no reader or writer waits for it."""
    return read_price_book(filename, data, base, max_rows=container.settings.price_book_max_rows)


def _read_upload(file: UploadFile, limit: int, code: str) -> bytes:
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(
            413,
            code,
            f"파일이 너무 큽니다 / The file is too large (> {limit:,} bytes)",
            hint="더 작은 파일을 보내 주세요 / Send a smaller file.",
            path="file",
            extra={"limitBytes": limit},
        )
    return data


def _refused(
    container: Container, problems: Sequence[Problem], path_of: Callable[[Problem], str], hint: str
) -> ApiError:
    """The envelope of a refused price book: the first problem, and all of them under meta.errors; 422,
    or 413 when the book has more rows than allowed (that problem first, with the limit)."""
    errors = [{**problem.as_dict(), "path": path_of(problem)} for problem in problems]
    too_many = [problem for problem in problems if problem.code in ROW_LIMIT_CODES]
    if too_many:
        limit = container.settings.price_book_max_rows
        return ApiError(
            413,
            too_many[0].code,
            too_many[0].message,
            hint=f"가격표를 {limit:,}줄 이하로 줄여 주세요 (관리자: PRICE_BOOK_MAX_ROWS) / "
            f"Keep the book within {limit:,} data rows (an administrator sets PRICE_BOOK_MAX_ROWS).",
            path=path_of(too_many[0]),
            extra={"errors": errors, "limitRows": limit},
        )
    first = problems[0]
    return ApiError(422, first.code, first.message, hint=hint, path=path_of(first), extra={"errors": errors})


def _file_path(problem: Problem) -> str:
    """`file:breakers!F5` for a cell, `file:breakers!5:5` for a row, `file:breakers.csv` for a file."""
    if problem.source is None:
        return "file"
    if problem.cell:
        return f"file:{problem.source}!{problem.cell}"
    if problem.row is not None:
        return f"file:{problem.source}!{problem.row}:{problem.row}"
    return f"file:{problem.source}"


def _squash(value: object) -> str:
    return "".join(str(value).split()).casefold()


# ------------------------------------------------------------------------------------------- search


def _rows_in_use(container: Container, kind: str) -> tuple[list[dict[str, Any]], int | None]:
    with _book_errors():
        in_use = catalog_in_use(container)
    return catalog_rows(in_use.catalog)[kind], in_use.price_book_id


def _matches(row: Mapping[str, Any], filters: Mapping[str, tuple[str, object]]) -> bool:
    for column, wanted in filters.values():
        value = row.get(column)
        if column == "trip_ratings_a":
            if wanted not in (value or ()):
                return False
        elif isinstance(wanted, int):
            if value != wanted:
                return False
        elif value is None or _squash(value) != _squash(wanted):
            return False
    return True


def _search(
    rows: Sequence[dict[str, Any]], kind: str, q: str | None, filters: Mapping[str, tuple[str, object]]
) -> list[dict[str, Any]]:
    """Rows holding `q` in a name column (case and spaces ignored) and passing every filter; an exact
    model first, then in the book's order."""
    term = _squash(q or "")
    found = [
        row
        for row in rows
        if _matches(row, filters)
        and (not term or any(term in _squash(row.get(c) or "") for c in _NAME_COLUMNS[kind]))
    ]
    if term:
        found.sort(key=lambda row: _squash(row["model"]) != term)
    return found


@router.get(
    "/v1/catalog/price-books",
    tags=["catalog"],
    summary="가격표 목록 / Price-book versions",
    response_model=list[PriceBook],
)
def list_price_books(request: Request, _: Viewer) -> list[dict[str, Any]]:
    """Every version, newest first; exactly one is active once any has been activated."""
    with container_of(request).reads() as session:
        return [_version(row) for row in PriceBookRepository(session).list()]


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
    filters: dict[str, tuple[str, object]] = {}
    for name, value in given.items():
        if value is None:
            continue
        if name not in _FILTERS[kind]:
            raise ApiError(
                422,
                "CATALOG_FILTER_UNKNOWN",
                f"{kind}에는 '{name}' 조건이 없습니다 / {kind} cannot be filtered by {name}",
                hint=f"쓸 수 있는 조건 / Filters for {kind}: {', '.join(_FILTERS[kind])}",
                path=f"query.{name}",
            )
        filters[name] = (_FILTERS[kind][name], value)
    rows, book_id = _rows_in_use(container_of(request), kind)
    found = _search(rows, kind, q, filters)
    start = (page - 1) * size
    items = found[start : start + size]
    return {"items": items, "total": len(found), "page": page, "size": size, "priceBookId": book_id}


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
    data = _read_upload(file, MAX_UPLOAD_BYTES, "FILE_TOO_LARGE")
    parsed = _read_book(container, filename, data, _base_catalog(container))
    if isinstance(parsed, list):
        raise _refused(
            container,
            parsed,
            _file_path,
            "표시된 칸을 고쳐 다시 올려 주세요 (전체 목록: meta.errors) / "
            "Fix the named cells and upload again (all problems: meta.errors).",
        )
    name = (label or "").strip() or PurePosixPath(filename).stem[:100] or "upload"
    with container.sessions.begin() as session:  # only the inserts: one short write transaction
        repository = PriceBookRepository(session, container.built_catalogs)
        status, row = _stage(container, repository, parsed, name, filename, activate)
        audit.record(
            session,
            request.state.principal.subject,
            "pricebook.import",
            str(row.id),
            {"label": row.label, "activate": activate, "new": status == 201},
            trace_id_of(request),
        )
        return JSONResponse(_version(row), status_code=status)


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
    container = container_of(request)
    with container.sessions() as session, _book_errors(book_id):
        repository = PriceBookRepository(session, container.built_catalogs)
        row = repository.get(book_id)
        if row is not None:  # built and checked before the write transaction: seconds for a big book
            repository.catalog_of(row)
    with container.sessions.begin() as session, _book_errors(book_id):
        audit.record(
            session,
            request.state.principal.subject,
            "pricebook.activate",
            str(book_id),
            {},
            trace_id_of(request),
        )
        return _version(PriceBookRepository(session, container.built_catalogs).activate(book_id))


@router.get(
    "/v1/catalog/price-books/{book_id}/export",
    tags=["catalog"],
    summary="가격표 내보내기 / Export a price book",
    response_class=Response,
    responses={200: {"content": {media: _BINARY for media in _MEDIA_TYPES.values()}}, **NOT_FOUND},
)
def export_price_book(
    request: Request,
    _: Viewer,
    book_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    export_format: Annotated[ExportFormat, Query(alias="format")] = "zip",
) -> Response:
    """A version as a zip of the three CSVs or an xlsx with three sheets, ready to edit and import again."""
    with container_of(request).reads() as session, _book_errors(book_id):
        repository = PriceBookRepository(session)
        data = repository.export(book_id, export_format)
        row = repository.get(book_id)
        assert row is not None  # export raised PriceBookNotFound otherwise
        ascii_name = export_filename(row, export_format)
        name = _UNSAFE_FILENAME.sub("_", f"가격표_{row.label}_{row.id}.{export_format}")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(
        data, media_type=_MEDIA_TYPES[export_format], headers={"Content-Disposition": disposition}
    )


# -------------------------------------------------------------------------------------------- upsert


def _row_problem(code: str, index: int, column: str, korean: str, english: str) -> Problem:
    return Problem(code, f"{korean} / {english}", source="rows", row=index, column=column)


def _check_rows(kind: str, rows: Sequence[Mapping[str, Any]]) -> list[Problem]:
    """What rendering to a CSV would hide: unknown columns, non-cell values, rows without a model."""
    columns = {column.name: column for column in COLUMNS[kind]}
    problems = []
    for index, row in enumerate(rows):
        for name, value in row.items():
            column = columns.get(name)
            if column is None:
                problems.append(
                    _row_problem("COLUMN_UNKNOWN", index, name, "알 수 없는 열입니다", "unknown column")
                )
                continue
            if not _is_cell(value, column.type):
                korean, english = "이 칸에 맞지 않는 값입니다", "wrong kind of value"
                problems.append(_row_problem("VALUE_WRONG_TYPE", index, name, korean, english))
        model = row.get("model")
        if not isinstance(model, str | int) or isinstance(model, bool) or not str(model).strip():
            problems.append(
                _row_problem("VALUE_MISSING", index, "model", "모델이 필요합니다", "model is required")
            )
    return problems


def _is_cell(value: object, column_type: str) -> bool:
    """A JSON value a CSV cell can hold for this column: a scalar, or a list for a range or ratings."""
    if isinstance(value, list) and column_type in _LIST_COLUMN_TYPES:
        return bool(value) and all(
            isinstance(v, int | float | str) and not isinstance(v, bool) for v in value
        )
    if isinstance(value, bool):
        return column_type == "flag"
    return value is None or isinstance(value, int | float | str)


def _model_key(model: object) -> str:
    return str(model).strip().upper().replace(" ", "")  # the engine's key: "ABN 204" is "ABN204"


def _merge(
    current: Sequence[Mapping[str, Any]], given: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[int | None], list[str], list[str]]:
    """The rows with each given row merged into the row of its model, or appended; and for each row the
    index of the given row it came from (None: unchanged)."""
    rows = [dict(row) for row in current]
    origin: list[int | None] = [None] * len(rows)
    position = {_model_key(row["model"]): index for index, row in enumerate(rows)}
    replaced, added = [], []
    for index, row in enumerate(given):
        at = position.get(_model_key(row["model"]))
        if at is not None and origin[at] is None:
            rows[at] = {**rows[at], **row}
            origin[at] = index
            replaced.append(str(row["model"]))
        else:  # a new model; a model given twice is appended again, and refused as a duplicate
            rows.append(dict(row))
            origin.append(index)
            added.append(str(row["model"]))
    return rows, origin, replaced, added


def _rows_path(kind: str, origin: Sequence[int | None]) -> Callable[[Problem], str]:
    source = f"{kind}.csv"

    def path_of(problem: Problem) -> str:
        if problem.source == "rows" and problem.row is not None:  # found by _check_rows
            return f"rows.{problem.row}.{problem.column}"
        if problem.source == source and problem.row is not None and 0 <= problem.row - 2 < len(origin):
            index = origin[problem.row - 2]  # the CSV's header is row 1
            if index is not None:
                return f"rows.{index}.{problem.column}" if problem.column else f"rows.{index}"
        return "rows"

    return path_of


@router.post(
    "/v1/catalog/items",
    status_code=201,
    tags=["catalog"],
    summary="카탈로그 행 추가·수정 / Upsert catalog rows (as a new price-book version)",
    responses={
        201: {"model": UpsertResult, "description": "새 버전 / A new version"},
        200: {"model": UpsertResult, "description": "바뀐 것 없음 / Identical to a stored version"},
    },
)
def upsert_items(request: Request, _: Admin, body: Annotated[ItemsUpsert, Body()]) -> JSONResponse:
    """A new price-book version: the catalog in use with these rows merged in by model (see the module
    docstring), checked by the import's rules; active only with `activate: true`."""
    container = container_of(request)
    kind = f"{body.kind}s" if body.kind != "accessory" else "accessories"
    path_hint = "rows.N.열 이름의 값을 고쳐 주세요 / Fix the value at rows.N.column."
    problems = _check_rows(kind, body.rows)
    if problems:
        raise _refused(container, problems, _rows_path(kind, []), path_hint)
    current = catalog_rows(_base_catalog(container))
    merged, origin, replaced, added = _merge(current[kind], body.rows)
    rendered = render_price_book({**current, kind: merged}, "zip")
    parsed = _read_book(container, "catalog-items.zip", rendered, None)
    if isinstance(parsed, list):
        raise _refused(container, parsed, _rows_path(kind, origin), path_hint)
    label = body.label or f"{body.kind} 수정 / upsert: {', '.join(replaced + added)}"[:100]
    with container.sessions.begin() as session:
        repository = PriceBookRepository(session, container.built_catalogs)
        status, row = _stage(container, repository, parsed, label, f"upsert-{kind}.json", body.activate)
        audit.record(
            session,
            request.state.principal.subject,
            "pricebook.import",
            str(row.id),
            {"label": row.label, "activate": body.activate, "new": status == 201},
            trace_id_of(request),
        )
        return JSONResponse({**_version(row), "replaced": replaced, "added": added}, status_code=status)


# -------------------------------------------------------------------------------- request sheets


@router.get(
    "/v1/request-template",
    tags=["request sheets"],
    summary="빈 견적요청 양식 / The blank request sheet",
    response_class=Response,
    responses={200: {"content": {_MEDIA_TYPES["xlsx"]: _BINARY}}},
)
def request_template(_: Viewer) -> Response:
    """The blank request template (`request-template.xlsx`) to fill in and check with `POST /v1/validate`."""
    name = quote("견적요청서_양식.xlsx", safe="")
    disposition = f"attachment; filename=\"request-template.xlsx\"; filename*=UTF-8''{name}"
    return Response(
        request_sheet.TEMPLATE_PATH.read_bytes(),
        media_type=_MEDIA_TYPES["xlsx"],
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
    data = _read_upload(file, request_sheet.MAX_UPLOAD_BYTES, "SHEET_TOO_LARGE")
    result = request_sheet.import_request_sheet(data)
    refusal = next((f for f in result.findings if f.cell is None and f.code in _SHEET_REFUSALS), None)
    if refusal is not None:
        errors = {"errors": [refusal.as_dict()]}
        raise ApiError(422, refusal.code, refusal.message, hint=refusal.hint, path="file", extra=errors)
    return {"request": result.request, "findings": [f.as_dict() for f in result.findings], "ok": result.ok}
