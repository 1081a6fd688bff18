"""The quote list as a workbook: one row per listed quote, and a second sheet naming the search it came
from. Written by XlsxWriter row by row (constant memory) to any binary file; every text is written as
text, so a customer named "=HYPERLINK(…)" stays a name and never becomes a formula."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import xlsxwriter

SHEET = "견적 목록"
CONDITIONS_SHEET = "조건"
# (heading, column width in characters)
COLUMNS = (
    ("견적번호", 18),
    ("작성일", 11),
    ("고객", 24),
    ("건명", 32),
    ("구성", 40),
    ("공급가액", 14),
    ("부가세", 12),
    ("합계", 14),
    ("개정", 6),
    ("상태", 8),
)


@dataclass(frozen=True)
class ListedRow:
    number: str
    date: date
    customer: str
    project: str
    summary: str  # the one-line panel summary
    subtotal: int
    vat: int
    total: int
    revision: int
    status: str  # in the estimator's word (작성, 발송, …)


def write_quote_list(
    target: BinaryIO, rows: Iterable[ListedRow], conditions: Sequence[tuple[str, str]]
) -> int:
    """Write the workbook to `target`; returns the number of quote rows written."""
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    book.set_properties({"title": SHEET})
    head = book.add_format({"bold": True, "bg_color": "#1D3557", "font_color": "#FFFFFF", "border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0"})
    sheet = book.add_worksheet(SHEET)
    for index, (heading, width) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, heading, head)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_string(count, 0, row.number)
        sheet.write_datetime(count, 1, row.date, day)
        sheet.write_string(count, 2, row.customer)
        sheet.write_string(count, 3, row.project)
        sheet.write_string(count, 4, row.summary)
        sheet.write_number(count, 5, row.subtotal, money)
        sheet.write_number(count, 6, row.vat, money)
        sheet.write_number(count, 7, row.total, money)
        sheet.write_number(count, 8, row.revision)
        sheet.write_string(count, 9, row.status)
    sheet.autofilter(0, 0, max(count, 1), len(COLUMNS) - 1)
    about = book.add_worksheet(CONDITIONS_SHEET)
    about.set_column(0, 0, 14)
    about.set_column(1, 1, 40)
    for index, (name, value) in enumerate(conditions):
        about.write_string(index, 0, name, head)
        about.write_string(index, 1, value)
    book.close()
    return count
