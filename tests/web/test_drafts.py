"""The estimator's workspace in a real browser (issue 16): what is typed is a server draft (another
browser profile opens it by its address and finds the values), 작성 중 lists it, two tabs saving one
draft meet a conflict box, leaving with changes the server could not take asks first, a quote is
copied into a new draft, a panel is saved as a template and inserted into another draft, and recent
customers are suggested."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.test_quote_flow import QUOTE_URL

DRAFT_URL = re.compile(r"/drafts/[0-9a-f-]{36}$")


def _request() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _type_some(page: Any, customer: str, project: str) -> None:
    page.get_by_label("고객명 (필수)").fill(customer)
    page.get_by_label("건명", exact=True).fill(project)
    page.get_by_label("극수", exact=True).fill("4")
    page.get_by_label("정격 AT").fill("75")


def _saved(page: Any) -> None:
    expect(page.get_by_role("status").filter(has_text="자동 저장됨")).to_be_visible()


def _draft_id(page: Any) -> str:
    page.wait_for_url(DRAFT_URL)
    return str(page.url.rsplit("/", 1)[1])


def test_typed_work_is_a_server_draft_that_another_browser_opens_and_the_list_shows(
    page_for: Any, live_app: LiveApp
) -> None:
    page = page_for("estimator")
    page.goto("/")
    _type_some(page, "서버초안 전기", "작성 중 목록 시험")
    _saved(page)
    draft_id = _draft_id(page)
    with live_app.api() as api:
        kept = api.get(f"/v1/drafts/{draft_id}").json()
    assert kept["request"]["customer"]["name"] == "서버초안 전기"
    assert kept["request"]["panels"][0]["main"] == {"type": "MCCB", "poles": 4, "trip_at": 75}

    # Another browser profile (nothing in its localStorage) opens the same address: the server has it.
    other = page_for("estimator")
    other.goto(f"/drafts/{draft_id}")
    expect(other.get_by_role("heading", name="새 견적 — 작성 중")).to_be_visible()
    expect(other.get_by_label("고객명 (필수)")).to_have_value("서버초안 전기")
    expect(other.get_by_label("건명", exact=True)).to_have_value("작성 중 목록 시험")
    expect(other.get_by_label("정격 AT")).to_have_value("75")
    assert (
        other.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('kis.draft')).length") <= 1
    )

    # 작성 중 in the navigation lists it; a click resumes it.
    other.get_by_role("link", name="작성 중").click()
    expect(other.get_by_role("heading", name="작성 중")).to_be_visible()
    row = other.locator(f"tr[data-draft='{draft_id}']")
    expect(row).to_contain_text("서버초안 전기")
    expect(row).to_contain_text("작성 중 목록 시험")
    screenshot(other, "drafts-list")
    row.get_by_role("link", name="서버초안 전기").click()
    expect(other.get_by_label("건명", exact=True)).to_have_value("작성 중 목록 시험")

    # Saving makes the quote and the draft leaves the list.
    other.get_by_label("정격 AT").press("Control+Enter")
    other.wait_for_url(QUOTE_URL)
    with live_app.api() as api:
        assert api.get(f"/v1/drafts/{draft_id}").status_code == 404


def test_two_tabs_on_one_draft_meet_a_conflict_box_not_a_lost_update(page_for: Any) -> None:
    first = page_for("estimator")
    first.goto("/")
    _type_some(first, "두탭 전기", "처음 건명")
    _saved(first)
    draft_id = _draft_id(first)
    second = first.context.new_page()
    second.goto(f"/drafts/{draft_id}")
    expect(second.get_by_label("건명", exact=True)).to_have_value("처음 건명")

    first.get_by_label("건명", exact=True).fill("첫 탭이 고친 건명")
    expect(first.get_by_role("status").filter(has_text="자동 저장됨")).to_be_visible()
    first.wait_for_timeout(1200)  # the debounced save has gone
    second.get_by_label("건명", exact=True).fill("둘째 탭이 고친 건명")
    box = second.get_by_role("alert").filter(has_text="다른 탭")
    expect(box).to_be_visible()
    expect(second.get_by_role("status").filter(has_text="저장하지 못했습니다")).to_be_visible()
    screenshot(second, "draft-conflict")
    box.get_by_role("button", name="다른 탭의 내용 불러오기").click()
    expect(second.get_by_label("건명", exact=True)).to_have_value("첫 탭이 고친 건명")
    expect(box).to_be_hidden()

    second.get_by_label("건명", exact=True).fill("둘째 탭이 이어서 고친 건명")
    _saved(second)
    first.reload()
    expect(first.get_by_label("건명", exact=True)).to_have_value("둘째 탭이 이어서 고친 건명")


def test_leaving_with_changes_the_server_could_not_take_asks_first(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    page.route("**/v1/drafts**", lambda route: route.abort())  # the server cannot be reached
    _type_some(page, "오프라인 전기", "연결 끊김")
    expect(page.get_by_role("status").filter(has_text="저장하지 못했습니다")).to_be_visible()

    asked: list[str] = []

    def refuse(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", refuse)
    page.get_by_role("link", name="견적 목록").click()
    expect(page.get_by_role("heading", name="새 견적")).to_be_visible()  # stayed
    assert asked == ["confirm"]
    expect(page.get_by_label("고객명 (필수)")).to_have_value("오프라인 전기")

    # The connection comes back: the next save goes, and leaving asks nothing.
    page.remove_listener("dialog", refuse)
    page.unroute("**/v1/drafts**")
    page.get_by_label("건명", exact=True).fill("연결 복구")
    _saved(page)
    page.get_by_role("link", name="견적 목록").click()
    expect(page.get_by_role("heading", name="견적 목록")).to_be_visible()
    assert asked == ["confirm"]


def test_a_quote_is_copied_into_a_new_draft(page_for: Any, live_app: LiveApp) -> None:
    request = {**_request(), "customer": {"name": "복사원본 전기"}, "project": "복사 시험"}
    with live_app.api() as api:
        quote = api.post("/v1/estimate", json=request).json()
        before = api.get("/v1/estimate?size=1").json()["total"]
    page = page_for("estimator")
    page.goto(f"/quotes/{quote['id']}")
    page.get_by_role("button", name="복사해서 새 견적").click()
    draft_id = _draft_id(page)
    expect(page.get_by_label("고객명 (필수)")).to_have_value("복사원본 전기")
    expect(page.get_by_label("건명", exact=True)).to_have_value("복사 시험")
    with live_app.api() as api:
        draft = api.get(f"/v1/drafts/{draft_id}").json()
        assert draft["source_quote_id"] == quote["id"] and draft["request"] == quote["request"]
        assert api.get("/v1/estimate?size=1").json()["total"] == before  # no number spent yet
    page.get_by_label("건명", exact=True).fill("복사해서 고친 건명")
    page.get_by_role("button", name="견적 계산").click()
    page.wait_for_url(QUOTE_URL)
    assert page.url.rsplit("/", 1)[1] != quote["id"]
    expect(page.locator(".quote-head .facts")).to_contain_text("복사해서 고친 건명")


def test_a_panel_saved_as_a_template_is_inserted_into_another_draft(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.goto("/")
    page.get_by_label("분전반 이름").fill("세대분전반")
    page.get_by_label("극수", exact=True).fill("2")
    page.get_by_label("정격 AT").fill("40")
    page.get_by_label("분전반 1 분기 1 극수").fill("2")
    page.get_by_label("분전반 1 분기 1 AT").fill("20")
    page.get_by_label("분전반 1 분기 1 수량").fill("12")
    page.once("dialog", lambda dialog: dialog.accept("세대분전반 표준"))
    page.get_by_role("button", name="템플릿으로 저장").click()
    expect(page.locator("#toast")).to_contain_text("‘세대분전반 표준’ 템플릿으로 저장했습니다")

    # A new draft (another customer) gets the panel by 템플릿 넣기.
    fresh = page_for("estimator")
    fresh.goto("/")
    fresh.get_by_label("고객명 (필수)").fill("템플릿받는 전기")
    fresh.get_by_label("분전반 템플릿").select_option(label="세대분전반 표준")
    fresh.get_by_role("button", name="템플릿 넣기").click()  # the blank panel gives way to it
    expect(fresh.locator("fieldset.panel")).to_have_count(1)
    expect(fresh.get_by_label("분전반 1 분기 1 수량")).to_have_value("12")
    fresh.get_by_role("button", name="템플릿 넣기").click()  # a panel with content is followed by it
    expect(fresh.locator("fieldset.panel")).to_have_count(2)
    expect(fresh.get_by_label("분전반 2 분기 1 수량")).to_have_value("12")
    expect(fresh.get_by_label("분전반 이름").nth(1)).to_have_value("세대분전반")
    _saved(fresh)
    draft_id = _draft_id(fresh)
    with live_app.api() as api:
        panels = api.get(f"/v1/drafts/{draft_id}").json()["request"]["panels"]
    assert len(panels) == 2 and panels[1]["branches"][0]["qty"] == 12 and panels[1]["main"]["trip_at"] == 40
    assert panels[0]["name"] == "세대분전반"
    screenshot(fresh, "template-inserted")

    # The management list renames and deletes it.
    fresh.get_by_role("link", name="템플릿 관리").click()
    row = fresh.locator("tr[data-template]").filter(has_text="세대분전반 표준")
    expect(row).to_contain_text("메인 MCCB (배선용) 2P 40A · 분기 1줄")
    fresh.once("dialog", lambda dialog: dialog.accept("세대분전반 표준 (LS)"))
    row.get_by_role("button", name="이름 바꾸기").click()
    renamed = fresh.locator("tr[data-template]").filter(has_text="세대분전반 표준 (LS)")
    expect(renamed).to_be_visible()
    fresh.once("dialog", lambda dialog: dialog.accept())
    renamed.get_by_role("button", name="삭제").click()
    expect(fresh.locator("tr[data-template]").filter(has_text="세대분전반")).to_have_count(0)


def test_recent_customers_are_suggested_while_typing(page_for: Any, live_app: LiveApp) -> None:
    with live_app.api() as api:
        api.post("/v1/estimate", json={**_request(), "customer": {"name": "추천받는 기전"}})
    page = page_for("estimator")
    page.goto("/")
    page.get_by_label("고객명 (필수)").fill("추천")
    options = page.locator("datalist option[value='추천받는 기전']")
    expect(options).to_have_count(1)
    list_id = page.get_by_label("고객명 (필수)").get_attribute("list")
    assert list_id and page.locator(f"datalist#{list_id} option").count() >= 1


def test_a_refused_autosave_says_why_and_keeps_the_work_in_the_browser(
    page_for: Any, browser: Any, tmp_path: Any
) -> None:
    from tests.web.conftest import running_app

    with running_app(tmp_path) as app:
        with app.api() as api:
            for n in range(100):  # DRAFTS_MAX_PER_CALLER drafts already kept
                assert api.post("/v1/drafts", json={"request": {"project": f"초안 {n}"}}).status_code == 201
        page = page_for("estimator", app)
        page.goto("/")
        asked: list[str] = []
        page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
        posts: list[str] = []
        page.on(
            "request", lambda r: posts.append(r.url) if r.method == "POST" and "/v1/drafts" in r.url else None
        )
        page.get_by_label("고객명 (필수)").fill("한도초과 전기")
        status = page.get_by_role("status").filter(has_text="저장하지 못했습니다")
        expect(status).to_contain_text("100개까지")
        expect(status).to_contain_text("지우거나")
        page.wait_for_timeout(6000)  # a refusal is not retried on its own (offline would be, after 5 s)
        assert len(posts) == 1, posts
        page.get_by_role("link", name="카탈로그").click()
        assert asked == ["confirm"]  # the server does not have it: leaving asks
        kept = page.evaluate(
            "() => localStorage.getItem(Object.keys(localStorage).find((k) => k.endsWith('.new')))"
        )
        assert "한도초과 전기" in kept
