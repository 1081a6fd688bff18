"""Writing the request sheet: the blank template and a request written into it, with its dropdowns,
and the "안내" sheet generated from the same column metadata the reader uses."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import xlsxwriter
from openpyxl.utils import get_column_letter
from xlsxwriter.worksheet import Worksheet

from kis_estimator.documents.request_sheet.building import normalize_request
from kis_estimator.documents.request_sheet.columns import (
    BREAKER_FIELDS,
    COLUMNS,
    DROPDOWNS,
    ENCLOSURE_FIELDS,
    HEADER_DROPDOWNS,
    HEADER_FIELDS,
    LINE_FIELDS,
    LIST_OF_KIND,
    PANEL_QTY_FIELD,
    ROW_KIND,
    SIZE_FIELDS,
    TEMPLATE_INDEX,
    Field,
)
from kis_estimator.documents.request_sheet.messages import (
    DOCUMENT_DATE,
    FIRST_DATA_ROW,
    GUIDE_SHEET_NAME,
    LAST_TEMPLATE_ROW,
    MAX_DATA_ROWS,
    MAX_UPLOAD_BYTES,
    SHEET_NAME,
    TABLE_HEADER_ROW,
    Rendered,
)
from kis_estimator.documents.spreadsheet import workbook_writer
from kis_estimator.engine.errors import RequestProblem, RequestRejected


def write_template() -> bytes:
    """The blank request template (the bytes committed as data/request-template.xlsx); deterministic."""
    return _write_workbook(None)


def export_request_sheet(request: Mapping[str, Any]) -> bytes:
    """The request written into the template; importing the result gives `normalize_request(request)`.
    Raises RequestRejected when the request is invalid or two panels share a name (the sheet groups
    rows by 패널명, so such panels could not be told apart)."""
    normal = normalize_request(request)
    names = [panel["name"] for panel in normal["panels"]]
    repeated = [index for index, name in enumerate(names) if name in names[:index]]
    if repeated:
        hint = "양식은 패널명으로 줄을 묶으니 패널마다 다른 이름을 주세요 / Give each panel its own name."
        problems = [
            RequestProblem("SHEET_PANEL_NAME_REPEATED", f"패널명이 겹칩니다: {names[i]}", f"panel name used twice: {names[i]}", f"panels.{i}.name", hint)
            for i in repeated
        ]  # fmt: skip
        raise RequestRejected(problems)
    return _write_workbook(normal)


def _render_fields(fields: Iterable[Field], source: Mapping[str, Any], row: dict[str, Rendered]) -> None:
    for spec in fields:
        if source.get(spec.name) not in (None, ""):
            row[spec.column] = spec.converter.render(source[spec.name])


def _request_rows(request: Mapping[str, Any]) -> list[dict[str, Rendered]]:
    """The table rows of a normalized request: per panel its main row, then its branch, accessory and
    extra lines, every row carrying the panel's name."""
    rows: list[dict[str, Rendered]] = []
    for panel in request["panels"]:
        enclosure = panel.get("enclosure", {})
        size = dict(zip(("width", "height", "depth"), enclosure.get("size_mm") or (), strict=False))
        main_row: dict[str, Rendered] = {"panel": panel["name"], "row_kind": ROW_KIND.display("MAIN")}
        for fields, source in (
            ((PANEL_QTY_FIELD,), panel),
            (BREAKER_FIELDS, panel["main"]),
            (ENCLOSURE_FIELDS, enclosure),
            (SIZE_FIELDS, size),
        ):
            _render_fields(fields, source, main_row)
        rows.append(main_row)
        for kind, list_name in LIST_OF_KIND.items():
            for line in panel.get(list_name, []):
                row: dict[str, Rendered] = {"panel": panel["name"], "row_kind": ROW_KIND.display(kind)}
                _render_fields(LINE_FIELDS[kind], line, row)
                rows.append(row)
    return rows


def _header_values(request: Mapping[str, Any] | None) -> dict[int, str]:
    values: dict[int, str] = {}
    for spec in HEADER_FIELDS:
        value: Any = request
        for part in spec.path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value not in (None, ""):
            values[spec.row] = str(spec.converter.render(value))
    return values


class _Styles:
    """The few cell formats of the workbook, created once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        border = {"border": 1, "border_color": "#A6A6A6", "valign": "vcenter"}
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.section = book.add_format({"bold": True, "font_size": 12})
        self.note = book.add_format({"font_color": "#595959"})
        self.label = book.add_format({**border, "bold": True, "bg_color": "#F2F2F2"})
        self.value = book.add_format({**border, "bg_color": "#FFF2CC", "num_format": "@"})
        self.header = book.add_format(
            {**border, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True}
        )
        self.text_column = book.add_format({"num_format": "@"})
        self.cell_text = book.add_format({**border, "num_format": "@"})
        self.cell_number = book.add_format(border)
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})


def _write_workbook(request: Mapping[str, Any] | None) -> bytes:
    buffer = io.BytesIO()
    # No string may turn into a formula, link or number on the way out: customers' text stays text.
    book = workbook_writer(
        buffer,
        {
            "title": "분전반 견적 요청서",
            "subject": "KIS Estimator request sheet",
            "author": "KIS Estimator",
            "created": DOCUMENT_DATE,
        },
    )
    styles = _Styles(book)
    _write_request_sheet(book.add_worksheet(SHEET_NAME), styles, request)
    _write_guide(book.add_worksheet(GUIDE_SHEET_NAME), styles)
    book.close()
    return buffer.getvalue()


def _write_request_sheet(sheet: Worksheet, styles: _Styles, request: Mapping[str, Any] | None) -> None:
    sheet.write_string(0, 0, "분전반 견적 요청서", styles.title)
    sheet.write_string(
        1, 0, "노란 칸과 13행부터의 표에 입력하세요. 작성 방법은 '안내' 시트에 있습니다.", styles.note
    )
    values = _header_values(request)
    for spec in HEADER_FIELDS:
        row = spec.row - 1
        sheet.write_string(row, 0, spec.label, styles.label)
        # Header values are text (names or enum words), so merge_range writing a str keeps them text.
        sheet.merge_range(row, 1, row, 5, values.get(spec.row, ""), styles.value)
        sheet.write_string(row, 6, spec.note, styles.note)
        if spec.path in HEADER_DROPDOWNS:
            sheet.data_validation(
                row, 1, row, 1, _list_validation(spec.label, HEADER_DROPDOWNS[spec.path], spec.note)
            )
    sheet.write_string(TABLE_HEADER_ROW - 2, 0, "차단기 · 부속 · 추가 자재 (한 줄에 하나)", styles.section)
    _write_table(
        sheet, styles, TABLE_HEADER_ROW - 1, _request_rows(request) if request else [], size_columns=True
    )
    _add_validations(sheet)
    sheet.freeze_panes(TABLE_HEADER_ROW, 0)
    sheet.activate()


def _write_table(
    sheet: Worksheet,
    styles: _Styles,
    header_row: int,
    rows: Sequence[Mapping[str, Rendered]],
    *,
    size_columns: bool,
) -> None:
    """The column titles at `header_row` (0-based) and `rows` below them, in template column order."""
    for index, column in enumerate(COLUMNS):
        if size_columns:
            sheet.set_column(index, index, column.width, styles.text_column if column.text else None)
        sheet.write_string(header_row, index, column.label, styles.header)
    for offset, row in enumerate(rows, start=1):
        for key, value in row.items():
            # write_string/write_number, never write(): a model named "=1+1" must stay text.
            if isinstance(value, str):
                sheet.write_string(header_row + offset, TEMPLATE_INDEX[key], value, styles.cell_text)
            else:
                sheet.write_number(header_row + offset, TEMPLATE_INDEX[key], value, styles.cell_number)


def _list_validation(title: str, choices: Sequence[str], tip: str) -> dict[str, Any]:
    # A warning, not a stop: the reader also accepts English and other spellings (OUTDOOR, 옥외 …).
    message = f"목록의 값을 쓰세요: {', '.join(choices)} (영어 값도 받습니다)"
    return {
        "validate": "list", "source": list(choices), "error_type": "warning", "input_title": title[:32],
        "input_message": tip[:255], "error_title": "목록에 없는 값", "error_message": message[:255],
    }  # fmt: skip


def _add_validations(sheet: Worksheet) -> None:
    """Dropdowns on the enum columns, a whole-number check on 패널수량, and a tip on every column."""
    first, last = FIRST_DATA_ROW - 1, LAST_TEMPLATE_ROW - 1
    for index, column in enumerate(COLUMNS):
        tip = f"{column.used_by}: {column.allowed}"[:255]
        options: dict[str, Any] = {"validate": "any", "input_title": column.label, "input_message": tip}
        if column.key in DROPDOWNS:
            options = _list_validation(column.label, DROPDOWNS[column.key], tip)
        elif column.key == "panel_qty":
            options |= {
                "validate": "integer",
                "criteria": ">=",
                "value": 1,
                "error_type": "warning",
                "error_message": "1 이상의 정수",
            }
        sheet.data_validation(first, index, last, index, options)


_GUIDE_STEPS: Final = (
    "1. '견적요청' 시트의 노란 칸(3~10행)에 고객 정보를 씁니다. 고객명과 브랜드는 꼭 써 주세요.",
    "2. 13행부터 표에 차단기 · 부속 · 추가 자재를 한 줄에 하나씩 씁니다. 모든 줄에 패널명을 씁니다.",
    "3. 패널마다 구분이 '메인'인 줄을 먼저 쓰고, 그 아래에 분기 · 부속 · 추가 줄을 씁니다.",
    "4. 외함(설치장소 ~ D)과 패널수량은 메인 줄에 씁니다. 같은 패널명의 줄이 한 패널이 됩니다.",
    "5. 목록이 있는 칸은 목록에서 고릅니다. 영어 값(OUTDOOR, FLUSH, ECONOMY 등)도 받습니다.",
    "6. 빈칸은 기본값으로 견적합니다: 옥내, 노출, STEEL, 기성 외함, 경제형, 아크릴 P-COVER.",
    f"7. 최대 {MAX_DATA_ROWS:,}줄, 파일 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB까지 받습니다. 엑셀 통합 문서(.xlsx)로 저장해 보내 주세요.",
    "8. 행이나 열을 넣고 지우지 마세요. 문제가 있으면 칸 위치(예: 견적요청!F14)와 함께 알려 드립니다.",
)
_GUIDE_EXAMPLE: Final = {
    "customer": {"name": "동양기전"},
    "brand": "LS",
    "panels": [
        {
            "name": "LP-1",
            "enclosure": {"location": "OUTDOOR", "material": "SUS201", "thickness_mm": 1.2},
            "main": {"type": "MCCB", "poles": 4, "trip_at": 200},
            "branches": [
                {"type": "ELCB", "poles": 4, "trip_at": 100, "qty": 2, "circuit": "동력 1"},
                {
                    "type": "ELCB",
                    "poles": 2,
                    "trip_at": 20,
                    "qty": 12,
                    "load_a": 12.5,
                    "circuit": "전등/전열",
                },
            ],
            "accessories": [{"kind": "MAGNET", "model": "MC-22", "qty": 2, "with_pbl": True}],
            "extra_lines": [{"name": "명판", "spec": "각인", "unit": "EA", "qty": 1, "unit_price": 5000}],
        }
    ],
}


def _write_guide(sheet: Worksheet, styles: _Styles) -> None:
    """The "안내" sheet: the steps, one line per column (from the metadata the reader uses), an example."""
    for index, width in enumerate((8, 14, 26, 14, 60, 12)):
        sheet.set_column(index, index, width)
    sheet.write_string(0, 0, "견적 요청서 작성 안내", styles.title)
    for row, step in enumerate(_GUIDE_STEPS, start=2):
        sheet.write_string(row, 0, step)
    row = len(_GUIDE_STEPS) + 3
    sheet.write_string(row, 0, "열 설명", styles.section)
    for index, title in enumerate(("열", "항목", "쓰는 줄", "영문", "입력 값", "예")):
        sheet.write_string(row + 1, index, title, styles.header)
    for offset, column in enumerate(COLUMNS, start=2):
        letter = get_column_letter(TEMPLATE_INDEX[column.key] + 1)
        for index, text in enumerate(
            (letter, column.label, column.used_by, column.label_en, column.allowed, column.example)
        ):
            sheet.write_string(row + offset, index, text, styles.wrap)
    row += len(COLUMNS) + 3
    sheet.write_string(row, 0, "작성 예 (견적요청 시트 13행부터 이렇게 씁니다)", styles.section)
    _write_table(sheet, styles, row + 1, _request_rows(normalize_request(_GUIDE_EXAMPLE)), size_columns=False)
