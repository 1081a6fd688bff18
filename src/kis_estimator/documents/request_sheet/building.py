"""Building the request from the sheet's grid: the header block, the panels and their rows, every
problem a Finding naming its cell, then `parse_request`'s own problems mapped back to cells."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from kis_estimator.documents.request_sheet.columns import (
    BREAKER_FIELDS,
    COLUMN,
    COLUMNS,
    COUNT,
    ENCLOSURE_FIELDS,
    HEADER_FIELDS,
    LINE_FIELDS,
    LIST_OF_KIND,
    PANEL_QTY_FIELD,
    ROW_KIND,
    SIZE_FIELDS,
    TEMPLATE_INDEX,
    TEXT,
    USED_COLUMNS,
    CellProblem,
    Choice,
    Converter,
    Field,
    word_key,
)
from kis_estimator.documents.request_sheet.messages import (
    FIRST_DATA_ROW,
    SHEET_NAME,
    TABLE_HEADER_ROW,
    Finding,
    SheetImport,
    cell_name,
    make_finding,
    shown,
)
from kis_estimator.documents.spreadsheet import (
    READ_COLUMNS,
    is_blank,
)
from kis_estimator.engine.errors import RequestProblem, RequestRejected
from kis_estimator.engine.request import parse_request


def normalize_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """The normal form the round trip compares: validated by `parse_request`, every default made
    explicit, absent optional values (None) dropped. Raises RequestRejected when invalid."""
    return parse_request(request).model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True)
class Grid:
    """What the reader keeps of the sheet: the header block's rows, the table header, non-blank data rows."""

    header: Mapping[int, tuple[object, ...]]
    table_header: tuple[object, ...]
    rows: Sequence[tuple[int, tuple[object, ...]]]

    def header_cell(self, row: int, column: int) -> object:
        values = self.header.get(row, ())
        return values[column - 1] if len(values) >= column else None


@dataclass
class _Findings:
    """Findings in the order found, and the cell each request path was read from."""

    items: list[Finding] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)

    def add(self, code: str, cell: str, **params: Any) -> None:
        self.items.append(make_finding(code, cell, **params))

    def error_cells(self) -> set[str | None]:
        return {finding.cell for finding in self.items if finding.severity == "error"}


@dataclass(frozen=True)
class _Row:
    """One data row: its sheet row number and its values by column key."""

    number: int
    values: Mapping[str, object]
    letters: Mapping[str, str]

    def cell(self, key: str) -> str:
        return f"{SHEET_NAME}!{self.letters[key]}{self.number}"


@dataclass
class _Panel:
    """A panel under construction; rows join it by 패널명, panels keep the order of first appearance."""

    index: int
    first_row: _Row
    data: dict[str, Any]
    main_row: _Row | None = None
    line_rows: list[_Row] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"panels.{self.index}"


def _label_key(value: object) -> str:
    return word_key(str(value)) if value is not None else ""


def _looks_like_template(grid: Grid) -> bool:
    """Any header label or column title in place; otherwise one SHEET_NOT_TEMPLATE says it all."""
    titles = {_label_key(column.label) for column in COLUMNS}
    return any(_label_key(value) in titles for value in grid.table_header) or any(
        _label_key(grid.header_cell(spec.row, 1)) == _label_key(spec.label) for spec in HEADER_FIELDS
    )


def _check_header_labels(grid: Grid, out: _Findings) -> bool:
    """The header block is read from fixed cells; a moved label would silently shift every value."""
    intact = True
    for spec in HEADER_FIELDS:
        found = grid.header_cell(spec.row, 1)
        if _label_key(found) != _label_key(spec.label):
            intact = False
            cell = cell_name(1, spec.row)
            out.add("SHEET_LAYOUT_CHANGED", cell, label=spec.label, label_en=spec.label_en, found=found or "")
    return intact


def _map_columns(table_header: tuple[object, ...], out: _Findings) -> dict[str, int] | None:
    """Find each column by its title in row 12, so a copy with reordered columns still reads; None
    when a template column is missing, since every row kind relies on its columns."""
    by_title = {_label_key(column.label): column.key for column in COLUMNS}
    positions: dict[str, int] = {}
    for index, value in enumerate(table_header):
        key = by_title.get(_label_key(value))
        if key is not None and key not in positions:
            positions[key] = index
        elif not is_blank(value):
            out.add("SHEET_UNKNOWN_COLUMN", cell_name(index + 1, TABLE_HEADER_ROW), found=shown(value))
    missing = [column for column in COLUMNS if column.key not in positions]
    for column in missing:
        cell = cell_name(TEMPLATE_INDEX[column.key] + 1, TABLE_HEADER_ROW)
        found = (
            table_header[TEMPLATE_INDEX[column.key]]
            if len(table_header) > TEMPLATE_INDEX[column.key]
            else None
        )
        out.add("SHEET_LAYOUT_CHANGED", cell, label=column.label, label_en=column.label_en, found=found or "")
    return None if missing else positions


def _read_value(
    raw: object, converter: Converter, cell: str, label: tuple[str, str], required: bool, out: _Findings
) -> Any:
    """One cell through its converter; a finding (and None) for a blank required cell or a bad value."""
    names = {"label": label[0], "label_en": label[1], "value": shown(raw)}
    if is_blank(raw):
        if required:
            out.add("SHEET_MISSING_VALUE", cell, **names)
        return None
    try:
        return converter.parse(raw)
    except CellProblem as problem:
        out.add(problem.code, cell, **names, **problem.params)
        return None


def _read_header(grid: Grid, draft: dict[str, Any], out: _Findings) -> None:
    draft["customer"] = {}
    for spec in HEADER_FIELDS:
        cell, raw = cell_name(2, spec.row), grid.header_cell(spec.row, 2)
        out.cells[spec.path] = cell
        value = _read_value(raw, spec.converter, cell, (spec.label, spec.label_en), spec.required, out)
        if value not in (None, ""):
            *parents, name = spec.path.split(".")
            target = draft
            for part in parents:
                target = target.setdefault(part, {})
            target[name] = value
        if spec.path == "customer.phone" and isinstance(raw, int | float) and not isinstance(raw, bool):
            out.add("SHEET_NUMBER_AS_TEXT", cell, value=shown(raw))


def _read_fields(
    row: _Row, fields: Iterable[Field], target: dict[str, Any], base: str, out: _Findings
) -> None:
    """Read `fields` of `row` into `target`, remembering the cell of each `base.name` path."""
    for spec in fields:
        column, cell = COLUMN[spec.column], row.cell(spec.column)
        out.cells[f"{base}.{spec.name}"] = cell
        raw = row.values.get(spec.column)
        value = _read_value(raw, spec.converter, cell, (column.label, column.label_en), spec.required, out)
        if value not in (None, ""):
            target[spec.name] = value


def _read_size(row: _Row, base: str, out: _Findings) -> list[int] | None:
    """W, H and D together, or none of them: a partial size cannot size a box."""
    size: dict[str, Any] = {}
    _read_fields(row, SIZE_FIELDS, size, f"{base}.size_mm", out)
    out.cells[f"{base}.size_mm"] = row.cell("width")
    blanks = [spec.column for spec in SIZE_FIELDS if is_blank(row.values.get(spec.column))]
    if 0 < len(blanks) < len(SIZE_FIELDS):
        out.add("SHEET_INCOMPLETE_SIZE", row.cell(blanks[0]))
    return [size[spec.name] for spec in SIZE_FIELDS] if len(size) == len(SIZE_FIELDS) else None


def _read_main(row: _Row, panel: _Panel, out: _Findings) -> None:
    main: dict[str, Any] = {}
    enclosure: dict[str, Any] = {}
    _read_fields(row, BREAKER_FIELDS, main, f"{panel.path}.main", out)
    _read_fields(row, ENCLOSURE_FIELDS, enclosure, f"{panel.path}.enclosure", out)
    _read_fields(row, (PANEL_QTY_FIELD,), panel.data, panel.path, out)
    size = _read_size(row, f"{panel.path}.enclosure", out)
    if size is not None:
        enclosure["size_mm"] = size
    out.cells[f"{panel.path}.main"] = out.cells[f"{panel.path}.enclosure"] = row.cell("row_kind")
    panel.data["main"] = main
    if enclosure:
        panel.data["enclosure"] = enclosure
    panel.main_row = row


def _read_line(row: _Row, kind: str, panel: _Panel, out: _Findings) -> None:
    lines = panel.data.setdefault(LIST_OF_KIND[kind], [])
    base = f"{panel.path}.{LIST_OF_KIND[kind]}.{len(lines)}"
    out.cells[base] = row.cell("row_kind")
    line: dict[str, Any] = {}
    _read_fields(row, LINE_FIELDS[kind], line, base, out)
    lines.append(line)


def _agrees(row: _Row, key: str, kind: str, panel: _Panel) -> bool:
    """A cell outside its row kind that still agrees with the request needs no warning: the panel's
    quantity repeated on every row, or 1 as the main breaker's quantity."""
    if key == "panel_qty":
        expected = panel.data.get("quantity", 1)
    elif (key, kind) == ("qty", "MAIN"):
        expected = 1
    else:
        return False
    try:
        return bool(COUNT.parse(row.values[key]) == expected)
    except CellProblem:
        return False


def _warn_unused(row: _Row, kind: str, panel: _Panel, out: _Findings) -> None:
    for key, value in row.values.items():
        if key in USED_COLUMNS[kind] or is_blank(value) or _agrees(row, key, kind, panel):
            continue
        column = COLUMN[key]
        used_ko = f"'{column.label}' 칸은 {column.used_by} 줄에서 씁니다"
        if key in ("qty", "panel_qty"):
            used_ko = "세트 수는 메인 줄의 '패널수량'에 쓰세요"
        out.add(
            "SHEET_IGNORED_CELL",
            row.cell(key),
            label=column.label,
            label_en=column.label_en,
            value=shown(value),
            used_ko=used_ko,
        )


def _row_kind(row: _Row, out: _Findings) -> str | None:
    raw, cell = row.values.get("row_kind"), row.cell("row_kind")
    if is_blank(raw):
        _read_value(raw, TEXT, cell, ("구분", "Row"), True, out)  # reports the missing value
        return None
    try:
        return Choice(ROW_KIND).parse(raw)
    except CellProblem:
        out.add("SHEET_UNKNOWN_ROW_KIND", cell, value=shown(raw))
        return None


def _read_row(row: _Row, panels: dict[str, _Panel], out: _Findings) -> None:
    """Route one data row to its panel; a row without a usable 패널명 or 구분 is skipped."""
    name = _read_value(row.values.get("panel"), TEXT, row.cell("panel"), ("패널명", "Panel"), True, out)
    kind = _row_kind(row, out)
    if not name or kind is None:
        return
    if name not in panels:
        panels[name] = _Panel(index=len(panels), first_row=row, data={"name": name})
        out.cells[panels[name].path] = out.cells[f"{panels[name].path}.name"] = row.cell("panel")
    panel = panels[name]
    if kind == "MAIN" and panel.main_row is not None:
        out.add("SHEET_DUPLICATE_MAIN", row.cell("row_kind"), panel=name, first=panel.main_row.number)
        return
    if kind == "MAIN":
        _read_main(row, panel, out)
    else:
        panel.line_rows.append(row)
        _read_line(row, kind, panel, out)
    _warn_unused(row, kind, panel, out)


def _data_rows(grid: Grid, positions: Mapping[str, int], out: _Findings) -> Iterator[_Row]:
    letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    # Columns under an unknown title were reported at the title; the untitled ones are reported here.
    titles = grid.table_header
    stray = {
        i
        for i in range(READ_COLUMNS)
        if i not in positions.values() and is_blank(titles[i] if i < len(titles) else None)
    }
    for number, values in grid.rows:
        for index in sorted(index for index in stray if not is_blank(values[index])):
            stray.discard(index)  # once per column: one note beside the table must not flood the findings
            cell = cell_name(index + 1, number)
            out.add(
                "SHEET_IGNORED_CELL",
                cell,
                label="표 밖",
                label_en="outside the table",
                value=shown(values[index]),
                used_ko="양식의 열에만 쓰세요",
            )
        yield _Row(number, {key: values[index] for key, index in positions.items()}, letters)


def _map_problems(problems: Sequence[RequestProblem], out: _Findings) -> None:
    """Report `parse_request` problems at the cell their path was read from (or the nearest ancestor's),
    unless that cell already has an error: the sheet's own finding says it better."""
    already = out.error_cells()
    for problem in problems:
        parts = problem.path.split(".") if problem.path else []
        while parts and ".".join(parts) not in out.cells:
            parts.pop()
        cell = out.cells.get(".".join(parts), cell_name(1, FIRST_DATA_ROW))
        if cell not in already:
            already.add(cell)
            out.items.append(Finding(problem.code, "error", cell, problem.message, problem.hint))


def build_request(grid: Grid) -> SheetImport:
    if not _looks_like_template(grid):
        return SheetImport(None, (make_finding("SHEET_NOT_TEMPLATE", None),))
    out = _Findings()
    positions = _map_columns(grid.table_header, out) if _check_header_labels(grid, out) else None
    if positions is None:
        return SheetImport(None, tuple(out.items))
    if not grid.rows and all(is_blank(grid.header_cell(spec.row, 2)) for spec in HEADER_FIELDS):
        return SheetImport(
            None, (*out.items, make_finding("SHEET_EMPTY", cell_name(2, HEADER_FIELDS[0].row)))
        )
    draft: dict[str, Any] = {}
    _read_header(grid, draft, out)
    panels: dict[str, _Panel] = {}
    for row in _data_rows(grid, positions, out):
        _read_row(row, panels, out)
    if not grid.rows:  # rows that were all skipped have findings of their own
        out.add("SHEET_NO_PANELS", cell_name(1, FIRST_DATA_ROW))
    _finish_panels(panels, draft, out)
    return _validate(draft, out)


def _finish_panels(panels: Mapping[str, _Panel], draft: dict[str, Any], out: _Findings) -> None:
    out.cells["panels"] = cell_name(1, FIRST_DATA_ROW)
    # Judged once the sheet is read: a panel with no main row at all gets one finding, not one per row.
    for name, panel in panels.items():
        if panel.main_row is None:
            out.add("SHEET_PANEL_WITHOUT_MAIN", panel.first_row.cell("panel"), panel=name)
            continue
        for row in panel.line_rows:
            if row.number < panel.main_row.number:
                out.add("SHEET_ROW_BEFORE_MAIN", row.cell("row_kind"), panel=name)
    draft["panels"] = [panel.data for panel in panels.values()]


def _validate(draft: dict[str, Any], out: _Findings) -> SheetImport:
    """Run the draft through `parse_request` even after sheet errors, so that the customer sees every
    problem at once; the request is returned only when no finding is an error."""
    try:
        request = normalize_request(draft)
    except RequestRejected as rejected:
        _map_problems(rejected.problems, out)
        return SheetImport(None, tuple(out.items))
    return SheetImport(None if out.error_cells() else request, tuple(out.items))
