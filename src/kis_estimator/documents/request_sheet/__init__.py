"""The request sheet: the customer's Excel template ⇄ the request JSON (docs/request-sheet.md).

Customers fill a copy of `request-template.xlsx` (sheet "견적요청", instructions on "안내").
`import_request_sheet` reads it back into a request dict that passes `parse_request` and reports every
problem as a `Finding` that names the exact cell; `export_request_sheet` writes a request into the same
template, so that export → import gives the request back in the normal form of `normalize_request`.

An uploaded file is hostile until proven otherwise: the archive is judged from its zip directory before
anything is decompressed (upload size, declared sizes, compression ratio, member count), the sheet is
read with openpyxl's streaming reader (which parses XML through defusedxml when it is installed), and
reading stops at the row limit.

The modules: `messages` (names, limits, results, the findings' texts), `columns` (vocabularies,
converters, the table's columns and each row kind's fields), `reading` (the safe upload read),
`building` (grid → request and findings), `writing` (template and export). Regenerate the committed
template with `python -m kis_estimator.documents.request_sheet`.
"""

from kis_estimator.documents.request_sheet.building import normalize_request
from kis_estimator.documents.request_sheet.messages import (
    GUIDE_SHEET_NAME,
    MAX_COMPRESSION_RATIO,
    MAX_DATA_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_UPLOAD_BYTES,
    SHEET_NAME,
    TEMPLATE_PATH,
    Finding,
    SheetImport,
)
from kis_estimator.documents.request_sheet.reading import import_request_sheet, import_to_json
from kis_estimator.documents.request_sheet.writing import export_request_sheet, write_template

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
