"""Reading an uploaded price book: `read_price_book` over a ZIP of the three CSVs, an XLSX with the
three sheets, or one CSV of one kind combined with a base catalog's other two.

It never raises on bad input: it returns every Problem at once. The upload's size is checked first,
an archive is judged from its zip directory before anything is decompressed, and a workbook is read
with openpyxl's streaming reader (documents/spreadsheet.py, shared with the request sheet)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from pathlib import PurePosixPath
from typing import Final

from kis_estimator.documents.archive import ArchiveLimits
from kis_estimator.documents.spreadsheet import (
    Refusal,
    UnreadableWorkbook,
    csv_text,
    is_blank_row,
    parse_whole_refusal,
    sheet_rows,
    streamed_workbook,
    zip_members,
)
from kis_estimator.engine.catalog import Catalog, build_catalog
from kis_estimator.engine.errors import DataError
from kis_estimator.pricebooks.checking import Table, TypedTable, map_catalog_problems, type_table
from kis_estimator.pricebooks.columns import unescaped
from kis_estimator.pricebooks.export import catalog_rows, kind_items
from kis_estimator.pricebooks.problems import (
    KINDS,
    MAX_COMPRESSION_RATIO,
    MAX_PARSED_WHOLE_BYTES,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_UPLOAD_BYTES,
    ParsedBook,
    Problem,
    byte_size,
    make_problem,
    shown_value,
)

_LIMITS: Final = ArchiveLimits(MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO)

# ------------------------------------------------------------------------------------ reading tables


def _collect(kind: str, source: str, rows: Iterable[Sequence[object]]) -> tuple[Table, list[Problem]]:
    """Keep row 1 as the header and at most MAX_ROWS non-blank data rows (numbered as the sheet shows)."""
    table = Table(kind, source)
    for number, values in enumerate(rows, start=1):
        values = tuple(values)
        if number == 1:
            table.header = values
        elif not is_blank_row(values):
            if len(table.rows) == MAX_ROWS:
                return table, [make_problem("TOO_MANY_ROWS", source, number)]
            table.rows.append((number, values))
    return table, []


def _csv_table(kind: str, source: str, data: bytes) -> tuple[Table | None, list[Problem]]:
    text = csv_text(data)
    if text is None:
        why = ("UTF-8 또는 CP949 텍스트가 아님", "not UTF-8 or CP949 text")
        return None, [make_problem("FILE_UNREADABLE", source, why=why[0], why_en=why[1])]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _collect(kind, source, ([unescaped(cell) for cell in row] for row in reader))
    except csv.Error as exc:
        return None, [make_problem("FILE_UNREADABLE", source, reader.line_num, why=str(exc), why_en=str(exc))]


def member_name(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def _is_noise(member: zipfile.ZipInfo) -> bool:
    """Folders and what archivers add on their own (macOS resource forks, hidden files)."""
    return (
        member.is_dir()
        or member.filename.startswith("__MACOSX/")
        or member_name(member.filename).startswith(".")
    )


def _check_archive(data: bytes, source: str) -> tuple[list[zipfile.ZipInfo], list[Problem]]:
    """Judge an archive from its zip directory alone, before anything is decompressed (spreadsheet)."""
    members = zip_members(data, _LIMITS)
    if not isinstance(members, Refusal):
        return members, []
    return [], [_refused(members, source, _NOT_ZIP)]


_NOT_ZIP: Final = ("ZIP 형식이 아님", "not a ZIP archive")
_NOT_XLSX: Final = ("엑셀(.xlsx) 파일이 아님", "not an .xlsx workbook")
_LEGACY: Final = ("옛 .xls 형식이거나 암호가 걸린 파일", "a legacy .xls or a password-protected file")


def _refused(refusal: Refusal, source: str, not_readable: tuple[str, str]) -> Problem:
    if refusal.reason == "too_large":
        return make_problem("ARCHIVE_TOO_LARGE", source, what=refusal.what[0], what_en=refusal.what[1])
    why = _LEGACY if refusal.reason == "legacy" else not_readable
    return make_problem("FILE_UNREADABLE", source, why=why[0], why_en=why[1])


def _zip_tables(data: bytes, source: str) -> tuple[dict[str, Table], list[Problem]]:
    """The three CSVs of a ZIP, found by file name at the top or in one folder."""
    members, problems = _check_archive(data, source)
    if problems:
        return {}, problems
    found: dict[str, list[zipfile.ZipInfo]] = {kind: [] for kind in KINDS}
    for member in members:
        name = member_name(member.filename).lower()
        if _is_noise(member) or not name.endswith(".csv"):
            continue
        if name.removesuffix(".csv") in found:
            found[name.removesuffix(".csv")].append(member)
        else:
            problems.append(make_problem("FILE_UNKNOWN", member.filename))
    tables: dict[str, Table] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for kind, candidates in found.items():
            if len(candidates) != 1:
                code = "FILE_MISSING" if not candidates else "FILE_DUPLICATE"
                problems.append(make_problem(code, source, name=f"{kind}.csv"))
                continue
            member = candidates[0]
            try:
                raw = archive.read(member)
            except Exception as exc:  # a bad CRC, an encrypted member, a damaged stream
                problems.append(
                    make_problem("FILE_UNREADABLE", member.filename, why=str(exc), why_en=str(exc))
                )
                continue
            table, found_problems = _csv_table(kind, member_name(member.filename), raw)
            problems.extend(found_problems)
            if table is not None:
                tables[kind] = table
    return tables, problems


def _xlsx_tables(data: bytes, source: str) -> tuple[dict[str, Table], list[Problem]]:
    """The sheets breakers / enclosures / accessories of a workbook, streamed (cached values, not formulas)."""
    members, problems = _check_archive(data, source)
    if problems:
        return {}, problems
    refusal = parse_whole_refusal(data, members, MAX_PARSED_WHOLE_BYTES)
    if refusal is not None:
        return {}, [_refused(refusal, source, _NOT_XLSX)]
    tables: dict[str, Table] = {}
    try:
        with streamed_workbook(data) as book:
            sheets = {name.strip().lower(): name for name in book.sheetnames}
            for kind in KINDS:
                if kind not in sheets:
                    problems.append(make_problem("SHEET_MISSING", source, name=kind))
                    continue
                with closing(sheet_rows(book, sheets[kind])) as rows:  # stops the XML parse early
                    tables[kind], found_problems = _collect(kind, sheets[kind], rows)
                problems.extend(found_problems)
    except UnreadableWorkbook:
        return {}, [_refused(Refusal("not_zip"), source, _NOT_XLSX)]
    return tables, problems


_CSV_NAME: Final = re.compile(r"(breakers|enclosures|accessories)(?:[-_ .].*)?", re.IGNORECASE)


def _single_csv_kind(name: str) -> str | None:
    """The kind a lone CSV's name says ("breakers.csv", "Breakers_2026-03.csv" → breakers)."""
    match = _CSV_NAME.fullmatch(PurePosixPath(name).stem)
    return match.group(1).lower() if match else None


# ------------------------------------------------------------------------------------ read_price_book


def read_price_book(
    filename: str, data: bytes, base: Catalog | None = None, *, max_rows: int | None = None
) -> ParsedBook | list[Problem]:
    """Read an uploaded price book: a ZIP of the three CSVs, an XLSX with the three sheets, or one
    CSV for one kind named after it, combined with `base`'s other two kinds (normally the active
    book's catalog). Returns the ParsedBook, or every Problem found, the file's first, then each
    kind's in sheet order; never raises on bad input. A book of more than `max_rows` data rows (all
    kinds, the base's included) is refused with BOOK_TOO_MANY_ROWS before its cells are typed."""
    source = member_name(filename) or "upload"
    if len(data) > MAX_UPLOAD_BYTES:
        what, what_en = byte_size(len(data))
        return [make_problem("FILE_TOO_LARGE", source, what=what, what_en=what_en)]
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
            problems.insert(0, make_problem("NO_BASE_BOOK", source))
    else:
        return [make_problem("FILE_TYPE", source, name=shown_value(source))]
    if max_rows is not None:
        count = sum(len(table.rows) for table in tables.values())
        if needs_base and base is not None:
            count += sum(len(items) for kind, items in kind_items(base).items() if kind not in tables)
        if count > max_rows:
            return [*problems, make_problem("BOOK_TOO_MANY_ROWS", source, count=count, limit=max_rows)]
    typed = {kind: type_table(table) for kind, table in tables.items()}
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


def _build(typed: Mapping[str, TypedTable], base: Catalog | None) -> tuple[Catalog | None, list[Problem]]:
    """build_catalog over the uploaded kinds and, for a single kind, the base's other two. Its
    problems on uploaded rows join their kind's list; the rest are returned."""
    base_rows = catalog_rows(base) if base is not None else {}
    rows = {kind: typed[kind].rows if kind in typed else base_rows[kind] for kind in KINDS}
    try:
        return build_catalog(rows["breakers"], rows["enclosures"], rows["accessories"]), []
    except DataError as error:
        others = map_catalog_problems(error, typed, "active price book")
        if others or any(table.problems for table in typed.values()):
            return None, others
        # Never let a refused catalog pass for a valid one, even if every message was a duplicate.
        return None, [make_problem("CATALOG_RULE", None, ko="카탈로그 규칙에 맞지 않습니다", why=str(error))]
