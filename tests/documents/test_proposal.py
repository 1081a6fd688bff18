"""The multi-option proposal: the workbook recalculated by LibreOffice equals the engine for every
option, the PDF's first page compares the options, the evidence pack holds every option's calculation."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from typing import Any

import pytest

from kis_estimator.documents.lint import recalculate, soffice_path
from kis_estimator.documents.proposal import COMPARISON
from kis_estimator.documents.xlsx_cells import WorkbookCells, read_cells
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.model import Quote
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import DocumentOptions, run_pipeline
from kis_estimator.services.proposal import Proposal, parse_option, proposal_of_request
from tests.documents.test_pdf import pdftotext
from tests.documents.test_xlsx import _with_wrong_cached_values
from tests.factories import DOMAIN_S8, IDENTITY, requires_tool

NEEDS_LIBREOFFICE = requires_tool(soffice_path() is not None, "LibreOffice")
SPECS: list[dict[str, Any]] = [
    {"brand": "LS", "grade": "ECONOMY"},
    {"brand": "SANGDO", "grade": "ECONOMY"},
    {"brand": "LS", "grade": "STANDARD", "material": "SUS201"},
]


def _proposal(catalog: Catalog, rules: Rulebook, raw: Any, specs: Any = SPECS) -> Proposal:
    return proposal_of_request(
        raw,
        specs,
        catalog,
        rules,
        DocumentOptions(),
        created_at="2026-12-03T10:00:00+09:00",
        token="abc123def",
    )


@pytest.fixture(scope="module")
def made(catalog: Catalog, rules: Rulebook) -> Proposal:
    return _proposal(catalog, rules, copy.deepcopy(DOMAIN_S8))


@pytest.fixture(scope="module")
def fresh(catalog: Catalog, rules: Rulebook, made: Proposal) -> dict[str, Quote]:
    """Each option's request estimated afresh by the pipeline, as a quote of its own would be."""
    return {o["label"]: run_pipeline(o["request"], catalog, rules, IDENTITY).quote for o in made.options}


def _value(book: WorkbookCells, address: str) -> Any:
    sheet, cell = address.rsplit("!", 1)
    return book.cell(sheet.strip("'"), cell.replace("$", "")).value


def _assert_figures(book: WorkbookCells, made: Proposal, fresh: dict[str, Quote]) -> None:
    cells = made.cells
    for label, quote in fresh.items():
        totals = quote["totals"]
        for key in ("subtotal", "vat", "total"):
            assert _value(book, cells.comparison[label][key]) == totals[key], (label, key)
            assert _value(book, cells.options[label][key]) == totals[key], (label, key)
        difference = totals["total"] - fresh["A"]["totals"]["total"]
        assert _value(book, cells.comparison[label]["difference"]) == difference
        for p, panel in enumerate(quote["panels"]):
            assert _value(book, cells.panel_subtotals[label][p]) == panel["subtotal"]
            for line in panel["lines"]:
                assert _value(book, cells.line_amounts[label][(p, line["no"])]) == line["amount"]


def test_each_option_is_the_request_with_its_changes(made: Proposal, fresh: dict[str, Quote]) -> None:
    assert [o["label"] for o in made.options] == ["A", "B", "C"]
    for option in made.options:
        assert option["totals"] == {
            k: fresh[option["label"]]["totals"][k] for k in ("subtotal", "vat", "total")
        }
    requests = {o["label"]: o["request"] for o in made.options}
    assert requests["A"]["brand"] == "LS" and requests["B"]["brand"] == "SANGDO"
    assert all(p["enclosure"]["material"] == "SUS201" for p in requests["C"]["panels"])
    assert len({o["totals"]["total"] for o in made.options}) == 3  # three different prices


def test_summary_cells_are_formulas_into_the_option_sheets(made: Proposal, fresh: dict[str, Quote]) -> None:
    book = read_cells(made.workbook)
    assert list(book.sheets) == [COMPARISON, "대안 A", "대안 B", "대안 C"]
    for label, cells in made.cells.comparison.items():
        for key in ("subtotal", "vat", "total"):
            sheet, cell = cells[key].rsplit("!", 1)
            formula = book.cell(sheet.strip("'"), cell.replace("$", "")).formula
            assert formula is not None and f"대안 {label}" in formula
        assert book.name_sheet(f"OPTION_{label}_TOTAL") == COMPARISON
    _assert_figures(book, made, fresh)  # the cached values


@NEEDS_LIBREOFFICE
def test_libreoffice_recalculation_equals_the_engine_for_every_option(
    made: Proposal, fresh: dict[str, Quote]
) -> None:
    # every cached result zeroed first: what is read back is LibreOffice's own arithmetic
    recalculated = read_cells(recalculate(_with_wrong_cached_values(made.workbook)))
    _assert_figures(recalculated, made, fresh)


def test_pdf_compares_the_options_on_its_first_page(made: Proposal, fresh: dict[str, Quote]) -> None:
    pages = pdftotext(made.pdf).split("\f")
    first = pages[0]
    assert "대안비교" in first.replace(" ", "")
    for label in ("A", "B", "C"):
        assert f"{fresh[label]['totals']['total']:,}" in first
    assert "LS · 경제형" in first and "상도 · 경제형" in first and "LS · 표준형 · SUS201" in first
    assert "대안 A" in pages[1] and "대안 C" in pages[-2]  # then each option's summary
    assert (
        f"{made.number}-A" in pages[1] and f"{made.number} " in first
    )  # the proposal's number in the footer


def test_evidence_pack_holds_every_options_calculation(made: Proposal) -> None:
    files = zipfile.ZipFile(io.BytesIO(made.zip_bytes())).namelist()
    for label in ("A", "B", "C"):
        stages = [
            f"stages/{s}.json" for s in ("validate", "resolve", "enclosure", "placement", "critic", "pricing")
        ]
        for path in (*stages, "manifest.json", "SHA256SUMS", "documents/quote.xlsx", "documents/quote.pdf"):
            assert f"options/{label}/{path}" in files
    assert {"documents/proposal.xlsx", "documents/proposal.pdf", "proposal.json", "manifest.json"} <= set(
        files
    )
    manifest = json.loads(made.files["manifest.json"])
    assert set(manifest["files"]) == set(made.files) - {"manifest.json", "SHA256SUMS"}
    summary = json.loads(made.files["proposal.json"])
    assert [o["number"] for o in summary["options"]] == [f"{made.number}-{x}" for x in "ABC"]


def test_wrong_options_are_refused_with_their_path(catalog: Catalog, rules: Rulebook) -> None:
    with pytest.raises(RequestRejected) as one:
        _proposal(catalog, rules, copy.deepcopy(DOMAIN_S8), [{"brand": "LS"}])
    assert one.value.problems[0].path == "options"
    with pytest.raises(RequestRejected) as wrong:
        _proposal(catalog, rules, copy.deepcopy(DOMAIN_S8), [{"brand": "ABB"}, {"colour": "red"}, "x"])
    assert [p.path for p in wrong.value.problems] == ["options.0.brand", "options.1.colour", "options.2"]


def test_parse_option() -> None:
    assert parse_option("brand=LS, grade=ECONOMY") == {"brand": "LS", "grade": "ECONOMY"}
    assert parse_option("") == {}
