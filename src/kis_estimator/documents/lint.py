"""Doc lint: the workbook must say what the engine computed.

Two levels. The static lint reads the workbook as written (formulas present, cached values equal the
engine's figures, named ranges resolve, cover fields present). The recalculation lint opens it in a real
spreadsheet engine (LibreOffice headless, forced to recalculate every formula on load), reads back
every amount, subtotal, discount, supply, total, VAT and the amount in words, and compares them to the won:
formula_loss = the number of figures that differ. Findings are gates of the quote.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kis_estimator.documents.model import QuoteDocument
from kis_estimator.documents.xlsx import COVER, CellMap
from kis_estimator.documents.xlsx_cells import WorkbookCells, read_cells
from kis_estimator.engine.model import QuoteGate

ERROR_VALUES = ("#REF!", "#NAME?", "#VALUE!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")
_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""
_PROFILE_LOCK = threading.Lock()


@dataclass(frozen=True)
class LintGate:
    id: str
    status: str  # pass | warn | fail
    value: float | str | None
    limit: float | str | None
    message: str

    def as_dict(self) -> QuoteGate:
        return {
            "id": self.id,
            "status": self.status,
            "value": self.value,
            "limit": self.limit,
            "message": self.message,
            "panel": None,
        }


def _split(address: str) -> tuple[str, str]:
    sheet, cell = address.rsplit("!", 1)
    return sheet.strip("'"), cell.replace("$", "")


def _expected_figures(doc: QuoteDocument, cells: CellMap) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for panel in doc.panels:
        for line in panel.lines:
            figures[cells.line_amounts[(panel.index, line.no)]] = line.amount
        figures[cells.panel_subtotals[panel.index]] = panel.subtotal
        figures[cells.cover_panel_amounts[panel.index]] = panel.amount
    figures[cells.subtotal] = doc.subtotal
    if doc.discount is not None and cells.discount and cells.supply:
        figures[cells.discount] = doc.discount.amount
        figures[cells.supply] = doc.discount.supply
    figures[cells.vat] = doc.vat
    figures[cells.total] = doc.total
    figures[cells.amount_in_words] = doc.amount_in_words
    return figures


def _differences(book: WorkbookCells, figures: dict[str, Any]) -> list[str]:
    wrong = []
    for address, expected in figures.items():
        actual = book.cell(*_split(address)).value
        if isinstance(expected, int):
            ok = (
                isinstance(actual, int | float) and round(actual) == expected and abs(actual - expected) < 0.5
            )
        else:
            ok = actual == expected
        if not ok:
            wrong.append(f"{address}: {actual!r} ≠ {expected!r}")
    return wrong


def _discount_input(doc: QuoteDocument, cells: CellMap) -> dict[str, Any]:
    """The discount's input cell (a constant the estimator edits, not a formula) and what it must hold."""
    if doc.discount is None or cells.discount_input is None:
        return {}
    given = doc.discount.percent if doc.discount.percent is not None else doc.discount.amount
    return {cells.discount_input: given}


def _error_cells(book: WorkbookCells) -> list[str]:
    return [
        f"'{sheet}'!{coordinate}: {cell.value}"
        for sheet, cells in book.sheets.items()
        for coordinate, cell in cells.items()
        if isinstance(cell.value, str) and cell.value.startswith(ERROR_VALUES)
    ]


def _names_resolve(book: WorkbookCells, doc: QuoteDocument) -> list[str]:
    wanted = ["QUOTE_SUBTOTAL", "QUOTE_VAT", "QUOTE_TOTAL"] + [
        f"PANEL_{i + 1}_SUBTOTAL" for i in range(len(doc.panels))
    ]
    if doc.discount is not None:
        wanted += ["QUOTE_DISCOUNT_INPUT", "QUOTE_DISCOUNT", "QUOTE_SUPPLY"]
    return [name for name in wanted if book.name_sheet(name) not in book.sheets]


def _cover_fields(book: WorkbookCells, doc: QuoteDocument) -> list[str]:
    text = {str(c.value) for c in book.sheets.get(COVER, {}).values() if c.value is not None}
    required = {"견적번호": doc.number, "견적일자": doc.date_text, "수신": doc.customer}
    missing = [
        label for label, value in required.items() if label not in text or not any(value in t for t in text)
    ]
    if doc.date_text[4] != "년":
        missing.append("date format")
    return missing


def static_lint(data: bytes, doc: QuoteDocument, cells: CellMap) -> list[LintGate]:
    """Gates on the workbook as written: cached figures, named ranges, cover fields."""
    book = read_cells(data)
    figures = _expected_figures(doc, cells)
    wrong = _differences(book, figures | _discount_input(doc, cells))
    not_formula = [a for a in figures if not book.cell(*_split(a)).formula]
    missing_names = _names_resolve(book, doc)
    missing_fields = _cover_fields(book, doc)
    return [
        _gate("doc_cached_values", not wrong, len(wrong), 0, "캐시 값이 엔진 값과 같음", wrong),
        _gate(
            "doc_live_formulas", not not_formula, len(not_formula), 0, "금액·소계·합계가 수식임", not_formula
        ),
        _gate(
            "doc_named_ranges", not missing_names, len(missing_names), 0, "이름 범위가 해석됨", missing_names
        ),
        _gate(
            "doc_cover_fields", not missing_fields, len(missing_fields), 0, "표지 필수 항목", missing_fields
        ),
    ]


def _gate(gate_id: str, ok: bool, value: int, limit: int, what: str, details: list[str]) -> LintGate:
    message = what + (" ✔" if ok else ": " + "; ".join(details[:5]))
    return LintGate(gate_id, "pass" if ok else "fail", value, limit, message)


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile_dir() -> Path:
    """A LibreOffice user profile that recalculates every formula on load (made once per process)."""
    profile = Path(tempfile.gettempdir()) / "kis-estimator-lo-profile"
    settings = profile / "user" / "registrymodifications.xcu"
    if not settings.exists():
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(_RECALC_ALWAYS, encoding="utf-8")
    return profile


def recalculate(data: bytes, *, timeout_s: float = 120.0) -> bytes:
    """The workbook after LibreOffice opened it, recalculated every formula and saved it again."""
    return recalculate_many([data], timeout_s=timeout_s)[0]


def recalculate_many(workbooks: list[bytes], *, timeout_s: float = 300.0) -> list[bytes]:
    """Several workbooks recalculated by one LibreOffice start (a start costs about two seconds)."""
    office = soffice_path()
    if office is None:
        raise FileNotFoundError("LibreOffice (soffice) is not installed")
    with _PROFILE_LOCK, tempfile.TemporaryDirectory(prefix="kis-lint-") as work:
        sources = []
        for index, data in enumerate(workbooks):
            source = Path(work) / f"book{index}.xlsx"
            source.write_bytes(data)
            sources.append(str(source))
        out = Path(work) / "out"
        command = [
            office,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={_profile_dir().as_uri()}",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            *sources,
        ]
        # The command line is built from fixed flags and our own temporary paths.
        subprocess.run(command, check=True, capture_output=True, timeout=timeout_s)
        return [(out / f"book{index}.xlsx").read_bytes() for index in range(len(workbooks))]


def recalculation_lint(data: bytes, doc: QuoteDocument, cells: CellMap) -> list[LintGate]:
    """formula_loss after a real recalculation, and error values anywhere in the workbook."""
    if soffice_path() is None:
        return [
            LintGate(
                "doc_recalc",
                "warn",
                None,
                0,
                "LibreOffice 없음: 재계산 검사 생략 / LibreOffice not installed",
            )
        ]
    try:
        recalculated = read_cells(recalculate(data))
    except (subprocess.SubprocessError, OSError) as exc:
        return [LintGate("doc_recalc", "warn", None, 0, f"재계산 실패 / recalculation failed: {exc}")]
    wrong = _differences(recalculated, _expected_figures(doc, cells) | _discount_input(doc, cells))
    errors = _error_cells(recalculated)
    return [
        _gate("doc_formula_loss", not wrong, len(wrong), 0, "재계산 금액이 엔진과 원 단위까지 같음", wrong),
        _gate("doc_error_values", not errors, len(errors), 0, "오류 값 없음", errors),
    ]
