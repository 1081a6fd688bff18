"""What the catalog routers share: the price-book shape, the file media types, reading an upload
within its limit, and the error envelopes of a refused or missing book."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from fastapi import UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from kis_estimator.api.errors import ApiError
from kis_estimator.bootstrap import Container
from kis_estimator.db.pricebooks import PriceBookNotFound
from kis_estimator.engine.errors import DataError
from kis_estimator.pricebooks import (
    ROW_LIMIT_CODES,
    Problem,
)
from kis_estimator.services.price_books import BookRefused, Staged

MEDIA_TYPES = {
    "zip": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}


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


@contextmanager
def book_errors(book_id: int | None = None) -> Iterator[None]:
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


_LABEL_HINT = "이름에서 보이지 않는 방향 문자를 지워 주세요 / Remove the invisible direction characters."


@contextmanager
def refusals(container: Container, path_of: Callable[[Problem], str], hint: str) -> Iterator[None]:
    """BookRefused → the envelope of a refused book (a refused label: path `label`, its own hint)."""
    try:
        yield
    except BookRefused as exc:
        if exc.on_label:
            raise refused(container, exc.problems, lambda _: "label", _LABEL_HINT) from None
        raise refused(container, exc.problems, path_of, hint) from None


def answer(staged: Staged, **extra: Any) -> JSONResponse:
    """201 for a new version, 200 for the identical one already stored."""
    return JSONResponse({**staged.version.as_dict(), **extra}, status_code=201 if staged.created else 200)


def read_upload(file: UploadFile, limit: int, code: str) -> bytes:
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


def refused(
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


def file_path(problem: Problem) -> str:
    """`file:breakers!F5` for a cell, `file:breakers!5:5` for a row, `file:breakers.csv` for a file."""
    if problem.source is None:
        return "file"
    if problem.cell:
        return f"file:{problem.source}!{problem.cell}"
    if problem.row is not None:
        return f"file:{problem.source}!{problem.row}:{problem.row}"
    return f"file:{problem.source}"
