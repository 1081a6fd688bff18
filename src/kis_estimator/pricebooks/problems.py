"""A price book's limits and results: the Problems of an upload (a stable code, where, and the message
in Korean then English) and the ParsedBook of a valid one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

from kis_estimator.engine.catalog import Catalog

KINDS: Final = ("breakers", "enclosures", "accessories")

MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
MAX_ROWS: Final = 20_000  # data rows per sheet or CSV, the header not counted
# The problems that refuse a book for its size (answered 413 by the API).
ROW_LIMIT_CODES: Final = ("TOO_MANY_ROWS", "BOOK_TOO_MANY_ROWS")
# 3 sheets × 20,000 rows of ~15 short cells stay far below this; a bomb does not.
MAX_UNCOMPRESSED_BYTES: Final = 64 * 1024 * 1024
MAX_COMPRESSION_RATIO: Final = 100
# openpyxl streams a worksheet only when it declares its <dimension>; otherwise its read-only loader
# parses the whole sheet to find the size, and shared strings are always loaded whole. Those bytes are
# paid before the first row is read, so they get a budget of their own (as for the request sheet).
MAX_PARSED_WHOLE_BYTES: Final = 24 * 1024 * 1024

# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """One problem with an uploaded price book.

    `source` is the file or sheet ("breakers.csv", "breakers"; None for the upload as a whole), `row`
    the spreadsheet row (header = 1; None for a whole file or sheet), `column` the column's header name
    and `cell` its spreadsheet address ("M5"). `message` is Korean, then English after " / "."""

    code: str
    message: str
    source: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        """The place, then the message: "breakers row 9, column 'frame_af' (G9): …" (build_catalog's style)."""
        where = f"{self.source or ''}{f' row {self.row}' if self.row is not None else ''}"
        where += f", column {self.column!r}" if self.column else ""
        where += f" ({self.cell})" if self.cell else ""
        where = where.strip(" ,")
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ParsedBook:
    """A valid uploaded price book: the typed rows of each kind exactly as the package's JSON data
    files hold them (`rows[kind]`), the Catalog they build, and which kinds came from the upload (the
    others were taken from the base catalog)."""

    rows: Mapping[str, list[dict[str, Any]]]
    catalog: Catalog
    uploaded: tuple[str, ...] = KINDS

    @property
    def sha256(self) -> str:
        return self.catalog.sha256


# code: (Korean, English); both formatted with the problem's parameters.
_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "FILE_TOO_LARGE": ("파일이 너무 큽니다 ({what}, 최대 10 MB)", "the file is too large ({what_en}, at most 10 MB)"),
    "FILE_TYPE": ("지원하지 않는 파일입니다 ('{name}'): .zip, .xlsx 또는 breakers.csv · enclosures.csv · accessories.csv를 보내 주세요",
                  "unsupported file '{name}': send a .zip, an .xlsx, or one of breakers.csv, enclosures.csv, accessories.csv"),
    "FILE_UNREADABLE": ("파일을 읽을 수 없습니다 ({why})", "cannot read the file ({why_en})"),
    "ARCHIVE_TOO_LARGE": ("압축 파일이 너무 큽니다 ({what})", "the archive is too large ({what_en})"),
    "FILE_MISSING": ("'{name}' 파일이 없습니다", "the file '{name}' is missing"),
    "FILE_DUPLICATE": ("'{name}' 파일이 두 번 이상 들어 있습니다", "the file '{name}' is in the archive more than once"),
    "FILE_UNKNOWN": ("알 수 없는 CSV 파일입니다: breakers.csv, enclosures.csv, accessories.csv만 받습니다",
                     "unknown CSV file: only breakers.csv, enclosures.csv and accessories.csv are read"),
    "SHEET_MISSING": ("'{name}' 시트가 없습니다", "the workbook has no sheet named '{name}'"),
    "NO_BASE_BOOK": ("나머지 두 종류를 가져올 활성 가격표가 없습니다: 세 종류가 모두 든 .zip 또는 .xlsx를 보내 주세요",
                     "no active price book to take the other two kinds from: send a .zip or .xlsx with all three"),
    "NO_HEADER": ("1행에 열 제목이 없습니다", "row 1 holds no column headers"),
    "NO_ROWS": ("데이터 줄이 없습니다", "the sheet has no data rows"),
    "TOO_MANY_ROWS": (f"{MAX_ROWS:,}줄을 넘었습니다", f"more than {MAX_ROWS:,} data rows"),
    "BOOK_TOO_MANY_ROWS": ("가격표 전체가 {count:,}줄로, 한도 {limit:,}줄을 넘습니다",
                           "the book has {count:,} data rows, more than the limit of {limit:,}"),
    "COLUMN_UNKNOWN": ("알 수 없는 열입니다 ('{found}')", "unknown column '{found}'"),
    "COLUMN_UNNAMED": ("제목이 없는 열에 값이 있습니다 ('{value}')", "a value in a column without a header ('{value}')"),
    "COLUMN_DUPLICATE": ("열 제목이 중복됩니다 ('{found}')", "the column '{found}' appears twice"),
    "COLUMN_MISSING": ("'{name}' 열이 없습니다", "the column '{name}' is missing"),
    "VALUE_MISSING": ("필수 값이 비어 있습니다", "a required value is empty"),
    "VALUE_WRONG_TYPE": ("이 칸에 맞지 않는 값입니다 ('{value}')", "wrong kind of value ('{value}')"),
    "VALUE_NOT_NUMBER": ("숫자가 아닙니다 ('{value}')", "not a number ('{value}')"),
    "VALUE_NOT_INTEGER": ("정수가 아닙니다 ('{value}')", "not a whole number ('{value}')"),
    "VALUE_NOT_POSITIVE": ("0보다 커야 합니다 ('{value}')", "must be greater than 0 ('{value}')"),
    "VALUE_TOO_LARGE": ("값이 너무 큽니다 ('{value}')", "the value is too large ('{value}')"),
    "VALUE_TOO_LONG": ("{limit}자를 넘습니다", "longer than {limit} characters"),
    "VALUE_BIDI_CONTROL": ("글자 방향을 바꾸는 보이지 않는 문자(U+202A–202E, U+2066–2069)가 들어 있습니다: 지우고 다시 올려 주세요",
                           "contains invisible text-direction controls (U+202A-202E, U+2066-2069) that can disguise "
                           "what is shown: remove them and upload again"),
    "LABEL_BIDI_CONTROL": ("가격표 이름에 글자 방향을 바꾸는 보이지 않는 문자(U+202A–202E, U+2066–2069)가 들어 있습니다",
                           "the price book's label contains invisible text-direction controls (U+202A-202E, U+2066-2069)"),
    "VALUE_UNKNOWN": ("알 수 없는 값입니다 ('{value}'), 다음 중 하나를 쓰세요: {choices}",
                      "unknown value '{value}', write one of: {choices}"),
    "RANGE_INVALID": ("범위는 '값' 또는 '낮은값|높은값'으로 씁니다 ('{value}')", "a range is 'value' or 'low|high' ('{value}')"),
    "RANGE_REVERSED": ("범위의 앞 값이 뒤 값보다 큽니다 ('{value}'): 낮은값|높은값 순서로 쓰세요",
                       "the range's low value is above its high value ('{value}'): write low|high"),
    "MODEL_DUPLICATE": ("모델이 중복됩니다 ('{value}', 처음 나온 줄: {first}행)", "duplicate model '{value}' (first on row {first})"),
    "CATALOG_RULE": ("{ko}", "{why}"),
}  # fmt: skip


def make_problem(code: str, source: str | None = None, row: int | None = None, column: str | None = None,
             cell: str | None = None, **params: Any) -> Problem:  # fmt: skip
    ko, en = _MESSAGES[code]
    return Problem(code, f"{ko.format(**params)} / {en.format(**params)}", source, row, column, cell)


def shown_value(value: object) -> str:
    """A cell value quoted in a message, cut short: a message must not carry a 100,000-character cell."""
    text = str(value).strip()
    return text if len(text) <= 40 else f"{text[:40]}…"


def byte_size(count: int) -> tuple[str, str]:
    return f"{count:,}바이트", f"{count:,} bytes"
