"""Reading an uploaded request sheet safely: the upload judged from its size and zip directory before
anything is decompressed, then the sheet streamed within the row limit (documents/spreadsheet.py)."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import closing
from pathlib import Path
from typing import Any

from kis_estimator.documents.request_sheet.building import Grid, build_request
from kis_estimator.documents.request_sheet.messages import (
    FIRST_DATA_ROW,
    HEADER_ROWS,
    LIMITS,
    MAX_DATA_ROWS,
    MAX_PARSED_WHOLE_BYTES,
    MAX_UPLOAD_BYTES,
    SHEET_NAME,
    TABLE_HEADER_ROW,
    Finding,
    SheetImport,
    cell_name,
    make_finding,
)
from kis_estimator.documents.spreadsheet import (
    Refusal,
    UnreadableWorkbook,
    is_blank_row,
    parse_whole_refusal,
    sheet_rows,
    streamed_workbook,
    zip_members,
)


def import_request_sheet(data: bytes) -> SheetImport:
    """Read a filled request sheet. Never raises on bad input: every problem is a Finding, and the
    request is None when any finding is an error (otherwise it has passed `parse_request`)."""
    refusal = _check_archive(data)
    if refusal is not None:
        return SheetImport(None, (refusal,))
    grid = _read_grid(data)
    if isinstance(grid, Finding):
        return SheetImport(None, (grid,))
    return build_request(grid)


def import_to_json(path: str | Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """For `kis import SHEET.xlsx`: (the request or None, the findings as dicts). An oversized file is
    refused from its size on disk without being read; OSError (a missing file …) propagates."""
    size = Path(path).stat().st_size
    if size > MAX_UPLOAD_BYTES:
        result = SheetImport(
            None, (make_finding("SHEET_TOO_LARGE", None, what=f"{size:,}바이트", what_en=f"{size:,} bytes"),)
        )
    else:
        result = import_request_sheet(Path(path).read_bytes())
    return result.request, [finding.as_dict() for finding in result.findings]


def _check_archive(data: bytes) -> Finding | None:
    """Judge the upload from its size and zip directory alone, before anything is decompressed.

    zipfile stops a member at its declared size and then fails its CRC check, so the declared sizes
    bound what openpyxl can ever decompress: checking them here is enough against zip bombs."""
    if len(data) > MAX_UPLOAD_BYTES:
        return make_finding(
            "SHEET_TOO_LARGE", None, what=f"{len(data):,}바이트", what_en=f"{len(data):,} bytes"
        )
    members = zip_members(data, LIMITS, required="[Content_Types].xml")
    if isinstance(members, Refusal):
        return _refused(members)
    refusal = parse_whole_refusal(data, members, MAX_PARSED_WHOLE_BYTES)
    if refusal is None:
        return None
    if refusal.reason == "too_large":
        hint = "엑셀에서 열어 .xlsx로 다시 저장하거나 내용을 줄여 주세요 / Re-save the file in Excel, or send less."
        return make_finding("SHEET_TOO_LARGE", None, hint=hint, what=refusal.what[0], what_en=refusal.what[1])
    return _refused(refusal)


def _refused(refusal: Refusal) -> Finding:
    if refusal.reason == "too_large":
        return make_finding("SHEET_TOO_LARGE", None, what=refusal.what[0], what_en=refusal.what[1])
    if refusal.reason == "legacy":
        hint = "옛 형식(.xls)이거나 암호가 걸린 파일입니다. 암호를 풀고 .xlsx로 저장해 주세요 / Remove any password and save as .xlsx."
        return make_finding("SHEET_NOT_XLSX", None, hint=hint)
    return make_finding("SHEET_NOT_XLSX", None)


def _read_grid(data: bytes) -> Grid | Finding:
    """Stream the sheet's values (cached results, not formulas); a Finding when it cannot be read."""
    try:
        with streamed_workbook(data) as book:
            if SHEET_NAME not in book.sheetnames:
                return make_finding("SHEET_NOT_TEMPLATE", None)
            return _collect(sheet_rows(book, SHEET_NAME))
    except UnreadableWorkbook:
        return make_finding("SHEET_NOT_XLSX", None)


def _collect(rows: Generator[tuple[object, ...], None, None]) -> Grid | Finding:
    """Keep the header block, the table header and at most MAX_DATA_ROWS non-blank data rows."""
    header: dict[int, tuple[object, ...]] = {}
    table_header: tuple[object, ...] = ()
    data_rows: list[tuple[int, tuple[object, ...]]] = []
    with closing(rows):  # stops the XML parse when we stop early
        for number, values in enumerate(rows, start=1):
            if number in HEADER_ROWS:
                header[number] = values
            elif number == TABLE_HEADER_ROW:
                table_header = values
            elif number >= FIRST_DATA_ROW and not is_blank_row(values):
                if len(data_rows) == MAX_DATA_ROWS:
                    return make_finding("SHEET_TOO_MANY_ROWS", cell_name(1, number))
                data_rows.append((number, values))
    return Grid(header, table_header, data_rows)
