"""Discounts and unit prices in the quote form (issue 17): a 5 % discount in the live preview and on the
saved quote, 최저가 chosen for a breaker priced from a catalog range, and an override without a reason
refused at its field in Korean."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.forms import fill_quote_form
from tests.web.test_quote_flow import QUOTE_URL


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _saved(page: Any, live_app: LiveApp) -> dict[str, Any]:
    page.get_by_role("button", name="견적 계산").click()
    page.wait_for_url(QUOTE_URL)
    quote_id = QUOTE_URL.search(page.url).group(1)  # type: ignore[union-attr]
    with live_app.api() as api:
        return dict(api.get(f"/v1/estimate/{quote_id}").json())


def test_a_five_percent_discount_in_the_preview_and_the_saved_quote(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    expect(page.get_by_test_id("preview-total")).to_have_text(_won(1_831_170))  # DOMAIN §8, no discount
    expect(page.get_by_test_id("preview-discount")).to_have_count(0)
    page.get_by_label("할인 (선택)").fill("5%")
    page.get_by_label("할인 사유").fill("NEGO")
    page.get_by_label("할인 사유").press("Tab")
    # DOMAIN §14's worked 5 %: 1,664,700 − 83,235 = 1,581,465; VAT round(158,146.5) = 158,147.
    expect(page.get_by_test_id("preview-subtotal")).to_have_text(_won(1_664_700))
    expect(page.get_by_test_id("preview-discount")).to_have_text("−" + _won(83_235))
    expect(page.get_by_test_id("preview-supply")).to_have_text(_won(1_581_465))
    expect(page.get_by_test_id("preview-vat")).to_have_text(_won(158_147))
    expect(page.get_by_test_id("preview-total")).to_have_text(_won(1_739_612))
    screenshot(page, "form-discount")

    quote = _saved(page, live_app)
    assert quote["request"]["discount"] == {"percent": 5, "amount": None, "reason": "NEGO"}
    totals = quote["totals"]
    assert (totals["subtotal"], totals["discount"], totals["supply"]) == (1_664_700, 83_235, 1_581_465)
    expect(page.get_by_test_id("total")).to_have_text(_won(1_739_612))
    expect(page.get_by_test_id("discount")).to_have_text("−" + _won(83_235))
    expect(page.get_by_test_id("supply")).to_have_text(_won(1_581_465))
    expect(page.get_by_text("할인 (5%, NEGO)").first).to_be_visible()
    bom = page.get_by_role("table", name="분전반 1 자재 내역")
    expect(bom.get_by_test_id("bom-discount")).to_have_text("−83,235")
    expect(bom.get_by_test_id("bom-supply")).to_have_text("1,581,465")
    expect(bom.get_by_test_id("bom-total")).to_have_text(_won(1_739_612))
    screenshot(page, "quote-discount")


def test_the_lowest_price_of_a_range_priced_breaker(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request["panels"][0]["branches"].append({"type": "MCCB", "poles": 4, "trip_at": 100, "qty": 1})
    fill_quote_form(page, request)
    row = len(request["panels"][0]["branches"])
    price = page.get_by_label(f"분전반 1 분기 {row} 단가 (선택)", exact=True)
    expect(price).to_be_hidden()  # ordinary entry: the 단가 columns are off
    page.get_by_role("button", name="단가 조정").click()
    expect(page.get_by_role("button", name="단가 조정")).to_have_attribute("aria-pressed", "true")
    # The preview tells each cell what an empty cell quotes: ABN-104's catalog range.
    expect(price).to_have_attribute("placeholder", "범위 54,300~87,300")
    expect(page.get_by_label("단가 (선택)", exact=True)).to_have_attribute("placeholder", "정가 154,000")
    # A price outside the range is marked at the cell while typing, in Korean with the range.
    price.fill("50,000")
    price.press("Tab")
    expect(price).to_have_attribute("aria-invalid", "true")
    errors = page.locator("[data-list='branches'] tr.row-errors")
    expect(errors).to_contain_text(
        "단가 (선택): ABN-104의 단가 50,000원이 카탈로그 범위 54,300~87,300원을 벗어났습니다"
    )
    expect(errors).to_contain_text("‘최저가’, ‘최고가’")
    price.fill("최저가")
    price.press("Tab")
    expect(price).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("price-note")).to_have_text("범위 54,300~87,300원 → 54,300원")
    screenshot(page, "form-price-range")

    quote = _saved(page, live_app)
    assert quote["request"]["panels"][0]["branches"][-1]["unit_price"] == {"value": "low", "reason": None}
    line = next(line for line in quote["panels"][0]["lines"] if line.get("model") == "ABN-104")
    assert (line["unit_price"], line["adjustment"]["choice"]) == (54_300, "low")
    bom = page.get_by_role("table", name="분전반 1 자재 내역")
    adjusted = bom.locator("tr[data-adjusted='low']")
    expect(adjusted).to_contain_text("ABN-104")
    expect(adjusted).to_contain_text("54,300")
    expect(adjusted.get_by_test_id("list-price")).to_have_text("정가 87,300 (범위 54,300~87,300)최저가")


def test_an_override_without_a_reason_and_a_whole_discount_are_refused_at_their_fields(
    page_for: Any, live_app: LiveApp
) -> None:
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    page.get_by_role("button", name="단가 조정").click()
    page.get_by_label("단가 (선택)", exact=True).fill("140,000")
    page.get_by_label("할인 (선택)").fill("100%")
    page.get_by_role("button", name="견적 계산").click()
    discount = page.get_by_label("할인 (선택)")
    expect(discount).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field", has=discount).locator(".field-error")).to_contain_text(
        "할인 100%은(는) 공급가액을 남기지 않습니다"
    )
    expect(page.locator(".error-summary")).to_contain_text("할인")

    discount.fill("50,000원")
    page.get_by_role("button", name="견적 계산").click()
    reason = page.get_by_label("단가 사유", exact=True)
    expect(reason).to_have_attribute("aria-invalid", "true")
    note = page.locator(".field", has=reason).locator(".field-error")
    expect(note).to_contain_text("ABN-204의 단가를 154,000원에서 140,000원으로 바꾸려면 사유가 필요합니다")
    expect(note).to_contain_text("도움말: 사유를 단가 사유에 적어 주세요")
    expect(page).not_to_have_url(QUOTE_URL)
    screenshot(page, "form-price-errors")

    # With a reason and a discount that leaves a supply, the same form saves.
    reason.fill("협상가")
    quote = _saved(page, live_app)
    assert quote["request"]["panels"][0]["main"]["unit_price"] == {"value": 140_000, "reason": "협상가"}
    assert quote["request"]["discount"] == {"percent": None, "amount": 50_000, "reason": None}
    main = page.get_by_role("table", name="분전반 1 자재 내역").locator("tr[data-adjusted='override']")
    expect(main.get_by_test_id("list-price")).to_have_text("정가 154,000정가 변경: 협상가")


def test_a_revision_keeps_the_adjustments_in_the_form_and_shows_the_discount_change(
    page_for: Any, live_app: LiveApp
) -> None:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request["discount"] = {"percent": 5, "reason": "NEGO"}
    request["panels"][0]["main"]["unit_price"] = {"value": 140_000, "reason": "협상가"}
    with live_app.api() as api:
        first = api.post("/v1/estimate", json=request).json()
    page = page_for("estimator")
    page.goto(f"/quotes/{first['id']}/revise")
    expect(page.get_by_role("heading", name=f"견적 개정 — {first['number']}")).to_be_visible()
    discount = page.get_by_label("할인 (선택)")
    expect(discount).to_have_value("5%")
    expect(page.get_by_label("할인 사유")).to_have_value("NEGO")
    # A panel that carries a unit price opens with its 단가 columns on, the price kept.
    expect(page.get_by_role("button", name="단가 조정")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("단가 (선택)", exact=True)).to_have_value("140000")
    expect(page.get_by_label("단가 사유", exact=True)).to_have_value("협상가")
    discount.fill("10%")
    page.get_by_role("button", name="개정판 계산").click()
    page.wait_for_url(QUOTE_URL)
    quote_id = QUOTE_URL.search(page.url).group(1)  # type: ignore[union-attr]
    with live_app.api() as api:
        revised = api.get(f"/v1/estimate/{quote_id}").json()
    assert revised["request"]["panels"][0]["main"]["unit_price"] == {"value": 140_000, "reason": "협상가"}
    delta = revised["totals"]["discount"] - first["totals"]["discount"]
    assert delta > 0
    changes = page.get_by_role("region", name="개정으로 바뀐 금액")
    expect(changes.get_by_test_id("delta-discount")).to_have_text(f"+{delta:,}원")


def test_rows_pasted_with_a_price_column_turn_the_price_columns_on(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    page.goto("/")
    switch = page.get_by_role("button", name="단가 조정")
    expect(switch).to_have_attribute("aria-pressed", "false")
    sheet = "종류\t극수\tAT\t수량\t단가\t단가 사유\r\nMCCB\t4\t100\t1\t최저가\t\r\n"
    page.evaluate("text => navigator.clipboard.writeText(text)", sheet)
    cell = page.get_by_label("분전반 1 분기 1 AT", exact=True)
    cell.focus()
    cell.press("Control+V")
    # The pasted price is not hidden: the columns that hold it are shown.
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("분전반 1 분기 1 단가 (선택)", exact=True)).to_have_value("최저가")


def test_a_draft_keeps_the_discount_and_the_unit_prices(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    page.get_by_label("고객명 (필수)").fill("초안 할인 전기")
    page.get_by_role("button", name="단가 조정").click()
    page.get_by_label("단가 (선택)", exact=True).fill("최고가")
    page.get_by_label("할인 (선택)").fill("2.5%")
    page.get_by_label("할인 사유").fill("NEGO")
    expect(page.get_by_role("status").filter(has_text="자동 저장됨")).to_be_visible()
    page.wait_for_url(re.compile(r"/drafts/[0-9a-f-]{36}$"))
    draft_id = page.url.rsplit("/", 1)[1]
    with live_app.api() as api:
        kept = api.get(f"/v1/drafts/{draft_id}").json()["request"]
    assert kept["discount"] == {"percent": 2.5, "reason": "NEGO"}
    assert kept["panels"][0]["main"]["unit_price"] == {"value": "high"}

    other = page_for("estimator")
    other.goto(f"/drafts/{draft_id}")
    expect(other.get_by_label("할인 (선택)")).to_have_value("2.5%")
    expect(other.get_by_label("할인 사유")).to_have_value("NEGO")
    expect(other.get_by_role("button", name="단가 조정")).to_have_attribute("aria-pressed", "true")
    expect(other.get_by_label("단가 (선택)", exact=True)).to_have_value("최고가")
