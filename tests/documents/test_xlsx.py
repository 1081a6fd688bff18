"""The workbook: live formulas with cached values, named ranges, and a real recalculation by LibreOffice."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from xlsxwriter.worksheet import Worksheet

from kis_estimator.documents.lint import (
    recalculate,
    recalculate_many,
    recalculation_lint,
    soffice_path,
    static_lint,
)
from kis_estimator.documents.model import Company, Terms, build_document
from kis_estimator.documents.xlsx import (
    COVER,
    DETAIL,
    korean_words_formula,
    new_workbook,
    render_xlsx,
    render_xlsx_with_map,
)
from kis_estimator.documents.xlsx_cells import read_cells
from kis_estimator.ops.regression import load_cases
from tests.factories import DOMAIN_S8, ROOT, requires_tool

GOLDSET = ROOT / "tests" / "regression" / "goldset"
NEEDS_LIBREOFFICE = requires_tool(soffice_path() is not None, "LibreOffice")


def _document(quote: dict[str, Any]) -> Any:
    return build_document(quote, Company(name="대한전기"), Terms(), evidence_hash="ab" * 32)


def _value(book: Any, address: str) -> Any:
    sheet, cell = address.rsplit("!", 1)
    return book[sheet.strip("'")][cell.replace("$", "")].value


def _all_quotes(quote_of: Any) -> list[dict[str, Any]]:
    requests = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]
    requests += [c["request"] for c in load_cases(GOLDSET) if "error" not in c["expect"]]
    return [quote_of(r) for r in requests]


def _assert_figures(book: Any, quote: dict[str, Any], cells: Any) -> None:
    for index, panel in enumerate(quote["panels"]):
        for line in panel["lines"]:
            assert _value(book, cells.line_amounts[(index, line["no"])]) == line["amount"]
        assert _value(book, cells.panel_subtotals[index]) == panel["subtotal"]
        assert _value(book, cells.cover_panel_amounts[index]) == panel["amount"]
    totals = quote["totals"]
    assert (_value(book, cells.subtotal), _value(book, cells.vat), _value(book, cells.total)) == (
        totals["subtotal"],
        totals["vat"],
        totals["total"],
    )
    assert _value(book, cells.amount_in_words) == totals["amount_in_words"]


def test_workbook_sheets_names_and_formulas(quote_of: Any) -> None:
    quote = quote_of(DOMAIN_S8)
    data, cells = render_xlsx_with_map(_document(quote))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [COVER, DETAIL]
    assert set(book.defined_names) == {"QUOTE_SUBTOTAL", "QUOTE_VAT", "QUOTE_TOTAL", "PANEL_1_SUBTOTAL"}
    assert _value(book, cells.line_amounts[(0, 2)]).startswith("=ROUND(E")
    assert _value(book, cells.panel_subtotals[0]).startswith("=SUM(G")
    assert _value(book, cells.cover_panel_amounts[0]).startswith("=ROUND(")
    cover_text = [str(c.value) for row in book[COVER].iter_rows() for c in row if c.value is not None]
    for expected in (
        "견 적 서",
        "2026년 11월 22일",
        "동양기전 귀하 (김과장)",
        "신축공장 동력설비",
        "대한전기",
        "700×1200×200",
    ):
        assert any(expected in text for text in cover_text), expected
    sheet = book[DETAIL]
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "portrait"


def test_cached_values_match_the_quote_for_every_example_and_goldset_case(quote_of: Any) -> None:
    for quote in _all_quotes(quote_of):
        data, cells = render_xlsx_with_map(_document(quote))
        _assert_figures(openpyxl.load_workbook(io.BytesIO(data), data_only=True), quote, cells)
        assert all(g.status == "pass" for g in static_lint(data, _document(quote), cells)), quote["number"]


@NEEDS_LIBREOFFICE
def test_libreoffice_recalculation_matches_for_every_example_and_goldset_case(quote_of: Any) -> None:
    quotes = _all_quotes(quote_of)
    rendered = [render_xlsx_with_map(_document(q)) for q in quotes]
    recalculated = recalculate_many([data for data, _ in rendered])
    for quote, (_, cells), data in zip(quotes, rendered, recalculated, strict=True):
        _assert_figures(openpyxl.load_workbook(io.BytesIO(data), data_only=True), quote, cells)


def _with_wrong_cached_values(data: bytes) -> bytes:
    """The same workbook with every cached formula result replaced by 0 (a lying viewer cache)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1<v>0</v>", content)
            target.writestr(item, content)
    return out.getvalue()


@NEEDS_LIBREOFFICE
def test_recalculation_really_recalculates_and_lint_catches_lies(quote_of: Any) -> None:
    quote = quote_of(DOMAIN_S8)
    document = _document(quote)
    data, cells = render_xlsx_with_map(document)
    lying = _with_wrong_cached_values(data)
    static = {g.id: g.status for g in static_lint(lying, document, cells)}
    assert static["doc_cached_values"] == "fail"
    recalc = {g.id: g for g in recalculation_lint(lying, document, cells)}
    assert recalc["doc_formula_loss"].status == "pass" and recalc["doc_formula_loss"].value == 0
    assert recalc["doc_error_values"].status == "pass"


@NEEDS_LIBREOFFICE
def test_editing_a_quantity_flows_to_every_total(quote_of: Any) -> None:
    quote = quote_of(DOMAIN_S8)
    data, cells = render_xlsx_with_map(_document(quote))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[DETAIL]
    row = next(r for r in sheet.iter_rows() if r[1].value == "ELCB" and str(r[2].value).startswith("2P"))
    assert row[4].value == 12
    row[4].value = 24  # twelve more 32GRHS at 10,300
    edited = io.BytesIO()
    book.save(edited)
    result = openpyxl.load_workbook(io.BytesIO(recalculate(edited.getvalue())), data_only=True)
    subtotal = 1_664_700 + 12 * 10_300
    assert _value(result, cells.panel_subtotals[0]) == subtotal
    assert _value(result, cells.subtotal) == subtotal
    assert _value(result, cells.vat) == round(subtotal * 0.1)
    assert _value(result, cells.total) == subtotal + round(subtotal * 0.1) == 1_967_130
    assert _value(result, cells.amount_in_words) == "일금 일백구십육만칠천일백삼십원정"


def test_identical_input_gives_identical_bytes(quote_of: Any, tmp_path: Path) -> None:
    quote = quote_of(DOMAIN_S8)
    assert render_xlsx(_document(quote)) == render_xlsx(_document(quote))
    with zipfile.ZipFile(io.BytesIO(render_xlsx(_document(quote)))) as book:
        core = book.read("docProps/core.xml").decode()
    assert "2026-11-22T00:00:00Z" in core


def test_formulas_are_written_as_xlsxwriter_writes_them() -> None:
    """The workbook's sheets skip XlsxWriter's search for Excel 365 functions only where it finds none."""
    formulas = [
        "=ROUND(E5*F5,0)",
        "=SUM(G4:G20)",
        f"='{DETAIL}'!$G$12",
        korean_words_formula("$G$30"),
        "=XLOOKUP(A1,B1:B9,C1:C9)",  # renamed by XlsxWriter: "_xlfn.XLOOKUP"
        "=IF(A1>0,SORT(B1:B9),0)",  # a classic function around a renamed one
        '="ROUND("&FILTER(A1:A9,B1:B9)',
        "{=SUM(A1:A9*B1:B9)}",  # an array formula's braces
    ]
    sheet = new_workbook(io.BytesIO()).add_worksheet()
    assert type(sheet) is not Worksheet
    for formula in formulas:
        assert sheet._prepare_formula(formula) == Worksheet._prepare_formula(sheet, formula), formula
    assert sheet._prepare_formula("=XLOOKUP(A1,B1:B9,C1:C9)") == "_xlfn.XLOOKUP(A1,B1:B9,C1:C9)"


def test_the_cell_reader_refuses_a_sheet_with_a_dtd(quote_of: Any) -> None:
    """A part declaring entities (the billion laughs) is refused, as defusedxml refuses it."""
    original = render_xlsx(_document(quote_of(DOMAIN_S8)))
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                declaration, rest = data.split(b"?>", 1)
                data = declaration + b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + rest
            target.writestr(item, data)
    assert read_cells(original).sheets[COVER]
    with pytest.raises(ValueError):
        read_cells(tampered.getvalue())
