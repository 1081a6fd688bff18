"""The request sheet: the customer's Excel template ⇄ the request JSON (docs/request-sheet.md).

Customers fill a copy of `request-template.xlsx` (sheet "견적요청", instructions on "안내").
`import_request_sheet` reads it back into a request dict that passes `parse_request` and reports every
problem as a `Finding` that names the exact cell; `export_request_sheet` writes a request into the same
template, so that export → import gives the request back in the normal form of `normalize_request`.

An uploaded file is hostile until proven otherwise: the archive is judged from its zip directory before
anything is decompressed (upload size, declared sizes, compression ratio, member count), the sheet is
read with openpyxl's streaming reader (which parses XML through defusedxml when it is installed), and
reading stops at the row limit.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import openpyxl
import xlsxwriter
from openpyxl.utils import get_column_letter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

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
# Real sheets compress 5-20×; the ratio only means something for members big enough to hurt.
_RATIO_CHECKED_FROM_BYTES: Final = 1024 * 1024
_MAX_ARCHIVE_MEMBERS: Final = 1_000

_TITLE_ROW: Final = 1
_TABLE_HEADER_ROW: Final = 12
_FIRST_DATA_ROW: Final = 13
_LAST_TEMPLATE_ROW: Final = _TABLE_HEADER_ROW + MAX_DATA_ROWS
# Excel's own row limit bounds openpyxl's filling of row gaps (a hostile r="999999999" stops here).
_EXCEL_MAX_ROW: Final = 1_048_576
_READ_COLUMNS: Final = 40
_HEADER_VALUE_LAST_COLUMN: Final = 5  # header values are merged B:F
_NOTE_COLUMN: Final = 6  # G
# xlsx bytes must not depend on the clock: a fixed creation date makes the files reproducible.
_DOCUMENT_DATE: Final = dt.datetime(2026, 1, 1, 0, 0, 0)

Severity = Literal["error", "warning"]
_Rendered = str | int | float
_EXCEL_ERRORS: Final = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    """One problem in a sheet: stable code, severity, cell ("견적요청!F12", None for the whole file),
    message in Korean then English joined by " / ", and a hint saying what to write instead."""

    code: str
    severity: Severity
    cell: str | None
    message: str
    hint: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "cell": self.cell,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class SheetImport:
    """The outcome of an import: the normalized request (None when any finding is an error) and all
    findings in sheet order, then those mapped back from `parse_request`."""

    request: dict[str, Any] | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return self.request is not None

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request, "findings": [f.as_dict() for f in self.findings]}


def _file_finding(code: str, ko: str, en: str, hint: str) -> Finding:
    return Finding(code=code, severity="error", cell=None, message=f"{ko} / {en}", hint=hint)


def _cell_name(column: int, row: int) -> str:
    """1-based column and row → "견적요청!F12"."""
    return f"{SHEET_NAME}!{get_column_letter(column)}{row}"


# ------------------------------------------------------------------------------------- vocabularies


def _word_key(word: str) -> str:
    """Case and spacing do not matter to customers: "sus 304" is "SUS304"."""
    return "".join(word.split()).upper()


class _Vocabulary:
    """Accepted words of one enum; the first word of each entry is the one the template writes."""

    def __init__(self, title_en: str, entries: Mapping[str, Sequence[str]]) -> None:
        self.title_en = title_en
        self._display = {canonical: words[0] for canonical, words in entries.items()}
        self._lookup = {
            _word_key(word): canonical
            for canonical, words in entries.items()
            for word in (*words, canonical)
        }

    def lookup(self, word: str) -> str | None:
        return self._lookup.get(_word_key(word))

    def display(self, canonical: str) -> str:
        return self._display[canonical]

    def choices(self) -> list[str]:
        return list(self._display.values())

    def canonical(self) -> list[str]:
        return list(self._display)


_ROW_KIND = _Vocabulary(
    "row kind",
    {
        "MAIN": ("메인", "메인차단기", "주차단기"),
        "BRANCH": ("분기", "분기차단기"),
        "ACCESSORY": ("부속", "부속자재"),
        "EXTRA": ("추가", "추가자재", "기타"),
    },
)
_BREAKER_TYPE = _Vocabulary(
    "breaker type", {"MCCB": ("MCCB", "배선용차단기", "배선용"), "ELCB": ("ELCB", "ELB", "누전차단기", "누전")}
)
_ACCESSORY_KIND = _Vocabulary(
    "accessory kind",
    {
        "MAGNET": ("MAGNET", "마그네트", "전자접촉기", "MC"),
        "TIMER": ("TIMER", "타이머"),
        "PBL": ("PBL", "푸시버튼"),
        "SPD": ("SPD", "서지보호기"),
        "METER": ("METER", "계량기", "전력량계", "미터"),
        "PART": ("PART", "부품"),
    },
)
_BRAND = _Vocabulary("brand", {"LS": ("LS", "엘에스", "LS산전", "LS일렉트릭"), "SANGDO": ("SANGDO", "상도"), "MIXED": ("MIXED", "혼용")})
_BREAKER_BRAND = _Vocabulary("breaker brand", {"LS": ("LS", "엘에스", "LS산전", "LS일렉트릭"), "SANGDO": ("SANGDO", "상도")})
_GRADE = _Vocabulary("grade", {"ECONOMY": ("경제형", "ECONOMY"), "STANDARD": ("표준형", "STANDARD")})
_P_COVER = _Vocabulary("P-COVER", {"ACRYLIC": ("아크릴", "ACRYLIC"), "STEEL": ("철판", "STEEL")})
_LOCATION = _Vocabulary("location", {"INDOOR": ("옥내", "INDOOR", "실내"), "OUTDOOR": ("옥외", "OUTDOOR", "실외")})
_MOUNT = _Vocabulary(
    "mount",
    {
        "SURFACE": ("노출", "SURFACE", "노출형"),
        "FLUSH": ("매입", "FLUSH", "매입형"),
        "FREESTANDING": ("자립", "FREESTANDING", "자립형"),
        "POLE": ("전주", "POLE", "전주부착", "전주형"),
    },
)
_MATERIAL = _Vocabulary("material", {"STEEL": ("STEEL", "스틸", "철"), "SUS201": ("SUS201",), "SUS304": ("SUS304",)})
_ENCLOSURE_KIND = _Vocabulary("enclosure kind", {"STOCK": ("기성", "STOCK", "기성함"), "CUSTOM": ("주문", "CUSTOM", "주문제작")})
_FLAG = _Vocabulary(
    "yes/no",
    {"Y": ("Y", "YES", "예", "O", "TRUE", "포함", "1"), "N": ("N", "NO", "아니오", "X", "FALSE", "미포함", "0")},
)


# -------------------------------------------------------------------------------------- converters


class _CellProblem(Exception):
    """A cell value that cannot become a request value; turned into a Finding by the reader."""

    def __init__(self, code: str, ko: str, en: str, hint: str) -> None:
        super().__init__(code)
        self.code, self.ko, self.en, self.hint = code, ko, en, hint


def _wrong_type(value: object) -> _CellProblem:
    return _CellProblem(
        "SHEET_WRONG_TYPE",
        f"이 칸에 맞지 않는 값입니다 ({value!r})",
        f"this cell holds a value of the wrong kind ({value!r})",
        "셀 서식을 '텍스트'로 바꾸고 다시 입력하세요 (엑셀이 날짜·수식 오류로 바꾸었을 수 있습니다) / "
        "Format the cell as text and type the value again.",
    )


def _screen(value: object) -> object:
    """Refuse values no column accepts: dates (Excel turns "1-2" into a date) and formula errors."""
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise _wrong_type(value)
    if isinstance(value, str) and value.strip() in _EXCEL_ERRORS:
        raise _wrong_type(value)
    return value


def _number_text(value: int | float) -> str:
    """A number typed into a text column, as the customer saw it (1.0 → "1")."""
    return str(int(value)) if float(value).is_integer() else str(value)


class _Converter:
    """Turns a non-blank cell value into a request value (`parse`, raising _CellProblem) and back."""

    def parse(self, value: object) -> Any:
        raise NotImplementedError

    def render(self, value: Any) -> _Rendered:
        raise NotImplementedError


class _Text(_Converter):
    def parse(self, value: object) -> str:
        value = _screen(value)
        if isinstance(value, bool):
            raise _wrong_type(value)
        if isinstance(value, int | float):
            return _number_text(value)
        if isinstance(value, str):
            return value.strip()
        raise _wrong_type(value)

    def render(self, value: Any) -> _Rendered:
        return str(value)


class _Choice(_Converter):
    def __init__(self, vocabulary: _Vocabulary) -> None:
        self.vocabulary = vocabulary

    def parse(self, value: object) -> str:
        word = _Text().parse(value)
        canonical = self.vocabulary.lookup(word)
        if canonical is None:
            raise _CellProblem(
                "SHEET_UNKNOWN_VALUE",
                f"알 수 없는 값입니다: '{word}'",
                f"unknown {self.vocabulary.title_en}: '{word}'",
                f"다음 중 하나를 쓰세요: {', '.join(self.vocabulary.choices())} / "
                f"Write one of: {', '.join(self.vocabulary.canonical())}.",
            )
        return canonical

    def render(self, value: Any) -> _Rendered:
        return self.vocabulary.display(value)


class _Flag(_Converter):
    def parse(self, value: object) -> bool:
        if isinstance(value, bool):
            return value
        return _Choice(_FLAG).parse(value) == "Y"

    def render(self, value: Any) -> _Rendered:
        return "Y" if value else "N"


_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_LARGEST_NUMBER: Final = 1e12  # far above any price or size; keeps absurd values out of int()

# How a number may be signed, with the finding code for a value outside that.
_QUANTITY, _POSITIVE, _NON_NEGATIVE = "quantity", "positive", "non-negative"


class _Number(_Converter):
    """A number, optionally followed by the column's unit ("4P", "200A", "45,000원")."""

    def __init__(self, *, integer: bool, sign: str, units: Sequence[str] = ()) -> None:
        self.integer, self.sign = integer, sign
        self.units = sorted((_word_key(unit) for unit in units), key=len, reverse=True)

    def parse(self, value: object) -> int | float:
        number = self._read(_screen(value))
        if not math.isfinite(number) or abs(number) > _LARGEST_NUMBER:
            raise _CellProblem(
                "SHEET_OUT_OF_RANGE", f"너무 큰 값입니다 ({value})", f"value too large ({value})", "값을 확인하세요 / Check the value."
            )
        if self.integer and not number.is_integer():
            raise _CellProblem(
                "SHEET_NOT_INTEGER",
                f"정수가 아닙니다 ({value})",
                f"not a whole number ({value})",
                "소수점 없이 쓰세요 / Write a whole number.",
            )
        self._check_sign(number, value)
        return int(number) if self.integer else number

    def _read(self, value: object) -> float:
        if isinstance(value, bool):
            raise _wrong_type(value)
        if isinstance(value, int | float):
            return float(value)
        text = _word_key(str(value))
        for unit in self.units:
            if text.endswith(unit):
                text = text[: -len(unit)]
                break
        if not _NUMBER.fullmatch(text):
            raise _CellProblem(
                "SHEET_NOT_NUMBER",
                f"숫자가 아닙니다: '{value}'",
                f"not a number: '{value}'",
                "숫자만 쓰세요 (예: 20, 1.2, 45,000) / Write a number, e.g. 20, 1.2, 45,000.",
            )
        return float(text.replace(",", ""))

    def _check_sign(self, number: float, value: object) -> None:
        if self.sign == _QUANTITY and number <= 0:
            raise _CellProblem(
                "SHEET_BAD_QUANTITY",
                f"수량은 1 이상이어야 합니다 ({value})",
                f"a quantity must be positive ({value})",
                "1 이상의 수량을 쓰거나 줄을 지우세요 / Write a quantity of at least 1, or delete the row.",
            )
        if (self.sign == _POSITIVE and number <= 0) or (self.sign == _NON_NEGATIVE and number < 0):
            bound_ko, bound_en = ("0보다 커야", "positive") if self.sign == _POSITIVE else ("0 이상이어야", "zero or more")
            raise _CellProblem(
                "SHEET_OUT_OF_RANGE",
                f"값은 {bound_ko} 합니다 ({value})",
                f"the value must be {bound_en} ({value})",
                "값을 확인하세요 / Check the value.",
            )

    def render(self, value: Any) -> _Rendered:
        if self.integer or float(value).is_integer():
            return int(value)
        return float(value)


_TEXT = _Text()
_COUNT = _Number(integer=True, sign=_QUANTITY, units=("EA", "개", "면"))


# ---------------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Column:
    """One column of the table: its key, its header (the sheet is read by header), and its guide text."""

    key: str
    label: str
    label_en: str
    width: float
    used_by: str
    allowed: str
    example: str
    vocabulary: _Vocabulary | None = None
    text: bool = False


_COLUMNS: Final = (
    _Column("panel", "패널명", "Panel", 14, "모든 줄 (필수)", "자유 입력, 200자 이내. 같은 이름의 줄이 한 패널", "LP-1", text=True),
    _Column("panel_qty", "패널수량", "Panel qty", 8, "메인", "같은 패널의 세트 수, 1 이상 정수 (빈칸 = 1)", "1"),
    _Column("row_kind", "구분", "Row", 7, "모든 줄 (필수)", "메인 / 분기 / 부속 / 추가", "메인", _ROW_KIND),
    _Column(
        "type", "종류", "Type", 10, "메인·분기, 부속 (필수)",
        "메인·분기: MCCB / ELCB (빈칸 = MCCB). 부속: MAGNET / TIMER / PBL / SPD / METER / PART", "ELCB",
    ),
    _Column("poles", "극수", "Poles", 6, "메인·분기 (필수)", "2 / 3 / 4 (\"4P\"도 됨)", "4"),
    _Column("trip_at", "AT", "AT", 7, "메인·분기 (필수)", "정격전류 A, 정수 (\"200A\"도 됨)", "200"),
    _Column("frame_af", "AF", "AF", 7, "메인·분기", "프레임 A, 정수 (빈칸 = 자동 선정)", "225"),
    _Column("model", "모델", "Model", 16, "메인·분기·부속", "카탈로그 모델명, 40자 이내 (빈칸 = 자동 선정)", "ABN-204", text=True),
    _Column("grade", "등급", "Grade", 8, "메인·분기", "경제형 / 표준형 (빈칸 = 경제형 우선)", "경제형", _GRADE),
    _Column("breaker_brand", "차단기브랜드", "Breaker brand", 11, "메인·분기", "LS / SANGDO (브랜드가 MIXED일 때 필요)", "LS", _BREAKER_BRAND),
    _Column(
        "qty", "수량", "Qty", 7, "분기 (필수), 부속, 추가 (필수)",
        "1 이상. 분기·부속은 정수, 추가는 소수도 됨. 부속 빈칸 = 1", "12",
    ),
    _Column("load_a", "부하(A)", "Load (A)", 8, "분기", "설계 부하 전류 A, 0 이상 (빈칸 = AT로 계산)", "12.5"),
    _Column("circuit", "회로명", "Circuit", 16, "분기", "자유 입력, 200자 이내", "전등/전열", text=True),
    _Column("with_pbl", "PBL포함", "With PBL", 8, "부속", "Y / N (빈칸 = N), MAGNET에만", "Y", _FLAG),
    _Column("unit_price", "단가", "Unit price", 11, "부속, 추가 (필수)", "원, 0 이상 정수. 부속은 카탈로그 단가 대신 씀", "45000"),
    _Column("item", "품명", "Item", 14, "추가 (필수)", "자유 입력, 200자 이내", "명판", text=True),
    _Column("spec", "규격", "Spec", 12, "추가", "자유 입력", "각인", text=True),
    _Column("unit", "단위", "Unit", 6, "추가", "EA / 식 / M / kg … 10자 이내 (빈칸 = EA)", "EA", text=True),
    _Column("location", "설치장소", "Location", 9, "메인", "옥내 / 옥외 (빈칸 = 옥내)", "옥외", _LOCATION),
    _Column("mount", "설치방식", "Mount", 9, "메인", "노출 / 매입 / 자립 / 전주 (빈칸 = 노출)", "노출", _MOUNT),
    _Column("material", "재질", "Material", 9, "메인", "STEEL / SUS201 / SUS304 (빈칸 = STEEL)", "SUS201", _MATERIAL),
    _Column("thickness", "두께", "Thickness", 7, "메인", "mm, 0 초과 10 이하 (빈칸 = 재질 기본값)", "1.2"),
    _Column("enclosure_kind", "외함종류", "Enclosure kind", 9, "메인", "기성 / 주문 (빈칸 = 기성)", "기성", _ENCLOSURE_KIND),
    _Column("series", "시리즈", "Series", 9, "메인", "외함 시리즈 (빈칸 = 자동 선정)", "SC", text=True),
    _Column("width", "W", "W", 7, "메인", "외함 폭 mm, 정수. W·H·D는 셋 다 쓰거나 모두 비움", "700"),
    _Column("height", "H", "H", 7, "메인", "외함 높이 mm, 정수", "1200"),
    _Column("depth", "D", "D", 7, "메인", "외함 깊이 mm, 정수", "200"),
)
_COLUMN: Final = {column.key: column for column in _COLUMNS}
_TEMPLATE_INDEX: Final = {column.key: index for index, column in enumerate(_COLUMNS)}


@dataclass(frozen=True)
class _Field:
    """One request field read from one column of a row."""

    column: str
    name: str
    converter: _Converter
    required: bool = False


_BREAKER_FIELDS: Final = (
    _Field("type", "type", _Choice(_BREAKER_TYPE)),
    _Field("poles", "poles", _Number(integer=True, sign=_POSITIVE, units=("P", "극")), required=True),
    _Field("trip_at", "trip_at", _Number(integer=True, sign=_POSITIVE, units=("AT", "A")), required=True),
    _Field("frame_af", "frame_af", _Number(integer=True, sign=_POSITIVE, units=("AF",))),
    _Field("model", "model", _TEXT),
    _Field("grade", "grade", _Choice(_GRADE)),
    _Field("breaker_brand", "brand", _Choice(_BREAKER_BRAND)),
)
_PRICE = _Number(integer=True, sign=_NON_NEGATIVE, units=("원", "KRW"))
_LINE_FIELDS: Final = {
    "BRANCH": (
        *_BREAKER_FIELDS,
        _Field("qty", "qty", _COUNT, required=True),
        _Field("load_a", "load_a", _Number(integer=False, sign=_NON_NEGATIVE, units=("A",))),
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
        _Field("qty", "qty", _Number(integer=False, sign=_QUANTITY, units=("EA", "개")), required=True),
        _Field("unit_price", "unit_price", _PRICE, required=True),
    ),
}
_LIST_OF_KIND: Final = {"BRANCH": "branches", "ACCESSORY": "accessories", "EXTRA": "extra_lines"}
_PANEL_QTY_FIELD: Final = _Field("panel_qty", "quantity", _COUNT)
_ENCLOSURE_FIELDS: Final = (
    _Field("location", "location", _Choice(_LOCATION)),
    _Field("mount", "mount", _Choice(_MOUNT)),
    _Field("material", "material", _Choice(_MATERIAL)),
    _Field("thickness", "thickness_mm", _Number(integer=False, sign=_POSITIVE, units=("T", "MM"))),
    _Field("enclosure_kind", "kind", _Choice(_ENCLOSURE_KIND)),
    _Field("series", "series", _TEXT),
)
_SIZE_FIELDS: Final = tuple(
    _Field(key, key, _Number(integer=True, sign=_POSITIVE, units=("MM",))) for key in ("width", "height", "depth")
)
_ROW_COLUMNS: Final = frozenset({"panel", "row_kind"})
_USED_COLUMNS: Final = {
    "MAIN": _ROW_COLUMNS
    | {f.column for f in (_PANEL_QTY_FIELD, *_BREAKER_FIELDS, *_ENCLOSURE_FIELDS, *_SIZE_FIELDS)},
    **{kind: _ROW_COLUMNS | {f.column for f in fields} for kind, fields in _LINE_FIELDS.items()},
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
    vocabulary: _Vocabulary | None = None


_HEADER_FIELDS: Final = (
    _HeaderField(3, "고객명", "Customer", "customer.name", _TEXT, "필수. 회사 또는 고객 이름", required=True),
    _HeaderField(4, "담당자", "Contact", "customer.contact", _TEXT, "담당자 이름·직함"),
    _HeaderField(5, "연락처", "Phone", "customer.phone", _TEXT, "예: 031-000-0000"),
    _HeaderField(6, "이메일", "Email", "customer.email", _TEXT, "견적서를 받을 주소"),
    _HeaderField(7, "건명", "Project", "project", _TEXT, "공사 또는 현장 이름"),
    _HeaderField(8, "브랜드", "Brand", "brand", _Choice(_BRAND), "필수. LS / SANGDO / MIXED(혼용)", True, _BRAND),
    _HeaderField(9, "혼용사유", "Mixing reason", "mixed_reason", _TEXT, "브랜드가 MIXED일 때 필수"),
    _HeaderField(10, "P-COVER", "P-COVER", "options.p_cover", _Choice(_P_COVER), "아크릴 / 철판 (빈칸 = 아크릴)", False, _P_COVER),
)


# ------------------------------------------------------------------------------------------- import


def normalize_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """The normal form compared by the round trip: validated by `parse_request`, every default made
    explicit, absent optional values (None) dropped. Raises RequestRejected when invalid."""
    return parse_request(request).model_dump(mode="json", exclude_none=True)


def import_request_sheet(data: bytes) -> SheetImport:
    """Read a filled request sheet. Never raises on bad input: every problem is a Finding, and the
    request is None when any finding is an error (otherwise it passes `parse_request`)."""
    refusal = _check_archive(data)
    if refusal is not None:
        return SheetImport(None, (refusal,))
    grid = _read_grid(data)
    if isinstance(grid, Finding):
        return SheetImport(None, (grid,))
    return _build_request(grid)


def import_to_json(path: str | Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """For `kis import SHEET.xlsx`: (the request or None, the findings as dicts). An oversized file is
    refused from its size on disk without reading it; OSError (missing file…) propagates."""
    size = Path(path).stat().st_size
    if size > MAX_UPLOAD_BYTES:
        result = SheetImport(None, (_too_large(f"{size:,}바이트", f"{size:,} bytes"),))
    else:
        result = import_request_sheet(Path(path).read_bytes())
    return result.request, [finding.as_dict() for finding in result.findings]


def _not_xlsx(hint_ko: str = "엑셀 통합 문서(.xlsx)로 저장해서 보내 주세요", hint_en: str = "Save as an Excel workbook (.xlsx).") -> Finding:
    return _file_finding(
        "SHEET_NOT_XLSX",
        "엑셀(.xlsx) 파일이 아니거나 읽을 수 없는 파일입니다",
        "not an .xlsx workbook, or a damaged one",
        f"{hint_ko} / {hint_en}",
    )


def _too_large(what_ko: str, what_en: str) -> Finding:
    return _file_finding(
        "SHEET_TOO_LARGE",
        f"파일이 너무 큽니다 ({what_ko})",
        f"the file is too large ({what_en})",
        f"견적요청 양식은 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, {MAX_DATA_ROWS:,}줄까지 받습니다 / "
        f"Request sheets are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB and {MAX_DATA_ROWS:,} rows.",
    )


def _check_archive(data: bytes) -> Finding | None:
    """Judge the upload from its size and zip directory alone, before anything is decompressed.

    zipfile stops at a member's declared size and then fails its CRC check, so the declared sizes
    bound what openpyxl can ever decompress: checking them here is enough against zip bombs."""
    if len(data) > MAX_UPLOAD_BYTES:
        return _too_large(f"{len(data):,}바이트", f"{len(data):,} bytes")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _not_xlsx(
            "옛 형식(.xls)이거나 암호가 걸린 파일입니다. 암호를 풀고 .xlsx로 저장해 주세요",
            "A legacy .xls or password-protected file: remove the password and save as .xlsx.",
        )
    if not data.startswith(b"PK\x03\x04"):
        return _not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return _not_xlsx()
    if "[Content_Types].xml" not in {member.filename for member in members}:
        return _not_xlsx()
    return _check_members(members)


def _check_members(members: Sequence[zipfile.ZipInfo]) -> Finding | None:
    if len(members) > _MAX_ARCHIVE_MEMBERS:
        return _too_large(f"압축 항목 {len(members):,}개", f"{len(members):,} archive members")
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return _too_large(f"압축을 풀면 {total:,}바이트", f"{total:,} bytes uncompressed")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= _RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            return _too_large(f"{member.filename} 압축률 {ratio:,.0f}배", f"{member.filename} compressed {ratio:,.0f}:1")
    return None


@dataclass(frozen=True)
class _Grid:
    """What the reader keeps of the sheet: header block, table header and the non-blank data rows."""

    header: Mapping[int, tuple[object, ...]]
    table_header: tuple[object, ...]
    rows: Sequence[tuple[int, tuple[object, ...]]]


def _read_grid(data: bytes) -> _Grid | Finding:
    """Stream the sheet's cells (values, not formulas); a Finding when the file cannot be read."""
    # openpyxl raises almost anything on a damaged or hostile file (KeyError, ParseError, defusedxml's
    # EntitiesForbidden, zipfile errors …); none of it is our bug, all of it means "cannot read".
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions; not the customer's problem
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:
        return _not_xlsx()
    try:
        if SHEET_NAME not in book.sheetnames:
            return _file_finding(
                "SHEET_NOT_TEMPLATE",
                f"'{SHEET_NAME}' 시트가 없습니다",
                f"no sheet named '{SHEET_NAME}'",
                "견적요청 양식(request-template.xlsx)에 입력해서 보내 주세요 / Fill in the request template.",
            )
        return _collect(book[SHEET_NAME].iter_rows(min_row=1, max_row=_EXCEL_MAX_ROW, max_col=_READ_COLUMNS, values_only=True))
    except Exception:
        return _not_xlsx()
    finally:
        book.close()


def _is_blank(values: tuple[object, ...]) -> bool:
    # count() runs in C: openpyxl fills row gaps with all-None rows, and there may be a million of them.
    if values.count(None) == len(values):
        return True
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _collect(rows: Iterator[tuple[object, ...]]) -> _Grid | Finding:
    """Keep the header block, the table header and at most MAX_DATA_ROWS non-blank data rows."""
    header_rows = {field.row for field in _HEADER_FIELDS}
    header: dict[int, tuple[object, ...]] = {}
    table_header: tuple[object, ...] = ()
    data_rows: list[tuple[int, tuple[object, ...]]] = []
    with closing(rows):
        for number, values in enumerate(rows, start=_TITLE_ROW):
            if number in header_rows:
                header[number] = values
            elif number == _TABLE_HEADER_ROW:
                table_header = values
            elif number >= _FIRST_DATA_ROW and not _is_blank(values):
                if len(data_rows) == MAX_DATA_ROWS:
                    return _too_many_rows(number)
                data_rows.append((number, values))
    return _Grid(header, table_header, data_rows)


def _too_many_rows(row: int) -> Finding:
    return Finding(
        code="SHEET_TOO_MANY_ROWS",
        severity="error",
        cell=_cell_name(1, row),
        message=f"{MAX_DATA_ROWS:,}줄을 넘었습니다 / more than {MAX_DATA_ROWS:,} data rows",
        hint=f"한 번에 {MAX_DATA_ROWS:,}줄까지 받습니다. 파일을 나누어 보내 주세요 / Split the request into sheets of "
        f"at most {MAX_DATA_ROWS:,} rows.",
    )


# ------------------------------------------------------------------------------------ building


@dataclass
class _Findings:
    """Findings in the order found, and the sheet cell each request path was read from."""

    items: list[Finding] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)

    def add(self, code: str, severity: Severity, cell: str, ko: str, en: str, hint: str) -> None:
        self.items.append(Finding(code, severity, cell, f"{ko} / {en}", hint))

    def has_errors(self) -> bool:
        return any(finding.severity == "error" for finding in self.items)

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

    def blank(self, key: str) -> bool:
        value = self.values.get(key)
        return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Panel:
    """A panel under construction: rows are grouped by 패널명, in order of first appearance."""

    index: int
    first_row: _Row
    data: dict[str, Any]
    main_row: _Row | None = None

    @property
    def path(self) -> str:
        return f"panels.{self.index}"


def _label_key(value: object) -> str:
    return _word_key(str(value)) if value is not None else ""


def _map_columns(table_header: tuple[object, ...], out: _Findings) -> dict[str, int] | None:
    """Find each column by its header in row 12 (so a reordered copy still reads); None when a
    template column is missing, since every row kind relies on its columns being there."""
    by_label = {_label_key(column.label): column.key for column in _COLUMNS}
    positions: dict[str, int] = {}
    for index, value in enumerate(table_header):
        key = by_label.get(_label_key(value))
        if key is not None and key not in positions:
            positions[key] = index
        elif value is not None and str(value).strip():
            out.add(
                "SHEET_UNKNOWN_COLUMN", "warning", _cell_name(index + 1, _TABLE_HEADER_ROW),
                f"알 수 없는 열 제목이라 이 열은 읽지 않습니다: '{value}'",
                f"unknown column header, column ignored: '{value}'",
                "양식의 열 제목을 그대로 쓰세요 / Keep the template's column headers.",
            )  # fmt: skip
    missing = [column for column in _COLUMNS if column.key not in positions]
    for column in missing:
        out.add(
            "SHEET_LAYOUT_CHANGED", "error", _cell_name(_TEMPLATE_INDEX[column.key] + 1, _TABLE_HEADER_ROW),
            f"{_TABLE_HEADER_ROW}행에 '{column.label}' 열이 없습니다",
            f"row {_TABLE_HEADER_ROW} has no '{column.label_en}' column",
            "양식을 새로 받아 다시 입력해 주세요 / Start again from a fresh template.",
        )  # fmt: skip
    return None if missing else positions


def _check_header_labels(grid: _Grid, out: _Findings) -> bool:
    """The header block is read from fixed cells; a moved label would silently shift every value."""
    intact = True
    for spec in _HEADER_FIELDS:
        label = grid.header.get(spec.row, (None,))[0]
        if _label_key(label) != _label_key(spec.label):
            intact = False
            out.add(
                "SHEET_LAYOUT_CHANGED", "error", _cell_name(1, spec.row),
                f"A{spec.row} 칸은 '{spec.label}'이어야 합니다 (지금: '{label or ''}')",
                f"cell A{spec.row} must read '{spec.label}' ({spec.label_en})",
                "행을 넣거나 지우지 말고 양식 그대로 쓰세요 / Do not insert or delete rows in the header block.",
            )  # fmt: skip
    return intact


def _header_value(grid: _Grid, spec: _HeaderField) -> object:
    values = grid.header.get(spec.row, ())
    return values[1] if len(values) > 1 else None


def _is_blank_value(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_value(
    raw: object, converter: _Converter, cell: str, label: tuple[str, str], required: bool, out: _Findings
) -> Any:
    """One cell through its converter; a finding (and None) for a blank required cell or a bad value."""
    label_ko, label_en = label
    if _is_blank_value(raw):
        if required:
            out.add(
                "SHEET_MISSING_VALUE", "error", cell, f"{label_ko}: 필수 항목이 비어 있습니다",
                f"{label_en}: required but empty", f"'{label_ko}' 칸을 채워 주세요 / Fill in '{label_en}'.",
            )  # fmt: skip
        return None
    try:
        return converter.parse(raw)
    except _CellProblem as problem:
        out.add(problem.code, "error", cell, f"{label_ko}: {problem.ko}", f"{label_en}: {problem.en}", problem.hint)
        return None


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, name = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[name] = value


def _read_header(grid: _Grid, draft: dict[str, Any], out: _Findings) -> None:
    draft["customer"] = {}
    for spec in _HEADER_FIELDS:
        cell = _cell_name(2, spec.row)
        out.cells[spec.path] = cell
        raw = _header_value(grid, spec)
        value = _read_value(raw, spec.converter, cell, (spec.label, spec.label_en), spec.required, out)
        if value is not None and value != "":
            _set_path(draft, spec.path, value)
        if spec.path == "customer.phone" and isinstance(raw, int | float) and not isinstance(raw, bool):
            out.add(
                "SHEET_NUMBER_AS_TEXT", "warning", cell, "연락처가 숫자로 입력되어 앞자리 0이 빠졌을 수 있습니다",
                "the phone number was entered as a number and may have lost its leading 0",
                "셀 서식을 '텍스트'로 하고 031-000-0000처럼 쓰세요 / Format the cell as text, e.g. 031-000-0000.",
            )  # fmt: skip


def _read_fields(row: _Row, fields: Iterable[_Field], target: dict[str, Any], base: str, out: _Findings) -> None:
    """Read `fields` of `row` into `target`, remembering which cell each `base.name` path came from."""
    for spec in fields:
        column = _COLUMN[spec.column]
        out.cells[f"{base}.{spec.name}"] = row.cell(spec.column)
        value = _read_value(
            row.values.get(spec.column), spec.converter, row.cell(spec.column),
            (column.label, column.label_en), spec.required, out,
        )  # fmt: skip
        if value is not None and value != "":
            target[spec.name] = value


def _read_size(row: _Row, base: str, out: _Findings) -> list[int] | None:
    """W, H and D together, or none of them: a partial size cannot size a box."""
    size: dict[str, Any] = {}
    _read_fields(row, _SIZE_FIELDS, size, f"{base}.size_mm", out)
    out.cells[f"{base}.size_mm"] = row.cell("width")
    blanks = [spec.column for spec in _SIZE_FIELDS if row.blank(spec.column)]
    if blanks and len(blanks) < len(_SIZE_FIELDS):
        out.add(
            "SHEET_INCOMPLETE_SIZE", "error", row.cell(blanks[0]), "외함 크기는 W·H·D 세 칸을 모두 써야 합니다",
            "the enclosure size needs all of W, H and D", "세 칸을 다 쓰거나 모두 비우세요 / Fill W, H and D, or none.",
        )  # fmt: skip
        return None
    if len(size) < len(_SIZE_FIELDS):
        return None
    return [size[spec.name] for spec in _SIZE_FIELDS]


def _read_main(row: _Row, panel: _Panel, out: _Findings) -> None:
    base = panel.path
    main: dict[str, Any] = {}
    _read_fields(row, _BREAKER_FIELDS, main, f"{base}.main", out)
    enclosure: dict[str, Any] = {}
    _read_fields(row, _ENCLOSURE_FIELDS, enclosure, f"{base}.enclosure", out)
    size = _read_size(row, f"{base}.enclosure", out)
    if size is not None:
        enclosure["size_mm"] = size
    _read_fields(row, (_PANEL_QTY_FIELD,), panel.data, base, out)
    out.cells[f"{base}.main"] = out.cells[f"{base}.enclosure"] = row.cell("row_kind")
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


def _tolerated(row: _Row, key: str, kind: str, panel: _Panel) -> bool:
    """Cells outside a row kind's columns that still agree with the request (repeating the panel's
    quantity on every row, writing 1 as the main breaker's quantity) need no warning."""
    try:
        if key == "panel_qty" and kind != "MAIN":
            return bool(_COUNT.parse(row.values[key]) == panel.data.get("quantity", 1))
        if key == "qty" and kind == "MAIN":
            return bool(_COUNT.parse(row.values[key]) == 1)
    except _CellProblem:
        return False
    return False


def _warn_unused(row: _Row, kind: str, panel: _Panel, out: _Findings) -> None:
    for key in row.values:
        if key in _USED_COLUMNS[kind] or row.blank(key) or _tolerated(row, key, kind, panel):
            continue
        column = _COLUMN[key]
        hint = (
            "세트 수는 메인 줄의 '패널수량'에 쓰세요 / Put the number of sets in the main row's panel quantity."
            if key in ("qty", "panel_qty")
            else f"이 칸은 {column.used_by} 줄에서만 씁니다 / This column is used on other row kinds only."
        )
        out.add(
            "SHEET_IGNORED_CELL", "warning", row.cell(key),
            f"{column.label}: '{_ROW_KIND.display(kind)}' 줄에서는 이 칸을 읽지 않습니다",
            f"{column.label_en}: not read on a {kind.lower()} row", hint,
        )  # fmt: skip


def _row_kind(row: _Row, out: _Findings) -> str | None:
    raw = row.values.get("row_kind")
    if _is_blank_value(raw):
        return _read_value(raw, _TEXT, row.cell("row_kind"), ("구분", "Row"), True, out)
    try:
        return _Choice(_ROW_KIND).parse(raw)
    except _CellProblem:
        out.add(
            "SHEET_UNKNOWN_ROW_KIND", "error", row.cell("row_kind"), f"구분: 알 수 없는 값입니다: '{raw}' (이 줄은 읽지 않았습니다)",
            f"Row: unknown row kind '{raw}' (row skipped)", "메인 / 분기 / 부속 / 추가 중 하나를 쓰세요 / Write MAIN, BRANCH, ACCESSORY or EXTRA.",
        )  # fmt: skip
        return None


def _read_row(row: _Row, panels: dict[str, _Panel], out: _Findings) -> None:
    """Route one data row to its panel; rows without a usable 패널명 or 구분 are skipped."""
    name = _read_value(row.values.get("panel"), _TEXT, row.cell("panel"), ("패널명", "Panel"), True, out)
    kind = _row_kind(row, out)
    if not name or kind is None:
        return
    if name not in panels:
        panels[name] = _Panel(index=len(panels), first_row=row, data={"name": name})
        out.cells[panels[name].path] = out.cells[f"{panels[name].path}.name"] = row.cell("panel")
    panel = panels[name]
    if kind == "MAIN" and panel.main_row is not None:
        out.add(
            "SHEET_DUPLICATE_MAIN", "error", row.cell("row_kind"),
            f"패널 '{name}'에 메인 줄이 두 개입니다 (첫 메인: {panel.main_row.number}행)",
            f"panel '{name}' has a second main row (first one on row {panel.main_row.number})",
            "패널마다 메인 줄은 하나만 쓰세요. 다른 패널이면 패널명을 다르게 쓰세요 / One main row per panel; "
            "give another panel its own name.",
        )  # fmt: skip
        return
    if kind == "MAIN":
        _read_main(row, panel, out)
    else:
        if panel.main_row is None:
            out.add(
                "SHEET_ROW_BEFORE_MAIN", "error", row.cell("row_kind"), f"패널 '{name}'의 메인 줄보다 먼저 나온 줄입니다",
                f"this row comes before the main row of panel '{name}'",
                "패널마다 메인 줄을 맨 위에 쓰세요 / Put each panel's main row first.",
            )  # fmt: skip
        _read_line(row, kind, panel, out)
    _warn_unused(row, kind, panel, out)


def _data_rows(grid: _Grid, positions: Mapping[str, int], out: _Findings) -> Iterator[_Row]:
    letters = {key: get_column_letter(index + 1) for key, index in positions.items()}
    mapped = set(positions.values())
    reported: set[int] = set()
    for number, values in grid.rows:
        for index, value in enumerate(values):
            if index not in mapped and index not in reported and not _is_blank_value(value):
                reported.add(index)  # once per column: one stray note must not flood the findings
                out.add(
                    "SHEET_IGNORED_CELL", "warning", _cell_name(index + 1, number), "표 밖의 열이라 읽지 않습니다",
                    "outside the table's columns, not read", "양식의 열에만 입력하세요 / Use the template's columns.",
                )  # fmt: skip
        yield _Row(number, {key: values[index] for key, index in positions.items()}, letters)


def _map_problems(problems: Sequence[RequestProblem], out: _Findings) -> None:
    """Report `parse_request` problems at the cell their path was read from (or its nearest ancestor's),
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
    out = _Findings()
    intact = _check_header_labels(grid, out)
    positions = _map_columns(grid.table_header, out)
    if not intact or positions is None:
        return SheetImport(None, tuple(out.items))
    header_filled = any(not _is_blank_value(_header_value(grid, spec)) for spec in _HEADER_FIELDS)
    if not grid.rows and not header_filled:
        out.add(
            "SHEET_EMPTY", "error", _cell_name(2, _HEADER_FIELDS[0].row), "입력된 내용이 없습니다 (빈 양식)",
            "the sheet is empty (a blank template)", "고객 정보(3~10행)와 13행부터 차단기 목록을 입력하세요 / "
            "Fill in the customer block (rows 3-10) and the table from row 13.",
        )  # fmt: skip
        return SheetImport(None, tuple(out.items))
    draft: dict[str, Any] = {}
    _read_header(grid, draft, out)
    panels: dict[str, _Panel] = {}
    for row in _data_rows(grid, positions, out):
        _read_row(row, panels, out)
    _finish_panels(panels, draft, out)
    return _validate(draft, out)


def _finish_panels(panels: Mapping[str, _Panel], draft: dict[str, Any], out: _Findings) -> None:
    out.cells["panels"] = _cell_name(1, _FIRST_DATA_ROW)
    if not panels:
        out.add(
            "SHEET_NO_PANELS", "error", _cell_name(1, _FIRST_DATA_ROW), "패널(메인 줄)이 하나도 없습니다",
            "no panel rows", f"{_FIRST_DATA_ROW}행부터 패널의 메인 줄과 분기 줄을 쓰세요 / Add a main row from row {_FIRST_DATA_ROW}.",
        )  # fmt: skip
    for name, panel in panels.items():
        if panel.main_row is None:
            out.add(
                "SHEET_PANEL_WITHOUT_MAIN", "error", panel.first_row.cell("panel"), f"패널 '{name}'에 메인 줄이 없습니다",
                f"panel '{name}' has no main row", "구분이 '메인'인 줄을 패널 맨 위에 넣으세요 / Add a main row at the top of the panel.",
            )  # fmt: skip
    draft["panels"] = [panel.data for panel in panels.values()]


def _validate(draft: dict[str, Any], out: _Findings) -> SheetImport:
    """Run the draft through `parse_request` even after sheet errors, so the customer sees every
    problem at once; the request is returned only when nothing is an error."""
    try:
        request = normalize_request(draft)
    except RequestRejected as rejected:
        _map_problems(rejected.problems, out)
        return SheetImport(None, tuple(out.items))
    return SheetImport(None if out.has_errors() else request, tuple(out.items))


# ---------------------------------------------------------------------------------------- export


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
        raise RequestRejected(
            [
                RequestProblem(
                    code="SHEET_PANEL_NAME_REPEATED",
                    message_ko=f"패널명이 겹칩니다: {names[index]}",
                    message_en=f"panel name used twice: {names[index]}",
                    path=f"panels.{index}.name",
                    hint="견적요청 양식은 패널명으로 줄을 묶으니 패널마다 다른 이름을 주세요 / Give each panel its own name.",
                )
                for index in repeated
            ]
        )
    return _write_workbook(normal)


def _render_fields(fields: Iterable[_Field], source: Mapping[str, Any], row: dict[str, _Rendered]) -> None:
    for spec in fields:
        value = source.get(spec.name)
        if value is not None and value != "":
            row[spec.column] = spec.converter.render(value)


def _request_rows(request: Mapping[str, Any]) -> list[dict[str, _Rendered]]:
    """The table rows of a normalized request: per panel its main row, then branches, accessories
    and extra lines, each row carrying the panel's name."""
    rows: list[dict[str, _Rendered]] = []
    for panel in request["panels"]:
        main_row: dict[str, _Rendered] = {"panel": panel["name"], "row_kind": _ROW_KIND.display("MAIN")}
        _render_fields((_PANEL_QTY_FIELD,), panel, main_row)
        _render_fields(_BREAKER_FIELDS, panel["main"], main_row)
        enclosure = panel.get("enclosure", {})
        _render_fields(_ENCLOSURE_FIELDS, enclosure, main_row)
        if enclosure.get("size_mm"):
            _render_fields(_SIZE_FIELDS, dict(zip(("width", "height", "depth"), enclosure["size_mm"], strict=True)), main_row)
        rows.append(main_row)
        for kind, list_name in _LIST_OF_KIND.items():
            for line in panel.get(list_name, []):
                row: dict[str, _Rendered] = {"panel": panel["name"], "row_kind": _ROW_KIND.display(kind)}
                _render_fields(_LINE_FIELDS[kind], line, row)
                rows.append(row)
    return rows


def _header_values(request: Mapping[str, Any] | None) -> dict[int, _Rendered]:
    values: dict[int, _Rendered] = {}
    for spec in _HEADER_FIELDS:
        value: Any = request
        for part in spec.path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None and value != "":
            values[spec.row] = spec.converter.render(value)
    return values


class _Styles:
    """The few cell formats of the template, created once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        border = {"border": 1, "border_color": "#A6A6A6", "valign": "vcenter"}
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.subtitle = book.add_format({"italic": True, "font_color": "#595959"})
        self.label = book.add_format({**border, "bold": True, "bg_color": "#F2F2F2"})
        self.value = book.add_format({**border, "bg_color": "#FFF2CC", "num_format": "@"})
        self.note = book.add_format({"font_color": "#595959"})
        self.header = book.add_format({**border, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True})
        self.text = book.add_format({"num_format": "@"})
        self.cell_text = book.add_format({**border, "num_format": "@"})
        self.cell_number = book.add_format(border)
        self.section = book.add_format({"bold": True, "font_size": 12})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})


def _write_workbook(request: Mapping[str, Any] | None) -> bytes:
    buffer = io.BytesIO()
    # No string may turn into a formula, URL or number on the way in: customers' text stays text.
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(buffer, options)
    book.set_properties(
        {
            "title": "분전반 견적 요청서",
            "subject": "KIS Estimator request sheet",
            "author": "KIS Estimator",
            "company": "KIS 분전반",
            "comments": "docs/request-sheet.md",
            "created": _DOCUMENT_DATE,
        }
    )
    styles = _Styles(book)
    sheet = book.add_worksheet(SHEET_NAME)
    _write_request_sheet(sheet, styles, request)
    _write_guide(book.add_worksheet(GUIDE_SHEET_NAME), styles)
    book.close()
    return buffer.getvalue()


def _write_request_sheet(sheet: Worksheet, styles: _Styles, request: Mapping[str, Any] | None) -> None:
    sheet.write_string(0, 0, "분전반 견적 요청서", styles.title)
    sheet.write_string(1, 0, "노란 칸과 13행부터의 표에 입력하세요. 작성 방법은 '안내' 시트에 있습니다.", styles.subtitle)
    values = _header_values(request)
    for spec in _HEADER_FIELDS:
        row = spec.row - 1
        sheet.write_string(row, 0, spec.label, styles.label)
        value = values.get(spec.row, "")
        sheet.merge_range(row, 1, row, _HEADER_VALUE_LAST_COLUMN, "", styles.value)
        _write_cell(sheet, row, 1, value, styles.value, styles.value)
        sheet.write_string(row, _NOTE_COLUMN, spec.note, styles.note)
        if spec.vocabulary is not None:
            sheet.data_validation(row, 1, row, 1, _list_validation(spec.label, spec.vocabulary.choices(), spec.note))
    sheet.write_string(_TABLE_HEADER_ROW - 2, 0, "차단기 · 부속 · 추가 자재 (한 줄에 하나)", styles.section)
    _write_table(sheet, styles, _TABLE_HEADER_ROW - 1, _request_rows(request) if request is not None else [])
    _add_validations(sheet)
    sheet.freeze_panes(_TABLE_HEADER_ROW, 0)
    sheet.activate()


def _write_cell(sheet: Worksheet, row: int, column: int, value: _Rendered, text: Format, number: Format) -> None:
    # write_string/write_number, never write(): a model named "=1+1" must stay text.
    if isinstance(value, str):
        sheet.write_string(row, column, value, text)
    else:
        sheet.write_number(row, column, value, number)


def _write_table(sheet: Worksheet, styles: _Styles, header_row: int, rows: Sequence[Mapping[str, _Rendered]]) -> None:
    """The header row at `header_row` (0-based) and `rows` below it, columns in template order."""
    for index, column in enumerate(_COLUMNS):
        sheet.set_column(index, index, column.width, styles.text if column.text else None)
        sheet.write_string(header_row, index, column.label, styles.header)
    for offset, row in enumerate(rows, start=1):
        for key, value in row.items():
            _write_cell(sheet, header_row + offset, _TEMPLATE_INDEX[key], value, styles.cell_text, styles.cell_number)


def _list_validation(title: str, choices: Sequence[str], message: str) -> dict[str, Any]:
    # A warning, not a stop: the reader also accepts English and other spellings (OUTDOOR, 옥외 …).
    return {
        "validate": "list",
        "source": list(choices),
        "error_type": "warning",
        "input_title": title[:32],
        "input_message": message[:255],
        "error_title": "목록에 없는 값",
        "error_message": f"목록의 값을 쓰세요: {', '.join(choices)}"[:255],
    }


def _add_validations(sheet: Worksheet) -> None:
    """Dropdowns for the enum columns, whole-number checks for quantities, and a tip on every column."""
    first, last = _FIRST_DATA_ROW - 1, _LAST_TEMPLATE_ROW - 1
    for index, column in enumerate(_COLUMNS):
        tip = f"{column.used_by}: {column.allowed}"
        if column.vocabulary is not None:
            options = _list_validation(column.label, column.vocabulary.choices(), tip)
        elif column.key == "type":
            options = _list_validation(column.label, [*_BREAKER_TYPE.choices(), *_ACCESSORY_KIND.choices()], tip)
        elif column.key == "poles":
            options = _list_validation(column.label, ["2", "3", "4"], tip)
        elif column.key == "panel_qty":
            options = {"validate": "integer", "criteria": ">=", "value": 1, "error_type": "warning", "error_message": "1 이상의 정수"}
            options |= {"input_title": column.label, "input_message": tip[:255]}
        else:
            options = {"validate": "any", "input_title": column.label[:32], "input_message": tip[:255]}
        sheet.data_validation(first, index, last, index, options)


_GUIDE_STEPS: Final = (
    "1. '견적요청' 시트의 노란 칸(3~10행)에 고객 정보를 씁니다. 고객명과 브랜드는 꼭 써 주세요.",
    "2. 13행부터 표에 차단기 · 부속 · 추가 자재를 한 줄에 하나씩 씁니다. 모든 줄에 패널명을 씁니다.",
    "3. 패널마다 구분이 '메인'인 줄을 먼저 쓰고, 그 아래에 분기 · 부속 · 추가 줄을 씁니다.",
    "4. 외함(설치장소 ~ D)과 패널수량은 메인 줄에 씁니다. 같은 패널명의 줄이 한 패널이 됩니다.",
    "5. 목록이 있는 칸은 목록에서 고릅니다. 영어 값(OUTDOOR, FLUSH, ECONOMY 등)도 받습니다.",
    "6. 빈칸은 기본값으로 견적합니다: 옥내, 노출, STEEL, 기성 외함, 경제형, 아크릴 P-COVER.",
    f"7. 최대 {MAX_DATA_ROWS:,}줄, 파일 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB까지 받습니다. "
    "엑셀 통합 문서(.xlsx)로 저장해 보내 주세요.",
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
                {"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 12, "load_a": 12.5, "circuit": "전등/전열"},
            ],
            "accessories": [{"kind": "MAGNET", "model": "MC-22", "qty": 2, "with_pbl": True}],
            "extra_lines": [{"name": "명판", "spec": "각인", "unit": "EA", "qty": 1, "unit_price": 5000}],
        }
    ],
}


def _write_guide(sheet: Worksheet, styles: _Styles) -> None:
    """The "안내" sheet: steps, one line per column (from the same metadata the reader uses), an example."""
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 3, 26)
    sheet.set_column(4, 4, 60)
    sheet.set_column(5, 5, 12)
    sheet.write_string(0, 0, "견적 요청서 작성 안내", styles.title)
    row = 2
    for step in _GUIDE_STEPS:
        sheet.write_string(row, 0, step)
        row += 1
    row += 1
    sheet.write_string(row, 0, "열 설명", styles.section)
    row += 1
    for index, title in enumerate(("열", "항목", "쓰는 줄", "영문", "입력 값", "예")):
        sheet.write_string(row, index, title, styles.header)
    for column in _COLUMNS:
        row += 1
        letter = get_column_letter(_TEMPLATE_INDEX[column.key] + 1)
        for index, text in enumerate((letter, column.label, column.used_by, column.label_en, column.allowed, column.example)):
            sheet.write_string(row, index, text, styles.wrap)
    row += 2
    sheet.write_string(row, 0, "작성 예 (견적요청 시트 13행부터 이렇게 씁니다)", styles.section)
    _write_table(sheet, styles, row + 1, _request_rows(normalize_request(_GUIDE_EXAMPLE)))
    sheet.set_column(0, 0, 8)


if __name__ == "__main__":  # regenerate the committed template: python -m kis_estimator.documents.request_sheet
    TEMPLATE_PATH.write_bytes(write_template())
    print(f"wrote {TEMPLATE_PATH}")
