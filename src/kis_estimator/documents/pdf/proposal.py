"""The proposal PDF: the comparison page first (each option's supply, VAT and total, and its difference
from option A), then each option's summary page as the quotation's cover draws it (amount line, panels,
totals). Built from the quotation PDF's own pieces; same bytes for the same options."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from kis_estimator.documents.model import QuoteDocument
from kis_estimator.documents.pdf.font import FONT_FAMILY, SHARED_FONT, KoreanFont, MissingGlyphError
from kis_estimator.documents.pdf.quote import (
    TOTAL_FILL,
    _document_texts,
    _draw_amount_line,
    _draw_notes,
    _draw_recipient,
    _draw_summary,
    _draw_supplier,
    _draw_title,
    _money,
    _QuotePdf,
)
from kis_estimator.documents.pdf.tables import TEXT_WIDTH, Column, Row, draw_table
from kis_estimator.documents.proposal import ProposalOption

__all__ = ["render_proposal_pdf"]

COMPARISON_COLUMNS = (
    Column("대안", 14, "C"),
    Column("내용", 58, "L"),
    Column("공급가액", 30, "R"),
    Column("부가세", 24, "R"),
    Column("총액 (부가세포함)", 30, "R"),
    Column("A 대비", 24, "R"),
)


def _supply(doc: QuoteDocument) -> int:
    return doc.discount.supply if doc.discount is not None else doc.subtotal


def _comparison_rows(options: list[ProposalOption]) -> Iterable[Row]:
    base = options[0].document.total
    for option in options:
        doc = option.document
        difference = doc.total - base
        yield Row.of(
            option.label,
            option.title,
            _money(_supply(doc)),
            _money(doc.vat),
            _money(doc.total),
            "기준" if option is options[0] else f"{difference:+,}",
        )


def _texts(options: list[ProposalOption]) -> Iterable[str]:
    for option in options:
        yield option.title
        yield from _document_texts(option.document)


def render_proposal_pdf(
    options: list[ProposalOption], number: str, *, font: KoreanFont = SHARED_FONT
) -> bytes:
    """The proposal's PDF: comparison page, then one summary page per option; `number` (the proposal's)
    in every page footer.

    Raises MissingGlyphError when a character of the options has no glyph in the Korean font."""
    missing = font.missing(c for text in _texts(options) for c in text if c != "\n")
    if missing:
        raise MissingGlyphError(missing)
    first = options[0].document
    # the footer names the proposal, not option A (whose number and evidence hash its own page shows)
    pdf = _QuotePdf(replace(first, number=number, evidence_hash=""))
    pdf.set_title(f"대안 비교 {first.number}")
    font.attach(pdf)
    pdf.add_page()
    _draw_title(pdf, "대 안 비 교")
    top = pdf.get_y() + 4
    bottom = max(_draw_recipient(pdf, first, top), _draw_supplier(pdf, first, top))
    pdf.set_y(bottom + 6)
    pdf.set_font(FONT_FAMILY, size=9.5)
    draw_table(pdf, COMPARISON_COLUMNS, _comparison_rows(options), line_height=6.5)
    pdf.ln(5)
    pdf.set_font(FONT_FAMILY, size=9.5)
    pdf.cell(
        TEXT_WIDTH, 6, "각 대안의 금액과 외함별 내역은 다음 쪽에 있습니다.", new_x="LMARGIN", new_y="NEXT"
    )
    for option in options:
        doc = option.document
        pdf.add_page()
        _draw_title(pdf, f"대안 {option.label}")
        pdf.set_font(FONT_FAMILY, size=10.5)
        pdf.set_fill_color(*TOTAL_FILL)
        pdf.cell(TEXT_WIDTH, 8, f"{option.title}  ·  {doc.number}", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        _draw_amount_line(pdf, doc)
        _draw_summary(pdf, doc)
        _draw_notes(pdf, doc.notes)
    font.finish(pdf, pdf.pending_text())
    return bytes(pdf.output())
