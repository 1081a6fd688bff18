"""The request sheet's names, limits and results (Finding, SheetImport), and every finding's
message in Korean and English with its hint (MESSAGES)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final, Literal

from openpyxl.utils import get_column_letter

from kis_estimator.documents.archive import ArchiveLimits

SHEET_NAME: Final = "견적요청"
GUIDE_SHEET_NAME: Final = "안내"
TEMPLATE_PATH: Final = Path(__file__).resolve().parents[2] / "data" / "request-template.xlsx"

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES: Final = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO: Final = 100
MAX_DATA_ROWS: Final = 2_000
LIMITS: Final = ArchiveLimits(MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO)
# openpyxl streams a worksheet only when it declares its <dimension>; without one its read-only loader
# parses the whole sheet looking for it, and every other member (shared strings above all) is loaded
# whole. Those bytes cost time and memory before the first row is read, so they get a budget of their own.
MAX_PARSED_WHOLE_BYTES: Final = 8 * 1024 * 1024

HEADER_ROWS: Final = range(3, 11)  # the label/value block, A3:B10
TABLE_HEADER_ROW: Final = 12
FIRST_DATA_ROW: Final = 13
LAST_TEMPLATE_ROW: Final = TABLE_HEADER_ROW + MAX_DATA_ROWS  # dropdowns reach this row
# xlsx bytes must not depend on the clock: a fixed creation date makes the files reproducible.
DOCUMENT_DATE: Final = dt.datetime(2026, 1, 1)
EXCEL_ERRORS: Final = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})

Severity = Literal["error", "warning"]
Rendered = str | int | float


@dataclass(frozen=True)
class Finding:
    """One problem in a sheet: stable code, severity, cell ("견적요청!F12"; None for the whole file),
    message in Korean then English joined by " / ", and a hint saying what to write instead."""

    code: str
    severity: Severity
    cell: str | None
    message: str
    hint: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SheetImport:
    """An import's outcome: the normalized request (None when any finding is an error) and every
    finding, in sheet order, then those mapped back from `parse_request`."""

    request: dict[str, Any] | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return self.request is not None

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request, "findings": [finding.as_dict() for finding in self.findings]}


_LIMITS_KO = f"5 MB, {MAX_DATA_ROWS:,}줄"
_LIMITS_EN = f"5 MB and {MAX_DATA_ROWS:,} rows"
_REDO = "행·열을 넣거나 지우거나 제목을 바꾸지 말고 양식 그대로 쓰세요 / Keep the template's rows, columns and titles."
# code: (severity, Korean, English, hint). `{label}` is the column's Korean title, `{label_en}` its English one.
MESSAGES: Final[dict[str, tuple[Severity, str, str, str]]] = {
    "SHEET_NOT_XLSX": ("error", "엑셀(.xlsx) 파일이 아니거나 읽을 수 없는 파일입니다", "not an .xlsx workbook, or a damaged one",
                       "엑셀 통합 문서(.xlsx)로 저장해서 보내 주세요 / Save the file as an Excel workbook (.xlsx)."),
    "SHEET_TOO_LARGE": ("error", "파일이 너무 큽니다 ({what})", "the file is too large ({what_en})",
                        f"견적요청 양식은 {_LIMITS_KO}까지 받습니다 / Request sheets are limited to {_LIMITS_EN}."),
    "SHEET_TOO_MANY_ROWS": ("error", f"{MAX_DATA_ROWS:,}줄을 넘었습니다", f"more than {MAX_DATA_ROWS:,} data rows",
                            "파일을 나누어 보내 주세요 / Split the request into several sheets."),
    "SHEET_NOT_TEMPLATE": ("error", f"견적요청 양식이 아닙니다 ('{SHEET_NAME}' 시트가 없거나 비어 있음)",
                           f"not the request template (no or empty '{SHEET_NAME}' sheet)",
                           "견적요청 양식(request-template.xlsx)에 입력해 주세요 / Fill in the request template."),
    "SHEET_LAYOUT_CHANGED": ("error", "이 칸은 '{label}'이어야 합니다 (지금: '{found}')",
                             "this cell must read '{label}' ({label_en}), found '{found}'", _REDO),
    "SHEET_UNKNOWN_COLUMN": ("warning", "알 수 없거나 겹치는 열 제목이라 이 열은 읽지 않습니다: '{found}'",
                             "unknown or repeated column header, column not read: '{found}'", _REDO),
    "SHEET_EMPTY": ("error", "입력된 내용이 없습니다 (빈 양식)", "the sheet is empty (a blank template)",
                    "고객 정보(3~10행)와 13행부터의 표를 채워 주세요 / Fill in rows 3-10 and the table from row 13."),
    "SHEET_NO_PANELS": ("error", "패널 줄이 하나도 없습니다", "no panel rows",
                        "13행부터 패널의 메인 줄과 분기 줄을 쓰세요 / Add a main row and its branch rows from row 13."),
    "SHEET_MISSING_VALUE": ("error", "{label}: 필수 항목이 비어 있습니다", "{label_en}: required but empty",
                            "'{label}' 칸을 채워 주세요 / Fill in {label_en}."),
    "SHEET_UNKNOWN_VALUE": ("error", "{label}: 알 수 없는 값입니다 ('{value}')", "{label_en}: unknown value '{value}'",
                            "다음 중 하나를 쓰세요: {choices} / Write one of: {choices_en}."),
    "SHEET_UNKNOWN_ROW_KIND": ("error", "구분: 알 수 없는 값이라 이 줄은 읽지 않았습니다 ('{value}')",
                               "Row: unknown row kind '{value}', row not read",
                               "메인 / 분기 / 부속 / 추가 중 하나를 쓰세요 / Write MAIN, BRANCH, ACCESSORY or EXTRA."),
    "SHEET_NOT_NUMBER": ("error", "{label}: 숫자가 아닙니다 ('{value}')", "{label_en}: not a number ('{value}')",
                         "숫자만 쓰세요 (예: 20, 1.2, 45,000) / Write a number, e.g. 20, 1.2 or 45,000."),
    "SHEET_NOT_INTEGER": ("error", "{label}: 정수가 아닙니다 ({value})", "{label_en}: not a whole number ({value})",
                          "소수점 없이 쓰세요 / Write a whole number."),
    "SHEET_BAD_QUANTITY": ("error", "{label}: 수량은 0보다 커야 합니다 ({value})", "{label_en}: a quantity must be positive ({value})",
                           "1 이상을 쓰거나 줄을 지우세요 / Write at least 1, or delete the row."),
    "SHEET_OUT_OF_RANGE": ("error", "{label}: 값이 범위를 벗어났습니다 ({value})", "{label_en}: out of range ({value})",
                           "{bound_ko} 값을 쓰세요 / Write a value that is {bound_en}."),
    "SHEET_WRONG_TYPE": ("error", "{label}: 이 칸에 맞지 않는 값입니다 ({value})", "{label_en}: wrong kind of value ({value})",
                         "셀 서식을 '텍스트'로 바꾸고 다시 입력하세요 (엑셀이 날짜나 수식 오류로 바꾸었을 수 있습니다) / "
                         "Format the cell as text and type the value again."),
    "SHEET_INCOMPLETE_SIZE": ("error", "외함 크기는 W·H·D를 모두 써야 합니다", "the enclosure size needs all of W, H and D",
                              "세 칸을 다 쓰거나 모두 비우세요 / Fill in W, H and D, or none of them."),
    "SHEET_ROW_BEFORE_MAIN": ("error", "패널 '{panel}'의 메인 줄보다 먼저 나온 줄입니다", "this row comes before the main row of panel '{panel}'",
                              "패널마다 메인 줄을 맨 위에 쓰세요 / Put each panel's main row first."),
    "SHEET_PANEL_WITHOUT_MAIN": ("error", "패널 '{panel}'에 메인 줄이 없습니다", "panel '{panel}' has no main row",
                                 "구분이 '메인'인 줄을 패널 맨 위에 넣으세요 / Add a main row at the top of the panel."),
    "SHEET_DUPLICATE_MAIN": ("error", "패널 '{panel}'에 메인 줄이 또 있습니다 (첫 메인: {first}행)",
                             "panel '{panel}' has a second main row (the first is on row {first})",
                             "메인 줄은 패널마다 하나입니다. 다른 패널이면 패널명을 다르게 쓰세요 / One main row per panel; "
                             "give another panel its own name."),
    "SHEET_IGNORED_CELL": ("warning", "{label}: 이 줄에서는 읽지 않는 칸입니다 ('{value}')", "{label_en}: not read on this row ('{value}')",
                           "{used_ko} / Columns apply to certain row kinds only; see the '안내' sheet."),
    "SHEET_NUMBER_AS_TEXT": ("warning", "연락처가 숫자로 입력되어 앞자리 0이 빠졌을 수 있습니다 ({value})",
                             "the phone number was entered as a number and may have lost its leading 0 ({value})",
                             "셀 서식을 '텍스트'로 하고 031-000-0000처럼 쓰세요 / Format the cell as text, e.g. 031-000-0000."),
}  # fmt: skip


def shown(value: object) -> str:
    """A cell value quoted in a message, cut short: a message must not carry a 30,000-character cell."""
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
    return text if len(text) <= 40 else f"{text[:40]}…"


def make_finding(code: str, cell: str | None, *, hint: str | None = None, **params: Any) -> Finding:
    severity, ko, en, default_hint = MESSAGES[code]
    message = f"{ko.format(**params)} / {en.format(**params)}"
    return Finding(code, severity, cell, message, hint or default_hint.format(**params))


def cell_name(column: int, row: int) -> str:
    """1-based column and row → "견적요청!F12"."""
    return f"{SHEET_NAME}!{get_column_letter(column)}{row}"
