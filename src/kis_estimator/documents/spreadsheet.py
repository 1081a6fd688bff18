"""What every spreadsheet upload and export shares: the request sheet's and the price book's.

An upload is hostile until proven otherwise. `zip_members` judges an archive from its zip directory
alone (legacy or password-protected files, damage, declared sizes, compression ratio, member count)
before anything is decompressed; `parse_whole_refusal` bounds what openpyxl must parse whole before
the first row; `streamed_workbook` opens openpyxl's streaming reader and turns whatever a damaged or
hostile file raises into `UnreadableWorkbook`; `sheet_rows` streams one sheet's values within bounds.
`is_workbook` tells a workbook (or a legacy one) by its first bytes, `csv_text` decodes a CSV upload.
`number_from_text` reads "45,000" as the shop writes it. `workbook_writer` opens an xlsxwriter
workbook whose text never turns into a formula, link or number on the way out.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal

import openpyxl
import xlsxwriter

from kis_estimator.documents.archive import ArchiveLimits, archive_refusal, parsed_whole_bytes

# openpyxl streams a worksheet only when it declares its <dimension>; it fills row gaps with all-None
# rows, so the row bound stops a hostile r="999999999", and the column bound a hostile <dimension>
# that claims 16,384 columns (both sheets read use far fewer than 40).
EXCEL_MAX_ROW: Final = 1_048_576
READ_COLUMNS: Final = 40
LARGEST_NUMBER: Final = 1e12  # far above any price or size; keeps absurd values away from int()
NUMBER: Final = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
# xlsxwriter options of every export: no string may turn into a formula, link or number on the way
# out, so a customer's or shop's text ("=1+1", "http://…", "007") stays the text it was.
WRITER_OPTIONS: Final = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
_OLE2: Final = b"\xd0\xcf\x11\xe0"  # a legacy .xls, or any password-protected workbook
_ZIP: Final = b"PK\x03\x04"


@dataclass(frozen=True)
class Refusal:
    """Why an upload is refused before it is read: `legacy` (OLE2: .xls or password-protected),
    `not_zip` (not a readable ZIP, or without the member it must hold) or `too_large` (`what` in
    Korean and English)."""

    reason: Literal["legacy", "not_zip", "too_large"]
    what: tuple[str, str] = ("", "")


class UnreadableWorkbook(Exception):
    """openpyxl could not open or stream the workbook (damaged, hostile, or not a workbook)."""


def zip_members(
    data: bytes, limits: ArchiveLimits, *, required: str | None = None
) -> list[zipfile.ZipInfo] | Refusal:
    """The archive's members, judged from its zip directory alone, or why it is refused.

    zipfile stops a member at its declared size and then fails its CRC check, so the declared sizes
    bound what can ever be decompressed: checking them here is enough against zip bombs. With
    `required`, an archive without that member is not the kind of file expected (`not_zip`)."""
    if data.startswith(_OLE2):
        return Refusal("legacy")
    if not data.startswith(_ZIP):
        return Refusal("not_zip")
    # A damaged archive raises struct, zlib, value or zip errors alike: all of them mean "not a zip".
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:
        return Refusal("not_zip")
    if required is not None and required not in {member.filename for member in members}:
        return Refusal("not_zip")
    refusal = archive_refusal(members, limits)
    if refusal is not None:
        return Refusal("too_large", refusal)
    return members


def is_workbook(data: bytes) -> bool:
    """The upload starts as a workbook does: a ZIP, or OLE2 (a legacy .xls or a password-protected one)."""
    return data.startswith((_ZIP, _OLE2))


def parse_whole_refusal(data: bytes, members: Sequence[zipfile.ZipInfo], budget: int) -> Refusal | None:
    """None when the parts openpyxl parses whole (a sheet without <dimension>, shared strings) fit in
    `budget` bytes: those bytes are paid before the first row is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parsed_whole = parsed_whole_bytes(archive, members)
    except Exception:
        return Refusal("not_zip")
    if parsed_whole > budget:
        return Refusal(
            "too_large",
            (f"한 번에 읽어야 하는 부분 {parsed_whole:,}바이트", f"{parsed_whole:,} bytes to parse whole"),
        )
    return None


@contextmanager
def streamed_workbook(data: bytes) -> Iterator[Any]:
    """openpyxl's streaming reader over `data` (cached values, not formulas; no external links), closed
    on exit. openpyxl raises almost anything on a damaged or hostile file (KeyError, ParseError,
    defusedxml's EntitiesForbidden, zipfile errors …): none of it is our bug, all of it means "cannot
    read", raised as UnreadableWorkbook, whether on opening or while the caller streams its rows."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported" and the like
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise UnreadableWorkbook(str(exc)) from exc
    try:
        yield book
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        raise UnreadableWorkbook(str(exc)) from exc
    finally:
        book.close()


def sheet_rows(book: Any, name: str) -> Generator[tuple[object, ...], None, None]:
    """The values of sheet `name`, row by row from row 1, within EXCEL_MAX_ROW × READ_COLUMNS; close it
    (contextlib.closing) to stop the XML parse when reading stops early."""
    rows: Generator[tuple[object, ...], None, None] = book[name].iter_rows(
        min_row=1, max_row=EXCEL_MAX_ROW, max_col=READ_COLUMNS, values_only=True
    )
    return rows


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_blank_row(values: tuple[object, ...]) -> bool:
    # count() runs in C: openpyxl fills row gaps with all-None rows, and there may be a million of them.
    return values.count(None) == len(values) or all(is_blank(value) for value in values)


def csv_text(data: bytes) -> str | None:
    """A CSV upload's text: UTF-8 (with or without Excel's BOM), else CP949, what Korean Excel saves by
    default; None when it is neither."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def number_from_text(text: str) -> float | None:
    """The number "45,000", "-3.5" or "1200" stands for, None when it is not one."""
    return float(text.replace(",", "")) if NUMBER.fullmatch(text) else None


def within_bounds(number: float) -> bool:
    """A finite number no larger than LARGEST_NUMBER in size."""
    return math.isfinite(number) and abs(number) <= LARGEST_NUMBER


def workbook_writer(buffer: io.BytesIO, properties: Mapping[str, str | dt.datetime]) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook over `buffer` with WRITER_OPTIONS and the document `properties`."""
    book = xlsxwriter.Workbook(buffer, WRITER_OPTIONS)
    book.set_properties(dict(properties))
    return book
