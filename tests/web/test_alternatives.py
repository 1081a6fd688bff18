"""Alternatives in a real browser (issue 18): the result page compares the quote's variants and one
click makes a variant the quote's revision; in the live preview one click fills the form with a variant."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.forms import fill_quote_form
from tests.web.test_quote_flow import QUOTE_URL


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _row(page: Any, words: str) -> Any:
    return page.get_by_test_id("alternative").filter(has=page.get_by_role("rowheader", name=words))


def test_compare_pick_a_variant_and_get_a_revision(page_for: Any, live_app: LiveApp) -> None:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with live_app.api() as api:
        quote = api.post("/v1/estimate", json=request).json()
    page = page_for("estimator")
    page.goto(f"/quotes/{quote['id']}")
    table = page.get_by_test_id("alternatives")
    expect(table).to_be_visible()
    sangdo = _row(page, "브랜드 상도")
    expect(sangdo.get_by_test_id("alternative-total")).to_have_text(_won(1_276_220))
    expect(sangdo.get_by_test_id("alternative-difference")).to_have_text("−554,950원")
    expect(_row(page, "등급 표준형").get_by_test_id("alternative-difference")).to_have_text("+76,956원")
    expect(_row(page, "재질 스틸 1.6T").get_by_test_id("alternative-total")).to_have_text(_won(1_699_170))
    expect(_row(page, "외함 주문제작")).to_contain_text("주문제작 700×1100×150")
    screenshot(page, "result-alternatives")

    sangdo.get_by_role("button", name="브랜드 상도: 이 대안으로 개정").click()
    page.wait_for_url(lambda url: bool(QUOTE_URL.search(url)) and quote["id"] not in url)
    expect(page.get_by_test_id("total")).to_have_text(_won(1_276_220))
    expect(page.get_by_test_id("delta-total")).to_have_text("−554,950원")
    expect(page.locator(".facts")).to_contain_text("개정 2")
    expect(page.locator(".facts")).to_contain_text("브랜드 상도")
    # The revision compares against itself now: LS is its alternative.
    expect(_row(page, "브랜드 LS").get_by_test_id("alternative-total")).to_have_text(_won(1_831_170))


def test_a_viewer_sees_the_comparison_without_the_revise_buttons(page_for: Any, live_app: LiveApp) -> None:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with live_app.api() as api:
        quote = api.post("/v1/estimate", json=request).json()
    page = page_for("viewer")
    page.goto("/quotes")
    page.evaluate("() => localStorage.setItem('kis.role', 'viewer')")  # as signing in with the key records it
    page.goto(f"/quotes/{quote['id']}")
    expect(page.get_by_test_id("alternative")).to_have_count(4)
    expect(page.get_by_test_id("alternatives").get_by_role("button")).to_have_count(0)


def test_the_preview_compares_and_a_variant_fills_the_form(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    page.get_by_label("분전반 1 분기 3 수량").press("Tab")
    expect(page.get_by_test_id("preview-total")).to_have_text(_won(1_831_170))
    page.get_by_test_id("preview-alternatives").locator("summary").click()
    steel = _row(page, "재질 스틸 1.6T")
    expect(steel.get_by_test_id("alternative-difference")).to_have_text("−132,000원")
    steel.get_by_role("button", name="재질 스틸 1.6T: 이 대안으로 채우기").click()
    expect(page.get_by_label("재질", exact=True)).to_have_value("STEEL")
    expect(page.get_by_label("두께 (선택)")).to_have_value("1.6")
    expect(page.get_by_test_id("preview-total")).to_have_text(_won(1_699_170))
    # The comparison follows the form: the filled form's SUS201 variant is the way back.
    expect(_row(page, "재질 SUS201 1.2T").get_by_test_id("alternative-total")).to_have_text(_won(1_831_170))
