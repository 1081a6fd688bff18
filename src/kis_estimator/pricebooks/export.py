"""A Catalog as the typed rows of the package's JSON data files (`catalog_rows`), and a book's rows
as the shop's files again (`render_price_book`: a ZIP of the three CSVs or an XLSX with the three
sheets), so that export → read_price_book gives the same catalog SHA-256."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from xlsxwriter.worksheet import Worksheet

from kis_estimator.documents.spreadsheet import workbook_writer
from kis_estimator.engine.catalog import Accessory, Breaker, Catalog, Enclosure, Range
from kis_estimator.pricebooks.columns import COLUMNS, Column, escaped, money_value
from kis_estimator.pricebooks.problems import KINDS

if TYPE_CHECKING:
    from kis_estimator.db.models import PriceBookRow

ExportFormat = Literal["zip", "xlsx"]
# Exports must not depend on the clock: the same book gives the same bytes.
_EXPORT_DATE: Final = dt.datetime(2026, 1, 1)


def _range_row(value: Range | None, *, money: bool) -> int | float | list[int | float] | None:
    if value is None:
        return None
    typed = [money_value(n) if money else n for n in (value.low, value.high)]
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


def kind_items(catalog: Catalog) -> dict[str, Sequence[object]]:
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


def _csv_cell(value: Any, column: Column) -> str:
    """A CSV cell: text and choices neutralised against formula injection (escaped), numbers as is."""
    text = _cell_text(value)
    return escaped(text) if column.type in ("text", "enum") else text


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
    book = workbook_writer(
        buffer, {"title": "KIS price book", "author": "KIS Estimator", "created": _EXPORT_DATE}
    )
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


def _write_cell(sheet: Worksheet, row: int, column: int, value: Any) -> None:
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
