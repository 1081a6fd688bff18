"""The request sheet: the customer's Excel template ⇄ the request JSON (docs/request-sheet.md).

Customers fill a copy of `request-template.xlsx` (sheet "견적요청", instructions on "안내").
`import_request_sheet` reads it back into a request dict that passes `parse_request` and reports every
problem as a `Finding` that names the exact cell; `export_request_sheet` writes a request into the same
template, so that export → import gives the request back in the normal form of `normalize_request`.

An uploaded file is hostile until proven otherwise: the archive is judged from its zip directory before
anything is decompressed (upload size, declared sizes, compression ratio, member count), the sheet is
read with openpyxl's streaming reader (which parses XML through defusedxml when it is installed), and
reading stops at the row limit.

Regenerate the committed template with `python -m kis_estimator.documents.request_sheet`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import xlsxwriter
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape
from xlsxwriter.worksheet import Worksheet

from kis_estimator.documents.archive import ArchiveLimits
from kis_estimator.documents.spreadsheet import (
    LARGEST_NUMBER,
    READ_COLUMNS,
    Refusal,
    UnreadableWorkbook,
    is_blank,
    is_blank_row,
    number_from_text,
    parse_whole_refusal,
    sheet_rows,
    streamed_workbook,
    within_bounds,
    workbook_writer,
    zip_members,
)
from kis_estimator.engine.errors import RequestProblem, RequestRejected
from kis_estimator.engine.request import parse_request

__all__ = [
    "GUIDE_SHEET_NAME",
    "MAX_COMPRESSION_RATIO",
    "MAX_DATA_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_UPLOAD_BYTES",
    "SHEET_NAME",
    "TEMPLATE_PATH",
    "Finding",
    "SheetImport",
    "export_request_sheet",
    "import_request_sheet",
    "import_to_json",
    "normalize_request",
    "write_template",
]

SHEET_NAME: Final = "견적요청"
GUIDE_SHEET_NAME: Final = "안내"
TEMPLATE_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "request-template.xlsx"

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES: Final = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO: Final = 100
MAX_DATA_ROWS: Final = 2_000
_LIMITS: Final = ArchiveLimits(MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO)
# openpyxl streams a worksheet only when it declares its <dimension>; without one its read-only loader
# parses the whole sheet looking for it, and every other member (shared strings above all) is loaded
# whole. Those bytes cost time and memory before the first row is read, so they get a budget of their own.
_MAX_PARSED_WHOLE_BYTES: Final = 8 * 1024 * 1024

_HEADER_ROWS: Final = range(3, 11)  # the label/value block, A3:B10
_TABLE_HEADER_ROW: Final = 12
_FIRST_DATA_ROW: Final = 13
_LAST_TEMPLATE_ROW: Final = _TABLE_HEADER_ROW + MAX_DATA_ROWS  # dropdowns reach this row
# xlsx bytes must not depend on the clock: a fixed creation date makes the files reproducible.
_DOCUMENT_DATE: Final = dt.datetime(2026, 1, 1)
_EXCEL_ERRORS: Final = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})

Severity = Literal["error", "warning"]
_Rendered = str | int | float


# --------------------------------------------------------------------------------------------- results


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
_MESSAGES: Final[dict[str, tuple[Severity, str, str, str]]] = {
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


def _shown(value: object) -> str:
    """A cell value quoted in a message, cut short: a message must not carry a 30,000-character cell."""
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
    return text if len(text) <= 40 else f"{text[:40]}…"


def _finding(code: str, cell: str | None, *, hint: str | None = None, **params: Any) -> Finding:
    severity, ko, en, default_hint = _MESSAGES[code]
    message = f"{ko.format(**params)} / {en.format(**params)}"
    return Finding(code, severity, cell, message, hint or default_hint.format(**params))


def _cell_name(column: int, row: int) -> str:
    """1-based column and row → "견적요청!F12"."""
    return f"{SHEET_NAME}!{get_column_letter(column)}{row}"


# ------------------------------------------------------------------------------------- vocabularies


def _word_key(word: str) -> str:
    """Case and spacing do not matter to customers: "sus 304" is "SUS304"."""
    return "".join(word.split()).upper()


class _Vocabulary:
    """The accepted words of one enum, from "INDOOR=옥내 실내; OUTDOOR=옥외 실외": each canonical value
    (always accepted itself) and its words, the first of which is the one the template writes."""

    def __init__(self, title_en: str, spec: str) -> None:
        self.title_en = title_en
        entries = [entry.split("=") for entry in spec.split(";")]
        self.words = {canonical.strip(): words.split() for canonical, words in entries}
        self._lookup = {_word_key(w): c for c, words in self.words.items() for w in (*words, c)}

    def lookup(self, word: str) -> str | None:
        return self._lookup.get(_word_key(word))

    def display(self, canonical: str) -> str:
        return self.words[canonical][0]

    def choices(self) -> list[str]:
        return [words[0] for words in self.words.values()]


_ROW_KIND = _Vocabulary(
    "row kind",
    "MAIN=메인 메인차단기 주차단기; BRANCH=분기 분기차단기; ACCESSORY=부속 부속자재; EXTRA=추가 추가자재 기타",
)
_BREAKER_TYPE = _Vocabulary("breaker type", "MCCB=MCCB 배선용차단기 배선용; ELCB=ELCB ELB 누전차단기 누전")
_ACCESSORY_KIND = _Vocabulary(
    "accessory kind",
    "MAGNET=MAGNET 마그네트 전자접촉기 MC; TIMER=TIMER 타이머; PBL=PBL 푸시버튼; SPD=SPD 서지보호기; "
    "METER=METER 계량기 전력량계 미터; PART=PART 부품",
)
_BRAND = _Vocabulary("brand", "LS=LS 엘에스 LS산전 LS일렉트릭; SANGDO=SANGDO 상도; MIXED=MIXED 혼용")
_BREAKER_BRAND = _Vocabulary("breaker brand", "LS=LS 엘에스 LS산전 LS일렉트릭; SANGDO=SANGDO 상도")
_GRADE = _Vocabulary("grade", "ECONOMY=경제형; STANDARD=표준형")
_P_COVER = _Vocabulary("P-COVER", "ACRYLIC=아크릴; STEEL=철판")
_LOCATION = _Vocabulary("location", "INDOOR=옥내 실내; OUTDOOR=옥외 실외")
_MOUNT = _Vocabulary(
    "mount", "SURFACE=노출 노출형; FLUSH=매입 매입형; FREESTANDING=자립 자립형; POLE=전주 전주부착 전주형"
)
_MATERIAL = _Vocabulary("material", "STEEL=STEEL 스틸 철; SUS201=SUS201; SUS304=SUS304")
_ENCLOSURE_KIND = _Vocabulary("enclosure kind", "STOCK=기성 기성함; CUSTOM=주문 주문제작")
_FLAG = _Vocabulary("yes/no", "Y=Y YES 예 O TRUE 포함 1; N=N NO 아니오 X FALSE 미포함 0")


# -------------------------------------------------------------------------------------- converters


class _CellProblem(Exception):
    """A cell value that cannot become a request value: a _MESSAGES code and its parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def _screen(value: object) -> object:
    """Refuse what no column accepts: dates (Excel turns "1-2" into a date) and formula errors."""
    if isinstance(value, dt.date | dt.time | dt.timedelta | bool) or (
        isinstance(value, str) and value.strip() in _EXCEL_ERRORS
    ):
        raise _CellProblem("SHEET_WRONG_TYPE")
    return value


class _Converter:
    """Turns a non-blank cell value into a request value (`parse`, raising _CellProblem) and back."""

    def parse(self, value: object) -> Any:
        raise NotImplementedError

    def render(self, value: Any) -> _Rendered:
        raise NotImplementedError


class _Text(_Converter):
    def parse(self, value: object) -> str:
        value = _screen(value)
        if isinstance(value, int | float):  # a number typed into a text column, as the customer saw it
            return str(int(value)) if float(value).is_integer() else str(value)
        # Control characters are stored as _xHHHH_ (OOXML); the read-only reader leaves them escaped.
        return unescape(str(value)).strip()

    def render(self, value: Any) -> _Rendered:
        return str(value)


class _Choice(_Converter):
    def __init__(self, vocabulary: _Vocabulary) -> None:
        self.vocabulary = vocabulary

    def parse(self, value: object) -> str:
        canonical = self.vocabulary.lookup(_Text().parse(value))
        if canonical is None:
            choices, choices_en = ", ".join(self.vocabulary.choices()), ", ".join(self.vocabulary.words)
            raise _CellProblem("SHEET_UNKNOWN_VALUE", choices=choices, choices_en=choices_en)
        return canonical

    def render(self, value: Any) -> _Rendered:
        return self.vocabulary.display(value)


class _Flag(_Converter):
    def parse(self, value: object) -> bool:
        return value if isinstance(value, bool) else _Choice(_FLAG).parse(value) == "Y"

    def render(self, value: Any) -> _Rendered:
        return "Y" if value else "N"


_SIGNS: Final[
    dict[str, tuple[Callable[[float], bool], str, str, str]]
] = {  # sign rule: (accepts, finding code, bound in Korean, bound in English)
    "quantity": (lambda n: n > 0, "SHEET_BAD_QUANTITY", "", ""),
    "positive": (lambda n: n > 0, "SHEET_OUT_OF_RANGE", "0보다 큰", "greater than 0"),
    "non-negative": (lambda n: n >= 0, "SHEET_OUT_OF_RANGE", "0 이상인", "0 or more"),
}


class _Number(_Converter):
    """A number, optionally followed by the column's unit ("4P", "200A", "45,000원")."""

    def __init__(self, sign: str, units: str = "", *, integer: bool = True) -> None:
        self.sign, self.integer = sign, integer
        self.units = sorted((_word_key(unit) for unit in units.split()), key=len, reverse=True)

    def parse(self, value: object) -> int | float:
        number = self._read(_screen(value))
        if not within_bounds(number):
            raise _CellProblem(
                "SHEET_OUT_OF_RANGE", bound_ko=f"{LARGEST_NUMBER:,.0f} 이하인", bound_en="smaller"
            )
        if self.integer and not number.is_integer():
            raise _CellProblem("SHEET_NOT_INTEGER")
        accepts, code, bound_ko, bound_en = _SIGNS[self.sign]
        if not accepts(number):
            raise _CellProblem(code, bound_ko=bound_ko, bound_en=bound_en)
        return int(number) if self.integer else number

    def _read(self, value: object) -> float:
        if isinstance(value, int | float):
            return float(value)
        text = _word_key(str(value))
        unit = next((unit for unit in self.units if text.endswith(unit)), "")
        text = text[: len(text) - len(unit)]
        number = number_from_text(text)
        if number is None:
            raise _CellProblem("SHEET_NOT_NUMBER")
        return number

    def render(self, value: Any) -> _Rendered:
        return int(value) if self.integer or float(value).is_integer() else float(value)


_TEXT = _Text()
_COUNT = _Number("quantity", "EA 개 면")


# ---------------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Column:
    """A table column: key, header title (the reader finds columns by title), width and guide text."""

    key: str
    label: str
    label_en: str
    width: int
    text: bool  # formatted as text, so Excel keeps "1-2" and leading zeros as typed
    used_by: str
    allowed: str
    example: str


# key | title | English | width | T = text column | rows that use it | allowed values | example
_COLUMN_TABLE: Final = """
panel          | 패널명       | Panel          | 14 | T | 모든 줄 (필수)               | 자유 입력, 200자 이내. 같은 패널명의 줄이 한 패널이 됩니다                    | LP-1
panel_qty      | 패널수량     | Panel qty      |  8 |   | 메인                         | 같은 패널의 세트 수, 1 이상 정수 (빈칸 = 1)                                  | 1
row_kind       | 구분         | Row            |  7 |   | 모든 줄 (필수)               | 메인 / 분기 / 부속 / 추가                                                    | 메인
type           | 종류         | Type           | 10 |   | 메인·분기, 부속 (필수)       | 메인·분기: MCCB / ELCB (빈칸 = MCCB). 부속: MAGNET / TIMER / PBL / SPD / METER / PART | ELCB
poles          | 극수         | Poles          |  6 |   | 메인·분기 (필수)             | 2 / 3 / 4 ("4P"도 됨)                                                        | 4
trip_at        | AT           | AT             |  7 |   | 메인·분기 (필수)             | 정격전류 A, 정수 ("200A"도 됨)                                               | 200
frame_af       | AF           | AF             |  7 |   | 메인·분기                    | 프레임 A, 정수 (빈칸 = 자동 선정)                                            | 225
model          | 모델         | Model          | 16 | T | 메인·분기·부속               | 카탈로그 모델명, 40자 이내 (빈칸 = 자동 선정)                                | ABN-204
grade          | 등급         | Grade          |  8 |   | 메인·분기                    | 경제형 / 표준형 (빈칸 = 경제형 우선)                                         | 경제형
breaker_brand  | 차단기브랜드 | Breaker brand  | 11 |   | 메인·분기                    | LS / SANGDO (브랜드가 MIXED이고 모델을 안 쓸 때 필요)                        | LS
qty            | 수량         | Qty            |  7 |   | 분기 (필수), 부속, 추가 (필수) | 0보다 큰 수. 분기·부속은 정수, 추가는 소수도 됨. 부속 빈칸 = 1              | 12
load_a         | 부하(A)      | Load (A)       |  8 |   | 분기                         | 설계 부하 전류 A, 0 이상 (빈칸 = AT로 계산)                                  | 12.5
circuit        | 회로명       | Circuit        | 16 | T | 분기                         | 자유 입력, 200자 이내                                                        | 전등/전열
with_pbl       | PBL포함      | With PBL       |  8 |   | 부속                         | Y / N (빈칸 = N), MAGNET에만                                                 | Y
unit_price     | 단가         | Unit price     | 11 |   | 부속, 추가 (필수)            | 원, 0 이상 정수. 부속은 카탈로그 단가 대신 씀                                | 45000
item           | 품명         | Item           | 14 | T | 추가 (필수)                  | 자유 입력, 200자 이내                                                        | 명판
spec           | 규격         | Spec           | 12 | T | 추가                         | 자유 입력                                                                    | 각인
unit           | 단위         | Unit           |  6 | T | 추가                         | EA / 식 / M / kg 등 10자 이내 (빈칸 = EA)                                    | EA
location       | 설치장소     | Location       |  9 |   | 메인                         | 옥내 / 옥외 (빈칸 = 옥내)                                                    | 옥외
mount          | 설치방식     | Mount          |  9 |   | 메인                         | 노출 / 매입 / 자립 / 전주 (빈칸 = 노출)                                      | 노출
material       | 재질         | Material       |  9 |   | 메인                         | STEEL / SUS201 / SUS304 (빈칸 = STEEL)                                       | SUS201
thickness      | 두께         | Thickness      |  7 |   | 메인                         | mm, 0 초과 10 이하 (빈칸 = 재질 기본값)                                      | 1.2
enclosure_kind | 외함종류     | Enclosure kind |  9 |   | 메인                         | 기성 / 주문 (빈칸 = 기성)                                                    | 기성
series         | 시리즈       | Series         |  9 | T | 메인                         | 외함 시리즈 (빈칸 = 자동 선정)                                               | SC
width          | W            | W              |  7 |   | 메인                         | 외함 폭 mm, 정수. W·H·D는 셋 다 쓰거나 모두 비움                             | 700
height         | H            | H              |  7 |   | 메인                         | 외함 높이 mm, 정수                                                           | 1200
depth          | D            | D              |  7 |   | 메인                         | 외함 깊이 mm, 정수                                                           | 200
"""
_COLUMNS: Final = tuple(
    _Column(key, label, label_en, int(width), text == "T", used_by, allowed, example)
    for key, label, label_en, width, text, used_by, allowed, example in (
        [part.strip() for part in line.split("|")] for line in _COLUMN_TABLE.strip().splitlines()
    )
)
_COLUMN: Final = {column.key: column for column in _COLUMNS}
_TEMPLATE_INDEX: Final = {column.key: index for index, column in enumerate(_COLUMNS)}
_DROPDOWNS: Final = {
    "row_kind": _ROW_KIND.choices(),
    "type": [*_BREAKER_TYPE.choices(), *_ACCESSORY_KIND.choices()],
    "poles": ["2", "3", "4"],
    "grade": _GRADE.choices(),
    "breaker_brand": _BREAKER_BRAND.choices(),
    "with_pbl": ["Y", "N"],
    "location": _LOCATION.choices(),
    "mount": _MOUNT.choices(),
    "material": _MATERIAL.choices(),
    "enclosure_kind": _ENCLOSURE_KIND.choices(),
}


@dataclass(frozen=True)
class _Field:
    """One request field read from one column of a row."""

    column: str
    name: str
    converter: _Converter
    required: bool = False


_BREAKER_FIELDS: Final = (
    _Field("type", "type", _Choice(_BREAKER_TYPE)),
    _Field("poles", "poles", _Number("positive", "P 극"), required=True),
    _Field("trip_at", "trip_at", _Number("positive", "AT A"), required=True),
    _Field("frame_af", "frame_af", _Number("positive", "AF")),
    _Field("model", "model", _TEXT),
    _Field("grade", "grade", _Choice(_GRADE)),
    _Field("breaker_brand", "brand", _Choice(_BREAKER_BRAND)),
)
_PRICE: Final = _Number("non-negative", "원 KRW")
_LINE_FIELDS: Final = {
    "BRANCH": (
        *_BREAKER_FIELDS,
        _Field("qty", "qty", _COUNT, required=True),
        _Field("load_a", "load_a", _Number("non-negative", "A", integer=False)),
        _Field("circuit", "circuit", _TEXT),
    ),
    "ACCESSORY": (
        _Field("type", "kind", _Choice(_ACCESSORY_KIND), required=True),
        _Field("model", "model", _TEXT),
        _Field("qty", "qty", _COUNT),
        _Field("with_pbl", "with_pbl", _Flag()),
        _Field("unit_price", "unit_price", _PRICE),
    ),
    "EXTRA": (
        _Field("item", "name", _TEXT, required=True),
        _Field("spec", "spec", _TEXT),
        _Field("unit", "unit", _TEXT),
        _Field("qty", "qty", _Number("quantity", "EA 개", integer=False), required=True),
        _Field("unit_price", "unit_price", _PRICE, required=True),
    ),
}
_LIST_OF_KIND: Final = {"BRANCH": "branches", "ACCESSORY": "accessories", "EXTRA": "extra_lines"}
_PANEL_QTY_FIELD: Final = _Field("panel_qty", "quantity", _COUNT)
_ENCLOSURE_FIELDS: Final = (
    _Field("location", "location", _Choice(_LOCATION)),
    _Field("mount", "mount", _Choice(_MOUNT)),
    _Field("material", "material", _Choice(_MATERIAL)),
    _Field("thickness", "thickness_mm", _Number("positive", "T MM", integer=False)),
    _Field("enclosure_kind", "kind", _Choice(_ENCLOSURE_KIND)),
    _Field("series", "series", _TEXT),
)
_SIZE_FIELDS: Final = tuple(
    _Field(key, key, _Number("positive", "MM")) for key in ("width", "height", "depth")
)
_MAIN_FIELDS: Final = (_PANEL_QTY_FIELD, *_BREAKER_FIELDS, *_ENCLOSURE_FIELDS, *_SIZE_FIELDS)
_USED_COLUMNS: Final = {
    kind: frozenset({"panel", "row_kind", *(spec.column for spec in fields)})
    for kind, fields in {"MAIN": _MAIN_FIELDS, **_LINE_FIELDS}.items()
}


@dataclass(frozen=True)
class _HeaderField:
    """A fixed label/value pair of the header block: label in column A, value in B (merged B:F)."""

    row: int
    label: str
    label_en: str
    path: str
    converter: _Converter
    note: str
    required: bool = False


_HEADER_FIELDS: Final = (
    _HeaderField(3, "고객명", "Customer", "customer.name", _TEXT, "필수. 회사 또는 고객 이름", required=True),
    _HeaderField(4, "담당자", "Contact", "customer.contact", _TEXT, "담당자 이름·직함"),
    _HeaderField(5, "연락처", "Phone", "customer.phone", _TEXT, "예: 031-000-0000"),
    _HeaderField(6, "이메일", "Email", "customer.email", _TEXT, "견적서를 받을 주소"),
    _HeaderField(7, "건명", "Project", "project", _TEXT, "공사 또는 현장 이름"),
    _HeaderField(
        8, "브랜드", "Brand", "brand", _Choice(_BRAND), "필수. LS / SANGDO / MIXED(혼용)", required=True
    ),
    _HeaderField(9, "혼용사유", "Mixing reason", "mixed_reason", _TEXT, "브랜드가 MIXED일 때 필수"),
    _HeaderField(
        10, "P-COVER", "P-COVER", "options.p_cover", _Choice(_P_COVER), "아크릴 / 철판 (빈칸 = 아크릴)"
    ),
)
_HEADER_DROPDOWNS: Final = {"brand": _BRAND.choices(), "options.p_cover": _P_COVER.choices()}


# --------------------------------------------------------------------------- reading the file safely


def normalize_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """The normal form the round trip compares: validated by `parse_request`, every default made
    explicit, absent optional values (None) dropped. Raises RequestRejected when invalid."""
    return parse_request(request).model_dump(mode="json", exclude_none=True)


def import_request_sheet(data: bytes) -> SheetImport:
    """Read a filled request sheet. Never raises on bad input: every problem is a Finding, and the
    request is None when any finding is an error (otherwise it has passed `parse_request`)."""
    refusal = _check_archive(data)
    if refusal is not None:
        return SheetImport(None, (refusal,))
    grid = _read_grid(data)
    if isinstance(grid, Finding):
        return SheetImport(None, (grid,))
    return _build_request(grid)


def import_to_json(path: str | Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """For `kis import SHEET.xlsx`: (the request or None, the findings as dicts). An oversized file is
    refused from its size on disk without being read; OSError (a missing file …) propagates."""
    size = Path(path).stat().st_size
    if size > MAX_UPLOAD_BYTES:
        result = SheetImport(
            None, (_finding("SHEET_TOO_LARGE", None, what=f"{size:,}바이트", what_en=f"{size:,} bytes"),)
        )
    else:
        result = import_request_sheet(Path(path).read_bytes())
    return result.request, [finding.as_dict() for finding in result.findings]


def _check_archive(data: bytes) -> Finding | None:
    """Judge the upload from its size and zip directory alone, before anything is decompressed.

    zipfile stops a member at its declared size and then fails its CRC check, so the declared sizes
    bound what openpyxl can ever decompress: checking them here is enough against zip bombs."""
    if len(data) > MAX_UPLOAD_BYTES:
        return _finding("SHEET_TOO_LARGE", None, what=f"{len(data):,}바이트", what_en=f"{len(data):,} bytes")
    members = zip_members(data, _LIMITS, required="[Content_Types].xml")
    if isinstance(members, Refusal):
        return _refused(members)
    refusal = parse_whole_refusal(data, members, _MAX_PARSED_WHOLE_BYTES)
    if refusal is None:
        return None
    if refusal.reason == "too_large":
        hint = "엑셀에서 열어 .xlsx로 다시 저장하거나 내용을 줄여 주세요 / Re-save the file in Excel, or send less."
        return _finding("SHEET_TOO_LARGE", None, hint=hint, what=refusal.what[0], what_en=refusal.what[1])
    return _refused(refusal)


def _refused(refusal: Refusal) -> Finding:
    if refusal.reason == "too_large":
        return _finding("SHEET_TOO_LARGE", None, what=refusal.what[0], what_en=refusal.what[1])
    if refusal.reason == "legacy":
        hint = "옛 형식(.xls)이거나 암호가 걸린 파일입니다. 암호를 풀고 .xlsx로 저장해 주세요 / Remove any password and save as .xlsx."
        return _finding("SHEET_NOT_XLSX", None, hint=hint)
    return _finding("SHEET_NOT_XLSX", None)


@dataclass(frozen=True)
class _Grid:
    """What the reader keeps of the sheet: the header block's rows, the table header, non-blank data rows."""

    header: Mapping[int, tuple[object, ...]]
    table_header: tuple[object, ...]
    rows: Sequence[tuple[int, tuple[object, ...]]]

    def header_cell(self, row: int, column: int) -> object:
        values = self.header.get(row, ())
        return values[column - 1] if len(values) >= column else None


def _read_grid(data: bytes) -> _Grid | Finding:
    """Stream the sheet's values (cached results, not formulas); a Finding when it cannot be read."""
    try:
        with streamed_workbook(data) as book:
            if SHEET_NAME not in book.sheetnames:
                return _finding("SHEET_NOT_TEMPLATE", None)
            return _collect(sheet_rows(book, SHEET_NAME))
    except UnreadableWorkbook:
        return _finding("SHEET_NOT_XLSX", None)


def _collect(rows: Generator[tuple[object, ...], None, None]) -> _Grid | Finding:
    """Keep the header block, the table header and at most MAX_DATA_ROWS non-blank data rows."""
    header: dict[int, tuple[object, ...]] = {}
    table_header: tuple[object, ...] = ()
    data_rows: list[tuple[int, tuple[object, ...]]] = []
    with closing(rows):  # stops the XML parse when we stop early
        for number, values in enumerate(rows, start=1):
            if number in _HEADER_ROWS:
                header[number] = values
            elif number == _TABLE_HEADER_ROW:
                table_header = values
            elif number >= _FIRST_DATA_ROW and not is_blank_row(values):
                if len(data_rows) == MAX_DATA_ROWS:
                    return _finding("SHEET_TOO_MANY_ROWS", _cell_name(1, number))
                data_rows.append((number, values))
    return _Grid(header, table_header, data_rows)


# ---------------------------------------------------------------------------- building the request


@dataclass
class _Findings:
    """Findings in the order found, and the cell each request path was read from."""

    items: list[Finding] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)

    def add(self, code: str, cell: str, **params: Any) -> None:
        self.items.append(_finding(code, cell, **params))

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
    return _word_key(str(value)) if value is not None else ""


def _looks_like_template(grid: _Grid) -> bool:
    """Any header label or column title in place; otherwise one SHEET_NOT_TEMPLATE says it all."""
    titles = {_label_key(column.label) for column in _COLUMNS}
    return any(_label_key(value) in titles for value in grid.table_header) or any(
        _label_key(grid.header_cell(spec.row, 1)) == _label_key(spec.label) for spec in _HEADER_FIELDS
    )


def _check_header_labels(grid: _Grid, out: _Findings) -> bool:
    """The header block is read from fixed cells; a moved label would silently shift every value."""
    intact = True
    for spec in _HEADER_FIELDS:
        found = grid.header_cell(spec.row, 1)
        if _label_key(found) != _label_key(spec.label):
            intact = False
            cell = _cell_name(1, spec.row)
            out.add("SHEET_LAYOUT_CHANGED", cell, label=spec.label, label_en=spec.label_en, found=found or "")
    return intact


def _map_columns(table_header: tuple[object, ...], out: _Findings) -> dict[str, int] | None:
    """Find each column by its title in row 12, so a copy with reordered columns still reads; None
    when a template column is missing, since every row kind relies on its columns."""
    by_title = {_label_key(column.label): column.key for column in _COLUMNS}
    positions: dict[str, int] = {}
    for index, value in enumerate(table_header):
        key = by_title.get(_label_key(value))
        if key is not None and key not in positions:
            positions[key] = index
        elif not is_blank(value):
            out.add("SHEET_UNKNOWN_COLUMN", _cell_name(index + 1, _TABLE_HEADER_ROW), found=_shown(value))
    missing = [column for column in _COLUMNS if column.key not in positions]
    for column in missing:
        cell = _cell_name(_TEMPLATE_INDEX[column.key] + 1, _TABLE_HEADER_ROW)
        found = (
            table_header[_TEMPLATE_INDEX[column.key]]
            if len(table_header) > _TEMPLATE_INDEX[column.key]
            else None
        )
        out.add("SHEET_LAYOUT_CHANGED", cell, label=column.label, label_en=column.label_en, found=found or "")
    return None if missing else positions


def _read_value(
    raw: object, converter: _Converter, cell: str, label: tuple[str, str], required: bool, out: _Findings
) -> Any:
    """One cell through its converter; a finding (and None) for a blank required cell or a bad value."""
    names = {"label": label[0], "label_en": label[1], "value": _shown(raw)}
    if is_blank(raw):
        if required:
            out.add("SHEET_MISSING_VALUE", cell, **names)
        return None
    try:
        return converter.parse(raw)
    except _CellProblem as problem:
        out.add(problem.code, cell, **names, **problem.params)
        return None


def _read_header(grid: _Grid, draft: dict[str, Any], out: _Findings) -> None:
    draft["customer"] = {}
    for spec in _HEADER_FIELDS:
        cell, raw = _cell_name(2, spec.row), grid.header_cell(spec.row, 2)
        out.cells[spec.path] = cell
        value = _read_value(raw, spec.converter, cell, (spec.label, spec.label_en), spec.required, out)
        if value not in (None, ""):
            *parents, name = spec.path.split(".")
            target = draft
            for part in parents:
                target = target.setdefault(part, {})
            target[name] = value
        if spec.path == "customer.phone" and isinstance(raw, int | float) and not isinstance(raw, bool):
            out.add("SHEET_NUMBER_AS_TEXT", cell, value=_shown(raw))


def _read_fields(
    row: _Row, fields: Iterable[_Field], target: dict[str, Any], base: str, out: _Findings
) -> None:
    """Read `fields` of `row` into `target`, remembering the cell of each `base.name` path."""
    for spec in fields:
        column, cell = _COLUMN[spec.column], row.cell(spec.column)
        out.cells[f"{base}.{spec.name}"] = cell
        raw = row.values.get(spec.column)
        value = _read_value(raw, spec.converter, cell, (column.label, column.label_en), spec.required, out)
        if value not in (None, ""):
            target[spec.name] = value


def _read_size(row: _Row, base: str, out: _Findings) -> list[int] | None:
    """W, H and D together, or none of them: a partial size cannot size a box."""
    size: dict[str, Any] = {}
    _read_fields(row, _SIZE_FIELDS, size, f"{base}.size_mm", out)
    out.cells[f"{base}.size_mm"] = row.cell("width")
    blanks = [spec.column for spec in _SIZE_FIELDS if is_blank(row.values.get(spec.column))]
    if 0 < len(blanks) < len(_SIZE_FIELDS):
        out.add("SHEET_INCOMPLETE_SIZE", row.cell(blanks[0]))
    return [size[spec.name] for spec in _SIZE_FIELDS] if len(size) == len(_SIZE_FIELDS) else None


def _read_main(row: _Row, panel: _Panel, out: _Findings) -> None:
    main: dict[str, Any] = {}
    enclosure: dict[str, Any] = {}
    _read_fields(row, _BREAKER_FIELDS, main, f"{panel.path}.main", out)
    _read_fields(row, _ENCLOSURE_FIELDS, enclosure, f"{panel.path}.enclosure", out)
    _read_fields(row, (_PANEL_QTY_FIELD,), panel.data, panel.path, out)
    size = _read_size(row, f"{panel.path}.enclosure", out)
    if size is not None:
        enclosure["size_mm"] = size
    out.cells[f"{panel.path}.main"] = out.cells[f"{panel.path}.enclosure"] = row.cell("row_kind")
    panel.data["main"] = main
    if enclosure:
        panel.data["enclosure"] = enclosure
    panel.main_row = row


def _read_line(row: _Row, kind: str, panel: _Panel, out: _Findings) -> None:
    lines = panel.data.setdefault(_LIST_OF_KIND[kind], [])
    base = f"{panel.path}.{_LIST_OF_KIND[kind]}.{len(lines)}"
    out.cells[base] = row.cell("row_kind")
    line: dict[str, Any] = {}
    _read_fields(row, _LINE_FIELDS[kind], line, base, out)
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
        return bool(_COUNT.parse(row.values[key]) == expected)
    except _CellProblem:
        return False


def _warn_unused(row: _Row, kind: str, panel: _Panel, out: _Findings) -> None:
    for key, value in row.values.items():
        if key in _USED_COLUMNS[kind] or is_blank(value) or _agrees(row, key, kind, panel):
            continue
        column = _COLUMN[key]
        used_ko = f"'{column.label}' 칸은 {column.used_by} 줄에서 씁니다"
        if key in ("qty", "panel_qty"):
            used_ko = "세트 수는 메인 줄의 '패널수량'에 쓰세요"
        out.add(
            "SHEET_IGNORED_CELL",
            row.cell(key),
            label=column.label,
            label_en=column.label_en,
            value=_shown(value),
            used_ko=used_ko,
        )


def _row_kind(row: _Row, out: _Findings) -> str | None:
    raw, cell = row.values.get("row_kind"), row.cell("row_kind")
    if is_blank(raw):
        _read_value(raw, _TEXT, cell, ("구분", "Row"), True, out)  # reports the missing value
        return None
    try:
        return _Choice(_ROW_KIND).parse(raw)
    except _CellProblem:
        out.add("SHEET_UNKNOWN_ROW_KIND", cell, value=_shown(raw))
        return None


def _read_row(row: _Row, panels: dict[str, _Panel], out: _Findings) -> None:
    """Route one data row to its panel; a row without a usable 패널명 or 구분 is skipped."""
    name = _read_value(row.values.get("panel"), _TEXT, row.cell("panel"), ("패널명", "Panel"), True, out)
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


def _data_rows(grid: _Grid, positions: Mapping[str, int], out: _Findings) -> Iterator[_Row]:
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
            cell = _cell_name(index + 1, number)
            out.add(
                "SHEET_IGNORED_CELL",
                cell,
                label="표 밖",
                label_en="outside the table",
                value=_shown(values[index]),
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
        cell = out.cells.get(".".join(parts), _cell_name(1, _FIRST_DATA_ROW))
        if cell not in already:
            already.add(cell)
            out.items.append(Finding(problem.code, "error", cell, problem.message, problem.hint))


def _build_request(grid: _Grid) -> SheetImport:
    if not _looks_like_template(grid):
        return SheetImport(None, (_finding("SHEET_NOT_TEMPLATE", None),))
    out = _Findings()
    positions = _map_columns(grid.table_header, out) if _check_header_labels(grid, out) else None
    if positions is None:
        return SheetImport(None, tuple(out.items))
    if not grid.rows and all(is_blank(grid.header_cell(spec.row, 2)) for spec in _HEADER_FIELDS):
        return SheetImport(None, (*out.items, _finding("SHEET_EMPTY", _cell_name(2, _HEADER_FIELDS[0].row))))
    draft: dict[str, Any] = {}
    _read_header(grid, draft, out)
    panels: dict[str, _Panel] = {}
    for row in _data_rows(grid, positions, out):
        _read_row(row, panels, out)
    if not grid.rows:  # rows that were all skipped have findings of their own
        out.add("SHEET_NO_PANELS", _cell_name(1, _FIRST_DATA_ROW))
    _finish_panels(panels, draft, out)
    return _validate(draft, out)


def _finish_panels(panels: Mapping[str, _Panel], draft: dict[str, Any], out: _Findings) -> None:
    out.cells["panels"] = _cell_name(1, _FIRST_DATA_ROW)
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


# ----------------------------------------------------------------------------------- writing sheets


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


def _render_fields(fields: Iterable[_Field], source: Mapping[str, Any], row: dict[str, _Rendered]) -> None:
    for spec in fields:
        if source.get(spec.name) not in (None, ""):
            row[spec.column] = spec.converter.render(source[spec.name])


def _request_rows(request: Mapping[str, Any]) -> list[dict[str, _Rendered]]:
    """The table rows of a normalized request: per panel its main row, then its branch, accessory and
    extra lines, every row carrying the panel's name."""
    rows: list[dict[str, _Rendered]] = []
    for panel in request["panels"]:
        enclosure = panel.get("enclosure", {})
        size = dict(zip(("width", "height", "depth"), enclosure.get("size_mm") or (), strict=False))
        main_row: dict[str, _Rendered] = {"panel": panel["name"], "row_kind": _ROW_KIND.display("MAIN")}
        for fields, source in (
            ((_PANEL_QTY_FIELD,), panel),
            (_BREAKER_FIELDS, panel["main"]),
            (_ENCLOSURE_FIELDS, enclosure),
            (_SIZE_FIELDS, size),
        ):
            _render_fields(fields, source, main_row)
        rows.append(main_row)
        for kind, list_name in _LIST_OF_KIND.items():
            for line in panel.get(list_name, []):
                row: dict[str, _Rendered] = {"panel": panel["name"], "row_kind": _ROW_KIND.display(kind)}
                _render_fields(_LINE_FIELDS[kind], line, row)
                rows.append(row)
    return rows


def _header_values(request: Mapping[str, Any] | None) -> dict[int, str]:
    values: dict[int, str] = {}
    for spec in _HEADER_FIELDS:
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
            "created": _DOCUMENT_DATE,
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
    for spec in _HEADER_FIELDS:
        row = spec.row - 1
        sheet.write_string(row, 0, spec.label, styles.label)
        # Header values are text (names or enum words), so merge_range writing a str keeps them text.
        sheet.merge_range(row, 1, row, 5, values.get(spec.row, ""), styles.value)
        sheet.write_string(row, 6, spec.note, styles.note)
        if spec.path in _HEADER_DROPDOWNS:
            sheet.data_validation(
                row, 1, row, 1, _list_validation(spec.label, _HEADER_DROPDOWNS[spec.path], spec.note)
            )
    sheet.write_string(_TABLE_HEADER_ROW - 2, 0, "차단기 · 부속 · 추가 자재 (한 줄에 하나)", styles.section)
    _write_table(
        sheet, styles, _TABLE_HEADER_ROW - 1, _request_rows(request) if request else [], size_columns=True
    )
    _add_validations(sheet)
    sheet.freeze_panes(_TABLE_HEADER_ROW, 0)
    sheet.activate()


def _write_table(
    sheet: Worksheet,
    styles: _Styles,
    header_row: int,
    rows: Sequence[Mapping[str, _Rendered]],
    *,
    size_columns: bool,
) -> None:
    """The column titles at `header_row` (0-based) and `rows` below them, in template column order."""
    for index, column in enumerate(_COLUMNS):
        if size_columns:
            sheet.set_column(index, index, column.width, styles.text_column if column.text else None)
        sheet.write_string(header_row, index, column.label, styles.header)
    for offset, row in enumerate(rows, start=1):
        for key, value in row.items():
            # write_string/write_number, never write(): a model named "=1+1" must stay text.
            if isinstance(value, str):
                sheet.write_string(header_row + offset, _TEMPLATE_INDEX[key], value, styles.cell_text)
            else:
                sheet.write_number(header_row + offset, _TEMPLATE_INDEX[key], value, styles.cell_number)


def _list_validation(title: str, choices: Sequence[str], tip: str) -> dict[str, Any]:
    # A warning, not a stop: the reader also accepts English and other spellings (OUTDOOR, 옥외 …).
    message = f"목록의 값을 쓰세요: {', '.join(choices)} (영어 값도 받습니다)"
    return {
        "validate": "list", "source": list(choices), "error_type": "warning", "input_title": title[:32],
        "input_message": tip[:255], "error_title": "목록에 없는 값", "error_message": message[:255],
    }  # fmt: skip


def _add_validations(sheet: Worksheet) -> None:
    """Dropdowns on the enum columns, a whole-number check on 패널수량, and a tip on every column."""
    first, last = _FIRST_DATA_ROW - 1, _LAST_TEMPLATE_ROW - 1
    for index, column in enumerate(_COLUMNS):
        tip = f"{column.used_by}: {column.allowed}"[:255]
        options: dict[str, Any] = {"validate": "any", "input_title": column.label, "input_message": tip}
        if column.key in _DROPDOWNS:
            options = _list_validation(column.label, _DROPDOWNS[column.key], tip)
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
    for offset, column in enumerate(_COLUMNS, start=2):
        letter = get_column_letter(_TEMPLATE_INDEX[column.key] + 1)
        for index, text in enumerate(
            (letter, column.label, column.used_by, column.label_en, column.allowed, column.example)
        ):
            sheet.write_string(row + offset, index, text, styles.wrap)
    row += len(_COLUMNS) + 3
    sheet.write_string(row, 0, "작성 예 (견적요청 시트 13행부터 이렇게 씁니다)", styles.section)
    _write_table(sheet, styles, row + 1, _request_rows(normalize_request(_GUIDE_EXAMPLE)), size_columns=False)


if __name__ == "__main__":
    TEMPLATE_PATH.write_bytes(write_template())
    print(f"wrote {TEMPLATE_PATH}")
