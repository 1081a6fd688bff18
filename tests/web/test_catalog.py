"""The catalog screen in a real browser: search and filters on the three kinds, and (admin) importing a
price book, on a server of its own so that the other tests keep the shipped prices."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from kis_estimator.catalog_io import load_catalog
from kis_estimator.pricebooks import catalog_rows, render_price_book
from tests.factories import DOMAIN_S8
from tests.web.conftest import LiveApp, running_app, screenshot
from tests.web.forms import unlabelled_controls


@pytest.fixture
def private_app(tmp_path: Path) -> Iterator[LiveApp]:
    with running_app(tmp_path) as app:
        yield app


def test_search_the_three_kinds(page_for: Any, live_app: LiveApp) -> None:
    with live_app.api("viewer") as api:
        breakers = api.get("/v1/catalog/breakers").json()["total"]
    page = page_for("viewer")
    page.goto("/catalog")
    expect(page.get_by_role("tab", name="차단기")).to_have_attribute("aria-selected", "true")
    results = page.locator(".tab-panel table.catalog")
    expect(results.locator("caption")).to_have_text(f"차단기 {breakers}건 · 기본 카탈로그")
    screenshot(page, "catalog")
    search = page.get_by_label("검색어 (모델·이름)")
    search.fill("ABN-204")
    search.press("Enter")
    expect(results.locator("tbody tr").first).to_contain_text("ABN-204")
    expect(results.locator("tbody tr").first).to_contain_text("154,000원")
    search.fill("")
    page.get_by_label("제조사").select_option("LS")
    page.get_by_label("극수", exact=True).select_option("4")
    page.get_by_label("정격 AT 포함").fill("50")
    page.get_by_role("button", name="검색", exact=True).click()
    expect(results.locator("tbody tr").first).to_contain_text("LS")
    for row in results.locator("tbody tr").all():
        expect(row).to_contain_text("4P")

    page.get_by_role("tab", name="차단기").press("ArrowRight")  # the tabs follow the arrow keys
    expect(page.get_by_role("tab", name="외함")).to_be_focused()
    expect(page.get_by_role("tab", name="외함")).to_have_attribute("aria-selected", "true")
    page.get_by_label("검색어 (모델·이름)").fill("SC 70 120")
    page.get_by_label("검색어 (모델·이름)").press("Enter")
    expect(results.locator("tbody tr").first).to_contain_text("SC 70 120 20")
    expect(results.locator("tbody tr").first).to_contain_text("700×1200×200")

    page.get_by_role("tab", name="부속자재").click()
    page.get_by_label("종류", exact=True).select_option("METER")
    page.get_by_role("button", name="검색", exact=True).click()
    expect(results.locator("tbody tr").first).to_contain_text("가격 없음")
    expect(page.get_by_text("가격표 가져오기는 관리자 키로 로그인했을 때 할 수 있습니다.")).to_be_visible()


def _price_book(change: dict[str, int]) -> bytes:
    """The shipped catalog as an import zip, with the given breaker prices changed."""
    rows = catalog_rows(load_catalog())
    rows["breakers"] = [
        {**row, "price_krw": change.get(row["model"], row["price_krw"])} for row in rows["breakers"]
    ]
    return render_price_book(rows, "zip")


def test_import_a_price_book(page_for: Any, private_app: LiveApp) -> None:
    page = page_for("admin", private_app)
    page.goto("/catalog")
    expect(page.get_by_text("가져온 가격표가 없습니다.")).to_be_visible()
    assert unlabelled_controls(page) == []
    upload = page.get_by_label("가격표 파일")
    broken = io.StringIO()
    writer = csv.writer(broken)
    writer.writerow(["brand", "type", "series", "model", "grade", "poles", "frame_af"])
    writer.writerow(["LS", "MCCB", "ABN", "ABN-999", "ECONOMY", "five", "100"])
    upload.set_input_files(
        {"name": "breakers.csv", "mimeType": "text/csv", "buffer": broken.getvalue().encode()}
    )
    page.get_by_role("button", name="가져오기").click()
    refusal = page.locator("form.import .inline-error")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("file:breakers.csv")

    upload.set_input_files(
        {
            "name": "2027-가격표.zip",
            "mimeType": "application/zip",
            "buffer": _price_book({"ABN-204": 160_000}),
        }
    )
    page.get_by_label("이름 (선택)").fill("2027년 1월 단가")
    page.get_by_label("바로 사용 (활성화)").check()
    page.get_by_role("button", name="가져오기").click()
    expect(page.get_by_test_id("import-ok")).to_contain_text("‘2027년 1월 단가’ 저장됨 (사용 중")
    expect(page.locator("table.books-table tbody tr")).to_have_count(1)
    results = page.locator(".tab-panel table.catalog")
    expect(results.locator("caption")).to_contain_text("가격표 #")  # the rows in use follow the new book
    screenshot(page, "catalog-import")
    search = page.get_by_label("검색어 (모델·이름)")
    search.fill("ABN-204")
    search.press("Enter")
    expect(results.locator("tbody tr").first).to_contain_text("ABN-204")
    expect(results.locator("tbody tr").first).to_contain_text("160,000원")


def test_the_impact_banner_after_an_import_and_requote(page_for: Any, private_app: LiveApp) -> None:
    with private_app.api("estimator") as api:
        changed = api.post("/v1/estimate", json=DOMAIN_S8).json()
        untouched = api.post("/v1/estimate", json={**DOMAIN_S8, "brand": "SANGDO"}).json()
    page = page_for("admin", private_app)
    page.goto("/catalog")
    page.get_by_label("가격표 파일").set_input_files(
        {"name": "new.zip", "mimeType": "application/zip", "buffer": _price_book({"ABN-204": 160_000})}
    )
    page.get_by_role("button", name="가져오기").click()
    banner = page.get_by_test_id("impact-banner")
    expect(banner.get_by_role("heading")).to_have_text("새 단가표: 열린 견적 2건 중 1건 금액 변동")
    rows = banner.locator("table.impact-table tbody tr")
    expect(rows).to_have_count(1)
    old, new = changed["totals"]["total"], changed["totals"]["total"] + 6600  # 6,000 + VAT
    expect(rows.first).to_contain_text(changed["number"])
    expect(rows.first).to_contain_text(f"{old:,}원")
    expect(rows.first).to_contain_text(f"{new:,}원")
    expect(rows.first).to_contain_text("+6,600원")
    assert untouched["number"] not in banner.inner_text()
    requote = banner.get_by_role("button", name="선택한 견적 재견적")
    expect(requote).to_be_disabled()  # only after activation
    screenshot(page, "catalog-impact")
    banner.get_by_role("button", name="이 단가표 활성화").click()
    expect(requote).to_be_enabled()
    requote.click()
    expect(banner.get_by_test_id("requote-ok")).to_have_text("1건을 새 단가로 재견적했습니다.")
    expect(rows.first.locator("td.outcome")).to_contain_text("재견적됨 EST-")
    expect(rows.first.locator("td.outcome")).to_contain_text(f"{new:,}원")
