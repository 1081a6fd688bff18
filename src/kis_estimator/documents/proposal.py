"""The multi-option proposal workbook (`proposal.xlsx`): sheet 비교 (comparison) first, then one detail
sheet per option (대안 A, 대안 B, …) written with the quote workbook's own panel blocks and total rows.

Every figure is a live formula carrying the engine's value: a line's 금액, a panel's 소계, an option's
합계/부가세/총액 on its sheet, and on 비교 each option's subtotal, VAT, total and difference from option A,
which reference the option sheets. Named ranges OPTION_<label>_SUBTOTAL / _VAT / _TOTAL point at 비교.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from kis_estimator.documents.model import QuoteDocument
from kis_estimator.documents.xlsx import (
    DETAIL_WIDTHS,
    _created,
    _Formats,
    _page_setup,
    _write_panel_block,
    new_workbook,
    write_panel_row,
    write_total_rows,
)

__all__ = ["COMPARISON", "ProposalCells", "ProposalOption", "option_sheet", "render_proposal_xlsx"]

COMPARISON = "비교"
COMPARISON_HEADERS = ("대안", "내용", "합계 (공급가액)", "부가세", "총액 (부가세포함)", "A 대비 차이")
COMPARISON_WIDTHS = (8, 40, 18, 14, 18, 16)


@dataclass(frozen=True)
class ProposalOption:
    """One option of a proposal: its label (A, B, C), what it changes, in words, and its document."""

    label: str
    title: str
    document: QuoteDocument


@dataclass(frozen=True)
class ProposalCells:
    """Where each option's figures live (label → meaning → 'sheet'!cell), for tests and lint."""

    comparison: dict[str, dict[str, str]]  # subtotal, vat, total, difference
    options: dict[str, dict[str, str]]  # subtotal, vat, total (and discount, supply) on the option sheet
    line_amounts: dict[str, dict[tuple[int, int], str]]  # (panel index, line no) → 금액 cell
    panel_subtotals: dict[str, dict[int, str]]


def option_sheet(label: str) -> str:
    return f"대안 {label}"


def _write_option(
    book: Any, fmt: _Formats, option: ProposalOption
) -> tuple[dict[str, str], dict[tuple[int, int], str], dict[int, str]]:
    name = option_sheet(option.label)
    doc = option.document
    sheet = book.add_worksheet(name)
    _page_setup(sheet, DETAIL_WIDTHS, None, f"&L{doc.number}&C&P / &N&R{name}")
    sheet.write(0, 0, f"{name}: {option.title}  ({doc.number})", fmt.label)
    row = 2
    line_amounts: dict[tuple[int, int], str] = {}
    subtotals: dict[int, str] = {}
    for panel in doc.panels:
        row, subtotal, amounts = _write_panel_block(sheet, fmt, panel, row)
        subtotals[panel.index] = subtotal
        line_amounts.update({(panel.index, no): f"'{name}'!{cell}" for no, cell in amounts.items()})
    sheet.write(row, 0, "외함별 금액", fmt.panel_title)
    row += 1
    first = row
    for panel in doc.panels:
        write_panel_row(sheet, fmt, row, panel, subtotals[panel.index])
        row += 1
    panel_amounts = f"{xl_rowcol_to_cell(first, 6)}:{xl_rowcol_to_cell(row - 1, 6)}"
    row, cells = write_total_rows(sheet, fmt, doc, row, panel_amounts)
    sheet.print_area(0, 0, row - 1, 7)
    qualified = {key: f"'{name}'!{cell}" for key, cell in cells.items()}
    return qualified, line_amounts, {i: f"'{name}'!{cell}" for i, cell in subtotals.items()}


def _write_comparison(
    book: Any, sheet: Any, fmt: _Formats, options: list[ProposalOption], cells: dict[str, dict[str, str]]
) -> dict[str, dict[str, str]]:
    first = options[0].document
    _page_setup(sheet, COMPARISON_WIDTHS, None, f"&L{first.number}&C&P / &N&R대안 비교")
    sheet.merge_range(0, 0, 0, len(COMPARISON_HEADERS) - 1, "대 안 비 교", fmt.title)
    sheet.set_row(0, 36)
    sheet.write(2, 0, "수신", fmt.label)
    sheet.write_string(2, 1, f"{first.customer} 귀하", fmt.text)
    sheet.write(3, 0, "건명", fmt.label)
    sheet.write_string(3, 1, first.project, fmt.text)
    sheet.write(4, 0, "견적일자", fmt.label)
    sheet.write_string(4, 1, first.date_text, fmt.text)
    row = 6
    for column, header in enumerate(COMPARISON_HEADERS):
        sheet.write(row, column, header, fmt.header)
    row += 1
    found: dict[str, dict[str, str]] = {}
    base_total = ""
    for option in options:
        doc, source = option.document, cells[option.label]
        # without a discount the option's subtotal is what VAT is taken of; with one, its supply
        supply = source.get("supply", source["subtotal"])
        supply_value = doc.discount.supply if doc.discount is not None else doc.subtotal
        sheet.write_string(row, 0, option.label, fmt.center)
        sheet.write_string(row, 1, option.title, fmt.cell)
        sheet.write_formula(row, 2, f"={supply}", fmt.money, supply_value)
        sheet.write_formula(row, 3, f"={source['vat']}", fmt.money, doc.vat)
        sheet.write_formula(row, 4, f"={source['total']}", fmt.money_bold, doc.total)
        here = {
            key: xl_rowcol_to_cell(row, column, row_abs=True, col_abs=True)
            for key, column in (("subtotal", 2), ("vat", 3), ("total", 4), ("difference", 5))
        }
        base_total = base_total or here["total"]
        sheet.write_formula(row, 5, f"={here['total']}-{base_total}", fmt.money, doc.total - first.total)
        for key in ("subtotal", "vat", "total"):
            book.define_name(f"OPTION_{option.label}_{key.upper()}", f"='{COMPARISON}'!{here[key]}")
        found[option.label] = {key: f"'{COMPARISON}'!{cell}" for key, cell in here.items()}
        row += 1
    sheet.write(row + 1, 0, "각 대안의 상세는 시트 '대안 A', '대안 B' … 에 있습니다.", fmt.text)
    sheet.print_area(0, 0, row + 1, len(COMPARISON_HEADERS) - 1)
    return found


def render_proposal_xlsx(options: list[ProposalOption]) -> tuple[bytes, ProposalCells]:
    """The proposal workbook's bytes and where its figures are. `options` in order, A first."""
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    first = options[0].document
    book.set_properties(
        {"title": f"대안 비교 {first.number}", "author": first.company.name, "created": _created(first)}
    )
    book.set_calc_mode("auto")
    fmt = _Formats(book)
    comparison = book.add_worksheet(COMPARISON)
    option_cells: dict[str, dict[str, str]] = {}
    line_amounts: dict[str, dict[tuple[int, int], str]] = {}
    panel_subtotals: dict[str, dict[int, str]] = {}
    for option in options:
        cells, lines, subtotals = _write_option(book, fmt, option)
        option_cells[option.label] = cells
        line_amounts[option.label] = lines
        panel_subtotals[option.label] = subtotals
    found = _write_comparison(book, comparison, fmt, options, option_cells)
    book.close()
    return buffer.getvalue(), ProposalCells(found, option_cells, line_amounts, panel_subtotals)
