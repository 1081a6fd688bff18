"""The screens of issue 16 at 1280 and 768 px, for a person to look at (out/screenshots/s-*, git-ignored):
the form with its live preview (the §8 panel), the grid with a per-cell finding after a bad paste, the
빠른 입력 box with an unknown word, the 작성 중 list and the quote list with several quotes. Each screen
is checked for what makes it hard to read at both widths: a sideways scroll."""

from __future__ import annotations

import copy
import json
from typing import Any

from playwright.sync_api import expect

from tests.factories import DOMAIN_S8
from tests.web.conftest import EXAMPLE, SCREENSHOTS, WIDTHS, LiveApp
from tests.web.forms import fill_quote_form

BRANCH = "분전반 1 분기"


def _shoot(page: Any, name: str) -> None:
    """Full-page screenshots at each width (out/screenshots/NAME-WIDTH.png), and no sideways scroll.
    Like conftest's screenshot(), but scrolled to the page's end first: a full-page picture draws what
    is fixed to the screen (the totals bar below 1100 px) where the screen is, so at the end it stays at
    the foot of the picture instead of over the middle of the form."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    expect(page.locator(".toast.shown")).to_have_count(0, timeout=8_000)  # a passing note, not the screen
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_timeout(150)  # let the layout settle after the resize
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= width, f"{name} at {width} px scrolls sideways ({wide} px wide)"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(original)


def test_the_workspace_screens_at_1280_and_768(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, copy.deepcopy(DOMAIN_S8))
    page.get_by_label(f"{BRANCH} 3 수량", exact=True).press("Tab")
    expect(page.get_by_test_id("preview-total")).to_have_text("1,831,170원")
    _shoot(page, "s-form-preview")

    # A bad paste into the grid: the cell that is not a number says so.
    page.get_by_role("button", name="+ 분기 추가").click()
    page.evaluate("text => navigator.clipboard.writeText(text)", "ELB\t2\t20\t1")
    cell = page.get_by_label(f"{BRANCH} 4 극수", exact=True)
    cell.focus()
    cell.press("Control+V")
    expect(page.locator("[data-list='branches']")).to_contain_text("‘ELB’는 숫자가 아닙니다")
    _shoot(page, "s-grid-finding")

    # 빠른 입력 with a word it does not know (a fresh form: the draft above stays under 작성 중).
    fresh = page_for("estimator")
    fresh.goto("/")
    box = fresh.get_by_role("textbox", name="빠른 입력")
    box.fill("LS 메인 4P 75A ELV 2P 20A 12개")
    box.press("Enter")
    expect(fresh.locator("mark.quick-word")).to_have_text("ELV")
    _shoot(fresh, "s-quick-finding")

    # 작성 중 with a few drafts, and the quote list with several quotes.
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with live_app.api() as api:
        for n, customer in enumerate(("한빛전기", "대성엔지니어링 주식회사", "세원종합건설")):
            partial = {"customer": {"name": customer}, "project": f"신축 {n + 1}동 동력설비 분전반"}
            assert api.post("/v1/drafts", json={"request": partial}).status_code == 201
            quote = copy.deepcopy(request)
            quote["customer"]["name"] = customer
            quote["project"] = f"신축 {n + 1}동 동력설비 분전반 납품"
            quote["panels"][0]["quantity"] = n + 1
            assert api.post("/v1/estimate", json=quote).status_code == 201
    page.get_by_role("link", name="작성 중").click()
    expect(page.get_by_role("heading", name="작성 중")).to_be_visible()
    expect(page.locator("tr[data-draft]").first).to_be_visible()
    _shoot(page, "s-drafts")
    page.get_by_role("link", name="견적 목록").first.click()
    expect(page.locator("table.quotes tbody tr[data-quote]").nth(2)).to_be_visible()
    _shoot(page, "s-quotes")
