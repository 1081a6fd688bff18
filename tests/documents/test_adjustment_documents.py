"""Price adjustments in the documents and the evidence: the workbook's live discount cell (recalculated by
LibreOffice after an edit), the PDF's 소계 / 할인 / 공급가액 / 부가세 / 합계 and the list prices of adjusted
lines, and `adjustments.json` in the evidence pack."""

from __future__ import annotations

import copy
import io
import json
import shutil
from typing import Any

import openpyxl
import pytest

from kis_estimator.documents.lint import recalculate, recalculation_lint, soffice_path, static_lint
from kis_estimator.documents.model import Company, Terms, build_document
from kis_estimator.documents.pdf.quote import render_pdf
from kis_estimator.documents.xlsx import COVER, DETAIL, render_xlsx_with_map
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import DocumentOptions, run_pipeline
from tests.documents.test_pdf import pdftotext
from tests.factories import DOMAIN_S8, IDENTITY, requires_tool

NEEDS_LIBREOFFICE = requires_tool(soffice_path() is not None, "LibreOffice")
NEEDS_POPPLER = requires_tool(shutil.which("pdftotext") is not None, "poppler-utils")


def _document(quote: dict[str, Any]) -> Any:
    return build_document(quote, Company(name="대한전기"), Terms(), evidence_hash="ab" * 32)


def _value(book: Any, address: str) -> Any:
    sheet, cell = address.rsplit("!", 1)
    return book[sheet.strip("'")][cell.replace("$", "")].value


def _adjusted(discount: dict[str, Any] | None = None, range_choice: Any = None) -> dict[str, Any]:
    """DOMAIN_S8 with a discount, the main ABN-204 overridden to 140,000 (협상가), and an extra LS MCCB
    4P 100A branch (ABN-104, 54,300~87,300) at `range_choice`."""
    raw = copy.deepcopy(DOMAIN_S8)
    if discount is not None:
        raw["discount"] = discount
    raw["panels"][0]["main"]["unit_price"] = {"value": 140_000, "reason": "협상가"}
    branch: dict[str, Any] = {"type": "MCCB", "poles": 4, "trip_at": 100, "qty": 1}
    if range_choice is not None:
        branch["unit_price"] = {"value": range_choice}
    raw["panels"][0]["branches"].append(branch)
    return raw


def _with_discount(discount: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(DOMAIN_S8), "discount": discount}


def test_the_cover_shows_subtotal_discount_supply_vat_total(quote_of: Any) -> None:
    quote = quote_of(_with_discount({"percent": 5}))
    document = _document(quote)
    data, cells = render_xlsx_with_map(document)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert cells.discount_input and cells.discount and cells.supply
    assert _value(book, cells.discount_input) == 5  # its own cell, a constant the estimator edits
    assert "ROUND" in _value(book, cells.discount) and cells.discount_input.split("!")[1] in _value(
        book, cells.discount
    )
    labels = [
        str(row[0].value) for row in book[COVER].iter_rows() if row[0].value and row[6].value is not None
    ]
    assert labels[-5:] == ["소계", "할인", "공급가액", "부가세 (10%)", "합계 (부가세포함)"]
    assert {"QUOTE_DISCOUNT_INPUT", "QUOTE_DISCOUNT", "QUOTE_SUPPLY"} <= set(book.defined_names)
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    assert [
        _value(cached, c) for c in (cells.subtotal, cells.discount, cells.supply, cells.vat, cells.total)
    ] == [
        1_664_700,
        83_235,
        1_581_465,
        158_147,
        1_739_612,
    ]
    assert all(g.status == "pass" for g in static_lint(data, document, cells))


def test_the_static_lint_catches_a_discount_cell_that_disagrees(quote_of: Any) -> None:
    quote = quote_of(_with_discount({"percent": 5}))
    document = _document(quote)
    data, cells = render_xlsx_with_map(document)
    wrong = _document({**quote, "totals": {**quote["totals"], "discount": 80_000}})
    gates = {g.id: g for g in static_lint(data, wrong, cells)}
    assert gates["doc_cached_values"].status == "fail" and "80000" in gates["doc_cached_values"].message


def test_a_quote_without_a_discount_keeps_its_three_total_rows(quote_of: Any) -> None:
    data, cells = render_xlsx_with_map(_document(quote_of(copy.deepcopy(DOMAIN_S8))))
    assert cells.discount is None and cells.supply is None and cells.discount_input is None
    book = openpyxl.load_workbook(io.BytesIO(data))
    cover_text = {str(c.value) for row in book[COVER].iter_rows() for c in row if c.value is not None}
    assert "합계" in cover_text and "공급가액" not in cover_text and "할인" not in cover_text


@NEEDS_LIBREOFFICE
@pytest.mark.parametrize(
    ("given", "edited", "new_discount"),
    [
        ({"percent": 5}, 7.5, {"percent": 7.5}),
        ({"percent": 5}, 1.5, {"percent": 1.5}),  # the discount ties at .5: 24,970.5 → 24,971
        ({"amount": 50_000}, 83_235, {"amount": 83_235}),  # the supply's VAT ties: 158,146.5 → 158,147
    ],
)
def test_editing_the_discount_cell_recalculates_like_the_engine(
    quote_of: Any, given: dict[str, Any], edited: float, new_discount: dict[str, Any]
) -> None:
    data, cells = render_xlsx_with_map(_document(quote_of(_with_discount(given))))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert cells.discount_input is not None
    sheet, cell = cells.discount_input.rsplit("!", 1)
    book[sheet.strip("'")][cell.replace("$", "")].value = edited
    out = io.BytesIO()
    book.save(out)
    result = openpyxl.load_workbook(io.BytesIO(recalculate(out.getvalue())), data_only=True)
    engine = quote_of(_with_discount(new_discount))["totals"]
    assert cells.discount and cells.supply
    recalculated = {
        key: _value(result, address)
        for key, address in (
            ("subtotal", cells.subtotal),
            ("discount", cells.discount),
            ("supply", cells.supply),
            ("vat", cells.vat),
            ("total", cells.total),
            ("amount_in_words", cells.amount_in_words),
        )
    }
    assert recalculated == {key: engine[key] for key in recalculated}


@NEEDS_LIBREOFFICE
def test_the_recalculation_lint_passes_for_adjusted_quotes(quote_of: Any) -> None:
    for raw in (_adjusted({"percent": 1.5}, "low"), _adjusted({"amount": 50_000}, 60_000)):
        document = _document(quote_of(raw))
        data, cells = render_xlsx_with_map(document)
        gates = {g.id: g for g in recalculation_lint(data, document, cells)}
        assert gates["doc_formula_loss"].status == "pass", gates["doc_formula_loss"].message
        assert gates["doc_error_values"].status == "pass"


def test_adjusted_lines_show_the_list_price_in_the_workbook(quote_of: Any) -> None:
    quote = quote_of(_adjusted(range_choice="low"))
    data, _ = render_xlsx_with_map(_document(quote))
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(data))[DETAIL].iter_rows()]
    main = next(r for r in rows if r[7] and str(r[7]).startswith("MAIN ABN-204"))
    assert main[5] == 140_000 and main[7] == "MAIN ABN-204 · 정가 154,000, 협상가"
    ranged = next(r for r in rows if r[7] and str(r[7]).startswith("ABN-104"))
    assert ranged[5] == 54_300 and ranged[7] == "ABN-104 · 정가 87,300 (범위 54,300~87,300)"


def test_the_range_choice_and_override_change_the_totals(quote_of: Any) -> None:
    high = quote_of(_adjusted(range_choice=None))
    low = quote_of(_adjusted(range_choice="low"))
    inside = quote_of(_adjusted(range_choice=60_000))
    assert high["totals"]["subtotal"] - low["totals"]["subtotal"] == 87_300 - 54_300
    assert high["totals"]["subtotal"] - inside["totals"]["subtotal"] == 87_300 - 60_000
    plain = quote_of(copy.deepcopy(DOMAIN_S8))
    # the override (154,000 → 140,000) and the extra ABN-104 at the range's high end; the box is unchanged
    assert plain["panels"][0]["enclosure"]["model"] == high["panels"][0]["enclosure"]["model"]


@NEEDS_POPPLER
def test_the_pdf_shows_the_discount_rows_and_the_list_prices(quote_of: Any) -> None:
    quote = quote_of(_adjusted({"percent": 1.5}, "low"))
    totals = quote["totals"]
    text = pdftotext(render_pdf(_document(quote)))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for label, amount in (
        ("소계", f"{totals['subtotal']:,}"),
        ("할인 (1.5%)", f"-{totals['discount']:,}"),
        ("공급가액", f"{totals['supply']:,}"),
        ("부가세", f"{totals['vat']:,}"),
        ("합계 (부가세포함)", f"{totals['total']:,}"),
    ):
        assert f"{label} {amount}" in lines, (label, amount)
    flat = " ".join(text.split())
    assert "정가 154,000" in flat and "140,000" in flat and "협상가" in flat
    # the 비고 column wraps "ABN-104 · 정가 87,300 (범위 54,300~87,300)" over three lines
    assert "ABN-104 · 정가" in flat and "87,300 (범위" in flat and "54,300~87,300)" in flat


@NEEDS_POPPLER
def test_the_pdf_of_a_quote_without_a_discount_has_no_supply_row(quote_of: Any) -> None:
    text = pdftotext(render_pdf(_document(quote_of(copy.deepcopy(DOMAIN_S8)))))
    assert "공급가액" not in text and "할인" not in text and "정가" not in text


def test_the_evidence_records_every_adjustment_and_who(catalog: Catalog, rules: Rulebook) -> None:
    options = DocumentOptions(actor="key:7")
    result = run_pipeline(
        _adjusted({"amount": 50_000, "reason": "NEGO"}, "low"), catalog, rules, IDENTITY, documents=options
    )
    assert result.evidence is not None
    record = json.loads(result.evidence.files["adjustments.json"])
    assert record["by"] == "key:7"
    assert [
        (a["what"], a["path"], a["from"], a["to"], a["reason"], a["by"]) for a in record["adjustments"]
    ] == [
        ("unit_price", "panels.0.main.unit_price", 154_000, 140_000, "협상가", "key:7"),
        ("unit_price", "panels.0.branches.3.unit_price", 87_300, 54_300, None, "key:7"),
        ("discount", "discount", 1_705_800, 1_655_800, "NEGO", "key:7"),
    ]
    assert "adjustments.json" in result.evidence.manifest["files"]
    pricing = json.loads(result.evidence.files["stages/pricing.json"])
    main = pricing["panels"][0]["lines"][1]
    assert main["unit_price"] == 140_000 and main["adjustment"]["list_price"] == 154_000
    assert pricing["totals"]["discount"] == 50_000


def test_a_quote_without_adjustments_has_no_adjustments_file(catalog: Catalog, rules: Rulebook) -> None:
    result = run_pipeline(
        copy.deepcopy(DOMAIN_S8), catalog, rules, IDENTITY, documents=DocumentOptions(actor="key:7")
    )
    assert result.evidence is not None and "adjustments.json" not in result.evidence.files
    assert "adjustments" not in result.quote
