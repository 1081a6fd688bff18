"""Price books: the shop's catalog imported from its own files, checked, and exported again.

A price book is one whole catalog (breakers, enclosures, accessories) stored in `shared.price_books`
with the SHA-256 that `build_catalog` gives it (the versions: db/pricebooks.py). The shop sends one of:

- a ZIP holding `breakers.csv`, `enclosures.csv` and `accessories.csv`;
- one XLSX workbook with the sheets `breakers`, `enclosures` and `accessories` (header on row 1);
- one CSV for one kind, named after it (`breakers.csv`, `breakers-2026-03.csv` …): the other two kinds
  are taken from a base catalog, normally the active book's, so prices of one kind can be updated alone.

`read_price_book` (reading.py) never raises on bad input: it returns every `Problem` (problems.py) at
once, each named by file or sheet, spreadsheet row (header = row 1) and column, in Korean then English
after " / ". columns.py holds the columns and the typing of one cell, checking.py the checks of a kind
and the placing of the catalog's own problems, export.py the way back to files.
"""

from kis_estimator.pricebooks.columns import COLUMNS, label_problem
from kis_estimator.pricebooks.export import ExportFormat, catalog_rows, export_filename, render_price_book
from kis_estimator.pricebooks.problems import (
    KINDS,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_UPLOAD_BYTES,
    ROW_LIMIT_CODES,
    ParsedBook,
    Problem,
)
from kis_estimator.pricebooks.reading import read_price_book

__all__ = [
    "COLUMNS",
    "KINDS",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_UPLOAD_BYTES",
    "ROW_LIMIT_CODES",
    "ExportFormat",
    "ParsedBook",
    "Problem",
    "catalog_rows",
    "export_filename",
    "label_problem",
    "read_price_book",
    "render_price_book",
]
