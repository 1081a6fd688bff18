"""The quotation as a PDF (견적서): A4 portrait, a cover page, then the detail of every panel.

`render_pdf(doc)` returns the same bytes for the same document: the creation date comes from the quote's
date, the file ID is fpdf2's hash of the content, and nothing reads a clock or a random source. The
Korean font comes from `font`, the tables from `tables`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

from fpdf import FPDF

from kis_estimator.documents.model import DocumentPanel, QuoteDocument
from kis_estimator.documents.pdf.font import FONT_FAMILY, SHARED_FONT, KoreanFont, MissingGlyphError
from kis_estimator.documents.pdf.tables import (
    CELL_PAD_Y,
    HEADER_FILL,
    MARGIN,
    MUTED_TEXT,
    RULE_GRAY,
    TEXT_WIDTH,
    Cell,
    Column,
    Row,
    draw_table,
    text_width,
    wrapped,
)

__all__ = ["render_pdf"]

KST = timezone(timedelta(hours=9))
FOOTER_HEIGHT = 14.0
TOTAL_FILL = (246, 247, 249)
SEAL_SIZE = 18.0  # mm, the seal's square on the cover


def render_pdf(doc: QuoteDocument, *, font: KoreanFont = SHARED_FONT) -> bytes:
    """The quotation PDF of `doc`: cover, panel details, a page footer; identical bytes for identical input.

    Raises MissingGlyphError when a character of the document has no glyph in the Korean font.
    """
    _check_coverage(doc, font)
    pdf = _QuotePdf(doc)
    font.attach(pdf)
    _draw_cover(pdf, doc)
    _draw_details(pdf, doc)
    font.finish(pdf, pdf.pending_text())
    return bytes(pdf.output())


def _document_texts(doc: QuoteDocument) -> Iterable[str]:
    """Every text of `doc` the PDF prints, besides the renderer's own labels."""
    company = doc.company
    yield from (doc.number, doc.date_text, doc.customer, doc.contact, doc.project, doc.amount_in_words)
    yield from (company.name, company.representative, company.business_number, company.address)
    yield from (company.phone, company.email, doc.evidence_hash, *doc.notes)
    yield from (company.business_kind, company.fax, company.contact)
    for panel in doc.panels:
        yield from (panel.name, panel.size_text, panel.enclosure_text)
        for line in panel.lines:
            yield from (line.name, line.spec, line.unit, line.remarks)


def _check_coverage(doc: QuoteDocument, font: KoreanFont) -> None:
    # fpdf2 would only log a warning and print nothing for such a character, e.g. in a customer's name
    missing = font.missing(c for text in _document_texts(doc) for c in text if c != "\n")
    if missing:
        raise MissingGlyphError(missing)


class _QuotePdf(FPDF):
    """A4 portrait pages with the quotation footer: quote number, "페이지 X / Y", evidence hash."""

    def __init__(self, doc: QuoteDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._number = doc.number
        self._evidence = f"증빙 {doc.evidence_hash[:16]}" if doc.evidence_hash else ""
        year, month, day = (int(part) for part in doc.date_iso[:10].split("-"))
        # The quote's date at 00:00 KST, never the wall clock: fpdf2 hashes it into the file ID too
        self.set_creation_date(datetime(year, month, day, tzinfo=KST))
        self.set_title(f"견적서 {doc.number}")
        self.set_author(doc.company.name)
        self.set_creator("kis-estimator")
        self.set_lang("ko-KR")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + FOOTER_HEIGHT)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-MARGIN - 6)
        self.set_draw_color(RULE_GRAY)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y(), MARGIN + TEXT_WIDTH, self.get_y())
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(MUTED_TEXT)
        third = TEXT_WIDTH / 3
        for text, align in zip(self._footer_texts(str(self.page_no())), "LCR", strict=True):
            self.cell(third, 6, text, align=align)
        self.set_text_color(0)

    def pending_text(self) -> str:
        """What output() still draws after the drawing code is done: the last footer and the page total."""
        return (
            "".join(self._footer_texts(str(self.page_no()))).replace(self.str_alias_nb_pages, "")
            + "0123456789"
        )

    def _footer_texts(self, page: str) -> tuple[str, str, str]:
        # {nb} is fpdf2's alias for the page total, filled in at output
        return self._number, f"페이지 {page} / {{nb}}", self._evidence


def _money(amount: int) -> str:
    return f"{amount:,}"


def _quantity(qty: float) -> str:
    """5.9 → "5.9", 12 → "12", 3.0 → "3", 1200 → "1,200": no float noise, no trailing zeros."""
    if isinstance(qty, float) and qty.is_integer():
        qty = int(qty)
    return f"{qty:,}"


# --------------------------------------------------------------------------------------------------
# Cover (표지)

SUMMARY_COLUMNS = (
    Column("품명", 42, "L"),
    Column("규격", 38, "C"),
    Column("단위", 14, "C"),
    Column("수량", 14, "R"),
    Column("단가", 36, "R"),
    Column("금액", 36, "R"),
)
LABEL_LINE = 6.5
NOTE_LINE = 5.5


def _draw_cover(pdf: FPDF, doc: QuoteDocument) -> None:
    pdf.add_page()
    _draw_title(pdf, "견 적 서")
    top = pdf.get_y() + 4
    recipient_bottom = _draw_recipient(pdf, doc, top)
    supplier_bottom = _draw_supplier(pdf, doc, top)
    pdf.set_y(max(recipient_bottom, supplier_bottom) + 6)
    _draw_amount_line(pdf, doc)
    _draw_summary(pdf, doc)
    _draw_notes(pdf, doc.notes)


def _draw_title(pdf: FPDF, title: str) -> None:
    pdf.set_font(FONT_FAMILY, size=24)
    pdf.cell(TEXT_WIDTH, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    # A double rule under the title, as on the printed forms
    pdf.set_draw_color(0)
    pdf.set_line_width(0.35)
    middle, y = MARGIN + TEXT_WIDTH / 2, pdf.get_y()
    pdf.line(middle - 30, y, middle + 30, y)
    pdf.line(middle - 30, y + 1, middle + 30, y + 1)
    pdf.set_y(y + 4)


def _draw_labelled(
    pdf: FPDF, x: float, top: float, rows: Sequence[tuple[str, str]], label_width: float, value_width: float
) -> float:
    """Label/value pairs from `top` down, values wrapped to `value_width`; returns the y below them."""
    y = top
    for label, value in rows:
        pdf.set_xy(x, y)
        pdf.set_text_color(MUTED_TEXT)
        pdf.cell(label_width, LABEL_LINE, label)
        pdf.set_text_color(0)
        for line in wrapped(pdf, value, value_width):
            pdf.set_xy(x + label_width, y)
            pdf.cell(value_width, LABEL_LINE, line)
            y += LABEL_LINE
    return y


def _draw_recipient(pdf: FPDF, doc: QuoteDocument, top: float) -> float:
    rows = [("견적일자", doc.date_text), ("견적번호", doc.number), ("수신", f"{doc.customer} 귀하")]
    if doc.contact:
        rows.append(("참조", doc.contact))
    if doc.project:
        rows.append(("건명", doc.project))
    pdf.set_font(FONT_FAMILY, size=10.5)
    bottom = _draw_labelled(pdf, MARGIN, top, rows, label_width=20, value_width=70)
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.set_xy(MARGIN, bottom + 3)
    pdf.cell(90, LABEL_LINE, "아래와 같이 견적합니다.")
    return bottom + 3 + LABEL_LINE


def _draw_supplier(pdf: FPDF, doc: QuoteDocument, top: float) -> float:
    """The shop's block: a framed box on the right with the company fields that are filled in."""
    company = doc.company
    fields = (
        ("상호", company.name),
        ("대표자", company.representative),
        ("사업자번호", company.business_number),
        ("주소", company.address),
        ("업태/종목", company.business_kind),
        ("전화", company.phone),
        ("팩스", company.fax),
        ("담당자", company.contact),
        ("이메일", company.email),
    )
    left, width = MARGIN + 96, TEXT_WIDTH - 96
    pdf.set_font(FONT_FAMILY, size=9.5)
    pdf.set_draw_color(RULE_GRAY)
    pdf.set_line_width(0.25)
    pdf.set_fill_color(*HEADER_FILL)
    pdf.set_xy(left, top)
    pdf.cell(width, LABEL_LINE, "공급자", border=1, align="C", fill=True)
    rows = [(label, value) for label, value in fields if value]
    bottom = _draw_labelled(
        pdf, left + 2, top + LABEL_LINE + 1.5, rows, label_width=20, value_width=width - 24
    )
    bottom += 1.5
    pdf.rect(left, top, width, bottom - top)
    if company.seal:  # the seal (직인) over the block's top right corner, as stamped on paper
        pdf.image(
            io.BytesIO(company.seal), x=left + width - SEAL_SIZE - 2, y=top + 1, w=SEAL_SIZE, h=SEAL_SIZE
        )
    return bottom


def _draw_amount_line(pdf: FPDF, doc: QuoteDocument) -> None:
    pdf.set_font(FONT_FAMILY, size=12.5)
    pdf.set_fill_color(*TOTAL_FILL)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.4)
    text = f"{doc.amount_in_words} (₩{_money(doc.total)}, 부가세 포함)"
    # One line whatever the amount: a billion won in words needs more than the box at 12.5 pt
    pdf.set_font_size(max(8.0, min(12.5, 12.5 * (TEXT_WIDTH - 8) / text_width(pdf, text))))
    pdf.cell(TEXT_WIDTH, 12, text, border=1, align="C", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _summary_rows(doc: QuoteDocument) -> Iterable[Row]:
    for panel in doc.panels:
        yield Row.of(
            panel.name,
            panel.size_text,
            "면",
            _quantity(panel.quantity),
            _money(panel.subtotal),
            _money(panel.amount),
        )
    label_span = len(SUMMARY_COLUMNS) - 1
    for label, amount in _total_rows(doc):
        yield Row((Cell(label, span=label_span, align="C"), Cell(amount)), fill=TOTAL_FILL)


def _total_rows(doc: QuoteDocument) -> list[tuple[str, str]]:
    """합계 / 부가세 / 총액; with a discount 소계 / 할인 / 공급가액 / 부가세 / 합계."""
    if doc.discount is None:
        return [
            ("합계", _money(doc.subtotal)),
            ("부가세", _money(doc.vat)),
            ("총액 (부가세포함)", _money(doc.total)),
        ]
    percent = doc.discount.percent
    rate = f" ({percent:g}%)" if percent is not None else ""
    return [
        ("소계", _money(doc.subtotal)),
        (f"할인{rate}", f"-{_money(doc.discount.amount)}"),
        ("공급가액", _money(doc.discount.supply)),
        ("부가세", _money(doc.vat)),
        ("합계 (부가세포함)", _money(doc.total)),
    ]


def _draw_summary(pdf: FPDF, doc: QuoteDocument) -> None:
    pdf.set_font(FONT_FAMILY, size=9.5)
    draw_table(pdf, SUMMARY_COLUMNS, _summary_rows(doc), line_height=6.5)
    pdf.ln(7)


def _draw_notes(pdf: FPDF, notes: Sequence[str]) -> None:
    if not notes:
        return
    pdf.set_font(FONT_FAMILY, size=10.5)
    pdf.cell(TEXT_WIDTH, 7, "비고", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=9.5)
    bullet_width = 4.0  # a long note's next lines start under its text, not under the bullet
    for note in notes:
        lines = wrapped(pdf, note, TEXT_WIDTH - bullet_width - 3)
        if pdf.get_y() + len(lines) * NOTE_LINE > pdf.page_break_trigger:
            pdf.add_page()  # a note is not split, nor its bullet left behind
        pdf.set_x(MARGIN + 1)
        pdf.cell(bullet_width, NOTE_LINE, "·", align="C")
        for line in lines:
            pdf.set_x(MARGIN + 1 + bullet_width)
            pdf.cell(TEXT_WIDTH - bullet_width - 1, NOTE_LINE, line, new_x="LMARGIN", new_y="NEXT")


# --------------------------------------------------------------------------------------------------
# Detail (견적서 상세)

DETAIL_COLUMNS = (
    Column("번호", 9, "C"),
    Column("품명", 31, "L"),
    Column("규격", 50, "L"),
    Column("단위", 10, "C"),
    Column("수량", 12, "R"),
    Column("단가", 20, "R"),
    Column("금액", 22, "R"),
    Column("비고", 26, "L"),
)
DETAIL_LINE = 5.4
# A panel's heading is not left alone at a page foot: it needs room for the table heading and 3 lines
PANEL_MIN_SPACE = 8 + 4 * (DETAIL_LINE + 2 * CELL_PAD_Y)


def _draw_details(pdf: FPDF, doc: QuoteDocument) -> None:
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=15)
    pdf.cell(TEXT_WIDTH, 10, "견적서 상세", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for panel in doc.panels:
        _draw_panel(pdf, panel)


def _panel_heading(panel: DocumentPanel) -> str:
    parts = [f"{panel.index + 1}. {panel.name}", panel.enclosure_text, panel.size_text]
    if panel.quantity != 1:
        parts.append(f"{panel.quantity}면")
    return "   |   ".join(parts)


def _detail_rows(panel: DocumentPanel) -> Iterable[Row]:
    for line in panel.lines:
        yield Row.of(
            str(line.no),
            line.name,
            line.spec,
            line.unit,
            _quantity(line.qty),
            _money(line.unit_price),
            _money(line.amount),
            line.remarks,
        )
    totals = [("소계", panel.subtotal)]
    if panel.quantity != 1:
        totals.append((f"합계 (소계 × {panel.quantity}면)", panel.amount))
    for label, amount in totals:
        yield Row((Cell(label, span=6, align="C"), Cell(_money(amount)), Cell("")), fill=TOTAL_FILL)


def _draw_panel(pdf: FPDF, panel: DocumentPanel) -> None:
    if pdf.get_y() + PANEL_MIN_SPACE > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=10.5)
    for line in wrapped(pdf, _panel_heading(panel), TEXT_WIDTH):
        pdf.cell(TEXT_WIDTH, 6.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font(FONT_FAMILY, size=8.5)
    continued = f"{panel.index + 1}. {panel.name} (계속)"
    draw_table(pdf, DETAIL_COLUMNS, _detail_rows(panel), line_height=DETAIL_LINE, continued=continued)
    pdf.ln(7)
