"""거래처 and 회사 정보 in a real browser (issue 17): an admin sets the company profile with a seal; an
estimator registers a customer (the business-number check in Korean), imports a list with findings by
row, starts a quote from the customer with its default discount, sees it on the customer's page, and
downloads the PDF whose first page shows the supplier block and the seal."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.web.conftest import EXAMPLE, LiveApp, running_app, screenshot
from tests.web.forms import fill_quote_form, unlabelled_controls

QUOTE_URL = re.compile(r"/quotes/([0-9a-f-]{36})$")
CUSTOMER_URL = re.compile(r"/customers/([0-9a-f-]{36})$")


@pytest.fixture
def private_app(tmp_path: Path) -> Iterator[LiveApp]:
    with running_app(tmp_path) as app:  # its own profile: the session's app keeps the settings' company
        yield app


def _seal_file(tmp_path: Path) -> Path:
    path = tmp_path / "직인.png"
    image = Image.new("RGB", (120, 120), (255, 255, 255))
    image.paste((200, 20, 20), (10, 10, 110, 110))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_profile_customer_discounted_quote_and_the_pdf_cover(
    page_for: Any, private_app: LiveApp, tmp_path: Path
) -> None:
    admin = page_for("admin", private_app)
    admin.goto("/profile")
    expect(admin.get_by_role("heading", name="회사 정보 (공급자)")).to_be_visible()
    values = {
        "상호 (필수)": "케이아이에스 전기",
        "사업자등록번호 (필수)": "220-81-62517",
        "대표": "이대표",
        "주소": "경기도 화성시 동탄대로 1",
        "업태": "제조업",
        "종목": "배전반",
        "전화": "031-123-4567",
        "팩스": "031-123-4568",
        "담당자": "박담당",
    }
    for label, value in values.items():
        admin.get_by_label(label, exact=True).fill(value)
    admin.get_by_role("button", name="저장").click()
    expect(admin.get_by_role("form", name="직인")).to_be_visible()
    admin.get_by_label("직인 이미지 파일").set_input_files(str(_seal_file(tmp_path)))
    admin.get_by_role("button", name="직인 올리기").click()
    preview = admin.get_by_test_id("seal-preview")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    assert unlabelled_controls(admin) == []
    screenshot(admin, "profile")

    page = page_for("estimator", private_app)
    page.goto("/customers")
    expect(page.get_by_role("heading", name="거래처", exact=True)).to_be_visible()
    form = page.get_by_role("form", name="거래처 등록")
    form.get_by_label("상호 (필수)").fill("동양기전")
    number = form.get_by_label("사업자등록번호")
    number.fill("123-45-67890")
    expect(form.get_by_role("alert").filter(has_text="검증 숫자")).to_be_visible()
    form.get_by_role("button", name="거래처 등록").click()
    expect(form.locator(".error-summary")).to_contain_text("사업자등록번호가 올바르지 않습니다")
    number.fill("123-45-67891")
    form.get_by_label("담당자").fill("김과장")
    form.get_by_label("기본 할인율").fill("5")
    form.get_by_role("button", name="거래처 등록").click()
    page.wait_for_url(CUSTOMER_URL)
    expect(page.get_by_role("heading", name="동양기전")).to_be_visible()
    expect(page.get_by_text("이 상호로 만든 견적이 아직 없습니다.")).to_be_visible()

    page.get_by_role("link", name="이 거래처로 새 견적").click()
    expect(page.get_by_label("고객명 (필수)")).to_have_value("동양기전")
    expect(page.get_by_label("할인 (선택)")).to_have_value("5%")
    expect(page.get_by_label("담당자", exact=True)).to_have_value("김과장")
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request["customer"] = {"name": "동양기전"}
    fill_quote_form(page, request)
    page.get_by_role("button", name="견적 계산").click()
    page.wait_for_url(QUOTE_URL)
    match = QUOTE_URL.search(page.url)
    assert match is not None
    with private_app.api("viewer") as api:
        quote = api.get(f"/v1/estimate/{match.group(1)}").json()
    assert quote["request"]["discount"]["percent"] == 5
    totals = quote["totals"]
    assert totals["discount"] == round(totals["subtotal"] * 5 / 100) and totals["supply"] < totals["subtotal"]

    with page.expect_download() as download_info:
        page.get_by_role("button", name="견적서 PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"견적서_동양기전_신축공장동력설비_{quote['number']}.pdf"
    pdf = tmp_path / "quote.pdf"
    download.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    for shown in ("공급자", "케이아이에스 전기", "220-81-62517", "제조업 / 배전반", "031-123-4568", "박담당"):
        assert shown in text, shown
    images = subprocess.run(
        ["pdfimages", "-f", "1", "-l", "1", "-list", str(pdf)], capture_output=True, check=True
    )
    assert len(images.stdout.decode().strip().splitlines()) >= 3  # two header lines, then the seal
    assert len(PdfReader(pdf).pages[0].images) == 1

    page.goto("/customers")
    page.get_by_label("거래처 검색 (상호·담당자·사업자번호)").fill("동양")
    page.get_by_role("link", name="동양기전").click()
    row = page.locator(f"tr[data-quote='{quote['id']}']")
    expect(row).to_contain_text(quote["number"])
    expect(row).to_contain_text("작성")
    screenshot(page, "customer")


def test_a_customer_list_imports_with_findings_by_row(
    page_for: Any, private_app: LiveApp, tmp_path: Path
) -> None:
    listing = tmp_path / "거래처.csv"
    listing.write_text(
        "상호,사업자등록번호,할인율\n한빛전기,220-81-62517,3\n틀린번호,123-45-67890,\n", encoding="utf-8"
    )
    page = page_for("estimator", private_app)
    page.goto("/customers")
    page.get_by_label("거래처 목록 파일").set_input_files(str(listing))
    page.get_by_role("button", name="가져오기").click()
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("새로 등록 1곳, 고침 0곳, 건너뜀 1줄")
    expect(report.locator("tbody tr")).to_have_count(1)
    expect(report.locator("tbody tr")).to_contain_text("3")
    expect(report.locator("tbody tr")).to_contain_text("사업자등록번호가 올바르지 않습니다")
    expect(page.get_by_role("link", name="한빛전기")).to_be_visible()

    # the new-quote form offers the registered customer while typing, and picking it fills the discount
    page.goto("/")
    name = page.get_by_label("고객명 (필수)")
    name.fill("한빛")
    name.fill("한빛전기")
    name.blur()
    expect(page.get_by_label("할인 (선택)")).to_have_value("3%")
