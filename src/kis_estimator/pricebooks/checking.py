"""Checking a read price book: each kind's header mapped to COLUMNS, every cell typed, duplicates
found (`type_table`), then the catalog's own checks (`build_catalog`'s DataProblems) placed on the
sheet's rows and columns (`map_catalog_problems`), translated by their code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from openpyxl.utils import get_column_letter

from kis_estimator.documents.spreadsheet import is_blank
from kis_estimator.engine.errors import DataError, DataProblem
from kis_estimator.pricebooks.columns import COLUMNS, CellError, typed_cell
from kis_estimator.pricebooks.problems import Problem, make_problem, shown_value


@dataclass
class Table:
    """One kind as read from a CSV or a sheet: the header row and the non-blank data rows."""

    kind: str
    source: str
    header: tuple[object, ...] = ()
    rows: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)


@dataclass
class TypedTable:
    """The typed rows of one kind, the sheet row of each, and what is already reported (so that the
    catalog's own checks, run afterwards, do not report a cell or a missing column a second time)."""

    table: Table
    positions: dict[str, int] = field(default_factory=dict)  # column name → index in the sheet
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reported_cells: set[tuple[int, str]] = field(default_factory=set)
    absent_columns: set[str] = field(default_factory=set)

    def problem(self, code: str, row: int, column: str | None, index: int | None, **params: Any) -> Problem:
        cell = f"{get_column_letter(index + 1)}{row}" if index is not None else None
        return make_problem(code, self.table.source, row, column, cell, **params)

    def report(self, code: str, row: int, column: str | None, index: int | None, **params: Any) -> None:
        self.problems.append(self.problem(code, row, column, index, **params))
        if column:
            self.reported_cells.add((row, column))


def _map_header(typed: TypedTable) -> None:
    """Column name → index, from row 1; unknown, repeated and missing columns are reported."""
    columns = {column.name for column in COLUMNS[typed.table.kind]}
    positions = typed.positions
    for index, value in enumerate(typed.table.header):
        if is_blank(value):
            continue
        name = str(value).strip().lower()
        if name not in columns:
            typed.report("COLUMN_UNKNOWN", 1, str(value).strip(), index, found=shown_value(value))
        elif name in positions:
            typed.report("COLUMN_DUPLICATE", 1, name, index, found=name)
        else:
            positions[name] = index
    for column in COLUMNS[typed.table.kind]:
        if column.name not in positions:
            typed.absent_columns.add(column.name)
            typed.report("COLUMN_MISSING", 1, column.name, None, name=column.name)


def _report_unnamed(typed: TypedTable) -> None:
    """A value under no header is a mistake worth one problem per column (an unknown header has its own)."""
    named = set(typed.positions.values())
    header = typed.table.header
    seen: set[int] = set()
    for number, values in typed.table.rows:
        for index, value in enumerate(values):
            if index in named or index in seen or is_blank(value):
                continue
            seen.add(index)
            if index >= len(header) or is_blank(header[index]):
                typed.report("COLUMN_UNNAMED", number, None, index, value=shown_value(value))


def _type_rows(typed: TypedTable) -> None:
    for number, values in typed.table.rows:
        row: dict[str, Any] = {}
        for column in COLUMNS[typed.table.kind]:
            index = typed.positions.get(column.name)
            if index is None:
                row[column.name] = None
                continue
            value = values[index] if index < len(values) else None
            try:
                row[column.name] = typed_cell(value, column)
            except CellError as error:
                row[column.name] = None
                typed.report(error.code, number, column.name, index, value=shown_value(value), **error.params)
        typed.rows.append(row)
        typed.row_numbers.append(number)


def _model_key(model: str) -> str:
    # The engine's own key (engine.catalog): "ABN 204" and "abn204" name the same model.
    return model.strip().upper().replace(" ", "")


def _report_duplicates(typed: TypedTable) -> None:
    first_row: dict[str, int] = {}
    for number, row in zip(typed.row_numbers, typed.rows, strict=True):
        model = row.get("model")
        if not model:
            continue
        key = _model_key(model)
        if key in first_row:
            typed.report("MODEL_DUPLICATE", number, "model", typed.positions.get("model"), value=shown_value(model),
                         first=first_row[key])  # fmt: skip
        else:
            first_row[key] = number


def type_table(table: Table) -> TypedTable:
    typed = TypedTable(table)
    if all(is_blank(value) for value in table.header):
        typed.report("NO_HEADER", 1, None, None)
        return typed
    _map_header(typed)
    _report_unnamed(typed)
    if not table.rows:
        typed.report("NO_ROWS", 2, None, None)
    _type_rows(typed)
    _report_duplicates(typed)
    return typed


# -------------------------------------------------------------------------- the catalog's own checks


# The Korean of each code of build_catalog's DataProblems (engine.catalog), formatted with its params.
_CATALOG_KO: Final = {
    "REQUIRED": "필수 값이 비어 있습니다",
    "NOT_POLES": "극수는 2, 3, 4 중 하나여야 합니다",
    "NOT_A_CHOICE": "다음 중 하나여야 합니다: {choices}",
    "NOT_INTEGER": "정수여야 합니다",
    "BELOW_MINIMUM": "{minimum} 이상이어야 합니다",
    "NOT_RATINGS": "양의 정수를 |로 이어 쓰세요",
    "NOT_POSITIVE": "0보다 큰 숫자여야 합니다",
    "NOT_FLAG": "1 또는 0이어야 합니다",
    "DUPLICATE_MODEL": "모델이 중복됩니다",
}
_CATALOG_KO_OTHER: Final = "카탈로그 규칙에 맞지 않습니다"


def _korean(problem: DataProblem) -> str:
    return _CATALOG_KO.get(problem.code, _CATALOG_KO_OTHER).format(**problem.params)


def map_catalog_problems(
    error: DataError, typed: Mapping[str, TypedTable], base_source: str
) -> list[Problem]:
    """Place build_catalog's problems (kind, row N, field) on sheet rows. A problem on an uploaded kind
    joins that kind's list unless its cell or missing column is already reported; the others (about
    the base catalog, or without a row) are returned."""
    others = []
    for found in error.problems:
        kind, index, column, why = found.source, found.row, found.field, found.message
        if kind is None or index is None:
            others.append(make_problem("CATALOG_RULE", base_source, ko=_korean(found), why=str(found)))
            continue
        table = typed.get(kind)
        if table is None:  # a row of the base catalog, numbered as its export would number it
            others.append(
                make_problem(
                    "CATALOG_RULE", f"{base_source} {kind}", index + 1, column, ko=_korean(found), why=why
                )
            )
            continue
        row = table.row_numbers[index - 1]
        if column in table.absent_columns or (row, column) in table.reported_cells:
            continue
        position = table.positions.get(column) if column else None
        table.report("CATALOG_RULE", row, column, position, ko=_korean(found), why=why)
    return others
