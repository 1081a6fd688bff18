"""Revising twice in the browser: the numbers -R1 and -R2, 대체됨 with a link to the latest on the older
revisions (and no revise button there), and 변경 내역 listing the BOM lines that changed."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.factories import DOMAIN_S8
from tests.web.conftest import LiveApp, screenshot
from tests.web.forms import BRANCH_LABELS, set_value

QUOTE_URL = re.compile(r"/quotes/([0-9a-f-]{36})$")
REVISE = "개정 (고쳐서 다시 계산)"


def _revise(page: Any, number: str, edit: Any) -> str:
    page.get_by_role("link", name=REVISE).click()
    expect(page.get_by_role("heading", name=f"견적 개정 — {number}")).to_be_visible()
    edit()
    page.get_by_role("button", name="개정판 계산").click()
    page.wait_for_url(QUOTE_URL)
    match = QUOTE_URL.search(page.url)
    assert match is not None
    return match.group(1)


def _branch(page: Any, index: int, key: str) -> Any:
    return page.get_by_label(f"분전반 1 분기 {index} {BRANCH_LABELS[key]}", exact=True)


def test_revise_twice_and_see_r1_r2_the_superseded_link_and_the_diff(
    page_for: Any, live_app: LiveApp
) -> None:
    with live_app.api() as api:
        first = api.post("/v1/estimate", json=DOMAIN_S8).json()
    root = first["number"]
    page = page_for("estimator")
    page.goto(f"/quotes/{first['id']}")

    def fewer() -> None:
        qty = _branch(page, 3, "qty")
        expect(qty).to_have_value("12")
        qty.fill("9")

    second_id = _revise(page, root, fewer)
    expect(page.get_by_role("heading", name=f"견적 {root}-R1")).to_be_visible()
    diff = page.get_by_role("region", name="변경 내역")
    expect(diff).to_contain_text(f"{root} → {root}-R1")
    changed = diff.get_by_test_id("diff-changed").filter(has_text="20AT")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("12 → 9")

    def more() -> None:
        page.get_by_role("button", name="+ 분기 추가").click()
        for key, value in {"type": "MCCB", "poles": 3, "trip_at": 30, "qty": 2}.items():
            set_value(_branch(page, 4, key), value)

    third_id = _revise(page, f"{root}-R1", more)
    expect(page.get_by_role("heading", name=f"견적 {root}-R2")).to_be_visible()
    diff = page.get_by_role("region", name="변경 내역")
    expect(diff).to_contain_text(f"{root}-R1 → {root}-R2")
    added = diff.get_by_test_id("diff-added").filter(has_text="30AT")
    expect(added).to_have_count(1)
    expect(added).to_contain_text("추가")
    expect(page.get_by_test_id("superseded")).to_have_count(0)
    expect(page.get_by_role("link", name=REVISE)).to_be_visible()
    screenshot(page, "revision-diff")

    for older in (first["id"], second_id):  # 대체됨, a link to the latest, and no revise button
        page.goto(f"/quotes/{older}")
        note = page.get_by_test_id("superseded")
        expect(note).to_contain_text("대체됨")
        expect(page.get_by_role("link", name=REVISE)).to_have_count(0)
    page.goto(f"/quotes/{first['id']}")
    page.get_by_test_id("superseded").get_by_role("link", name=f"{root}-R2").click()
    page.wait_for_url(re.compile(f"/quotes/{third_id}$"))
    expect(page.get_by_role("heading", name=f"견적 {root}-R2")).to_be_visible()
