"""Personal logins in the browser: sign in with a name and a password, a second tab of the same browser
is signed in too (the session cookie), a quote made there shows its 작성자 in the list and on its page,
sign-out ends it in every tab; an admin finds the work in 감사 기록."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from kis_estimator import bootstrap
from kis_estimator.db.users import UserRepository
from tests.api.conftest import make_settings
from tests.web.conftest import EXAMPLE, LiveApp, running_app, screenshot
from tests.web.test_quote_flow import _create_through_form

PASSWORD = "correct horse 1"


def _sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    page.get_by_label("이름").fill(name)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인", exact=True).click()


def test_a_user_signs_in_once_for_every_tab_and_signs_their_quotes(page_for: Any, tmp_path: Any) -> None:
    with running_app(tmp_path) as app:
        _users(tmp_path)
        _run(page_for, app)


def _users(folder: Any) -> None:
    container = bootstrap.build(make_settings(folder, public_base_url="http://127.0.0.1"))
    with container.sessions.begin() as session:
        UserRepository(session).create("kim", "김과장", "estimator", PASSWORD)
        UserRepository(session).create("boss", "관리자", "admin", PASSWORD)


def _run(page_for: Any, app: LiveApp) -> None:
    import json

    page = page_for(None, app)
    page.goto("/quotes")
    page.wait_for_url("**/login*")
    _sign_in(page, "kim", "wrong password")
    expect(page.get_by_role("alert")).to_contain_text("이름 또는 비밀번호가 맞지 않습니다.")
    _sign_in(page, "kim")
    page.wait_for_url("**/quotes")
    expect(page.get_by_text("김과장", exact=True)).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "kis_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # not readable by scripts
    assert page.evaluate("localStorage.getItem('kis.apiKey')") is None

    tab = page.context.new_page()  # a second tab of the same browser: signed in without asking
    tab.goto("/quotes")
    expect(tab.get_by_role("heading", name="견적 목록")).to_be_visible()
    assert "/login" not in tab.url
    # A quote made through the form in the second tab (its writes carry the session's CSRF token).
    quote_id = _create_through_form(tab, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    expect(tab.get_by_text("작성자 김과장")).to_be_visible()
    quote = tab.evaluate("async (id) => (await fetch(`/v1/estimate/${id}`)).json()", quote_id)
    assert quote["author"] == "김과장"
    tab.goto(f"/quotes?author={quote['author']}")
    row = tab.locator(f"tr[data-quote='{quote['id']}']")
    expect(row.locator("td.author")).to_have_text("김과장")
    tab.get_by_role("link", name=quote["number"], exact=True).click()
    expect(tab.get_by_text("작성자 김과장")).to_be_visible()
    screenshot(tab, "quote-author")

    # 로그아웃 in one tab ends the session everywhere.
    tab.get_by_role("button", name="로그아웃").click()
    page.wait_for_url("**/login")
    again = page.context.new_page()
    again.goto("/quotes")
    again.wait_for_url("**/login*")

    admin = page_for(None, app)
    admin.goto("/login")
    _sign_in(admin, "boss")
    admin.wait_for_url("**/")
    admin.get_by_role("link", name="감사 기록").click()
    expect(admin.get_by_role("heading", name="감사 기록")).to_be_visible()
    admin.goto("/audit")  # a bookmark of the screen
    expect(admin.get_by_role("heading", name="감사 기록")).to_be_visible()
    admin.get_by_label("누가 (이름·user:·key:)").fill("kim")
    admin.get_by_role("button", name="검색").click()
    expect(admin.locator("tr[data-action='quote.create']")).to_contain_text(quote["number"])
    expect(admin.locator("tr[data-action='login.failure']")).to_contain_text("김과장")
    expect(admin.locator("tr[data-action='logout']")).to_be_visible()
    screenshot(admin, "audit")
