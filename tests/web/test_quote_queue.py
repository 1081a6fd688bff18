"""The quote list as a work queue (issue 16), in a real browser: columns sorted by a click and by Enter
or Space on their heading, a status moved from its row (and a refused move said in Korean), the panel
summary under the customer, the listed quotes downloaded as a workbook, all readable at 768 px."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
from playwright.sync_api import expect

from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.forms import unlabelled_controls

SUMMARY = "LS 옥외 SUS · 메인 4P 200A · 분기 18"  # the §8 panel of the example


def _make(live_app: LiveApp, customer: str, sets: int = 1, **changes: Any) -> dict[str, Any]:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request["customer"]["name"] = customer
    request["panels"][0]["quantity"] = sets
    request.update(changes)
    with live_app.api() as api:
        created = api.post("/v1/estimate", json=request)
        assert created.status_code == 201, created.text
        return dict(created.json())


def _row(page: Any, quote: dict[str, Any]) -> Any:
    return page.locator(f"table.quotes tbody tr[data-quote='{quote['id']}']")


def _note(page: Any, quote: dict[str, Any]) -> Any:
    """The message under a quote's row."""
    return (
        _row(page, quote)
        .locator("xpath=following-sibling::tr[1][contains(@class, 'row-note')]")
        .get_by_role("alert")
    )


def _column(page: Any, name: str) -> Any:
    return page.locator("table.quotes thead th").filter(has=page.get_by_role("button", name=name, exact=True))


def _numbers(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("table.quotes tbody tr th").all_inner_texts()]


def test_columns_sort_by_click_and_by_enter_or_space(page_for: Any, live_app: LiveApp) -> None:
    made = [_make(live_app, f"정렬시험 {name}", sets) for name, sets in (("나", 2), ("가", 3), ("다", 1))]
    by_total = [q["number"] for q in sorted(made, key=lambda q: q["totals"]["total"])]
    by_customer = [q["number"] for q in sorted(made, key=lambda q: q["customer"]["name"])]
    page = page_for("estimator")
    page.goto("/quotes?q=정렬시험")
    expect(page.locator("table.quotes tbody tr")).to_have_count(3)
    assert _numbers(page) == [q["number"] for q in reversed(made)]  # newest first, as before
    expect(_column(page, "작성일")).to_have_attribute("aria-sort", "descending")

    total = page.get_by_role("button", name="합계", exact=True)
    total.click()  # the biggest first
    expect(_column(page, "합계")).to_have_attribute("aria-sort", "descending")
    expect(page.locator("table.quotes tbody tr th").first).to_have_text(by_total[-1])
    assert _numbers(page) == by_total[::-1]
    assert "sort=-total" in page.url and "q=" in page.url  # the order lives in the address with the search
    expect(_column(page, "작성일")).not_to_have_attribute("aria-sort", re.compile(".*"))
    expect(total).to_be_focused()  # the list was redrawn; the keyboard stays on the heading

    total.press("Enter")  # again: the smallest first
    expect(_column(page, "합계")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("table.quotes tbody tr th").first).to_have_text(by_total[0])
    assert _numbers(page) == by_total

    customer = page.get_by_role("button", name="고객 · 건명", exact=True)
    customer.focus()
    customer.press(" ")
    expect(_column(page, "고객 · 건명")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("table.quotes tbody tr th").first).to_have_text(by_customer[0])
    assert _numbers(page) == by_customer

    page.go_back()  # Back returns to the order before
    expect(_column(page, "합계")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("table.quotes tbody tr th").first).to_have_text(by_total[0])
    page.get_by_role("radio", name="작성").check()  # a filter keeps the order
    expect(_column(page, "합계")).to_have_attribute("aria-sort", "ascending")
    assert "sort=total" in page.url and "status=draft" in page.url


def test_the_status_moves_from_the_list_and_a_refusal_is_said_in_korean(
    page_for: Any, live_app: LiveApp
) -> None:
    moved = _make(live_app, "상태시험 이동")
    stale = _make(live_app, "상태시험 다른곳")
    superseded = _make(live_app, "상태시험 개정")
    request = json.loads(EXAMPLE.read_text(encoding="utf-8")) | {"customer": {"name": "상태시험 개정"}}
    with live_app.api() as api:
        assert api.post(f"/v1/estimate/{superseded['id']}/revise", json=request).status_code == 201
    page = page_for("estimator")
    page.goto("/quotes?q=상태시험")
    expect(page.locator("table.quotes tbody tr")).to_have_count(4)
    assert unlabelled_controls(page) == []

    row = _row(page, moved)
    choice = page.get_by_label(f"{moved['number']} 다음 상태")
    assert choice.locator("option").all_inner_texts() == ["발송", "종료"]  # the workflow's next moves
    choice.select_option("sent")
    page.get_by_role("button", name=f"{moved['number']} 상태 변경").click()
    expect(row.locator(".badge")).to_have_text("발송")
    expect(page.locator("#toast")).to_contain_text(f"{moved['number']}의 상태를 ‘발송’(으)로 바꿨습니다")
    with live_app.api() as api:
        assert api.get(f"/v1/estimate/{moved['id']}").json()["status"] == "sent"
    assert choice.locator("option").all_inner_texts() == ["수주", "종료"]

    # Moved elsewhere after the list was drawn: the API refuses, the row says why in Korean.
    with live_app.api() as api:
        for status in ("sent", "ordered"):
            assert api.patch(f"/v1/estimate/{stale['id']}", json={"status": status}).status_code == 200
    page.get_by_role("button", name=f"{stale['number']} 상태 변경").click()
    refusal = _note(page, stale)
    expect(refusal).to_have_text(
        re.compile(rf"^{stale['number']}: 상태를 ‘수주’에서 ‘발송’\(으\)로 바꿀 수 없습니다")
    )
    expect(refusal).to_contain_text("견적 → 발송 → 수주 → 출하 → 입금, 또는 종료")
    expect(_row(page, stale).locator(".badge")).to_have_text("작성")  # nothing changed on the page

    # A quote a later revision superseded is read-only: the refusal names the revision to use.
    page.get_by_role("button", name=f"{superseded['number']} 상태 변경").click()
    refusal = _note(page, superseded)
    expect(refusal).to_contain_text("다음 개정이 있는 견적은 바꿀 수 없습니다")
    expect(refusal).to_contain_text("최신 개정 EST-")
    english = re.sub(r"EST-\d{8}-\d{4}", "", refusal.inner_text())
    assert not re.search(r"[A-Za-z]{2,}", english), english

    viewer = page_for("viewer")  # a viewer sees the status, not the controls
    viewer.goto("/login")
    viewer.evaluate("localStorage.setItem('kis.role', 'viewer')")  # as signing in with a viewer key stores it
    viewer.goto("/quotes?q=상태시험")
    expect(viewer.locator("table.quotes tbody tr")).to_have_count(4)
    expect(viewer.locator("table.quotes tbody select")).to_have_count(0)

    # Closed again, so that the session's other tests find no sent or ordered quote of this one.
    with live_app.api() as api:
        for quote in (moved, stale):
            assert api.patch(f"/v1/estimate/{quote['id']}", json={"status": "closed"}).status_code == 200


def test_each_row_shows_its_panel_summary_under_the_customer(page_for: Any, live_app: LiveApp) -> None:
    one = _make(live_app, "요약시험 한면", project="요약 건명")
    three = _make(live_app, "요약시험 세면", sets=3)
    page = page_for("viewer")
    page.goto("/quotes?q=요약시험")
    cell = _row(page, one).locator("td.who")
    expect(cell.locator(".customer")).to_have_text("요약시험 한면")
    expect(cell.locator(".project")).to_have_text("요약 건명")
    expect(cell.locator(".panel-summary")).to_have_text(SUMMARY)
    expect(_row(page, three).locator(".panel-summary")).to_have_text(
        "LS 옥외 SUS · 3면 · 메인 4P 200A · 분기 54"
    )
    below = cell.locator(".panel-summary").bounding_box()
    name = cell.locator(".customer").bounding_box()
    assert below is not None and name is not None and below["y"] > name["y"]  # under the customer


def test_the_listed_quotes_download_as_a_workbook(page_for: Any, live_app: LiveApp, tmp_path: Path) -> None:
    made = [_make(live_app, f"내보내기시험 {name}", sets) for name, sets in (("가", 1), ("나", 3), ("다", 2))]
    page = page_for("viewer")
    page.goto("/quotes?q=내보내기시험&sort=-total&size=2")  # two a page: the export holds every page
    expect(page.locator("table.quotes tbody tr")).to_have_count(2)
    with page.expect_download() as started:
        page.get_by_role("button", name="엑셀로 내보내기").click()
    download = started.value
    assert re.fullmatch(r"견적목록_\d{8}\.xlsx", download.suggested_filename), download.suggested_filename
    saved = tmp_path / "list.xlsx"
    download.save_as(saved)
    sheet = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()))["견적 목록"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    by_total = sorted(made, key=lambda q: q["totals"]["total"], reverse=True)
    assert [row[0] for row in rows] == [q["number"] for q in by_total]
    assert [row[2] for row in rows] == [q["customer"]["name"] for q in by_total]
    assert [row[7] for row in rows] == [q["totals"]["total"] for q in by_total]
    assert rows[-1][4] == SUMMARY and {row[9] for row in rows} == {"작성"}
    expect(page.locator("#toast")).to_contain_text(download.suggested_filename)


def test_the_export_over_its_cap_says_so_in_korean(page_for: Any, live_app: LiveApp) -> None:
    _make(live_app, "상한시험")
    page = page_for("estimator")
    page.goto("/quotes")
    original = live_app.settings.export_max_rows
    live_app.settings.export_max_rows = 1
    try:
        page.get_by_role("button", name="엑셀로 내보내기").click()
        note = page.locator(".export-note")
        expect(note).to_contain_text("한 번에 내보낼 수 있는 1건을 넘습니다")
        expect(note).to_contain_text("검색을 좁혀 주세요")
        assert not re.search(r"[A-Za-z]{3,}", note.inner_text().replace("EXPORT_MAX_ROWS", "")), (
            note.inner_text()
        )
    finally:
        live_app.settings.export_max_rows = original


def test_the_work_queue_fits_768_px(page_for: Any, live_app: LiveApp) -> None:
    project = "경기도 화성시 동탄2신도시 공동주택 신축공사 전기 분전반 납품 및 설치 2공구"
    _make(live_app, "(주)대한종합전기설비공사 서울본부 큐시험", project=project)
    page = page_for("estimator")
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto("/quotes")
    table = page.locator("table.quotes")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table.locator("tbody select").first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )
    wrap = page.locator(".results .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the list scrolls sideways at 768 px"
    first = table.locator("tbody tr").first
    for control in (
        page.get_by_role("button", name="엑셀로 내보내기"),
        page.get_by_role("button", name="상태", exact=True),
        first.locator("select"),
        first.get_by_role("button", name=re.compile("상태 변경$")),
    ):
        box = control.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 768, control
    screenshot(page, "quotes-queue")
