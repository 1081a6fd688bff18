"""The row upsert, `POST /v1/catalog/items`.

Decision: price books are immutable versions, so an upsert never edits a book. It builds a NEW
version: the catalog in use with each given row merged into the row of the same model (the given
columns replace that row's values; omitted columns keep theirs; null clears an optional one) or added
when the model is new. The result is rendered to the import format and read back by
`read_price_book`, so it passes exactly the rules of an import; it is staged like an import (an
identical book already stored is returned, with 200) and activated only with `activate: true`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from kis_estimator.api.auth import Admin
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import trace_id_of
from kis_estimator.api.routes.catalog_common import (
    PriceBook,
    answer,
    book_errors,
    refusals,
    refused,
)
from kis_estimator.api.schemas import ERRORS
from kis_estimator.pricebooks import (
    COLUMNS,
    MAX_ROWS,
    Problem,
    catalog_rows,
    render_price_book,
)
from kis_estimator.services import price_books

router = APIRouter(responses=ERRORS)

ItemKind = Literal["breaker", "enclosure", "accessory"]
_LIST_COLUMN_TYPES = ("ratings", "money_range", "decimal_range")  # may be sent as a JSON list


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
        raise refused(container, problems, _rows_path(kind, []), path_hint)
    with book_errors():
        current = catalog_rows(price_books.base_catalog(container))
    merged, origin, replaced, added = _merge(current[kind], body.rows)
    rendered = render_price_book({**current, kind: merged}, "zip")
    label = body.label or f"{body.kind} 수정 / upsert: {', '.join(replaced + added)}"[:100]
    with refusals(container, _rows_path(kind, origin), path_hint), book_errors():
        parsed = price_books.read_book(container, "catalog-items.zip", rendered, None)
        staged = price_books.stage_price_book(
            container,
            parsed,
            label,
            f"upsert-{kind}.json",
            activate=body.activate,
            who=request.state.principal.subject,
            trace_id=trace_id_of(request),
        )
    return answer(staged, replaced=replaced, added=added)
