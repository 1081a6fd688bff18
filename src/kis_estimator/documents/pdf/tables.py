"""Text measuring and bordered tables on the PDF page, drawn with text() and rect().

fpdf2's own table() lays out every cell with multi_cell and costs ~3 ms a row, more than the whole rest
of the quotation; these tables measure text by its glyph advances and wrap only what does not fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

# Page geometry in mm: A4 with 15 mm margins leaves a 180 mm wide text block.
MARGIN = 15.0
TEXT_WIDTH = 180.0
HEADER_FILL = (232, 236, 242)
RULE_GRAY = 120
MUTED_TEXT = 90


def text_width(pdf: FPDF, text: str) -> float:
    """Width of `text` at the current font, in mm.

    The sum of the glyph advances, which is what text() draws with no character spacing or stretching
    set; get_string_width() gets the same figure through fpdf2's markdown and bidi machinery at ~30 µs
    a call, the largest cost of a table.
    """
    font = pdf.current_font
    assert font is not None, "set_font() comes first"
    points = font.get_text_width(text, pdf.font_size_pt, None)[1]
    return float(points) / pdf.k


def wrapped(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` at the current font, by fpdf2's own line breaker."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if text_width(pdf, paragraph) <= width:
            lines.append(paragraph)  # the common case, without multi_cell's cost (~0.3 ms a call)
        else:
            broken = pdf.multi_cell(
                width + 2 * pdf.c_margin, 1, paragraph, dry_run=True, output=MethodReturnValue.LINES
            )
            lines.extend(cast(list[str], broken))
    return lines


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # mm
    align: str  # "L", "C" or "R"


@dataclass(frozen=True)
class Cell:
    text: str
    span: int = 1  # columns covered
    align: str | None = None  # None: the column's alignment


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    fill: tuple[int, int, int] | None = None

    @classmethod
    def of(cls, *texts: str) -> Row:
        return cls(tuple(Cell(text) for text in texts))


@dataclass(frozen=True)
class _PlacedCell:
    x: float
    width: float
    lines: list[str]
    align: str


CELL_PAD_X = 1.3
CELL_PAD_Y = 0.5


def _layout(
    pdf: FPDF, columns: Sequence[Column], row: Row, line_height: float
) -> tuple[list[_PlacedCell], float]:
    """Where each cell of `row` goes and how tall the row is once long texts wrap."""
    placed: list[_PlacedCell] = []
    x, column = MARGIN, 0
    for cell in row.cells:
        spanned = columns[column : column + cell.span]
        width = sum(c.width for c in spanned)
        lines = wrapped(pdf, cell.text, width - 2 * CELL_PAD_X)
        placed.append(_PlacedCell(x, width, lines, cell.align or spanned[0].align))
        x, column = x + width, column + cell.span
    if column != len(columns):
        raise ValueError(f"a row covers {column} of {len(columns)} columns")
    height = max(len(p.lines) for p in placed) * line_height + 2 * CELL_PAD_Y
    return placed, height


def _draw_row(pdf: FPDF, placed: Sequence[_PlacedCell], height: float, row: Row, line_height: float) -> None:
    top = pdf.get_y()
    if row.fill:
        pdf.set_fill_color(*row.fill)
    for cell in placed:
        pdf.rect(cell.x, top, cell.width, height, style="DF" if row.fill else "D")
    # PDF paints text with the fill colour: back to black before the text
    pdf.set_fill_color(0)
    # Same baseline rule as fpdf2's cell(): half the line plus 0.3 of the font size
    baseline_offset = 0.5 * line_height + 0.3 * pdf.font_size
    for cell in placed:
        first_line_top = top + (height - len(cell.lines) * line_height) / 2
        for number, line in enumerate(cell.lines):
            line_width = text_width(pdf, line)
            if cell.align == "R":
                x = cell.x + cell.width - CELL_PAD_X - line_width
            elif cell.align == "C":
                x = cell.x + (cell.width - line_width) / 2
            else:
                x = cell.x + CELL_PAD_X
            pdf.text(x, first_line_top + number * line_height + baseline_offset, line)
    pdf.set_y(top + height)


def draw_table(
    pdf: FPDF, columns: Sequence[Column], rows: Iterable[Row], line_height: float, continued: str = ""
) -> None:
    """A bordered table over the text width, its heading row repeated at the top of every page it spans.

    A row never splits across pages, and the heading is never left at a page foot without a row under it.
    On each page after the first, `continued` (if any) is printed above the heading.
    """
    heading = Row(tuple(Cell(c.title, align="C") for c in columns), fill=HEADER_FILL)
    heading_layout = _layout(pdf, columns, heading, line_height)
    heading_due = True
    for row in rows:
        placed, height = _layout(pdf, columns, row, line_height)
        needed = height + (heading_layout[1] if heading_due else 0)
        if pdf.get_y() + needed > pdf.page_break_trigger:
            pdf.add_page()
            _draw_continued(pdf, continued)
            heading_due = True
        if heading_due:
            pdf.set_draw_color(RULE_GRAY)
            pdf.set_line_width(0.2)
            _draw_row(pdf, *heading_layout, heading, line_height)
            heading_due = False
        _draw_row(pdf, placed, height, row, line_height)


def _draw_continued(pdf: FPDF, caption: str) -> None:
    if not caption:
        return
    pdf.set_text_color(MUTED_TEXT)
    pdf.cell(TEXT_WIDTH, 7, caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
