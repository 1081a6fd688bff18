"""Importing a customer list (거래처 목록): a CSV or an .xlsx (its first sheet), header first; a customer
created or updated (same 상호) per row, a row with a problem skipped and reported (issue 17).

The upload is hostile until proven otherwise and is read as the request sheet and the price book are
(documents/spreadsheet.py): a workbook is judged from its zip directory (legacy or password-protected
files, damage, declared sizes, compression ratio, member count) and from what openpyxl must parse
whole before anything is decompressed, then its sheet is streamed within EXCEL_MAX_ROW × READ_COLUMNS
and stops at the first row over the limit; a CSV is read row by row and stops there too.

Services never commit: the import works in the session it is given, committed once by its caller.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy.orm import Session

from kis_estimator.db.customers import CustomerRepository
from kis_estimator.documents.archive import ArchiveLimits
from kis_estimator.documents.spreadsheet import (
    Refusal,
    UnreadableWorkbook,
    csv_text,
    is_blank_row,
    is_workbook,
    parse_whole_refusal,
    sheet_rows,
    streamed_workbook,
    zip_members,
)
from kis_estimator.services.customers import CustomerError, Invalid, Taken, check_unique, checked_fields

# A customer list is small: its workbook may inflate to 20 MB, 8 MB of it parsed whole.
_LIMITS: Final = ArchiveLimits(max_uncompressed_bytes=20 * 1024 * 1024, max_compression_ratio=100)
_MAX_PARSED_WHOLE_BYTES: Final = 8 * 1024 * 1024

# Import headers (Korean or English, case and spaces ignored) → field
HEADERS: Final[dict[str, str]] = {
    "상호": "name",
    "name": "name",
    "사업자등록번호": "business_number",
    "사업자번호": "business_number",
    "business_number": "business_number",
    "대표": "representative",
    "대표자": "representative",
    "representative": "representative",
    "담당자": "contact",
    "contact": "contact",
    "전화": "phone",
    "phone": "phone",
    "이메일": "email",
    "email": "email",
    "주소": "address",
    "address": "address",
    "할인율": "discount_percent",
    "discount_percent": "discount_percent",
    "결제조건": "payment_terms",
    "payment_terms": "payment_terms",
    "유효기간": "validity_days",
    "validity_days": "validity_days",
}


@dataclass(frozen=True)
class Finding:
    row: int | None  # the spreadsheet row (header = 1); None for the whole file
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "path": self.path, "code": self.code, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """The rows not saved (a row is named once per finding)."""
        return len({finding.row for finding in self.findings if finding.row is not None})

    def as_dict(self) -> dict[str, Any]:
        findings = [finding.as_dict() for finding in self.findings]
        return {
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "findings": findings,
        }


class Unreadable(CustomerError):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class TooManyRows(CustomerError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True)
class ListRows:
    """Row 1 (None for an empty file) and the non-blank rows after it, numbered as the sheet shows: at
    most one more than the limit, so that a list over it is known without reading the rest."""

    header: tuple[object, ...] | None
    body: list[tuple[int, tuple[object, ...]]]


# ------------------------------------------------------------------------------------------ reading

_NOT_XLSX: Final = (
    "엑셀(.xlsx) 파일을 읽을 수 없습니다 / Not a readable .xlsx workbook",
    "엑셀에서 다시 저장하거나 CSV로 보내 주세요 / Save it again from Excel, or send a CSV.",
)
_LEGACY: Final = (
    "옛 .xls 형식이거나 암호가 걸린 엑셀 파일입니다 / A legacy .xls or a password-protected workbook",
    "암호를 풀고 .xlsx 또는 CSV로 저장해 주세요 / Remove any password and save it as .xlsx or CSV.",
)


def _collect(rows: Iterable[Sequence[object]], max_rows: int) -> ListRows:
    header: tuple[object, ...] | None = None
    body: list[tuple[int, tuple[object, ...]]] = []
    for number, values in enumerate(rows, start=1):
        values = tuple(values)
        if number == 1:
            header = values
        elif not is_blank_row(values):
            body.append((number, values))
            if len(body) > max_rows:
                break
    return ListRows(header, body)


def _csv_rows(data: bytes, max_rows: int) -> ListRows:
    text = csv_text(data)
    if text is None:
        raise Unreadable(
            "CSV를 읽을 수 없습니다 (UTF-8 또는 CP949가 아님) / The CSV is not UTF-8 or CP949 text",
            "엑셀에서 'CSV UTF-8'로 저장해 주세요 / Save it from Excel as 'CSV UTF-8'.",
        )
    try:
        return _collect(csv.reader(io.StringIO(text, newline="")), max_rows)
    except csv.Error as exc:
        raise Unreadable(f"CSV를 읽을 수 없습니다 / Unreadable CSV: {exc}", "파일을 확인해 주세요.") from None


def _refused(refusal: Refusal) -> Unreadable:
    if refusal.reason == "too_large":
        return Unreadable(
            f"압축 파일이 너무 큽니다 ({refusal.what[0]}) / The workbook is too large ({refusal.what[1]})",
            "거래처 목록만 담긴 작은 파일로 보내 주세요 / Send a small file holding just the list.",
        )
    return Unreadable(*(_LEGACY if refusal.reason == "legacy" else _NOT_XLSX))


def _xlsx_rows(data: bytes, max_rows: int) -> ListRows:
    """The first worksheet's rows, judged and streamed as every spreadsheet upload is."""
    members = zip_members(data, _LIMITS, required="[Content_Types].xml")
    if isinstance(members, Refusal):
        raise _refused(members)
    refusal = parse_whole_refusal(data, members, _MAX_PARSED_WHOLE_BYTES)
    if refusal is not None:
        raise _refused(refusal)
    try:
        # closing() stops the XML parse when the rows stop early
        with streamed_workbook(data) as book, closing(sheet_rows(book, book.worksheets[0].title)) as rows:
            return _collect(rows, max_rows)
    except UnreadableWorkbook:
        raise Unreadable(*_NOT_XLSX) from None


def read_rows(filename: str, data: bytes, max_rows: int) -> ListRows:
    """The rows of an uploaded customer list: a workbook (its first sheet) by its first bytes (a ZIP, or
    OLE2: a legacy .xls) or its name (.xlsx); CSV otherwise."""
    if is_workbook(data) or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data, max_rows)
    return _csv_rows(data, max_rows)


# ----------------------------------------------------------------------------------------- the import


def import_customers(session: Session, filename: str, data: bytes, max_rows: int) -> ImportResult:
    """Create or update (same 상호) a customer per row; a row with a problem is skipped and reported.
    At most `max_rows` non-blank rows after the header (TooManyRows beyond, nothing saved)."""
    rows = read_rows(filename, data, max_rows)
    result = ImportResult()
    if rows.header is None:
        result.findings.append(Finding(None, "file", "IMPORT_EMPTY", "빈 파일입니다 / The file is empty"))
        return result
    header = [HEADERS.get(str(cell or "").strip().lower().replace(" ", "_")) for cell in rows.header]
    if "name" not in header:
        raise Unreadable(
            "첫 줄에 '상호' 열이 없습니다 / The header row has no 상호 (name) column",
            "첫 줄을 상호, 사업자등록번호, 대표, 담당자, 전화, 이메일, 주소, 할인율, 결제조건, 유효기간으로 "
            "써 주세요 / Name the columns in row 1 (상호 at least).",
        )
    if len(rows.body) > max_rows:
        raise TooManyRows(max_rows)
    repo = CustomerRepository(session)
    seen: dict[str, int] = {}
    for number, cells in rows.body:
        raw = {name: cell for name, cell in zip(header, cells, strict=False) if name is not None}
        try:
            fields = checked_fields(raw)
        except Invalid as exc:
            result.findings.append(Finding(number, exc.path, "CUSTOMER_INVALID", exc.message))
            continue
        if fields["name"] in seen:
            message = f"{seen[fields['name']]}행과 같은 상호입니다 / Same name as row {seen[fields['name']]}"
            result.findings.append(Finding(number, "name", "CUSTOMER_DUPLICATE", message))
            continue
        seen[fields["name"]] = number
        existing = repo.by_name(fields["name"])
        try:
            check_unique(repo, fields, existing.id if existing else None)
        except Taken as exc:
            message = (
                f"다른 거래처가 이미 쓰는 사업자등록번호입니다: {exc.value} / Business number already used"
            )
            result.findings.append(Finding(number, exc.path, "CUSTOMER_TAKEN", message))
            continue
        if existing is None:
            repo.add(fields)
            result.created += 1
        else:
            repo.update(existing, fields)
            result.updated += 1
    return result
