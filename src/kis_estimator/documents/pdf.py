"""The quotation as a PDF (견적서): A4 portrait, a cover page, then the detail of every panel.

`render_pdf(doc)` returns the same bytes for the same document: the creation date comes from the quote's
date, the file ID is fpdf2's hash of the content, and nothing reads a clock or a random source.

The Korean font (Noto Sans KR, a 4.6 MB OpenType CFF font of 25,000 glyphs) is parsed once per process by
`SharedKoreanFont`; each document still gets its own fpdf2 font object and its own small font file, so
nothing a rendering mutates is shared between documents or threads.
"""

from __future__ import annotations

import copy
import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol, cast

import pylopdf_fonts_ko
from fontTools.fontBuilder import FontBuilder, buildCmapSubTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.ttLib.tables._g_l_y_f import Glyph as TTGlyph
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.fonts import Glyph as UsedGlyph
from fpdf.fonts import SubsetMap, TTFFont

from kis_estimator.documents.model import DocumentPanel, QuoteDocument
from kis_estimator.engine.errors import RequestProblem

__all__ = ["KoreanFont", "MissingGlyphError", "ReferenceKoreanFont", "SharedKoreanFont", "render_pdf"]

FONT_FAMILY = "NotoSansKR"
_FONT_KEY = FONT_FAMILY.lower()  # fpdf2's key for the regular style of the family
KST = timezone(timedelta(hours=9))

# Page geometry in mm: A4 with 15 mm margins leaves a 180 mm wide text block.
MARGIN = 15.0
FOOTER_HEIGHT = 14.0
TEXT_WIDTH = 180.0
HEADER_FILL = (232, 236, 242)
TOTAL_FILL = (246, 247, 249)
RULE_GRAY = 120
MUTED_TEXT = 90


class MissingGlyphError(ValueError):
    """The document holds characters the Korean font cannot draw; they would print as nothing."""

    def __init__(self, characters: Sequence[str]) -> None:
        self.characters = tuple(characters)
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in self.characters)
        super().__init__(f"no glyph in {FONT_FAMILY} for: {shown}")


# --------------------------------------------------------------------------------------------------
# Fonts


class KoreanFont(Protocol):
    """How a document gets the Korean font, registered as FONT_FAMILY."""

    def attach(self, pdf: FPDF) -> None:
        """Register the font with `pdf`, before anything is drawn."""

    def finish(self, pdf: FPDF, pending_text: str) -> None:
        """Make the font ready for `pdf.output()`, which will still draw `pending_text`."""

    def missing(self, characters: Iterable[str]) -> list[str]:
        """The characters the font has no glyph for, sorted."""


class ReferenceKoreanFont:
    """fpdf2's own `add_font` for every document (~300 ms each): the oracle the shared font is tested against."""

    def __init__(self, path: Path) -> None:
        self._path = path
        with TTFont(path, lazy=True) as font:
            self._cmap = font.getBestCmap()

    def attach(self, pdf: FPDF) -> None:
        pdf.add_font(FONT_FAMILY, fname=str(self._path))

    def finish(self, pdf: FPDF, pending_text: str) -> None:
        """Nothing to do: fpdf2 subsets its own copy of the whole font at output."""

    def missing(self, characters: Iterable[str]) -> list[str]:
        return sorted(c for c in set(characters) if ord(c) not in self._cmap)


@dataclass(frozen=True)
class _Glyph:
    """One glyph of the source font as TrueType data, with the figures the font's header tables need."""

    data: bytes  # compiled 'glyf' entry; bytes, so no document can alter the cached glyph
    advance: int
    bounds: tuple[int, int, int, int] | None  # xMin, yMin, xMax, yMax; None when there is no outline
    points: int
    contours: int


class SharedKoreanFont:
    """A Korean OpenType CFF font parsed once per process and shared, safely, by every document.

    fpdf2's `add_font` reads the whole cmap and width table (~150 ms), and at output it subsets the font
    object in place with fontTools (~150 ms for 25,000 glyphs), which leaves the object unusable for the
    next document. Here the parsed metrics are kept once and only read; each document gets a clone of
    fpdf2's font object with its own mutable state (width cache, glyph map, descriptor); and before
    output the clone gets a small font file holding just the document's glyphs, from a glyph cache.

    That file is TrueType: each glyph's cubic outline is converted to quadratic curves once (within
    1/1000 em). For a CFF font fpdf2 writes an embedded encoding CMap that pypdf and other light PDF
    readers cannot decode (pypdf #2295); for TrueType it writes the standard Identity-H that every
    reader understands. The CFF hints are dropped: poppler draws the pages within anti-aliasing of
    fpdf2's own CFF embedding (tested), and print resolutions do not need hints.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()  # guards the lazy load, the glyph cache and the source font file
        self._template: TTFFont | None = None
        self._skeleton = b""
        self._glyphs: dict[str, _Glyph] = {}

    def attach(self, pdf: FPDF) -> None:
        """Register the font with `pdf` as fpdf2's `add_font` would, without parsing the file again."""
        pdf.fonts[_FONT_KEY] = _clone_font(self._template_font(), index=len(pdf.fonts) + 1)

    def finish(self, pdf: FPDF, pending_text: str) -> None:
        """Give the document's font object a font file with exactly the glyphs the document draws."""
        font = pdf.fonts[_FONT_KEY]
        assert isinstance(font, TTFFont), "attach() registered it"
        for character in pending_text:
            font.subset.pick(ord(character))
        font.ttfont = self._document_font([glyph for glyph, _ in font.subset.items() if glyph is not None])

    def missing(self, characters: Iterable[str]) -> list[str]:
        cmap = self._template_font().cmap
        return sorted(c for c in set(characters) if ord(c) not in cmap)

    def _template_font(self) -> TTFFont:
        with self._lock:
            if self._template is None:
                template = TTFFont(FPDF(), self._path, _FONT_KEY, "")
                if not template.is_cff or template.color_font is not None:
                    raise ValueError(f"{self._path.name}: expected a CFF font without colour glyphs")
                self._skeleton = _skeleton_font(template.ttfont)
                self._template = template
            return self._template

    def _document_font(self, used: Sequence[UsedGlyph]) -> TTFont:
        """A TrueType font of .notdef and the `used` glyphs, under the source's glyph names, with a cmap."""
        names = [".notdef", *dict.fromkeys(g.glyph_name for g in used if g.glyph_name != ".notdef")]
        glyphs = [self._glyph(name) for name in names]
        # recalcBBoxes=False: _set_extents() writes what fontTools would recalculate on save, which
        # would decompile every glyph again (two thirds of a document's rendering time)
        font = TTFont(io.BytesIO(self._skeleton), recalcBBoxes=False, recalcTimestamp=False)
        font.setGlyphOrder(names)
        glyf = font["glyf"]
        glyf.glyphOrder = names
        glyf.glyphs = {name: TTGlyph(glyph.data) for name, glyph in zip(names, glyphs, strict=True)}
        font["hmtx"].metrics = {
            name: (glyph.advance, glyph.bounds[0] if glyph.bounds else 0)
            for name, glyph in zip(names, glyphs, strict=True)
        }
        font["cmap"].tables = _cmap_subtables(used)
        _set_extents(font, glyphs)
        return font

    def _glyph(self, name: str) -> _Glyph:
        with self._lock:
            glyph = self._glyphs.get(name)
            if glyph is None:
                assert self._template is not None, "attach() loads the font before any glyph is read"
                glyph = self._glyphs[name] = _read_glyph(self._template.ttfont, name)
            return glyph


def _clone_font(template: TTFFont, index: int) -> TTFFont:
    """A fresh fpdf2 font object sharing only the template's read-only tables, marked TrueType.

    Mirrors `TTFFont.__deepcopy__` in fpdf2 2.8.9, and sets every slot by name, so that a slot added by a
    later fpdf2 fails loudly (AttributeError) instead of being shared by accident.
    """
    font: TTFFont = TTFFont.__new__(TTFFont)
    for shared in (
        "type", "ttffile", "fontkey", "scale", "name", "up", "ut", "sp", "ss", "emphasis", "is_compressed",
        "is_symbol", "collection_font_number", "palette_index", "color_font", "unicode_range", "cmap", "glyph_ids",
    ):  # fmt: skip
        setattr(font, shared, getattr(template, shared, None))
    # The document's font file is TrueType (see SharedKoreanFont): fpdf2 embeds it as CIDFontType2
    font.is_cff, font.is_cid_keyed, font.cff_ros = False, False, None
    font.i = index
    # cw is a defaultdict: reading a character the font lacks inserts the default width
    font.cw = copy.copy(template.cw)
    font.desc = copy.copy(template.desc)  # output() names it and gives it an object id
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.ttfont = None  # set by SharedKoreanFont.finish(); text shaping, the only earlier reader, is off
    font.subset = SubsetMap(font)
    return font


def _skeleton_font(source: TTFont) -> bytes:
    """A TrueType font with no glyphs but .notdef and the source's header, names and metrics tables."""
    builder = FontBuilder(unitsPerEm=source["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder([".notdef"])
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph()})
    builder.setupHorizontalMetrics({".notdef": (0, 0)})
    builder.setupCharacterMap({})
    builder.setupMaxp()
    font = builder.font
    # Copies, so that compiling them here cannot change the template's tables
    for tag in ("head", "hhea", "OS/2", "name", "post"):
        font[tag] = copy.deepcopy(source[tag])
    font["head"].glyphDataFormat = 0
    buffer = io.BytesIO()
    font.save(buffer)  # FontBuilder's TTFont keeps the copied head dates (recalcTimestamp=False)
    return buffer.getvalue()


def _read_glyph(source: TTFont, name: str) -> _Glyph:
    """Glyph `name` of the CFF source font as a TrueType outline (cubic → quadratic within 1 unit)."""
    pen = TTGlyphPen(None)
    char_string = source["CFF "].cff.topDictIndex[0].CharStrings[name]
    char_string.draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    outline = pen.glyph()
    data = outline.compile(None)  # also sets its bounds
    if outline.numberOfContours == 0:
        return _Glyph(data, source["hmtx"][name][0], bounds=None, points=0, contours=0)
    points, contours = outline.getMaxpValues()
    bounds = (outline.xMin, outline.yMin, outline.xMax, outline.yMax)
    return _Glyph(data, source["hmtx"][name][0], bounds, points, contours)


def _set_extents(font: TTFont, glyphs: Sequence[_Glyph]) -> None:
    """The head, hhea and maxp figures fontTools' recalcBBoxes computes, from the cached glyph figures.

    Every left side bearing is the glyph's xMin (see _document_font), as the head flags bit 1 states.
    """
    inked = [glyph.bounds for glyph in glyphs if glyph.bounds is not None]
    head, hhea, maxp = font["head"], font["hhea"], font["maxp"]
    if inked:
        head.xMin, head.yMin = min(b[0] for b in inked), min(b[1] for b in inked)
        head.xMax, head.yMax = max(b[2] for b in inked), max(b[3] for b in inked)
    else:
        head.xMin = head.yMin = head.xMax = head.yMax = 0
    head.flags |= 0x2
    hhea.advanceWidthMax = max(glyph.advance for glyph in glyphs)
    hhea.minLeftSideBearing = min((b[0] for b in inked), default=0)
    hhea.minRightSideBearing = min((g.advance - g.bounds[2] for g in glyphs if g.bounds), default=0)
    hhea.xMaxExtent = max((b[2] for b in inked), default=0)
    maxp.maxPoints = max(glyph.points for glyph in glyphs)
    maxp.maxContours = max(glyph.contours for glyph in glyphs)


def _cmap_subtables(used: Sequence[UsedGlyph]) -> list[CmapSubtable]:
    """A cmap of the characters the document draws, so the embedded font says which glyph is which."""
    mapping = {
        glyph.unicode[0]: glyph.glyph_name
        for glyph in used
        if isinstance(glyph.unicode, tuple) and len(glyph.unicode) == 1 and glyph.unicode[0] > 0
    }
    subtables = [buildCmapSubTable({u: g for u, g in mapping.items() if u <= 0xFFFF}, 4, 3, 1)]
    if max(mapping, default=0) > 0xFFFF:  # Noto Sans KR has some 300 CJK extension ideographs
        subtables.append(buildCmapSubTable(mapping, 12, 3, 10))
    return subtables


_SHARED_FONT = SharedKoreanFont(Path(pylopdf_fonts_ko.sans_path()))


# --------------------------------------------------------------------------------------------------
# The document


def render_pdf(doc: QuoteDocument, *, font: KoreanFont = _SHARED_FONT) -> bytes:
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
    for panel in doc.panels:
        yield from (panel.name, panel.size_text, panel.enclosure_text)
        for line in panel.lines:
            yield from (line.name, line.spec, line.unit, line.note)


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


def _text_width(pdf: FPDF, text: str) -> float:
    """Width of `text` at the current font, in mm.

    The sum of the glyph advances, which is what text() draws with no character spacing or stretching
    set; get_string_width() gets the same figure through fpdf2's markdown and bidi machinery at ~30 µs
    a call, the largest cost of a table.
    """
    font = pdf.current_font
    assert font is not None, "set_font() comes first"
    points = font.get_text_width(text, pdf.font_size_pt, None)[1]
    return float(points) / pdf.k


def _wrapped(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` at the current font, by fpdf2's own line breaker."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if _text_width(pdf, paragraph) <= width:
            lines.append(paragraph)  # the common case, without multi_cell's cost (~0.3 ms a call)
        else:
            broken = pdf.multi_cell(
                width + 2 * pdf.c_margin, 1, paragraph, dry_run=True, output=MethodReturnValue.LINES
            )
            lines.extend(cast(list[str], broken))
    return lines


# --------------------------------------------------------------------------------------------------
# Tables: drawn with text() and rect(); fpdf2's table() lays out every cell with multi_cell and costs
# ~3 ms a row, more than the whole rest of the document.


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
        lines = _wrapped(pdf, cell.text, width - 2 * CELL_PAD_X)
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
            text_width = _text_width(pdf, line)
            if cell.align == "R":
                x = cell.x + cell.width - CELL_PAD_X - text_width
            elif cell.align == "C":
                x = cell.x + (cell.width - text_width) / 2
            else:
                x = cell.x + CELL_PAD_X
            pdf.text(x, first_line_top + number * line_height + baseline_offset, line)
    pdf.set_y(top + height)


def _draw_table(
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
        for line in _wrapped(pdf, value, value_width):
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
        ("전화", company.phone),
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
    return bottom


def _draw_amount_line(pdf: FPDF, doc: QuoteDocument) -> None:
    pdf.set_font(FONT_FAMILY, size=12.5)
    pdf.set_fill_color(*TOTAL_FILL)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.4)
    text = f"{doc.amount_in_words} (₩{_money(doc.total)}, 부가세 포함)"
    # One line whatever the amount: a billion won in words needs more than the box at 12.5 pt
    pdf.set_font_size(max(8.0, min(12.5, 12.5 * (TEXT_WIDTH - 8) / _text_width(pdf, text))))
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
    for label, amount in (("합계", doc.subtotal), ("부가세", doc.vat), ("총액 (부가세포함)", doc.total)):
        yield Row((Cell(label, span=label_span, align="C"), Cell(_money(amount))), fill=TOTAL_FILL)


def _draw_summary(pdf: FPDF, doc: QuoteDocument) -> None:
    pdf.set_font(FONT_FAMILY, size=9.5)
    _draw_table(pdf, SUMMARY_COLUMNS, _summary_rows(doc), line_height=6.5)
    pdf.ln(7)


def _draw_notes(pdf: FPDF, notes: Sequence[str]) -> None:
    if not notes:
        return
    pdf.set_font(FONT_FAMILY, size=10.5)
    pdf.cell(TEXT_WIDTH, 7, "비고", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=9.5)
    bullet_width = 4.0  # a long note's next lines start under its text, not under the bullet
    for note in notes:
        lines = _wrapped(pdf, note, TEXT_WIDTH - bullet_width - 3)
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
            line.note,
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
    for line in _wrapped(pdf, _panel_heading(panel), TEXT_WIDTH):
        pdf.cell(TEXT_WIDTH, 6.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font(FONT_FAMILY, size=8.5)
    continued = f"{panel.index + 1}. {panel.name} (계속)"
    _draw_table(pdf, DETAIL_COLUMNS, _detail_rows(panel), line_height=DETAIL_LINE, continued=continued)
    pdf.ln(7)


def unprintable_problems(raw_request: Any, font: KoreanFont = _SHARED_FONT) -> list[RequestProblem]:
    """A problem for each text field of a request holding a character the PDF cannot print (control
    characters such as a pasted tab, bidi overrides, emoji, scripts the Korean font lacks), so that the
    request is refused with the field's path instead of failing when the PDF is drawn."""
    problems: list[RequestProblem] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, str(key)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, str) and value:
            missing = font.missing(c for c in value if c != "\n")
            if missing:
                shown = ", ".join(f"U+{ord(c):04X}" for c in missing[:5])
                problems.append(
                    RequestProblem(
                        "REQ_TEXT_UNPRINTABLE",
                        f"견적서에 인쇄할 수 없는 문자가 있습니다 ({shown})",
                        f"The quotation cannot print these characters ({shown})",
                        ".".join(str(p) for p in path),
                        "해당 문자(탭·제어 문자·이모지 등)를 지우거나 바꿔 주세요 / "
                        "Remove or replace them (tabs, control characters, emoji, …).",
                    )
                )

    walk(raw_request, ())
    return problems
