"""The PDF quotation, checked on real files: text extraction (pypdf, pdftotext), the embedded font, rendering
with pdftoppm, pagination, determinism, and the shared font against fpdf2's own font handling."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pylopdf_fonts_ko
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops
from pypdf import PdfReader

from kis_estimator.documents.model import Company, DocumentLine, QuoteDocument, Terms, build_document
from kis_estimator.documents.pdf.font import MissingGlyphError, ReferenceKoreanFont, SharedKoreanFont
from kis_estimator.documents.pdf.quote import _quantity, render_pdf
from tests.factories import ROOT, requires_tool

EXAMPLES = ROOT / "examples"
SCREENS = ROOT / "out" / "screens"
FONT_PATH = Path(pylopdf_fonts_ko.sans_path())
EVIDENCE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SHOP = Company(
    name="KIS 분전반",
    representative="홍길동",
    business_number="123-45-67890",
    address="경기도 화성시 향남읍 산업단지로 12",
    phone="031-123-4567",
    email="sales@kis.example",
)

requires_poppler = requires_tool(shutil.which("pdftoppm") is not None, "poppler-utils")
HEADING = r"번호\s+품명\s+규격\s+단위\s+수량\s+단가\s+금액\s+비고"


# --- documents ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document_of(quote_of: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[str], QuoteDocument]:
    def build(example: str) -> QuoteDocument:
        request = json.loads((EXAMPLES / f"{example}.json").read_text(encoding="utf-8"))
        return build_document(quote_of(request), SHOP, Terms(), evidence_hash=EVIDENCE)

    return build


@pytest.fixture(scope="module")
def s8(document_of: Callable[[str], QuoteDocument]) -> QuoteDocument:
    return document_of("domain-s8-outdoor-sus")


@pytest.fixture(scope="module")
def three_panels(document_of: Callable[[str], QuoteDocument]) -> QuoteDocument:
    return document_of("project-three-panels")


@pytest.fixture(scope="module")
def s8_pdf(s8: QuoteDocument) -> bytes:
    return render_pdf(s8)


def with_lines(
    doc: QuoteDocument, count: int, line: Callable[[int, DocumentLine], DocumentLine]
) -> QuoteDocument:
    """`doc` with its one panel's lines replaced by `count` lines made from the panel's own, totals to match."""
    panel = doc.panels[0]
    lines = tuple(line(no, panel.lines[(no - 1) % len(panel.lines)]) for no in range(1, count + 1))
    subtotal = sum(ln.amount for ln in lines)
    vat = subtotal // 10
    new_panel = dataclasses.replace(panel, lines=lines, subtotal=subtotal, amount=subtotal, quantity=1)
    return dataclasses.replace(doc, panels=(new_panel,), subtotal=subtotal, vat=vat, total=subtotal + vat)


def long_quote(doc: QuoteDocument) -> QuoteDocument:
    """120 lines in one panel: the detail table must run over several pages."""
    return with_lines(doc, 120, lambda no, base: dataclasses.replace(base, no=no))


# --- reading PDFs ---------------------------------------------------------------------------------


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdftotext(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    assert done.stderr == b"", done.stderr.decode()
    return done.stdout.decode("utf-8")


def pdftoppm(pdf: bytes, directory: Path, prefix: str, fmt: str = "-png") -> list[Path]:
    """Render every page at 50 dpi; poppler reports broken fonts or streams on stderr."""
    done = subprocess.run(
        ["pdftoppm", "-r", "50", fmt, "-", str(directory / prefix)],
        input=pdf,
        capture_output=True,
        check=True,
    )
    assert done.stderr == b"", done.stderr.decode()
    return sorted(directory.glob(f"{prefix}-*"))


def embedded_font(pdf: bytes) -> TTFont:
    """The one font program embedded in `pdf`, as fontTools reads it."""
    programs = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert (font["/Subtype"], font["/Encoding"]) == ("/Type0", "/Identity-H")
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            programs.add(descriptor["/FontFile2"].get_object().get_data())
    assert len(programs) == 1, "every page should use the same embedded font"
    return TTFont(io.BytesIO(programs.pop()))


def assert_glyphs_embedded(pdf: bytes, texts: list[str]) -> None:
    """Every character of `texts` is in the embedded font's cmap, and drawn by a glyph with an outline."""
    font = embedded_font(pdf)
    cmap, glyf = font.getBestCmap(), font["glyf"]
    characters = {c for text in texts for c in text if not c.isspace()}
    assert characters, "nothing to check"
    assert sorted(c for c in characters if ord(c) not in cmap) == []
    assert sorted(c for c in characters if glyf[cmap[ord(c)]].numberOfContours == 0) == []


def model_texts(doc: QuoteDocument) -> list[str]:
    texts = [doc.customer, doc.contact, doc.project, doc.amount_in_words, doc.date_text, *doc.notes]
    texts += [value for value in dataclasses.astuple(doc.company) if isinstance(value, str)]
    for panel in doc.panels:
        texts += [panel.name, panel.size_text, panel.enclosure_text]
        texts += [t for line in panel.lines for t in (line.name, line.spec, line.unit, line.note)]
    return texts


# --- content --------------------------------------------------------------------------------------


def test_the_s8_quote_reads_back_with_pypdf(s8: QuoteDocument, s8_pdf: bytes) -> None:
    pages = page_texts(s8_pdf)
    text = "\n".join(pages)
    for expected in (
        "견 적 서",
        "동양기전 귀하",
        "김과장",
        "신축공장 동력설비",
        "외함",
        "ELB지지대",
        "잡자재비",
        "1,831,170",
        "1,664,700",
        "166,470",
        "EST-20261122-0001",
        "견적서 상세",
        "ASSEMBLY CHARGE",
    ):
        assert expected in text, expected
    assert f"{s8.amount_in_words} (₩1,831,170, 부가세 포함)" in text
    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert f"페이지 {number} / 2" in page
        assert f"증빙 {EVIDENCE[:16]}" in page


@requires_poppler
def test_the_s8_quote_reads_back_with_pdftotext(s8_pdf: bytes) -> None:
    text = pdftotext(s8_pdf)
    for expected in (
        "동양기전",
        "외함",
        "ELB지지대",
        "잡자재비",
        "1,831,170",
        "EST-20261122-0001",
        "페이지 1 / 2",
        "페이지 2 / 2",
        "일금 일백팔십삼만일천일백칠십원정",
    ):
        assert expected in text, expected
    # MAIN BUS-BAR: 5.9 kg at 31,000 → 182,900, numbers as printed on the form
    assert re.search(r"MAIN BUS-BAR\s+5T×20\s+kg\s+5\.9\s+31,000\s+182,900", text)


def test_the_cover_has_totals_and_notes(s8: QuoteDocument, s8_pdf: bytes) -> None:
    cover = page_texts(s8_pdf)[0]
    for label, amount in (("합계", "1,664,700"), ("부가세", "166,470"), ("총액 (부가세포함)", "1,831,170")):
        assert re.search(rf"{re.escape(label)}\s*{amount}", cover), label
    assert "비고" in cover and all(note in cover for note in s8.notes)
    assert all(value in cover for value in ("KIS 분전반", "홍길동", "123-45-67890", "sales@kis.example"))


def test_no_evidence_part_in_the_footer_without_a_hash(s8: QuoteDocument) -> None:
    pages = page_texts(render_pdf(dataclasses.replace(s8, evidence_hash="")))
    assert all("증빙" not in page and "페이지" in page for page in pages)


def test_quantities_print_without_float_noise() -> None:
    assert [_quantity(q) for q in (5.9, 3.0, 12, 1200, 0.25)] == ["5.9", "3", "12", "1,200", "0.25"]


# --- font -----------------------------------------------------------------------------------------


@requires_poppler
def test_every_character_has_its_glyph_in_the_embedded_font(
    s8: QuoteDocument, s8_pdf: bytes, three_panels: QuoteDocument
) -> None:
    assert_glyphs_embedded(s8_pdf, [pdftotext(s8_pdf), *model_texts(s8)])
    three_pdf = render_pdf(three_panels)
    assert_glyphs_embedded(three_pdf, [pdftotext(three_pdf), *model_texts(three_panels)])


def test_the_font_is_embedded_as_a_subset_of_noto_sans_kr(s8_pdf: bytes) -> None:
    font = embedded_font(s8_pdf)
    assert font["name"].getDebugName(1) == "Noto Sans KR"
    with TTFont(FONT_PATH, lazy=True) as source:  # its dates, not the clock's: the bytes depend on them
        assert (font["head"].created, font["head"].modified) == (
            source["head"].created,
            source["head"].modified,
        )
    assert 100 < len(font.getGlyphOrder()) < 400  # of 25,000 glyphs
    assert len(s8_pdf) < 60_000  # the whole font is 4.6 MB


def test_the_embedded_fonts_header_figures_are_what_fonttools_would_compute(s8_pdf: bytes) -> None:
    # The renderer writes the bounding box and maxima itself instead of letting fontTools decompile
    # every glyph again; a wrong maxPoints or bounding box can make a rasteriser clip or refuse glyphs
    font = embedded_font(s8_pdf)
    fields = {
        "head": ("xMin", "yMin", "xMax", "yMax", "flags"),
        "maxp": ("maxPoints", "maxContours"),
        "hhea": ("advanceWidthMax", "minLeftSideBearing", "minRightSideBearing", "xMaxExtent"),
    }
    written = {tag: [getattr(font[tag], name) for name in names] for tag, names in fields.items()}
    font["maxp"].recalc(font)  # also the head's bounding box and flags
    font["hhea"].recalc(font)
    assert written == {tag: [getattr(font[tag], name) for name in names] for tag, names in fields.items()}


@requires_poppler
def test_a_digit_printed_only_by_the_page_total_is_embedded(s8: QuoteDocument) -> None:
    # No "3" anywhere but in "페이지 3 / 3" and the page totals, which fpdf2 draws inside output()
    def plain(no: int, base: DocumentLine) -> DocumentLine:
        return dataclasses.replace(
            base, no=1, name="N.T", spec="", qty=1, unit_price=1000, amount=1000, note=""
        )

    doc = with_lines(s8, 45, plain)
    doc = dataclasses.replace(doc, company=Company(), amount_in_words="일금", notes=())
    pdf = render_pdf(doc)
    assert "3" not in "".join(
        [*model_texts(doc), doc.number, str(doc.subtotal), str(doc.vat), str(doc.total)]
    )
    text = pdftotext(pdf)
    assert "페이지 3 / 3" in text
    assert_glyphs_embedded(pdf, [text])


def test_a_character_the_font_lacks_is_refused(s8: QuoteDocument) -> None:
    with pytest.raises(MissingGlyphError) as refused:
        render_pdf(dataclasses.replace(s8, customer="동양기전 😀"))
    assert refused.value.characters == ("😀",)


@requires_poppler
def test_the_shared_font_draws_what_fpdf2s_own_font_handling_draws(
    s8: QuoteDocument, s8_pdf: bytes, tmp_path: Path
) -> None:
    # Same glyphs at the same places; only anti-aliasing may differ (quadratic outlines, no hinting).
    # A wrong or shifted glyph differs by far more than 96 levels on many pixels.
    reference = render_pdf(s8, font=ReferenceKoreanFont(FONT_PATH))
    shared_pages = pdftoppm(s8_pdf, tmp_path, "shared", fmt="-gray")
    reference_pages = pdftoppm(reference, tmp_path, "reference", fmt="-gray")
    assert len(shared_pages) == len(reference_pages) == 2
    for shared, ref in zip(shared_pages, reference_pages, strict=True):
        with Image.open(shared) as ours, Image.open(ref) as theirs:
            histogram = ImageChops.difference(ours, theirs).histogram()
        pixels = sum(histogram)
        assert sum(histogram[96:]) == 0, shared.name
        assert sum(level * count for level, count in enumerate(histogram)) / pixels < 0.5, shared.name


# --- rendering ------------------------------------------------------------------------------------


@requires_poppler
def test_pages_render_with_pdftoppm(s8_pdf: bytes, three_panels: QuoteDocument) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for name, pdf, pages in (("quote-s8", s8_pdf, 2), ("quote-three-panels", render_pdf(three_panels), 3)):
        for old in SCREENS.glob(f"{name}-*.png"):
            old.unlink()
        rendered = pdftoppm(pdf, SCREENS, name)
        assert len(rendered) == pages
        assert all(png.read_bytes().startswith(b"\x89PNG") for png in rendered)


def stress_quote(doc: QuoteDocument) -> QuoteDocument:
    """Every free text far longer than usual, and an amount in the billions."""
    panel = doc.panels[0]
    first = dataclasses.replace(
        panel.lines[0], spec="주문제작 외함 " + "SUS304 2.0T 분체도장 " * 5, note="현장 확인 후 재견적 " * 3
    )
    long_panel = dataclasses.replace(
        panel, name="지하2층 기계실 동력제어반 MCC-B2-01 (소방겸용)", lines=(first, *panel.lines[1:])
    )
    return dataclasses.replace(
        doc,
        customer="주식회사 대한민국전력설비엔지니어링건설 서울특별시 강남구 지사",
        contact="설비팀 김철수 책임 (010-0000-0000)",
        project="○○지구 공동주택 신축공사 중 전기공사 (1공구) 분전반 및 동력반 제작 납품",
        company=dataclasses.replace(
            SHOP, address="경기도 화성시 향남읍 산업단지로 12, 제2공장 3층 (우편번호 18610)"
        ),
        panels=(long_panel,),
        total=9_999_999_990,
        amount_in_words="일금 구십구억구천구백구십구만구천구백구십원정",
        notes=(
            *doc.notes,
            "특기사항: " + "도면 승인 후 제작에 착수하며 사양 변경 시 금액이 조정될 수 있습니다. " * 3,
        ),
    )


def word_boxes(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """Every word pdftotext finds, with its box in points: (text, xMin, yMin, xMax, yMax)."""
    done = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True)
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [
        (w, float(a), float(b), float(c), float(d))
        for a, b, c, d, w in re.findall(pattern, done.stdout.decode())
    ]


@requires_poppler
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda doc: doc, ("1,831,170,", "ELB지지대")),
        (stress_quote, ("MCC-B2-01", "재견적", "18610)", "9,999,999,990,")),
    ],
    ids=["s8", "long texts"],
)
def test_all_text_stays_inside_the_margins(
    s8: QuoteDocument, make: Callable[[QuoteDocument], QuoteDocument], expected: tuple[str, ...]
) -> None:
    margin, width, height = 15 * 72 / 25.4, 595.28, 841.89
    words = word_boxes(render_pdf(make(s8)))
    outside = [
        w for w in words if w[1] < margin - 1 or w[3] > width - margin + 1 or w[4] > height - margin + 1
    ]
    assert outside == []
    text = " ".join(w[0] for w in words)
    assert [word for word in expected if word not in text] == []


# --- pagination -----------------------------------------------------------------------------------


def test_a_long_table_repeats_its_heading_on_every_page(s8: QuoteDocument) -> None:
    pages = page_texts(render_pdf(long_quote(s8)))
    total = len(pages)
    assert total >= 4
    for number, page in enumerate(pages, start=1):
        assert f"페이지 {number} / {total}" in page
    assert re.search(rf"견적서 상세\s+1\. LP-1 .*\n{HEADING}\s+1 외함", pages[1])
    for page in pages[2:]:
        assert re.match(rf"1\. LP-1 \(계속\)\s+{HEADING}\s+\d+ ", page), page[:200]
    # every line printed once, none lost or doubled at a page break; the 소계 only at the end
    numbers = [int(n) for page in pages[1:] for n in re.findall(r"^(\d+) ", page, flags=re.MULTILINE)]
    assert numbers == list(range(1, 121))
    assert "소계" in pages[-1] and all("소계" not in page for page in pages[1:-1])


def test_three_panels_paginate_with_the_heading_repeated(three_panels: QuoteDocument) -> None:
    pages = page_texts(render_pdf(three_panels))
    assert len(pages) == 3
    assert [f"페이지 {n} / 3" in page for n, page in enumerate(pages, start=1)] == [True] * 3
    # LP-2F/3F runs over to page 3, which starts with its caption and heading again
    assert re.match(rf"2\. LP-2F/3F \(계속\)\s+{HEADING}\s+16 ASSEMBLY CHARGE", pages[2]), pages[2][:200]
    for panel in three_panels.panels:
        assert f"{panel.index + 1}. {panel.name}" in "".join(pages[1:])


def test_many_panels_carry_the_cover_summary_onto_a_second_page(s8: QuoteDocument) -> None:
    panels = tuple(dataclasses.replace(s8.panels[0], index=i, name=f"LP-{i + 1}") for i in range(40))
    subtotal = sum(panel.amount for panel in panels)
    doc = dataclasses.replace(
        s8, panels=panels, subtotal=subtotal, vat=subtotal // 10, total=subtotal * 11 // 10
    )
    pages = page_texts(render_pdf(doc))
    summary_heading = r"품명\s+규격\s+단위\s+수량\s+단가\s+금액"
    assert re.search(rf"{summary_heading}\s+LP-1 ", pages[0])
    assert re.match(rf"{summary_heading}\s+LP-\d+ ", pages[1]), pages[1][:200]
    assert "총액 (부가세포함)" in pages[1] and "견적서 상세" not in pages[1]
    assert sum(page.count("LP-1 700×1200×200 면 1 1,664,700 1,664,700") for page in pages[:2]) == 1
    assert sum(len(re.findall(r"LP-\d+ 700×1200×200", page)) for page in pages[:2]) == 40
    assert "66,588,000" in pages[1]
    assert all(f"페이지 {n} / {len(pages)}" in page for n, page in enumerate(pages, start=1))


# --- determinism and sharing ----------------------------------------------------------------------


def test_the_same_document_gives_the_same_bytes(
    s8: QuoteDocument, s8_pdf: bytes, three_panels: QuoteDocument
) -> None:
    render_pdf(three_panels)  # other glyphs cached in between change nothing
    assert render_pdf(s8) == s8_pdf
    assert render_pdf(s8, font=SharedKoreanFont(FONT_PATH)) == s8_pdf  # a cold cache neither


def test_the_bytes_do_not_depend_on_the_process(s8_pdf: bytes) -> None:
    script = (
        "import hashlib, json, sys\n"
        "from kis_estimator.catalog_io import load_catalog, load_rulebook\n"
        "from kis_estimator.documents.pdf.quote import render_pdf\n"
        "from kis_estimator.documents.model import build_document, Terms\n"
        "from kis_estimator.pipeline import run_pipeline\n"
        "from tests.documents.test_pdf import EVIDENCE, EXAMPLES, SHOP\n"
        "from tests.factories import IDENTITY\n"
        "request = json.loads((EXAMPLES / 'domain-s8-outdoor-sus.json').read_text(encoding='utf-8'))\n"
        "quote = run_pipeline(request, load_catalog(), load_rulebook(), IDENTITY).quote\n"
        "pdf = render_pdf(build_document(quote, SHOP, Terms(), evidence_hash=EVIDENCE))\n"
        "print(hashlib.sha256(pdf).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == hashlib.sha256(s8_pdf).hexdigest()


def test_threads_rendering_at_once_get_their_own_documents(
    s8: QuoteDocument, s8_pdf: bytes, three_panels: QuoteDocument
) -> None:
    font = SharedKoreanFont(FONT_PATH)  # cold: the threads race for the first load too
    docs = [s8, three_panels, long_quote(s8)] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        rendered = list(pool.map(lambda doc: render_pdf(doc, font=font), docs))
    expected = {id(doc): render_pdf(doc) for doc in docs}
    assert rendered == [expected[id(doc)] for doc in docs]
    assert rendered[0] == s8_pdf
