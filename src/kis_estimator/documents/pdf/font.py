"""The Korean font of the PDF quotation (Noto Sans KR), parsed once per process and subset per document.

The font is a 4.6 MB OpenType CFF font of 25,000 glyphs; `SharedKoreanFont` parses it once, and each
document still gets its own fpdf2 font object and its own small font file, so nothing a rendering mutates
is shared between documents or threads.
"""

from __future__ import annotations

import copy
import io
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pylopdf_fonts_ko
from fontTools.fontBuilder import FontBuilder, buildCmapSubTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.ttLib.tables._g_l_y_f import Glyph as TTGlyph
from fpdf import FPDF
from fpdf.fonts import Glyph as UsedGlyph
from fpdf.fonts import SubsetMap, TTFFont

__all__ = [
    "FONT_FAMILY",
    "SHARED_FONT",
    "KoreanFont",
    "MissingGlyphError",
    "ReferenceKoreanFont",
    "SharedKoreanFont",
]

FONT_FAMILY = "NotoSansKR"
_FONT_KEY = FONT_FAMILY.lower()  # fpdf2's key for the regular style of the family


class MissingGlyphError(ValueError):
    """The document holds characters the Korean font cannot draw; they would print as nothing."""

    def __init__(self, characters: Sequence[str]) -> None:
        self.characters = tuple(characters)
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in self.characters)
        super().__init__(f"no glyph in {FONT_FAMILY} for: {shown}")


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


SHARED_FONT = SharedKoreanFont(Path(pylopdf_fonts_ko.sans_path()))
