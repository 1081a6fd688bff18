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
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from kis_estimator.documents.model import Company, DocumentLine, QuoteDocument, Terms, build_document
from kis_estimator.documents.pdf import (
    MissingGlyphError,
    ReferenceKoreanFont,
    SharedKoreanFont,
    _quantity,
    render_pdf,
)
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


def with_lines(doc: QuoteDocument, count: int, line: Callable[[int, DocumentLine], DocumentLine]) -> QuoteDocument:
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
    done = subprocess.run(["pdftoppm", "-r", "50", fmt, "-", str(directory / prefix)], input=pdf,
                          capture_output=True, check=True)  # fmt: skip
    assert done.stderr == b"", done.stderr.decode()
    return sorted(directory.glob(f"{prefix}-*"))


def embedded_cids(pdf: bytes) -> set[int]:
    """The CIDs of the glyphs in the one embedded font program (a CID-keyed CFF)."""
    programs = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            programs.append(descriptor["/FontFile3"].get_object().get_data())
    assert len(set(programs)) == 1, "every page should use the same embedded font"
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(programs[0]), None)
    charset = cff[cff.fontNames[0]].charset
    return {int(name[3:]) for name in charset if name.startswith("cid")}


@pytest.fixture(scope="module")
def noto_cmap() -> dict[int, str]:
    with TTFont(FONT_PATH, lazy=True) as font:
        return font.getBestCmap()


def assert_glyphs_embedded(pdf: bytes, texts: list[str], noto_cmap: dict[int, str]) -> None:
    cids = embedded_cids(pdf)
    characters = {c for text in texts for c in text if not c.isspace()}
    assert characters, "nothing to check"
    not_in_font = sorted(c for c in characters if ord(c) not in noto_cmap)
    not_embedded = sorted(c for c in characters if ord(c) in noto_cmap and int(noto_cmap[ord(c)][3:]) not in cids)
    assert not_in_font == [] and not_embedded == []


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
    for expected in ("견 적 서", "동양기전 귀하", "김과장", "신축공장 동력설비", "외함", "ELB지지대", "잡자재비",
                     "1,831,170", "1,664,700", "166,470", "EST-20261122-0001", "견적서 상세", "ASSEMBLY CHARGE"):  # fmt: skip
        assert expected in text, expected
    assert f"{s8.amount_in_words} (₩1,831,170, 부가세 포함)" in text
    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert f"페이지 {number} / 2" in page
        assert f"증빙 {EVIDENCE[:16]}" in page


@requires_poppler
def test_the_s8_quote_reads_back_with_pdftotext(s8_pdf: bytes) -> None:
    text = pdftotext(s8_pdf)
    for expected in ("동양기전", "외함", "ELB지지대", "잡자재비", "1,831,170", "EST-20261122-0001", "페이지 1 / 2",
                     "페이지 2 / 2", "일금 일백팔십삼만일천일백칠십원정"):  # fmt: skip
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
    s8: QuoteDocument, s8_pdf: bytes, three_panels: QuoteDocument, noto_cmap: dict[int, str]
) -> None:
    assert_glyphs_embedded(s8_pdf, [pdftotext(s8_pdf), *model_texts(s8)], noto_cmap)
    three_pdf = render_pdf(three_panels)
    assert_glyphs_embedded(three_pdf, [pdftotext(three_pdf), *model_texts(three_panels)], noto_cmap)


def test_the_font_is_embedded_as_a_subset(s8_pdf: bytes) -> None:
    assert 100 < len(embedded_cids(s8_pdf)) < 400  # of 25,000 glyphs
    assert len(s8_pdf) < 100_000  # the whole font is 4.6 MB


@requires_poppler
def test_a_digit_printed_only_by_the_page_total_is_embedded(s8: QuoteDocument, noto_cmap: dict[int, str]) -> None:
    # No "3" anywhere but in "페이지 3 / 3" and the page totals, which fpdf2 draws inside output()
    def plain(no: int, base: DocumentLine) -> DocumentLine:
        return dataclasses.replace(base, no=1, name="N.T", spec="", qty=1, unit_price=1000, amount=1000, note="")

    doc = with_lines(s8, 45, plain)
    doc = dataclasses.replace(doc, amount_in_words="일금", notes=(), date_text="2026년 11월 22일")
    pdf = render_pdf(doc)
    assert "3" not in "".join(model_texts(doc) + [doc.number, str(doc.subtotal), str(doc.vat), str(doc.total)])
    text = pdftotext(pdf)
    assert "페이지 3 / 3" in text
    assert_glyphs_embedded(pdf, [text], noto_cmap)


def test_a_character_the_font_lacks_is_refused(s8: QuoteDocument) -> None:
    with pytest.raises(MissingGlyphError) as refused:
        render_pdf(dataclasses.replace(s8, customer="동양기전 😀"))
    assert refused.value.characters == ("😀",)


@requires_poppler
def test_the_shared_font_draws_exactly_what_fpdf2s_own_font_handling_draws(
    s8: QuoteDocument, s8_pdf: bytes, tmp_path: Path
) -> None:
    reference = render_pdf(s8, font=ReferenceKoreanFont(FONT_PATH))
    shared_pages = pdftoppm(s8_pdf, tmp_path, "shared", fmt="-gray")
    reference_pages = pdftoppm(reference, tmp_path, "reference", fmt="-gray")
    assert len(shared_pages) == len(reference_pages) == 2
    for shared, ref in zip(shared_pages, reference_pages, strict=True):
        assert shared.read_bytes() == ref.read_bytes(), shared.name


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


# --- pagination -----------------------------------------------------------------------------------


def test_a_long_table_repeats_its_heading_on_every_page(s8: QuoteDocument) -> None:
    pages = page_texts(render_pdf(long_quote(s8)))
    total = len(pages)
    assert total >= 4
    for number, page in enumerate(pages, start=1):
        assert f"페이지 {number} / {total}" in page
    for page in pages[1:]:
        assert re.search(r"번호\s*품명\s*규격\s*단위\s*수량\s*단가\s*금액\s*비고", page), page[:200]
    for page in pages[2:]:
        assert "1. LP-1 (계속)" in page
    # every line printed once, none lost or doubled at a page break; the 소계 only at the end
    numbers = [int(n) for page in pages[1:] for n in re.findall(r"^(\d+) ", page, flags=re.MULTILINE)]
    assert numbers == list(range(1, 121))
    assert "소계" in pages[-1] and all("소계" not in page for page in pages[1:-1])


def test_three_panels_paginate_with_the_heading_repeated(three_panels: QuoteDocument) -> None:
    pages = page_texts(render_pdf(three_panels))
    assert len(pages) == 3
    assert [f"페이지 {n} / 3" in page for n, page in enumerate(pages, start=1)] == [True] * 3
    assert all(page.count("번호") == page.count("품명") for page in pages[1:])
    assert "(계속)" in pages[2] and "번호" in pages[2]
    for panel in three_panels.panels:
        assert f"{panel.index + 1}. {panel.name}" in "".join(pages[1:])


# --- determinism and sharing ----------------------------------------------------------------------


def test_the_same_document_gives_the_same_bytes(s8: QuoteDocument, s8_pdf: bytes, three_panels: QuoteDocument) -> None:
    render_pdf(three_panels)  # other glyphs cached in between change nothing
    assert render_pdf(s8) == s8_pdf
    assert render_pdf(s8, font=SharedKoreanFont(FONT_PATH)) == s8_pdf  # a cold cache neither


def test_the_bytes_do_not_depend_on_the_process(s8_pdf: bytes) -> None:
    script = (
        "import hashlib, json, sys\n"
        "from kis_estimator.catalog_io import load_catalog, load_rulebook\n"
        "from kis_estimator.documents.pdf import render_pdf\n"
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
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
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
