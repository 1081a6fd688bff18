"""The defects an estimator met in the web UI (issue 16), each driven in a real browser as a person
would: the keyboard, a reload, a second tab, a paste from Excel, a 768 px screen, a download."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from kis_estimator.documents.request_sheet import TEMPLATE_PATH
from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.forms import fill_quote_form
from tests.web.test_quote_flow import QUOTE_URL

BRANCH = "분전반 1 분기"


def _request() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _quote_count(live_app: LiveApp) -> int:
    with live_app.api() as api:
        return int(api.get("/v1/estimate?size=1").json()["total"])


def test_enter_in_any_field_never_saves_a_quote(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    before = _quote_count(live_app)
    page.get_by_label("고객명 (필수)").fill("엔터시험 전기")
    page.get_by_label("고객명 (필수)").press("Enter")
    expect(page.get_by_label("담당자", exact=True)).to_be_focused()  # Enter moves on, as in a sheet
    page.get_by_label("극수", exact=True).fill("4")
    page.get_by_label("극수", exact=True).press("Enter")
    page.get_by_label("정격 AT").fill("100")
    for label in ("정격 AT", "분전반 이름", "수량 (면)", f"{BRANCH} 1 AT", f"{BRANCH} 1 회로명 (선택)"):
        page.get_by_label(label, exact=True).press("Enter")
    page.get_by_label(f"{BRANCH} 1 종류", exact=True).press("Enter")
    page.wait_for_timeout(500)  # time enough for a request to have been sent
    assert _quote_count(live_app) == before
    assert (
        "/quotes/" not in page.url
    )  # still on the form (an autosave may have named the draft in the address)
    expect(page.get_by_role("region", name="계산 진행")).to_have_count(0)
    expect(page.get_by_text("Ctrl+Enter")).to_be_visible()  # the way to save by keyboard is said

    # The deliberate shortcut saves: Ctrl+Enter.
    page.get_by_label(f"{BRANCH} 1 극수").fill("2")
    page.get_by_label(f"{BRANCH} 1 AT").fill("20")
    page.get_by_label(f"{BRANCH} 1 수량").fill("4")
    page.get_by_label(f"{BRANCH} 1 수량").press("Control+Enter")
    page.wait_for_url(QUOTE_URL)
    assert _quote_count(live_app) == before + 1


def _form_values(page: Any) -> dict[str, str]:
    return {
        "customer": page.get_by_label("고객명 (필수)").input_value(),
        "project": page.get_by_label("건명", exact=True).input_value(),
        "mount": page.get_by_label("설치방식", exact=True).input_value(),
        "poles": page.get_by_label("극수", exact=True).input_value(),
        "branch_2_at": page.get_by_label(f"{BRANCH} 2 AT").input_value(),
    }


def test_typed_work_survives_the_catalog_and_a_reload(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, _request())
    typed = _form_values(page)
    assert typed["customer"] and typed["branch_2_at"]

    page.get_by_role("link", name="카탈로그").click()
    expect(page.get_by_role("heading", name="카탈로그")).to_be_visible()
    page.get_by_role("link", name="새 견적").click()
    expect(page.get_by_role("heading", name="새 견적")).to_be_visible()
    assert _form_values(page) == typed
    expect(page.get_by_role("status").filter(has_text="작성 중이던 내용을 불러왔습니다")).to_be_visible()

    # A reload warns first (unsaved work), then brings the same form back.
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_label("건명", exact=True).fill("리로드 후에도 남는 건명")
    typed["project"] = "리로드 후에도 남는 건명"
    page.reload()
    expect(page.get_by_role("heading", name="새 견적")).to_be_visible()
    assert asked == ["beforeunload"]
    assert _form_values(page) == typed
    screenshot(page, "draft-restored")

    # Starting afresh forgets it; a saved quote forgets it too (checked in the Enter test's save).
    page.get_by_role("button", name="비우고 새로 시작").click()
    expect(page.get_by_label("고객명 (필수)")).to_have_value("")
    page.reload()
    expect(page.get_by_label("고객명 (필수)")).to_have_value("")
    assert asked == ["beforeunload"]  # nothing typed since: no question


def test_field_errors_speak_the_estimators_words(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    page.get_by_role("button", name="견적 계산").click()
    summary = page.get_by_role("alert").filter(has_text="입력을 확인해 주세요")
    expect(summary).to_contain_text("필수 항목이 없습니다: 주 차단기 극수")
    expect(summary).to_contain_text("필수 항목이 없습니다: 고객명")
    poles = page.locator("[data-path='panels.0.main.poles']")
    error = page.locator(f"#{poles.get_attribute('aria-describedby')}")
    expect(error).to_contain_text("주 차단기 극수를 입력해 주세요")
    expect(page.locator(".quote-form")).not_to_contain_text("panels.0")
    expect(page.locator(".quote-form")).not_to_contain_text("A required field")

    page.get_by_label("고객명 (필수)").fill("말씨시험 전기")
    page.get_by_label("극수", exact=True).fill("4")
    page.get_by_label("정격 AT").fill("100")
    page.get_by_label("설치방식", exact=True).select_option("POLE")  # pole mounting indoors: refused
    page.get_by_role("button", name="견적 계산").click()
    mount = page.locator("[data-path='panels.0.enclosure.mount']")
    expect(mount).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{mount.get_attribute('aria-describedby')}")
    expect(error).to_contain_text("전주부착은 옥외에서만 가능합니다")
    expect(error).to_contain_text("설치장소를 옥외로 하거나 설치방식을 노출로 해 주세요")
    for word in ("location", "OUTDOOR", "SURFACE", "Pole mounting"):
        expect(page.locator(".quote-form")).not_to_contain_text(word)
    screenshot(page, "field-error-korean")


def test_the_key_is_shared_by_new_tabs_until_sign_out(page_for: Any, live_app: LiveApp) -> None:
    with live_app.api() as api:
        quote = api.post("/v1/estimate", json=_request()).json()
    page = page_for(None)
    page.goto("/quotes")
    page.wait_for_url("**/login*")
    page.get_by_text("API 키 사용").click()
    page.get_by_label("API 키").fill(live_app.keys["estimator"])
    page.get_by_role("button", name="API 키로 로그인").click()
    page.wait_for_url("**/quotes")
    link = page.get_by_role("link", name=quote["number"], exact=True)
    with page.context.expect_page() as opened:
        link.click(modifiers=["Control"])  # a new tab, as a ctrl-click does
    tab = opened.value
    tab.wait_for_load_state()
    expect(tab.get_by_role("heading", name=f"견적 {quote['number']}")).to_be_visible()
    assert "/login" not in tab.url

    bookmark = page.context.new_page()  # a bookmark opened in another tab
    bookmark.goto("/quotes")
    expect(bookmark.get_by_role("heading", name="견적 목록")).to_be_visible()

    # 로그아웃 in one tab signs every tab out, and a new tab asks again.
    tab.get_by_role("button", name="로그아웃").click()
    bookmark.wait_for_url("**/login")
    again = page.context.new_page()
    again.goto(f"/quotes/{quote['id']}")
    again.wait_for_url("**/login*")
    assert again.evaluate("localStorage.getItem('kis.apiKey')") is None


def _paste(page: Any, label: str, text: str) -> None:
    """Paste as a person does: the text on the clipboard, the cell focused, Ctrl+V."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    cell = page.get_by_label(label, exact=True)
    cell.focus()
    cell.press("Control+V")


def test_rows_pasted_from_excel_fill_the_branch_grid(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    page.goto("/")
    # Twelve rows as Excel copies them: tab-separated cells, CRLF lines, in the table's column order
    # (회로명, 종류, 극수, AT, 수량, 부하).
    rows = [[f"전등 {n}", "ELB", "2P", "20A", "1", "10"] for n in range(1, 13)]
    rows[11][1] = "MCCB"
    rows[5][4] = "1,000"
    _paste(page, f"{BRANCH} 1 회로명 (선택)", "".join("\t".join(row) + "\r\n" for row in rows))
    expect(page.locator("[data-list='branches'] tr[data-scope]")).to_have_count(12)
    for n in (1, 6, 12):
        expect(page.get_by_label(f"{BRANCH} {n} 극수")).to_have_value("2")
        expect(page.get_by_label(f"{BRANCH} {n} AT")).to_have_value("20")
        expect(page.get_by_label(f"{BRANCH} {n} 회로명 (선택)")).to_have_value(f"전등 {n}")
    expect(page.get_by_label(f"{BRANCH} 1 종류")).to_have_value("ELCB")
    expect(page.get_by_label(f"{BRANCH} 12 종류")).to_have_value("MCCB")
    expect(page.get_by_label(f"{BRANCH} 6 수량")).to_have_value("1000")
    screenshot(page, "paste-grid")

    # A cell that is not a number is said at that cell; the poles field shows no stray "E2201".
    page.get_by_role("button", name="+ 분기 추가").click()
    _paste(page, f"{BRANCH} 13 극수", "ELB\t2\t20\t1")
    poles = page.get_by_label(f"{BRANCH} 13 극수")
    expect(poles).to_have_value("")
    assert poles.evaluate("el => el.validity.badInput") is False  # nothing unreadable left on screen
    expect(poles).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-list='branches']")).to_contain_text("‘ELB’는 숫자가 아닙니다")
    expect(page.get_by_label(f"{BRANCH} 13 AT")).to_have_value("2")  # the rest went on from that cell
    page.get_by_label(f"{BRANCH} 13 극수").scroll_into_view_if_needed()
    screenshot(page, "paste-bad-cell")
    _paste(page, f"{BRANCH} 13 극수", "ELB 2P")  # one cell with text: refused, not "E2"
    expect(poles).to_have_value("")
    assert poles.evaluate("el => el.validity.badInput") is False
    _paste(page, f"{BRANCH} 13 극수", "4P")
    expect(poles).to_have_value("4")
    # Typed, not pasted: what the browser cannot read as a number is said, not kept out of sight.
    poles.fill("")
    poles.press_sequentially("2e")
    poles.press("Tab")
    expect(poles).to_have_value("")
    assert poles.evaluate("el => el.validity.badInput") is False
    expect(page.locator("[data-list='branches']")).to_contain_text("숫자만 입력할 수 있습니다")


def test_the_quote_list_fits_768_px(page_for: Any, live_app: LiveApp) -> None:
    with live_app.api() as api:
        long_names = {
            "customer": {"name": "(주)대한종합전기설비공사 서울본부"},
            "project": "경기도 화성시 동탄2신도시 공동주택 신축공사 전기 분전반 납품 및 설치 1공구",
        }
        created = api.post("/v1/estimate", json=_request() | long_names)
        assert created.status_code == 201, created.text
    page = page_for("estimator")
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto("/quotes")
    table = page.locator("table.quotes")
    expect(table.locator("tbody tr").first).to_be_visible()
    wrap = page.locator(".results .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the list scrolls sideways at 768 px"
    for name in ("작성일", "합계", "개정", "상태"):
        header = table.locator("thead th", has_text=name)
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 768, f"{name} is off screen"
    first = table.locator("tbody tr").first
    lines = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"
    for cell, what in ((first.locator("th a"), "the quote number"), (first.locator("td.date"), "the date")):
        assert cell.evaluate(lines) == 1, f"{what} wraps"
    screenshot(page, "quotes-768")


def test_the_blank_request_sheet_downloads(page_for: Any, live_app: LiveApp, tmp_path: Path) -> None:
    page = page_for("estimator")
    page.goto("/")
    with page.expect_download() as started:
        page.get_by_role("button", name="빈 요청서 양식 내려받기 (.xlsx)").click()
    download = started.value
    assert download.suggested_filename == "견적요청서_양식.xlsx"
    saved = tmp_path / "template.xlsx"
    download.save_as(saved)
    assert saved.read_bytes() == TEMPLATE_PATH.read_bytes()
    with live_app.api("viewer") as api:
        answer = api.get("/v1/request-template")
    assert answer.status_code == 200 and answer.content == TEMPLATE_PATH.read_bytes()


def test_typing_into_a_prefilled_number_replaces_it(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    quantity = page.get_by_label("수량 (면)")
    expect(quantity).to_have_value("1")
    quantity.click()
    page.keyboard.type("1000")
    expect(quantity).to_have_value("1000")
    page.get_by_role("button", name="+ 부속 추가").click()
    accessory_qty = page.get_by_label("분전반 1 부속 1 수량")
    expect(accessory_qty).to_have_value("1")
    page.get_by_label("분전반 1 부속 1 모델 (선택)").press("Tab")  # by keyboard too
    expect(accessory_qty).to_be_focused()
    page.keyboard.type("12")
    expect(accessory_qty).to_have_value("12")


def test_a_range_priced_breaker_shows_its_range_on_the_bom_line(page_for: Any, live_app: LiveApp) -> None:
    request = _request()
    panel = request["panels"][0]
    panel["main"] = {"type": "MCCB", "poles": 4, "trip_at": 75, "grade": "ECONOMY"}  # ABN-104: 54,300~87,300
    panel["branches"] = [{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 4}]
    with live_app.api() as api:
        created = api.post("/v1/estimate", json=request)
    assert created.status_code == 201, created.text
    quote = created.json()
    assert "panels.0: ABN-104 price range 54300|87300: quoted at the higher" in quote["notes"]
    page = page_for("estimator")
    page.goto(f"/quotes/{quote['id']}")
    line = page.locator("table.bom tbody tr", has_text="ABN-104")
    expect(line).to_have_count(1)
    expect(line.get_by_test_id("price-range")).to_have_text("범위 54,300~87,300원")
    expect(line.locator("td.money").first).to_contain_text("87,300")
    other = page.locator("table.bom tbody tr").filter(has_not_text="ABN-104")
    expect(other.get_by_test_id("price-range")).to_have_count(0)
    screenshot(page, "bom-price-range")
    assert re.search(r"54,300~87,300원", page.locator("section.panel-result").first.inner_text())
