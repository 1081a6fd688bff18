"""The request form in a real browser: errors shown next to the field the API's path names, panels
added, copied and removed, accessories and extra lines, a request sheet filling the form, and the
sign-in, all by keyboard where a person would use it."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from kis_estimator.documents.request_sheet import export_request_sheet
from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.forms import fill_quote_form, unlabelled_controls
from tests.web.test_quote_flow import QUOTE_URL

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _field_of(page: Any, path: str) -> Any:
    return page.locator(f"[data-path='{path}']")


def _error_next_to(page: Any, path: str) -> Any:
    """The error shown for a control: in its field, or in the error row under its table row."""
    control = _field_of(page, path)
    expect(control).to_have_attribute("aria-invalid", "true")
    described = control.get_attribute("aria-describedby")
    assert described, f"{path} names no error"
    error = page.locator(f"#{described.split()[0]}")
    expect(error).to_be_visible()
    return error


def test_errors_appear_next_to_the_named_field(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    # Nothing filled in: every missing value is named at its own field.
    page.get_by_role("button", name="견적 계산").click()
    summary = page.get_by_role("alert").filter(has_text="입력을 확인해 주세요")
    expect(summary).to_be_focused()
    for path in ("customer.name", "panels.0.main.poles", "panels.0.main.trip_at"):
        expect(_error_next_to(page, path)).to_contain_text("필수 항목이 없습니다")
    expect(page.locator("tr[data-scope]")).to_have_count(0)  # the untouched branch row was not sent

    page.get_by_label("고객명 (필수)").fill("오류시험 전기")
    expect(_field_of(page, "customer.name")).not_to_have_attribute("aria-invalid", "true")  # edited: cleared
    page.get_by_label("극수", exact=True).fill("5")
    trip = page.get_by_label("정격 AT")
    trip.fill("200")
    trip.press("Control+Enter")  # the keyboard saves with Ctrl+Enter (Enter alone never does)
    error = _error_next_to(page, "panels.0.main.poles")
    expect(error).to_contain_text("극수 5P는 지원하지 않습니다")
    expect(error).to_contain_text("도움말: 극수는 2, 3, 4 중 하나입니다")
    # "next to": inside the main breaker's poles field, right under its input.
    expect(
        page.locator(".field").filter(has=_field_of(page, "panels.0.main.poles")).locator(".field-error")
    ).to_have_count(1)
    expect(summary).to_contain_text("입력을 확인해 주세요 (1건)")
    expect(page.get_by_role("region", name="계산 진행")).to_contain_text("계산이 중단되었습니다")
    screenshot(page, "field-error")

    # The summary's link takes the keyboard to the field.
    summary.get_by_role("link").first.press("Enter")
    expect(_field_of(page, "panels.0.main.poles")).to_be_focused()

    # An error of one branch line is shown under that row.
    page.get_by_label("극수", exact=True).fill("4")
    page.get_by_role("button", name="+ 분기 추가").click()
    page.get_by_label("분전반 1 분기 1 극수").fill("2")
    page.get_by_label("분전반 1 분기 1 AT").fill("20")
    page.get_by_label("분전반 1 분기 1 수량").fill("2")
    page.get_by_role("button", name="+ 분기 추가").click()
    page.get_by_label("분전반 1 분기 2 극수").fill("4")
    page.get_by_label("분전반 1 분기 2 AT").fill("300")
    page.get_by_label("분전반 1 분기 2 수량").fill("1")
    page.get_by_role("button", name="견적 계산").click()
    row_error = _error_next_to(page, "panels.0.branches.1.trip_at")
    expect(row_error).to_contain_text("AT:")
    row = _field_of(page, "panels.0.branches.1")
    expect(row.locator("xpath=following-sibling::tr[1]")).to_have_class("row-errors")


def test_panels_copied_and_removed_with_accessories_and_extra_lines(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    fill_quote_form(page, request)
    page.get_by_role("button", name="+ 부속 추가").click()
    page.get_by_label("분전반 1 부속 1 종류").select_option("METER")
    page.get_by_label("분전반 1 부속 1 모델 (선택)").fill("METER-3P")
    page.get_by_label("분전반 1 부속 1 단가 (선택)").fill("45000")
    page.get_by_role("button", name="+ 항목 추가").click()
    page.get_by_label("분전반 1 추가 항목 1 품명").fill("명판")
    page.get_by_label("분전반 1 추가 항목 1 규격").fill("각인")
    page.get_by_label("분전반 1 추가 항목 1 수량").fill("1")
    page.get_by_label("분전반 1 추가 항목 1 단가").fill("5000")

    panels = page.locator("fieldset.panel")
    panels.first.get_by_role("button", name="복사").click()
    expect(panels).to_have_count(2)
    second = panels.nth(1)
    expect(second.locator(":scope > legend")).to_contain_text("분전반 2")
    expect(second.get_by_label("분전반 이름")).to_have_value("LP-1 복사")
    expect(second.get_by_label("분전반 2 분기 3 수량", exact=True)).to_have_value("12")
    second.get_by_label("분전반 이름").fill("LP-2")
    second.get_by_label("수량 (면)").fill("2")
    second.get_by_label("분전반 2 분기 1 회로명 (선택)").fill("")  # edited in the copy only
    page.get_by_role("button", name="+ 분전반 추가").click()
    expect(panels).to_have_count(3)
    panels.nth(2).get_by_role("button", name="삭제").first.click()
    expect(panels).to_have_count(2)
    assert unlabelled_controls(page) == []
    screenshot(page, "form-two-panels")
    page.get_by_role("button", name="견적 계산").click()
    page.wait_for_url(QUOTE_URL)

    quote_id = QUOTE_URL.search(page.url).group(1)  # type: ignore[union-attr]
    with live_app.api() as api:
        quote = api.get(f"/v1/estimate/{quote_id}").json()
    first, second_sent = quote["request"]["panels"]
    assert first["accessories"] == [
        {
            "kind": "METER",
            "model": "METER-3P",
            "qty": 1,
            "with_pbl": False,
            "unit_price": {"value": 45000, "reason": None},
        }
    ]
    assert first["extra_lines"] == [
        {"name": "명판", "spec": "각인", "unit": "EA", "qty": 1.0, "unit_price": 5000}
    ]
    assert (second_sent["name"], second_sent["quantity"]) == ("LP-2", 2)
    assert second_sent["branches"][0]["circuit"] is None
    assert {**second_sent, "name": "LP-1", "quantity": 1, "branches": first["branches"]} == first
    expect(page.get_by_role("heading", name="분전반 2: LP-2 × 2면")).to_be_visible()
    totals = page.get_by_role("region", name="견적 합계")
    expect(totals).to_contain_text(f"{quote['totals']['total']:,}원")
    expect(page.get_by_role("table", name="분전반 1 자재 내역")).to_contain_text("명판")


def test_a_request_sheet_fills_the_form(page_for: Any, live_app: LiveApp) -> None:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request["panels"][0]["branches"][0]["frame_af"] = 100  # a value the form keeps without a column
    page = page_for("estimator")
    page.goto("/")
    page.get_by_label("요청서 파일 (.xlsx)").set_input_files(
        {"name": "견적요청서.xlsx", "mimeType": XLSX, "buffer": export_request_sheet(request)}
    )
    page.get_by_role("button", name="요청서로 채우기").click()
    expect(page.get_by_text("요청서 내용으로 양식을 채웠습니다 (분전반 1개).")).to_be_visible()
    expect(page.get_by_label("고객명 (필수)")).to_have_value("동양기전")
    expect(page.get_by_label("재질")).to_have_value("SUS201")
    expect(page.locator("tr[data-scope]")).to_have_count(3)
    expect(page.get_by_label("분전반 1 분기 3 회로명 (선택)")).to_have_value("전등/전열")
    page.get_by_role("button", name="견적 계산").click()
    page.wait_for_url(QUOTE_URL)
    quote_id = QUOTE_URL.search(page.url).group(1)  # type: ignore[union-attr]
    with live_app.api() as api:
        through_the_form = api.get(f"/v1/estimate/{quote_id}").json()
        direct = api.post("/v1/estimate", json=request).json()
    assert through_the_form["request"] == direct["request"]
    assert through_the_form["totals"] == direct["totals"]


def test_a_refused_sheet_names_its_cells(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    page.get_by_label("요청서 파일 (.xlsx)").set_input_files(
        {"name": "not-a-sheet.xlsx", "mimeType": XLSX, "buffer": b"this is not a workbook"}
    )
    page.get_by_role("button", name="요청서로 채우기").click()
    expect(page.locator(".sheet-result .inline-error")).to_be_visible()
    expect(page.get_by_label("고객명 (필수)")).to_have_value("")


def test_sign_in_with_the_keyboard(page_for: Any, live_app: LiveApp) -> None:
    page = page_for(None)
    page.goto("/quotes")
    page.wait_for_url("**/login?next=%2Fquotes")
    expect(page.get_by_label("이름")).to_be_visible()
    screenshot(page, "login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="본문으로 건너뛰기")).to_be_focused()
    summary = page.get_by_text("API 키 사용")  # the secondary sign-in, opened from the keyboard
    summary.focus()
    summary.press("Enter")
    key = page.get_by_label("API 키")
    expect(key).to_be_visible()
    key.fill("kis_not-a-real-key")
    key.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("키가 올바르지 않거나 폐기되었습니다.")
    key.fill(live_app.keys["viewer"])
    key.press("Enter")
    page.wait_for_url("**/quotes")
    expect(page.get_by_role("heading", name="견적 목록")).to_be_visible()
    expect(page.get_by_role("navigation", name="주 메뉴")).to_be_visible()
    expect(page.get_by_text("조회 전용", exact=True)).to_be_visible()  # the role, from GET /v1/me
    expect(page.get_by_role("link", name="새 견적")).to_be_hidden()  # a viewer cannot create quotes
    page.goto(f"{live_app.url}/")
    page.wait_for_url("**/quotes")
    page.get_by_role("button", name="로그아웃").click()
    page.wait_for_url("**/login")
    assert page.evaluate("localStorage.getItem('kis.apiKey')") is None
