"""Driving the quote form the way a person does: by the labels on the screen."""

from __future__ import annotations

from typing import Any

LIST_ADD_BUTTONS = {"branches": "+ 분기 추가", "accessories": "+ 부속 추가", "extra_lines": "+ 항목 추가"}
LIST_ITEMS = {"branches": "분기", "accessories": "부속", "extra_lines": "추가 항목"}
BRANCH_LABELS = {
    "type": "종류",
    "poles": "극수",
    "trip_at": "AT",
    "qty": "수량",
    "load_a": "부하 (선택)",
    "circuit": "회로명 (선택)",
}


def set_value(locator: Any, value: Any) -> None:
    if locator.evaluate("el => el.tagName") == "SELECT":
        locator.select_option(str(value))
    elif locator.get_attribute("type") == "checkbox":
        locator.set_checked(bool(value))
    else:
        locator.fill(str(value))


def fill_quote_form(page: Any, request: dict[str, Any]) -> None:
    """Type a one-panel request (customer, enclosure, main, branches) into an empty new-quote form."""
    customer = request["customer"]
    page.get_by_label("고객명 (필수)").fill(customer["name"])
    for label, key in (("담당자", "contact"), ("전화", "phone"), ("이메일", "email")):
        if customer.get(key):
            page.get_by_label(label, exact=True).fill(customer[key])
    if request.get("project"):
        page.get_by_label("건명", exact=True).fill(request["project"])
    page.get_by_label("브랜드", exact=True).select_option(request["brand"])
    (panel,) = request["panels"]
    page.get_by_label("분전반 이름").fill(panel["name"])
    page.get_by_label("수량 (면)").fill(str(panel.get("quantity", 1)))
    enclosure = panel.get("enclosure", {})
    for label, key in (
        ("설치장소", "location"),
        ("설치방식", "mount"),
        ("재질", "material"),
        ("기성함 / 주문제작", "kind"),
    ):
        if key in enclosure:
            page.get_by_label(label, exact=True).select_option(enclosure[key])
    if enclosure.get("thickness_mm"):
        page.get_by_label("두께 (선택)").fill(str(enclosure["thickness_mm"]))
    main = panel["main"]
    page.get_by_label("종류", exact=True).select_option(main.get("type", "MCCB"))
    page.get_by_label("극수", exact=True).fill(str(main["poles"]))
    page.get_by_label("정격 AT").fill(str(main["trip_at"]))
    for index, branch in enumerate(panel.get("branches", [])):
        if index > 0:
            page.get_by_role("button", name=LIST_ADD_BUTTONS["branches"]).click()
        for key, value in branch.items():
            set_value(page.get_by_label(f"분전반 1 분기 {index + 1} {BRANCH_LABELS[key]}", exact=True), value)


def unlabelled_controls(page: Any) -> list[str]:
    """The visible form controls of the page that have no label (by <label> or aria-label)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]'))
            .filter((el) => !el.labels.length && !el.getAttribute('aria-label'))
            .map((el) => el.outerHTML)"""
    )
