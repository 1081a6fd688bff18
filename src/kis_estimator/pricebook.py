"""Price-book versions: the shop's catalog imported from its own files, staged, activated, exported.

A price book is one whole catalog (breakers, enclosures, accessories) stored in `shared.price_books`
with the SHA-256 that `build_catalog` gives it. The shop sends one of:

- a ZIP holding `breakers.csv`, `enclosures.csv` and `accessories.csv`;
- one XLSX workbook with the sheets `breakers`, `enclosures` and `accessories` (header on row 1);
- one CSV for one kind, named after it (`breakers.csv`, `breakers-2026-03.csv` …): the other two kinds
  are taken from a base catalog, normally the active book's, so prices of one kind can be updated alone.

`read_price_book` never raises on bad input: it returns every `Problem` at once, each named by file or
sheet, spreadsheet row (header = row 1) and column, in Korean then English after " / ". An upload is
hostile until proven otherwise: its size is checked first, an archive is judged from its zip directory
(declared sizes, compression ratio, member count) before anything is decompressed, and a workbook is
read with openpyxl's streaming reader.

`PriceBookRepository` keeps the versions: `stage` → `activate` (exactly one active book; the previous
one is retired; activating a retired book again rolls back) and `export` to the same file formats, so
that export → `read_price_book` gives the same catalog SHA-256. Like every repository it never commits.
"""

from __future__ import annotations

import builtins
import csv
import datetime as dt
import hashlib
import io
import math
import re
import threading
import warnings
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any, Final, Literal

import openpyxl
import xlsxwriter
from openpyxl.utils import get_column_letter
from sqlalchemy import case, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from kis_estimator.db.models import CatalogItemRow, PriceBookRow
from kis_estimator.documents.archive import ArchiveLimits, archive_refusal, parsed_whole_bytes
from kis_estimator.engine.catalog import (
    ACCESSORY_KINDS,
    BRANDS,
    BREAKER_TYPES,
    GRADES,
    LOCATIONS,
    MATERIALS,
    Accessory,
    Breaker,
    Catalog,
    Enclosure,
    Range,
    build_catalog,
)
from kis_estimator.engine.errors import DataError, DataProblem
from kis_estimator.engine.money import round_won

__all__ = [
    "KINDS",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_UPLOAD_BYTES",
    "ROW_LIMIT_CODES",
    "BuiltCatalogs",
    "ParsedBook",
    "PriceBookNotFound",
    "PriceBookRepository",
    "Problem",
    "catalog_rows",
    "export_filename",
    "read_price_book",
    "render_price_book",
]

KINDS: Final = ("breakers", "enclosures", "accessories")
ITEM_KINDS: Final = {"breakers": "breaker", "enclosures": "enclosure", "accessories": "accessory"}
ExportFormat = Literal["zip", "xlsx"]

MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
MAX_ROWS: Final = 20_000  # data rows per sheet or CSV, the header not counted
# The problems that refuse a book for its size (answered 413 by the API).
ROW_LIMIT_CODES: Final = ("TOO_MANY_ROWS", "BOOK_TOO_MANY_ROWS")
# 3 sheets × 20,000 rows of ~15 short cells stay far below this; a bomb does not.
MAX_UNCOMPRESSED_BYTES: Final = 64 * 1024 * 1024
MAX_COMPRESSION_RATIO: Final = 100
_LIMITS: Final = ArchiveLimits(MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO)
# openpyxl streams a worksheet only when it declares its <dimension>; otherwise its read-only loader
# parses the whole sheet to find the size, and shared strings are always loaded whole. Those bytes are
# paid before the first row is read, so they get a budget of their own (as in documents/request_sheet).
_MAX_PARSED_WHOLE_BYTES: Final = 24 * 1024 * 1024
_EXCEL_MAX_ROW: Final = 1_048_576  # bounds openpyxl's filling of row gaps (a hostile r="999999999")
_READ_COLUMNS: Final = 40  # the widest kind has 14 columns; a hostile <dimension> may claim 16,384
_MAX_SEARCH_LIMIT: Final = 1_000
# Exports must not depend on the clock: the same book gives the same bytes.
_EXPORT_DATE: Final = dt.datetime(2026, 1, 1)
# PostgreSQL advisory lock serialising activations (any fixed 64-bit number, unique to this purpose).
_ACTIVATION_LOCK: Final = int.from_bytes(
    hashlib.sha256(b"kis.price_books.activate").digest()[:8], "big", signed=True
)


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


class PriceBookNotFound(LookupError):
    """No price book has the given id."""

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(f"price book {book_id} does not exist")


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


def _problem(code: str, source: str | None = None, row: int | None = None, column: str | None = None,
             cell: str | None = None, **params: Any) -> Problem:  # fmt: skip
    ko, en = _MESSAGES[code]
    return Problem(code, f"{ko.format(**params)} / {en.format(**params)}", source, row, column, cell)


def _shown(value: object) -> str:
    """A cell value quoted in a message, cut short: a message must not carry a 100,000-character cell."""
    text = str(value).strip()
    return text if len(text) <= 40 else f"{text[:40]}…"


def _size(count: int) -> tuple[str, str]:
    return f"{count:,}바이트", f"{count:,} bytes"


# ------------------------------------------------------------------------------------------- columns


ColumnType = Literal["text", "enum", "int", "decimal", "money_range", "decimal_range", "ratings", "flag"]


@dataclass(frozen=True)
class _Column:
    """One catalog column: its header name, how its cells are typed, whether a value is required."""

    name: str
    type: ColumnType
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 200


_DIMENSIONS: Final = tuple(_Column(name, "int", required=False) for name in ("w_mm", "h_mm", "d_mm"))
# The shop's CSV columns, in their order (the JSON data files keep it too).
COLUMNS: Final[dict[str, tuple[_Column, ...]]] = {
    "breakers": (
        _Column("brand", "enum", choices=BRANDS),
        _Column("type", "enum", choices=BREAKER_TYPES),
        _Column("series", "text"),
        _Column("model", "text", max_length=60),  # catalog_items.model is VARCHAR(60)
        _Column("grade", "enum", choices=GRADES),
        _Column("poles", "int"),
        _Column("frame_af", "int"),
        _Column("compact", "flag"),
        *_DIMENSIONS,
        _Column("trip_ratings_a", "ratings"),
        _Column("price_krw", "money_range", required=False),
        _Column("icu_ka", "decimal_range", required=False),
    ),
    "enclosures": (
        _Column("series", "text"),
        _Column("model", "text", max_length=60),
        _Column("material", "enum", choices=MATERIALS),
        _Column("thickness_mm", "decimal"),
        _Column("location", "enum", choices=LOCATIONS),
        *(_Column(d.name, "int") for d in _DIMENSIONS),
        _Column("price_krw", "int"),
    ),
    "accessories": (
        _Column("kind", "enum", choices=ACCESSORY_KINDS),
        _Column("model", "text", max_length=60),
        _Column("line_name", "text"),
        _Column("spec", "text"),
        _Column("unit", "text", max_length=10),
        _Column("price_krw", "int", required=False),
        *_DIMENSIONS,
        _Column("note", "text", required=False, max_length=1_000),
    ),
}


# ------------------------------------------------------------------------------------- typing cells


class _CellError(Exception):
    """A cell that cannot become a catalog value: a _MESSAGES code and its parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


_NUMBER: Final = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_LARGEST_NUMBER: Final = 1e12  # far above any price or size; keeps absurd values away from int()
_FLAGS: Final = {"1": True, "TRUE": True, "Y": True, "0": False, "FALSE": False, "N": False}
_NOT_VALUES: Final = (
    bool,
    dt.date,
    dt.time,
    dt.timedelta,
)  # booleans, and dates: Excel turns "1-2" into a date


# Bidirectional embeddings, overrides and isolates: invisible, they make "ABN-204" display as "402-NBA"
# or hide a part of a name. Never part of a catalog text or a label.
_BIDI_CONTROLS: Final = re.compile("[\u202a-\u202e\u2066-\u2069]")


def label_problem(label: str) -> Problem | None:
    """Why `label` cannot name a price book (None when it can): bidi controls, as for every text cell."""
    return _problem("LABEL_BIDI_CONTROL") if _BIDI_CONTROLS.search(label) else None


# CSV formula injection: a spreadsheet opening a CSV runs a cell that starts with one of these as a
# formula (=HYPERLINK(…) becomes a live link). The export writes such a text cell, or one already
# starting with the apostrophe, behind a leading apostrophe (the usual neutralisation), and the CSV
# reader takes that one apostrophe off again, so export → import gives back the same text. Numeric
# columns are written as the numbers they are (never with an apostrophe): a negative number stays a
# number. An XLSX export needs none of this: its cells are typed, text is never a formula.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_TEXT_MARK: Final = "'"


def _escaped(text: str) -> str:
    """A text cell as the CSV export writes it: behind an apostrophe when a spreadsheet could run it."""
    return _TEXT_MARK + text if text.startswith((*_FORMULA_STARTS, _TEXT_MARK)) else text


def _unescaped(text: str) -> str:
    """The inverse of _escaped for a cell read back: one leading apostrophe before what it protects."""
    if text.startswith(_TEXT_MARK) and text[1:].startswith((*_FORMULA_STARTS, _TEXT_MARK)):
        return text[1:]
    return text


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: object) -> float:
    """A finite number from a numeric cell or from text such as "45,000"."""
    if isinstance(value, _NOT_VALUES):
        raise _CellError("VALUE_WRONG_TYPE")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not _NUMBER.fullmatch(text):
            raise _CellError("VALUE_NOT_NUMBER")
        number = float(text.replace(",", ""))
    if not math.isfinite(number) or abs(number) > _LARGEST_NUMBER:
        raise _CellError("VALUE_TOO_LARGE")
    return number


def _positive(value: object) -> float:
    number = _number(value)
    if number <= 0:
        raise _CellError("VALUE_NOT_POSITIVE")
    return number


def _whole(value: object) -> int:
    number = _positive(value)
    if not number.is_integer():
        raise _CellError("VALUE_NOT_INTEGER")
    return int(number)


def _money(number: float) -> int | float:
    # Whole won are ints whatever the file wrote ("3300", 3300.0 from a sheet), as in the data files.
    return int(number) if number.is_integer() else number


def _text(value: object, column: _Column) -> str:
    if isinstance(value, _NOT_VALUES):
        raise _CellError("VALUE_WRONG_TYPE")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a model typed as a number in Excel, shown as the shop typed it
    text = str(value).strip()
    if len(text) > column.max_length:
        raise _CellError("VALUE_TOO_LONG", limit=column.max_length)
    if _BIDI_CONTROLS.search(text):
        raise _CellError("VALUE_BIDI_CONTROL")
    return text


def _enum(value: object, column: _Column) -> str:
    # Case and spacing do not matter to the shop: "sus 201" is SUS201.
    word = "".join(_text(value, column).split()).upper()
    if word not in column.choices:
        raise _CellError("VALUE_UNKNOWN", choices=", ".join(column.choices))
    return word


def _range(value: object, *, money: bool) -> int | float | list[int | float]:
    """`a` or `a|b` with 0 < a ≤ b; a range of one value is that value (as the engine reads it)."""
    parts = value.split("|") if isinstance(value, str) else [value]
    if len(parts) > 2 or any(_is_blank(part) for part in parts):
        raise _CellError("RANGE_INVALID")
    numbers = [_positive(part) for part in parts]
    if numbers[0] > numbers[-1]:
        raise _CellError("RANGE_REVERSED")
    typed = [_money(n) if money else n for n in numbers]
    return typed[0] if numbers[0] == numbers[-1] else typed


def _ratings(value: object) -> list[int]:
    parts = value.split("|") if isinstance(value, str) else [value]
    if any(_is_blank(part) for part in parts):
        raise _CellError("RANGE_INVALID")
    return [_whole(part) for part in parts]


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = _text(value, _Column("compact", "flag")).upper()
    if word not in _FLAGS:
        raise _CellError("VALUE_UNKNOWN", choices="1, 0")
    return _FLAGS[word]


def _typed(value: object, column: _Column) -> Any:
    """The cell's catalog value (None when blank); raises _CellError."""
    if _is_blank(value):
        if column.required:
            raise _CellError("VALUE_MISSING")
        return None
    if column.type == "text":
        return _text(value, column)
    if column.type == "enum":
        return _enum(value, column)
    if column.type == "int":
        return _whole(value)
    if column.type == "decimal":
        return _positive(value)
    if column.type in ("money_range", "decimal_range"):
        return _range(value, money=column.type == "money_range")
    if column.type == "ratings":
        return _ratings(value)
    return _flag(value)


# ------------------------------------------------------------------------------------ reading tables


@dataclass
class _Table:
    """One kind as read from a CSV or a sheet: the header row and the non-blank data rows."""

    kind: str
    source: str
    header: tuple[object, ...] = ()
    rows: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)


def _collect(kind: str, source: str, rows: Iterable[Sequence[object]]) -> tuple[_Table, list[Problem]]:
    """Keep row 1 as the header and at most MAX_ROWS non-blank data rows (numbered as the sheet shows)."""
    table = _Table(kind, source)
    for number, values in enumerate(rows, start=1):
        values = tuple(values)
        if number == 1:
            table.header = values
        # count() runs in C: openpyxl fills row gaps with all-None rows, and there may be a million.
        elif values.count(None) != len(values) and not all(_is_blank(v) for v in values):
            if len(table.rows) == MAX_ROWS:
                return table, [_problem("TOO_MANY_ROWS", source, number)]
            table.rows.append((number, values))
    return table, []


def _decode(data: bytes) -> str | None:
    """CSV text: UTF-8 (with or without Excel's BOM), else CP949, what Korean Excel saves by default."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_table(kind: str, source: str, data: bytes) -> tuple[_Table | None, list[Problem]]:
    text = _decode(data)
    if text is None:
        why = ("UTF-8 또는 CP949 텍스트가 아님", "not UTF-8 or CP949 text")
        return None, [_problem("FILE_UNREADABLE", source, why=why[0], why_en=why[1])]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _collect(kind, source, ([_unescaped(cell) for cell in row] for row in reader))
    except csv.Error as exc:
        return None, [_problem("FILE_UNREADABLE", source, reader.line_num, why=str(exc), why_en=str(exc))]


def _member_name(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def _is_noise(member: zipfile.ZipInfo) -> bool:
    """Folders and what archivers add on their own (macOS resource forks, hidden files)."""
    return (
        member.is_dir()
        or member.filename.startswith("__MACOSX/")
        or _member_name(member.filename).startswith(".")
    )


def _check_archive(data: bytes, source: str) -> tuple[list[zipfile.ZipInfo], list[Problem]]:
    """Judge an archive from its zip directory alone, before anything is decompressed.

    zipfile stops a member at its declared size and then fails its CRC check, so the declared sizes
    bound what can ever be decompressed: checking them here is enough against zip bombs."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: a legacy .xls, or any password-protected workbook
        why = ("옛 .xls 형식이거나 암호가 걸린 파일", "a legacy .xls or a password-protected file")
        return [], [_problem("FILE_UNREADABLE", source, why=why[0], why_en=why[1])]
    not_zip = [_problem("FILE_UNREADABLE", source, why="ZIP 형식이 아님", why_en="not a ZIP archive")]
    if not data.startswith(b"PK\x03\x04"):
        return [], not_zip
    # A damaged archive raises struct, zlib, value or zip errors alike: all of them mean "not a zip".
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:
        return [], not_zip
    refusal = archive_refusal(members, _LIMITS)
    if refusal is not None:
        return [], [_problem("ARCHIVE_TOO_LARGE", source, what=refusal[0], what_en=refusal[1])]
    return members, []


def _zip_tables(data: bytes, source: str) -> tuple[dict[str, _Table], list[Problem]]:
    """The three CSVs of a ZIP, found by file name at the top or in one folder."""
    members, problems = _check_archive(data, source)
    if problems:
        return {}, problems
    found: dict[str, list[zipfile.ZipInfo]] = {kind: [] for kind in KINDS}
    for member in members:
        name = _member_name(member.filename).lower()
        if _is_noise(member) or not name.endswith(".csv"):
            continue
        if name.removesuffix(".csv") in found:
            found[name.removesuffix(".csv")].append(member)
        else:
            problems.append(_problem("FILE_UNKNOWN", member.filename))
    tables: dict[str, _Table] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for kind, candidates in found.items():
            if len(candidates) != 1:
                code = "FILE_MISSING" if not candidates else "FILE_DUPLICATE"
                problems.append(_problem(code, source, name=f"{kind}.csv"))
                continue
            member = candidates[0]
            try:
                raw = archive.read(member)
            except Exception as exc:  # a bad CRC, an encrypted member, a damaged stream
                problems.append(_problem("FILE_UNREADABLE", member.filename, why=str(exc), why_en=str(exc)))
                continue
            table, found_problems = _csv_table(kind, _member_name(member.filename), raw)
            problems.extend(found_problems)
            if table is not None:
                tables[kind] = table
    return tables, problems


def _xlsx_tables(data: bytes, source: str) -> tuple[dict[str, _Table], list[Problem]]:
    """The sheets breakers / enclosures / accessories of a workbook, streamed (cached values, not formulas)."""
    members, problems = _check_archive(data, source)
    if problems:
        return {}, problems
    not_xlsx = [
        _problem("FILE_UNREADABLE", source, why="엑셀(.xlsx) 파일이 아님", why_en="not an .xlsx workbook")
    ]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parsed_whole = parsed_whole_bytes(archive, members)
    except Exception:
        return {}, not_xlsx
    if parsed_whole > _MAX_PARSED_WHOLE_BYTES:
        what, what_en = _size(parsed_whole)
        return {}, [_problem("ARCHIVE_TOO_LARGE", source, what=f"한 번에 읽어야 하는 부분 {what}",
                             what_en=f"{what_en} to parse whole")]  # fmt: skip
    # openpyxl raises almost anything on a damaged or hostile file (KeyError, ParseError, defusedxml's
    # EntitiesForbidden, zipfile errors …): none of it is our bug, all of it means "cannot read".
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported" and the like
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:
        return {}, not_xlsx
    tables: dict[str, _Table] = {}
    try:
        sheets = {name.strip().lower(): name for name in book.sheetnames}
        for kind in KINDS:
            if kind not in sheets:
                problems.append(_problem("SHEET_MISSING", source, name=kind))
                continue
            rows = book[sheets[kind]].iter_rows(
                min_row=1, max_row=_EXCEL_MAX_ROW, max_col=_READ_COLUMNS, values_only=True
            )
            with closing(rows):  # stops the XML parse when we stop early
                tables[kind], found_problems = _collect(kind, sheets[kind], rows)
            problems.extend(found_problems)
    except Exception:
        return {}, not_xlsx
    finally:
        book.close()
    return tables, problems


_CSV_NAME: Final = re.compile(r"(breakers|enclosures|accessories)(?:[-_ .].*)?", re.IGNORECASE)


def _single_csv_kind(name: str) -> str | None:
    """The kind a lone CSV's name says ("breakers.csv", "Breakers_2026-03.csv" → breakers)."""
    match = _CSV_NAME.fullmatch(PurePosixPath(name).stem)
    return match.group(1).lower() if match else None


# ------------------------------------------------------------------------------------- typing tables


@dataclass
class _Typed:
    """The typed rows of one kind, the sheet row of each, and what is already reported (so that the
    catalog's own checks, run afterwards, do not report a cell or a missing column a second time)."""

    table: _Table
    positions: dict[str, int] = field(default_factory=dict)  # column name → index in the sheet
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reported_cells: set[tuple[int, str]] = field(default_factory=set)
    absent_columns: set[str] = field(default_factory=set)

    def problem(self, code: str, row: int, column: str | None, index: int | None, **params: Any) -> Problem:
        cell = f"{get_column_letter(index + 1)}{row}" if index is not None else None
        return _problem(code, self.table.source, row, column, cell, **params)

    def report(self, code: str, row: int, column: str | None, index: int | None, **params: Any) -> None:
        self.problems.append(self.problem(code, row, column, index, **params))
        if column:
            self.reported_cells.add((row, column))


def _map_header(typed: _Typed) -> None:
    """Column name → index, from row 1; unknown, repeated and missing columns are reported."""
    columns = {column.name for column in COLUMNS[typed.table.kind]}
    positions = typed.positions
    for index, value in enumerate(typed.table.header):
        if _is_blank(value):
            continue
        name = str(value).strip().lower()
        if name not in columns:
            typed.report("COLUMN_UNKNOWN", 1, str(value).strip(), index, found=_shown(value))
        elif name in positions:
            typed.report("COLUMN_DUPLICATE", 1, name, index, found=name)
        else:
            positions[name] = index
    for column in COLUMNS[typed.table.kind]:
        if column.name not in positions:
            typed.absent_columns.add(column.name)
            typed.report("COLUMN_MISSING", 1, column.name, None, name=column.name)


def _report_unnamed(typed: _Typed) -> None:
    """A value under no header is a mistake worth one problem per column (an unknown header has its own)."""
    named = set(typed.positions.values())
    header = typed.table.header
    seen: set[int] = set()
    for number, values in typed.table.rows:
        for index, value in enumerate(values):
            if index in named or index in seen or _is_blank(value):
                continue
            seen.add(index)
            if index >= len(header) or _is_blank(header[index]):
                typed.report("COLUMN_UNNAMED", number, None, index, value=_shown(value))


def _type_rows(typed: _Typed) -> None:
    for number, values in typed.table.rows:
        row: dict[str, Any] = {}
        for column in COLUMNS[typed.table.kind]:
            index = typed.positions.get(column.name)
            if index is None:
                row[column.name] = None
                continue
            value = values[index] if index < len(values) else None
            try:
                row[column.name] = _typed(value, column)
            except _CellError as error:
                row[column.name] = None
                typed.report(error.code, number, column.name, index, value=_shown(value), **error.params)
        typed.rows.append(row)
        typed.row_numbers.append(number)


def _model_key(model: str) -> str:
    # The engine's own key (engine.catalog): "ABN 204" and "abn204" name the same model.
    return model.strip().upper().replace(" ", "")


def _report_duplicates(typed: _Typed) -> None:
    first_row: dict[str, int] = {}
    for number, row in zip(typed.row_numbers, typed.rows, strict=True):
        model = row.get("model")
        if not model:
            continue
        key = _model_key(model)
        if key in first_row:
            typed.report("MODEL_DUPLICATE", number, "model", typed.positions.get("model"), value=_shown(model),
                         first=first_row[key])  # fmt: skip
        else:
            first_row[key] = number


def _type_table(table: _Table) -> _Typed:
    typed = _Typed(table)
    if all(_is_blank(value) for value in table.header):
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


def _map_catalog_problems(error: DataError, typed: Mapping[str, _Typed], base_source: str) -> list[Problem]:
    """Place build_catalog's problems (kind, row N, field) on sheet rows. A problem on an uploaded kind
    joins that kind's list unless its cell or missing column is already reported; the others (about
    the base catalog, or without a row) are returned."""
    others = []
    for found in error.problems:
        kind, index, column, why = found.source, found.row, found.field, found.message
        if kind is None or index is None:
            others.append(_problem("CATALOG_RULE", base_source, ko=_korean(found), why=str(found)))
            continue
        table = typed.get(kind)
        if table is None:  # a row of the base catalog, numbered as its export would number it
            others.append(
                _problem(
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


# ----------------------------------------------------------------------------------- catalog → rows


def _range_row(value: Range | None, *, money: bool) -> int | float | list[int | float] | None:
    if value is None:
        return None
    typed = [_money(n) if money else n for n in (value.low, value.high)]
    return typed if value.is_range else typed[0]


def _breaker_row(b: Breaker) -> dict[str, Any]:
    return {
        "brand": b.brand, "type": b.type, "series": b.series, "model": b.model, "grade": b.grade,
        "poles": b.poles, "frame_af": b.frame_af, "compact": b.compact, "w_mm": b.w_mm, "h_mm": b.h_mm,
        "d_mm": b.d_mm, "trip_ratings_a": list(b.trip_ratings_a),
        "price_krw": _range_row(b.price_krw, money=True), "icu_ka": _range_row(b.icu_ka, money=False),
    }  # fmt: skip


def _enclosure_row(e: Enclosure) -> dict[str, Any]:
    return {
        "series": e.series, "model": e.model, "material": e.material, "thickness_mm": float(e.thickness_mm),
        "location": e.location, "w_mm": e.w_mm, "h_mm": e.h_mm, "d_mm": e.d_mm, "price_krw": e.price_krw,
    }  # fmt: skip


def _accessory_row(a: Accessory) -> dict[str, Any]:
    return {
        "kind": a.kind, "model": a.model, "line_name": a.line_name, "spec": a.spec, "unit": a.unit,
        "price_krw": a.price_krw, "w_mm": a.w_mm, "h_mm": a.h_mm, "d_mm": a.d_mm,
        "note": a.note or None,  # the catalog reads an empty note as "", the data files hold null
    }  # fmt: skip


def _kind_items(catalog: Catalog) -> dict[str, Sequence[object]]:
    return {
        "breakers": catalog.breakers,
        "enclosures": catalog.enclosures,
        "accessories": catalog.accessories,
    }


def catalog_rows(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """The three typed row lists of a Catalog, exactly as the package's JSON data files hold them:
    build_catalog(*catalog_rows(c).values()) gives `c` again, with the same sha256."""
    return {
        "breakers": [_breaker_row(b) for b in catalog.breakers],
        "enclosures": [_enclosure_row(e) for e in catalog.enclosures],
        "accessories": [_accessory_row(a) for a in catalog.accessories],
    }


# ------------------------------------------------------------------------------------ read_price_book


def read_price_book(
    filename: str, data: bytes, base: Catalog | None = None, *, max_rows: int | None = None
) -> ParsedBook | list[Problem]:
    """Read an uploaded price book: a ZIP of the three CSVs, an XLSX with the three sheets, or one
    CSV for one kind named after it, combined with `base`'s other two kinds (normally the active
    book's catalog). Returns the ParsedBook, or every Problem found, the file's first, then each
    kind's in sheet order; never raises on bad input. A book of more than `max_rows` data rows (all
    kinds, the base's included) is refused with BOOK_TOO_MANY_ROWS before its cells are typed."""
    source = _member_name(filename) or "upload"
    if len(data) > MAX_UPLOAD_BYTES:
        what, what_en = _size(len(data))
        return [_problem("FILE_TOO_LARGE", source, what=what, what_en=what_en)]
    suffix = PurePosixPath(source).suffix.lower()
    needs_base = False
    if suffix == ".zip":
        tables, problems = _zip_tables(data, source)
    elif suffix == ".xlsx":
        tables, problems = _xlsx_tables(data, source)
    elif suffix == ".csv" and (kind := _single_csv_kind(source)) is not None:
        needs_base = True
        table, problems = _csv_table(kind, source, data)
        tables = {kind: table} if table is not None else {}
        if base is None:
            problems.insert(0, _problem("NO_BASE_BOOK", source))
    else:
        return [_problem("FILE_TYPE", source, name=_shown(source))]
    if max_rows is not None:
        count = sum(len(table.rows) for table in tables.values())
        if needs_base and base is not None:
            count += sum(len(items) for kind, items in _kind_items(base).items() if kind not in tables)
        if count > max_rows:
            return [*problems, _problem("BOOK_TOO_MANY_ROWS", source, count=count, limit=max_rows)]
    typed = {kind: _type_table(table) for kind, table in tables.items()}
    complete = (len(typed) == 1 and base is not None) if needs_base else len(typed) == len(KINDS)
    catalog: Catalog | None = None
    if complete:
        # Run the catalog's own checks even after ours failed, so the shop sees every problem at once.
        catalog, others = _build(typed, base if needs_base else None)
        problems += others
    for kind in KINDS:
        if kind in typed:
            problems += sorted(typed[kind].problems, key=lambda problem: problem.row or 0)
    if problems or catalog is None:
        return problems
    rows = {kind: typed[kind].rows if kind in typed else catalog_rows(catalog)[kind] for kind in KINDS}
    return ParsedBook(rows=rows, catalog=catalog, uploaded=tuple(kind for kind in KINDS if kind in typed))


def _build(typed: Mapping[str, _Typed], base: Catalog | None) -> tuple[Catalog | None, list[Problem]]:
    """build_catalog over the uploaded kinds and, for a single kind, the base's other two. Its
    problems on uploaded rows join their kind's list; the rest are returned."""
    base_rows = catalog_rows(base) if base is not None else {}
    rows = {kind: typed[kind].rows if kind in typed else base_rows[kind] for kind in KINDS}
    try:
        return build_catalog(rows["breakers"], rows["enclosures"], rows["accessories"]), []
    except DataError as error:
        others = _map_catalog_problems(error, typed, "active price book")
        if others or any(table.problems for table in typed.values()):
            return None, others
        # Never let a refused catalog pass for a valid one, even if every message was a duplicate.
        return None, [_problem("CATALOG_RULE", None, ko="카탈로그 규칙에 맞지 않습니다", why=str(error))]


# -------------------------------------------------------------------------------------------- export


def _cell_text(value: Any) -> str:
    """A typed value as the shop's CSV writes it (the inverse of read_price_book's typing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return "|".join(_cell_text(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def _csv_cell(value: Any, column: _Column) -> str:
    """A CSV cell: text and choices neutralised against formula injection (_escaped), numbers as is."""
    text = _cell_text(value)
    return _escaped(text) if column.type in ("text", "enum") else text


def _csv_bytes(kind: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = COLUMNS[kind]
    writer.writerow([column.name for column in columns])
    writer.writerows([_csv_cell(row.get(column.name), column) for column in columns] for row in rows)
    # With the BOM, Excel on a Korean Windows opens the UTF-8 file with its Hangul intact.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _zip_bytes(rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind in KINDS:
            info = zipfile.ZipInfo(f"{kind}.csv", date_time=_EXPORT_DATE.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, _csv_bytes(kind, rows[kind]))
    return buffer.getvalue()


def _xlsx_bytes(rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> bytes:
    buffer = io.BytesIO()
    # No text may turn into a formula, link or number on the way out: a model "=1+1" stays text.
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    book = xlsxwriter.Workbook(buffer, options)
    book.set_properties({"title": "KIS price book", "author": "KIS Estimator", "created": _EXPORT_DATE})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for kind in KINDS:
        sheet = book.add_worksheet(kind)
        names = [column.name for column in COLUMNS[kind]]
        for index, name in enumerate(names):
            sheet.write_string(0, index, name, header)
            sheet.set_column(index, index, max(10, len(name) + 2))
        for number, row in enumerate(rows[kind], start=1):
            for index, name in enumerate(names):
                _write_cell(sheet, number, index, row.get(name))
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def _write_cell(sheet: Any, row: int, column: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_number(row, column, int(value))
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    else:  # text, and ranges or rating lists written as "a|b"
        sheet.write_string(row, column, _cell_text(value))


def render_price_book(rows: Mapping[str, Sequence[Mapping[str, Any]]], format: ExportFormat = "zip") -> bytes:
    """The typed rows of a book as a ZIP of the three CSVs or as an XLSX with the three sheets; the same
    rows give the same bytes, and read_price_book reads them back to the same catalog_sha256."""
    if format == "zip":
        return _zip_bytes(rows)
    if format == "xlsx":
        return _xlsx_bytes(rows)
    raise ValueError(f"unknown export format {format!r}: use 'zip' or 'xlsx'")


def export_filename(row: PriceBookRow, format: ExportFormat = "zip") -> str:
    """A file name for an export: `price-book-7-3f2a9c1b04de.zip` (id and the start of the SHA-256)."""
    return f"price-book-{row.id}-{row.catalog_sha256[:12]}.{format}"


# ---------------------------------------------------------------------------------------- repository


def _item_kind(kind: str) -> str:
    """The catalog_items.kind value of a kind given as "breaker" or "breakers"."""
    singular = ITEM_KINDS.get(kind, kind)
    if singular not in ITEM_KINDS.values():
        raise ValueError(f"unknown kind {kind!r}: use breaker, enclosure or accessory")
    return singular


def _catalog_items(parsed: ParsedBook) -> list[dict[str, Any]]:
    """One search row per catalog entry, the columns of catalog_items but the book's id; a price range
    is listed at its high value, as it is quoted."""
    items = []
    for b, data in zip(parsed.catalog.breakers, parsed.rows["breakers"], strict=True):
        items.append(dict(
            kind="breaker", model=b.model, brand=b.brand,
            description=f"{b.brand} {b.type} {b.poles}P {b.frame_af}AF {b.model}",
            price_krw=round_won(b.price_krw.high) if b.price_krw else None, data=data,
        ))  # fmt: skip
    for e, data in zip(parsed.catalog.enclosures, parsed.rows["enclosures"], strict=True):
        items.append(dict(
            kind="enclosure", model=e.model, brand=None,
            description=f"{e.series} {e.material} {e.thickness_mm:.1f}T {e.location} {e.w_mm}×{e.h_mm}×{e.d_mm} {e.model}",
            price_krw=e.price_krw, data=data,
        ))  # fmt: skip
    for a, data in zip(parsed.catalog.accessories, parsed.rows["accessories"], strict=True):
        items.append(dict(
            kind="accessory", model=a.model, brand=None,
            description=f"{a.kind} {a.line_name} {a.spec} {a.model}", price_krw=a.price_krw, data=data,
        ))  # fmt: skip
    return items


class BuiltCatalogs:
    """The Catalogs of stored price books, built (and checked against their hash) once and kept by
    catalog_sha256, the most recently used `size` of them; the container holds one per process. Every
    create prices with the active book's Catalog: rebuilding it from the stored rows each time cost a
    60,000-row book seconds per create. The key is the hash of the facts, so a kept Catalog can never
    stand for other rows."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._catalogs: OrderedDict[str, Catalog] = OrderedDict()
        self._lock = threading.Lock()
        self._building = threading.Lock()

    def get_or_build(self, sha256: str, build: Callable[[], Catalog]) -> Catalog:
        """The kept Catalog of `sha256`, else `build()`'s (kept when it does not raise)."""
        found = self._get(sha256)
        if found is not None:
            return found
        with self._building:  # creates arriving together after a start wait for one build
            found = self._get(sha256)
            if found is None:
                found = build()
                self.keep(found)
        return found

    def keep(self, catalog: Catalog) -> None:
        with self._lock:
            self._catalogs[catalog.sha256] = catalog
            self._catalogs.move_to_end(catalog.sha256)
            while len(self._catalogs) > self.size:
                self._catalogs.popitem(last=False)

    def _get(self, sha256: str) -> Catalog | None:
        with self._lock:
            found = self._catalogs.get(sha256)
            if found is not None:
                self._catalogs.move_to_end(sha256)
            return found


def _checked_catalog(row: PriceBookRow) -> Catalog:
    rows = row.catalog
    catalog = build_catalog(rows["breakers"], rows["enclosures"], rows["accessories"])
    if catalog.sha256 != row.catalog_sha256:
        why = f"catalog_sha256 mismatch: stored {row.catalog_sha256}, rows hash to {catalog.sha256}"
        raise DataError(f"price book {row.id}", [DataProblem("HASH_MISMATCH", why)])
    return catalog


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PriceBookRepository:
    """Price-book versions in `shared.price_books` and their search rows in `shared.catalog_items`.
    Like every repository it flushes but never commits: the caller commits, once. With `built`, the
    Catalogs of books are built once and kept there (see catalog_of); without, each call builds."""

    def __init__(self, session: Session, built: BuiltCatalogs | None = None) -> None:
        self.session = session
        self.built = built

    def stage(self, parsed: ParsedBook, label: str, source_name: str) -> PriceBookRow:
        """Store a parsed book as a draft with its search rows. A book whose catalog_sha256 is already
        stored is not stored twice: the existing row (whatever its state and label) is returned."""
        label = label.strip()
        if not label or len(label) > 100:
            raise ValueError("a price book's label must have 1 to 100 characters")
        if label_problem(label) is not None:
            raise ValueError(
                "a price book's label must not contain bidi controls (check label_problem first)"
            )
        # Made before the first statement, since on SQLite that statement takes the write lock.
        items = _catalog_items(parsed)
        existing = self._by_sha(parsed.sha256)
        if existing is not None:
            return existing
        # Only the file's name is worth keeping, and the column holds 300 characters.
        source = _member_name(source_name)[-300:]
        row = PriceBookRow(label=label, source_name=source, state="draft", catalog_sha256=parsed.sha256,
                           catalog={kind: parsed.rows[kind] for kind in KINDS})  # fmt: skip
        try:
            # A savepoint: when a concurrent import of the same book commits first, the unique
            # catalog_sha256 refuses ours and that book is the answer, in a transaction still usable.
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
                for item in items:
                    item["price_book_id"] = row.id
                # One executemany of the table's INSERT: no ORM objects for tens of thousands of rows.
                self.session.connection().execute(insert(CatalogItemRow), items)
        except IntegrityError:
            existing = self._by_sha(parsed.sha256)
            if existing is None:
                raise
            return existing
        if self.built is not None:
            self.built.keep(parsed.catalog)  # built from exactly the rows stored
        return row

    def activate(self, book_id: int) -> PriceBookRow:
        """Make a book the active one; the book active until now becomes retired, so exactly one is
        active. A retired (or draft) book may be activated: that is how a shop rolls back to an older
        price book. Raises PriceBookNotFound, or DataError when the stored catalog fails its hash."""
        self._serialize_activations()
        row = self.session.get(
            PriceBookRow,
            book_id,
            with_for_update=True,
            populate_existing=True,
            options=[defer(PriceBookRow.catalog)],  # loaded only if its Catalog is not built yet
        )
        if row is None:
            raise PriceBookNotFound(book_id)
        self.catalog_of(row)  # a book that no longer matches its hash must never price a quote
        if row.state == "active":
            return row
        retire = (
            update(PriceBookRow)
            .where(PriceBookRow.state == "active", PriceBookRow.id != book_id)
            .values(state="retired")
            .execution_options(synchronize_session="fetch")
        )
        self.session.execute(retire)
        row.state = "active"
        row.activated_at = dt.datetime.now(dt.UTC)
        self.session.flush()
        return row

    def _serialize_activations(self) -> None:
        # Two activations at once would each retire the other's predecessor and leave two books active.
        # PostgreSQL: a transaction-scoped advisory lock queues them (the UPDATE that follows then sees
        # the other's committed result). SQLite: BEGIN IMMEDIATE already serialises every writer.
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ACTIVATION_LOCK})

    def active(self) -> PriceBookRow | None:
        """The active book, or None before the first activation. Its rows (`catalog`, megabytes for a big
        book) are loaded when first read: pricing needs only its id and hash (see catalog_of)."""
        statement = (
            select(PriceBookRow)
            .options(defer(PriceBookRow.catalog))
            .where(PriceBookRow.state == "active")
            .order_by(PriceBookRow.activated_at.desc(), PriceBookRow.id.desc())
        )
        return self.session.execute(statement).scalars().first()

    def list(self) -> builtins.list[PriceBookRow]:
        """Every book, newest first."""
        statement = select(PriceBookRow).order_by(PriceBookRow.created_at.desc(), PriceBookRow.id.desc())
        return builtins.list(self.session.execute(statement).scalars())

    def get(self, book_id: int) -> PriceBookRow | None:
        return self.session.get(PriceBookRow, book_id)

    def catalog_of(self, row: PriceBookRow) -> Catalog:
        """The book's Catalog, built from its stored rows (once, when the repository has `built`);
        raises DataError when the rows are invalid or do not hash to the book's catalog_sha256 (changed
        behind the application's back). A kept Catalog is the one its hash names: rows changed after it
        was built are found by the next process that builds it, and by `export`, which always checks."""
        if self.built is None:
            return _checked_catalog(row)
        return self.built.get_or_build(row.catalog_sha256, lambda: _checked_catalog(row))

    def search_items(
        self, q: str, kind: str | None = None, limit: int = 50, *, book_id: int | None = None
    ) -> builtins.list[CatalogItemRow]:
        """Catalog entries of a book (the active one unless `book_id` is given; none when no book is
        active) whose model or description holds every word of `q`, case-insensitively; an exact model
        first, then by kind and model. `kind`: breaker / enclosure / accessory; `limit` 1..1000."""
        if book_id is None:
            active = self.active()
            if active is None:
                return []
            book_id = active.id
        statement = select(CatalogItemRow).where(CatalogItemRow.price_book_id == book_id)
        for term in q.split():
            pattern = f"%{_escape_like(term)}%"
            statement = statement.where(
                or_(
                    CatalogItemRow.model.ilike(pattern, escape="\\"),
                    CatalogItemRow.description.ilike(pattern, escape="\\"),
                )
            )
        if kind is not None:
            statement = statement.where(CatalogItemRow.kind == _item_kind(kind))
        exact = case((func.upper(CatalogItemRow.model) == q.strip().upper(), 0), else_=1)
        statement = statement.order_by(exact, CatalogItemRow.kind, CatalogItemRow.model)
        statement = statement.limit(max(1, min(limit, _MAX_SEARCH_LIMIT)))
        return builtins.list(self.session.execute(statement).scalars())

    def export(self, book_id: int, format: ExportFormat = "zip") -> bytes:
        """The book as a ZIP of the three CSVs or an XLSX with the three sheets; read_price_book reads
        it back to the same catalog_sha256. Raises PriceBookNotFound, or DataError for a corrupted book."""
        row = self.get(book_id)
        if row is None:
            raise PriceBookNotFound(book_id)
        _checked_catalog(row)  # the rows written out are the ones checked, never a kept Catalog's
        return render_price_book(row.catalog, format)

    def _by_sha(self, sha256: str) -> PriceBookRow | None:
        statement = select(PriceBookRow).where(PriceBookRow.catalog_sha256 == sha256)
        return self.session.execute(statement).scalar_one_or_none()
