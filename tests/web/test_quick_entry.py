"""빠른 입력 in the browser: the §8 panel typed as shorthand saves as 1,831,170; the apartment panel from
an empty form to a saved quote by keyboard alone, keystrokes counted; an unknown word marked in place."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import LiveApp, screenshot

QUOTE_URL = re.compile(r".*/quotes/[0-9a-f-]{36}$")
S8 = "LS 옥외 SUS 메인 4P 200A ELB 4P 100A 2개 ELB 4P 50A 4개 ELB 2P 20A 12개"
APARTMENT = "LS 메인 4P 75A ELB 2P 20A 12개"
MAX_KEYSTROKES = 60


def _saved_quote(page: Any, live_app: LiveApp) -> dict[str, Any]:
    page.wait_for_url(QUOTE_URL)
    with live_app.api() as api:
        quote: dict[str, Any] = api.get(f"/v1/estimate/{page.url.rsplit('/', 1)[1]}").json()
    return quote


def test_the_s8_panel_typed_as_shorthand_saves_as_1831170(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    page.get_by_label("고객명 (필수)").fill("동양기전")
    box = page.get_by_role("textbox", name="빠른 입력")
    box.fill(S8)
    box.press("Enter")
    expect(page.locator(".quick-result")).to_contain_text("양식을 채웠습니다: 분전반 1개, 분기 차단기 18개")
    expect(page.locator(".quick-result")).to_contain_text("‘메인 4P 200A’: 종류가 없어 MCCB(배선용)로 봅니다")
    expect(page.get_by_label("설치장소", exact=True)).to_have_value("OUTDOOR")
    expect(page.get_by_label("재질", exact=True)).to_have_value("SUS201")
    expect(page.get_by_label("극수", exact=True)).to_have_value("4")
    expect(page.get_by_label("정격 AT")).to_have_value("200")
    expect(page.get_by_label("분전반 1 분기 3 수량")).to_have_value("12")
    expect(page.get_by_label("고객명 (필수)")).to_have_value("동양기전")  # the customer is kept
    page.get_by_role("button", name="견적 계산").click()
    quote = _saved_quote(page, live_app)
    assert quote["totals"]["total"] == 1_831_170
    expect(page.get_by_text("1,831,170").first).to_be_visible()


def test_the_apartment_panel_by_keyboard_alone_takes_at_most_60_keystrokes(
    page_for: Any, live_app: LiveApp
) -> None:
    page = page_for("estimator")
    page.goto("/")
    expect(page.get_by_role("heading", name="새 견적")).to_be_visible()
    keys = 0

    def press(key: str) -> None:
        nonlocal keys
        keys += len(key.split("+"))  # Control+Enter is two presses
        page.keyboard.press(key)

    def focused() -> str:
        return str(page.evaluate("document.activeElement.className + ' ' + document.activeElement.tagName"))

    # From wherever the page put the focus: Enter on the skip link, Tab forward from above the box, or
    # Shift+Tab back from the form below it (a new quote starts in 고객명).
    below = bool(page.evaluate("!!document.activeElement.closest('form.quote-form')"))
    for _ in range(12):
        if "quick-text" in focused():
            break
        press("Enter" if "skip-link" in focused() else "Shift+Tab" if below else "Tab")
    assert "quick-text" in focused()
    page.keyboard.type(APARTMENT)
    keys += len(APARTMENT)
    press("Enter")  # fills the form; the empty customer name takes the focus
    expect(page.get_by_label("고객명 (필수)")).to_be_focused()
    page.keyboard.type("한빛")
    keys += 2
    press("Control+Enter")
    quote = _saved_quote(page, live_app)
    (panel,) = quote["request"]["panels"]
    assert quote["customer"]["name"] == "한빛" and quote["request"]["brand"] == "LS"
    assert panel["main"]["poles"] == 4 and panel["main"]["trip_at"] == 75
    assert [(b["type"], b["poles"], b["trip_at"], b["qty"]) for b in panel["branches"]] == [
        ("ELCB", 2, 20, 12)
    ]
    print(f"apartment panel by shorthand: {keys} keystrokes")
    assert keys <= MAX_KEYSTROKES


def test_an_unknown_word_is_marked_where_it_stands_and_nothing_is_filled(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    box = page.get_by_role("textbox", name="빠른 입력")
    box.fill("LS 메인 4P 75A ELV 2P 20A 12개")
    box.press("Enter")
    marked = page.locator("mark.quick-word")
    expect(marked).to_have_text("ELV")
    result = page.locator(".quick-result")
    expect(result).to_contain_text("14번째 글자 ‘ELV’")
    expect(result).to_contain_text("알 수 없는 말입니다")
    expect(result).to_contain_text("혹시 ‘ELB’인가요?")
    expect(result).not_to_contain_text("Unknown word")  # the Korean half only
    expect(box).to_have_attribute("aria-invalid", "true")
    assert box.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)") == "ELV"
    expect(page.get_by_label("극수", exact=True)).to_have_value("")  # the form is left as it was
    screenshot(page, "quick-finding")
    # Typed over, the phrase fills the form.
    page.keyboard.type("ELB")
    box.press("Enter")
    expect(page.get_by_label("분전반 1 분기 1 수량")).to_have_value("12")
    expect(marked).to_have_count(0)
