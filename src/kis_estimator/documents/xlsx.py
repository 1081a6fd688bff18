"""The quotation workbook (`quote.xlsx`): sheet 표지 (cover) and sheet 견적서 (detail), live formulas.

Every amount, subtotal and total is a formula that also carries the engine's value, so a viewer that
does not recalculate still shows the numbers and an edited quantity or unit price flows downstream.
Named ranges: QUOTE_SUBTOTAL, QUOTE_VAT, QUOTE_TOTAL and PANEL_n_SUBTOTAL (n from 1); with a discount
also QUOTE_DISCOUNT_INPUT (the percentage or amount, the one cell to edit), QUOTE_DISCOUNT and QUOTE_SUPPLY.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from kis_estimator.documents.model import DocumentPanel, QuoteDocument

COVER = "표지"
DETAIL = "견적서"
DETAIL_HEADERS = ("번호", "품명", "규격", "단위", "수량", "단가", "금액", "비고")
DETAIL_WIDTHS = (6, 18, 26, 6, 8, 12, 14, 18)
COVER_HEADERS = ("번호", "품명", "규격", "단위", "수량", "단가", "금액", "비고")
COVER_WIDTHS = (6, 18, 20, 6, 8, 14, 16, 16)
_DIGITS = ("일", "이", "삼", "사", "오", "육", "칠", "팔", "구")
_SMALL = ("천", "백", "십", "")
_LARGE = ("억", "만", "")
# The functions our formulas call: all known to every Excel, none renamed by XlsxWriter ("_xlfn.")
_CLASSIC_FUNCTIONS = frozenset({"CHOOSE", "IF", "MID", "ROUND", "SUM", "TEXT", "VALUE"})
_FUNCTION_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")


@dataclass(frozen=True)
class CellMap:
    """Where the figures live, for doc lint and tests: sheet!cell addresses by meaning."""

    line_amounts: dict[tuple[int, int], str]  # (panel index, line no) → 견적서 cell of 금액
    panel_subtotals: dict[int, str]
    cover_panel_amounts: dict[int, str]
    subtotal: str
    vat: str
    total: str
    amount_in_words: str
    discount: str | None = None  # with a discount: its amount, the supply, and the input cell
    supply: str | None = None
    discount_input: str | None = None  # the percentage (or the amount) the estimator may edit


def korean_words_formula(total_cell: str) -> str:
    """A spreadsheet formula spelling `total_cell` like the engine does ("일금 …원정"), up to 999,999,999,999."""
    digits = f'TEXT({total_cell},"000000000000")'
    parts = []
    for group, large in enumerate(_LARGE):
        for position, small in enumerate(_SMALL):
            index = group * 4 + position + 1
            digit = f"MID({digits},{index},1)"
            choose = ",".join(f'"{d}"' for d in _DIGITS)
            parts.append(f'IF({digit}="0","",CHOOSE(VALUE({digit}),{choose})&"{small}")')
        if large:
            parts.append(f'IF(VALUE(MID({digits},{group * 4 + 1},4))>0,"{large}","")')
    spelled = "&".join(parts)
    return f'="일금 "&IF({total_cell}=0,"영",{spelled})&"원정"'


class _Sheet(Worksheet):  # type: ignore[misc]  # XlsxWriter has no type information
    """XlsxWriter's worksheet, without its search for Excel 365 functions in formulas that call none.

    XlsxWriter runs some 30 regular expressions over every formula, to prefix the dynamic-array functions
    with "_xlfn." (a fifth of the workbook's CPU). A formula calling only _CLASSIC_FUNCTIONS is written as
    XlsxWriter would write it, less the leading "=", without them; any other goes through XlsxWriter.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if (
            not expand_future_functions
            and not self.use_future_functions
            and formula.startswith("=")
            and not formula.endswith("}")
            and set(_FUNCTION_CALL.findall(formula)) <= _CLASSIC_FUNCTIONS
        ):
            return formula[1:]
        prepared: str = super()._prepare_formula(formula, expand_future_functions)
        return prepared


def new_workbook(buffer: io.BytesIO) -> Any:
    """An in-memory XlsxWriter workbook whose worksheets are `_Sheet`s."""
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.worksheet_class = _Sheet
    return book


class _Formats:
    def __init__(self, book: Any) -> None:
        base = {"font_name": "맑은 고딕", "font_size": 10, "valign": "vcenter"}
        border = {**base, "border": 1}
        self.title = book.add_format({**base, "bold": True, "font_size": 22, "align": "center"})
        self.label = book.add_format({**base, "bold": True})
        self.text = book.add_format(base)
        self.header = book.add_format({**border, "bold": True, "align": "center", "bg_color": "#D9E1F2"})
        self.cell = book.add_format(border)
        self.center = book.add_format({**border, "align": "center"})
        self.qty = book.add_format({**border, "num_format": "#,##0.###;-#,##0.###;0"})
        self.money = book.add_format({**border, "num_format": "#,##0"})
        self.percent = book.add_format({**border, "num_format": '0.00"%"', "bg_color": "#FFF2CC"})
        self.money_input = book.add_format({**border, "num_format": "#,##0", "bg_color": "#FFF2CC"})
        self.money_bold = book.add_format(
            {**border, "num_format": "#,##0", "bold": True, "bg_color": "#F2F2F2"}
        )
        self.total_label = book.add_format({**border, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
        self.panel_title = book.add_format({**base, "bold": True, "font_size": 11})
        self.words = book.add_format({**base, "bold": True, "font_size": 14})


def _page_setup(sheet: Any, widths: tuple[int, ...], header_row: int | None, footer: str) -> None:
    sheet.set_paper(9)  # A4
    sheet.set_portrait()
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    if header_row is not None:
        sheet.repeat_rows(header_row)
    sheet.set_footer(footer)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)


def _write_panel_block(
    sheet: Any, fmt: _Formats, panel: DocumentPanel, row: int
) -> tuple[int, str, dict[int, str]]:
    """One panel's block from `row`; returns the next free row, the 소계 cell and the line 금액 cells."""
    sheet.write(
        row,
        0,
        f"{panel.index + 1}. {panel.name}  ({panel.enclosure_text}, {panel.size_text})",
        fmt.panel_title,
    )
    row += 1
    for column, header in enumerate(DETAIL_HEADERS):
        sheet.write(row, column, header, fmt.header)
    row += 1
    first = row
    amounts: dict[int, str] = {}
    for line in panel.lines:
        qty_cell, price_cell = xl_rowcol_to_cell(row, 4), xl_rowcol_to_cell(row, 5)
        sheet.write_number(row, 0, line.no, fmt.center)
        sheet.write_string(row, 1, line.name, fmt.cell)
        sheet.write_string(row, 2, line.spec, fmt.cell)
        sheet.write_string(row, 3, line.unit, fmt.center)
        sheet.write_number(row, 4, line.qty, fmt.qty)
        sheet.write_number(row, 5, line.unit_price, fmt.money)
        sheet.write_formula(row, 6, f"=ROUND({qty_cell}*{price_cell},0)", fmt.money, line.amount)
        sheet.write_string(row, 7, line.remarks, fmt.cell)
        amounts[line.no] = xl_rowcol_to_cell(row, 6, row_abs=True, col_abs=True)
        row += 1
    sheet.merge_range(row, 0, row, 5, "소계", fmt.total_label)
    amount_range = f"{xl_rowcol_to_cell(first, 6)}:{xl_rowcol_to_cell(row - 1, 6)}"
    sheet.write_formula(row, 6, f"=SUM({amount_range})", fmt.money_bold, panel.subtotal)
    sheet.write_blank(row, 7, None, fmt.cell)
    subtotal = xl_rowcol_to_cell(row, 6, row_abs=True, col_abs=True)
    return row + 2, subtotal, amounts  # a blank row between panels


def _write_detail(
    book: Any, sheet: Any, fmt: _Formats, doc: QuoteDocument
) -> tuple[dict[int, str], dict[tuple[int, int], str]]:
    _page_setup(sheet, DETAIL_WIDTHS, None, f"&L{doc.number}&C&P / &N&R견적서 상세")
    sheet.write(0, 0, f"견적서 상세  {doc.number}", fmt.label)
    row = 2
    subtotals: dict[int, str] = {}
    line_amounts: dict[tuple[int, int], str] = {}
    for panel in doc.panels:
        row, subtotal, amounts = _write_panel_block(sheet, fmt, panel, row)
        subtotals[panel.index] = subtotal
        line_amounts.update({(panel.index, no): cell for no, cell in amounts.items()})
        book.define_name(f"PANEL_{panel.index + 1}_SUBTOTAL", f"='{DETAIL}'!{subtotal}")
    sheet.print_area(0, 0, max(row - 1, 0), len(DETAIL_HEADERS) - 1)
    return subtotals, line_amounts


def _write_cover_header(sheet: Any, fmt: _Formats, doc: QuoteDocument) -> int:
    sheet.merge_range(0, 0, 0, 7, "견 적 서", fmt.title)
    sheet.set_row(0, 36)
    fields = (
        ("견적번호", doc.number),
        ("견적일자", doc.date_text),
        ("수신", f"{doc.customer} 귀하" + (f" ({doc.contact})" if doc.contact else "")),
        ("건명", doc.project),
    )
    company = doc.company
    extra = (("업태/종목", company.business_kind), ("팩스", company.fax), ("담당자", company.contact))
    company_lines = (
        ("상호", company.name),
        ("대표", company.representative),
        ("사업자번호", company.business_number),
        ("주소", company.address),
        ("전화", company.phone),
        ("이메일", company.email),
        *((label, value) for label, value in extra if value),  # the profile's, when filled in
    )
    for offset, (label, value) in enumerate(fields):
        sheet.write(2 + offset, 0, label, fmt.label)
        sheet.write_string(2 + offset, 1, value, fmt.text)
    for offset, (label, value) in enumerate(company_lines):
        sheet.write(2 + offset, 5, label, fmt.label)
        sheet.write_string(2 + offset, 6, value, fmt.text)
    if company.seal:  # the seal (직인) beside the supplier block
        sheet.insert_image(2, 7, "seal", {"image_data": io.BytesIO(company.seal), "x_scale": 0.33, "y_scale": 0.33,
                                          "object_position": 3})  # fmt: skip
    return 2 + max(len(fields), len(company_lines)) + 1


def _write_cover(
    book: Any, sheet: Any, fmt: _Formats, doc: QuoteDocument, subtotals: dict[int, str]
) -> dict[str, Any]:
    _page_setup(sheet, COVER_WIDTHS, None, f"&L{doc.number}&C&P / &N&R증빙 {doc.evidence_hash[:16]}")
    row = _write_cover_header(sheet, fmt, doc)
    sheet.write(row, 0, "아래와 같이 견적합니다.", fmt.text)
    words_row = row + 1
    row += 3
    for column, header in enumerate(COVER_HEADERS):
        sheet.write(row, column, header, fmt.header)
    row += 1
    first = row
    panel_amounts: dict[int, str] = {}
    for panel in doc.panels:
        write_panel_row(sheet, fmt, row, panel, f"'{DETAIL}'!{subtotals[panel.index]}")
        panel_amounts[panel.index] = xl_rowcol_to_cell(row, 6, row_abs=True, col_abs=True)
        row += 1
    amounts = f"{xl_rowcol_to_cell(first, 6)}:{xl_rowcol_to_cell(row - 1, 6)}"
    row, cells = write_total_rows(sheet, fmt, doc, row, amounts)
    words_formula = korean_words_formula(cells["total"])
    sheet.merge_range(words_row, 0, words_row, 7, "", fmt.words)
    sheet.write_formula(words_row, 0, words_formula, fmt.words, doc.amount_in_words)
    sheet.write(words_row + 1, 0, f"(₩{doc.total:,}, 부가세 포함)", fmt.text)
    row += 1
    sheet.write(row, 0, "비고", fmt.label)
    for offset, note in enumerate(doc.notes, start=1):
        sheet.write_string(row + offset, 0, f"· {note}", fmt.text)
    sheet.print_area(0, 0, row + len(doc.notes), 7)
    book.define_name("QUOTE_SUBTOTAL", f"='{COVER}'!{cells['subtotal']}")
    book.define_name("QUOTE_VAT", f"='{COVER}'!{cells['vat']}")
    book.define_name("QUOTE_TOTAL", f"='{COVER}'!{cells['total']}")
    if doc.discount is not None:
        for name, key in (("QUOTE_DISCOUNT_INPUT", "discount_input"), ("QUOTE_DISCOUNT", "discount")):
            book.define_name(name, f"='{COVER}'!{cells[key]}")
        book.define_name("QUOTE_SUPPLY", f"='{COVER}'!{cells['supply']}")
    return {**cells, "panel_amounts": panel_amounts, "words": f"'{COVER}'!" + xl_rowcol_to_cell(words_row, 0)}


def write_panel_row(sheet: Any, fmt: _Formats, row: int, panel: DocumentPanel, subtotal: str) -> None:
    """One panel's row of a cover's panel table: its unit price a live reference to `subtotal` (the
    panel's subtotal cell, sheet-qualified), its amount quantity × unit price."""
    qty_cell, price_cell = xl_rowcol_to_cell(row, 4), xl_rowcol_to_cell(row, 5)
    sheet.write_number(row, 0, panel.index + 1, fmt.center)
    sheet.write_string(row, 1, panel.name, fmt.cell)
    sheet.write_string(row, 2, panel.size_text, fmt.cell)
    sheet.write_string(row, 3, "면", fmt.center)
    sheet.write_number(row, 4, panel.quantity, fmt.qty)
    sheet.write_formula(row, 5, f"={subtotal}", fmt.money, panel.subtotal)
    sheet.write_formula(row, 6, f"=ROUND({qty_cell}*{price_cell},0)", fmt.money, panel.amount)
    sheet.write_string(row, 7, panel.enclosure_text, fmt.cell)


def write_total_rows(
    sheet: Any, fmt: _Formats, doc: QuoteDocument, row: int, amounts: str
) -> tuple[int, dict[str, str]]:
    """The total rows (`_total_rows`) from `row` down, as live formulas over the `amounts` range; the
    row after them and each total's absolute cell by key (subtotal, vat, total, and with a discount
    discount_input, discount, supply)."""
    cells: dict[str, str] = {}
    for label, key, formula, value in _total_rows(doc, amounts):
        sheet.merge_range(row, 0, row, 4 if key == "discount" else 5, label, fmt.total_label)
        if key == "discount":
            _write_discount_input(sheet, fmt, doc, row, cells)
        sheet.write_formula(row, 6, formula.format(**cells), fmt.money_bold, value)
        sheet.write_blank(row, 7, None, fmt.cell)
        cells[key] = xl_rowcol_to_cell(row, 6, row_abs=True, col_abs=True)
        row += 1
    return row, cells


def _total_rows(doc: QuoteDocument, amounts: str) -> list[tuple[str, str, str, int]]:
    """(label, key, formula, engine value) of the cover's total rows; formulas name earlier rows' cells.

    Without a discount: 합계, 부가세, 총액. With one: 소계, 할인, 공급가액, 부가세, 합계, the discount row
    holding its own input cell (the percentage or the amount) beside the formula.
    """
    vat_label = f"부가세 ({doc.vat_rate:.0%})"
    vat_of = "=ROUND({%s}*" + repr(doc.vat_rate) + ",0)"
    if doc.discount is None:
        return [
            ("합계", "subtotal", f"=SUM({amounts})", doc.subtotal),
            (vat_label, "vat", vat_of % "subtotal", doc.vat),
            ("총액 (부가세포함)", "total", "={subtotal}+{vat}", doc.total),
        ]
    if doc.discount.percent is not None:
        # whole hundredths of a percent times a whole subtotal: exact in binary, so ROUND sees the tie
        discount = "=ROUND({subtotal}*ROUND({discount_input}*100,0)/10000,0)"
    else:
        discount = "=ROUND({discount_input},0)"
    return [
        ("소계", "subtotal", f"=SUM({amounts})", doc.subtotal),
        ("할인", "discount", discount, doc.discount.amount),
        ("공급가액", "supply", "={subtotal}-{discount}", doc.discount.supply),
        (vat_label, "vat", vat_of % "supply", doc.vat),
        ("합계 (부가세포함)", "total", "={supply}+{vat}", doc.total),
    ]


def _write_discount_input(
    sheet: Any, fmt: _Formats, doc: QuoteDocument, row: int, cells: dict[str, str]
) -> None:
    """The discount's own cell (column 단가): the percentage, or the amount, that the formula beside reads."""
    assert doc.discount is not None
    if doc.discount.percent is not None:
        sheet.write_number(row, 5, doc.discount.percent, fmt.percent)
    else:
        sheet.write_number(row, 5, doc.discount.amount, fmt.money_input)
    cells["discount_input"] = xl_rowcol_to_cell(row, 5, row_abs=True, col_abs=True)


def _created(doc: QuoteDocument) -> datetime:
    return datetime.fromisoformat(doc.date_iso[:10] + "T00:00:00")


def render_xlsx_with_map(doc: QuoteDocument) -> tuple[bytes, CellMap]:
    """The workbook's bytes and where its figures are (for doc lint)."""
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    book.set_properties(
        {"title": f"견적서 {doc.number}", "author": doc.company.name, "created": _created(doc)}
    )
    book.set_calc_mode("auto")
    fmt = _Formats(book)
    cover = book.add_worksheet(COVER)
    detail_sheet = book.add_worksheet(DETAIL)
    # The detail is written first so the cover knows where each panel's 소계 landed.
    subtotals, line_amounts = _write_detail(book, detail_sheet, fmt, doc)
    cells = _write_cover(book, cover, fmt, doc, subtotals)
    book.close()
    detail = f"'{DETAIL}'!"
    cell_map = CellMap(
        line_amounts={key: detail + cell for key, cell in line_amounts.items()},
        panel_subtotals={index: detail + cell for index, cell in subtotals.items()},
        cover_panel_amounts={index: f"'{COVER}'!" + cell for index, cell in cells["panel_amounts"].items()},
        subtotal=f"'{COVER}'!" + cells["subtotal"],
        vat=f"'{COVER}'!" + cells["vat"],
        total=f"'{COVER}'!" + cells["total"],
        amount_in_words=cells["words"],
        discount=f"'{COVER}'!" + cells["discount"] if doc.discount else None,
        supply=f"'{COVER}'!" + cells["supply"] if doc.discount else None,
        discount_input=f"'{COVER}'!" + cells["discount_input"] if doc.discount else None,
    )
    return buffer.getvalue(), cell_map


def render_xlsx(doc: QuoteDocument) -> bytes:
    """The quotation workbook's bytes."""
    return render_xlsx_with_map(doc)[0]
