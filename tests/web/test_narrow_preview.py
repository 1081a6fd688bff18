"""The live preview below 1100 px (issue 16): the preview sits under the long form there, so a compact
bar fixed at the foot of the screen keeps 합계 and the enclosure in view while typing, and opens the
whole preview over the form; from 1100 px the preview is beside the form and the bar is not shown."""

from __future__ import annotations

import copy
import re
from typing import Any

from playwright.sync_api import expect

from tests.factories import DOMAIN_S8
from tests.web.forms import fill_quote_form

BRANCH = "분전반 1 분기"


def test_at_768_px_the_totals_stay_in_view_while_typing(page_for: Any) -> None:
    page = page_for("estimator")
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto("/")
    bar = page.get_by_test_id("preview-bar")
    expect(bar).to_be_in_viewport()
    expect(bar).to_contain_text("입력하면 계산합니다")
    expect(page.get_by_test_id("bar-note")).to_have_text(re.compile(r"^입력할 곳 \d+$"))  # the empty form
    fill_quote_form(page, copy.deepcopy(DOMAIN_S8))
    quantity = page.get_by_label(f"{BRANCH} 3 수량", exact=True)
    quantity.press("Tab")
    # The full preview is far below the field being typed; the bar shows its numbers meanwhile.
    expect(page.get_by_test_id("preview-total")).to_have_text("1,831,170원")  # DOMAIN §8
    expect(page.get_by_test_id("preview-total")).not_to_be_in_viewport()
    expect(page.get_by_test_id("bar-total")).to_have_text("합계 1,831,170원")
    expect(page.get_by_test_id("bar-enclosure")).to_have_text("외함 700×1200×200 mm")
    expect(page.get_by_test_id("bar-note")).to_have_text("")
    quantity.focus()
    expect(bar).to_be_in_viewport()
    expect(quantity).to_be_in_viewport()
    # The bar never covers the field being typed: the page leaves room for it at its foot.
    box, field = bar.bounding_box(), quantity.bounding_box()
    assert box is not None and field is not None and field["y"] + field["height"] <= box["y"]

    # A field reached by Tab while it lies under the bar is scrolled above the bar.
    poles = page.get_by_label(f"{BRANCH} 3 극수", exact=True)
    poles.evaluate("el => window.scrollBy(0, el.getBoundingClientRect().top - innerHeight + 30)")
    page.get_by_label(f"{BRANCH} 3 종류", exact=True).focus()
    page.keyboard.press("Tab")
    expect(poles).to_be_focused()
    field = poles.bounding_box()
    assert field is not None and field["y"] + field["height"] <= box["y"], (field, box)

    # A wrong value dims the numbers and says how many places to look at.
    main_poles = page.get_by_label("극수", exact=True)
    main_poles.fill("5")
    main_poles.press("Tab")
    expect(bar).to_have_class(re.compile("stale"))
    expect(page.get_by_test_id("bar-note")).to_have_text("입력할 곳 1")
    main_poles.fill("4")
    main_poles.press("Tab")
    expect(page.get_by_test_id("bar-note")).to_have_text("")
    expect(bar).not_to_have_class(re.compile("stale"))

    quantity.fill("13")
    quantity.press("Tab")
    expect(page.get_by_test_id("bar-total")).not_to_have_text("합계 1,831,170원")

    # The button opens the whole preview over the form, and closes it again.
    toggle = bar.get_by_role("button")
    expect(toggle).to_have_text("미리보기")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("preview-enclosure")).to_be_in_viewport()
    expect(page.get_by_test_id("preview-phase-R")).to_be_in_viewport()
    expect(toggle).to_have_text("접기")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_test_id("preview-enclosure")).not_to_be_in_viewport()

    # Beside the form (1280 px) the preview itself is in view and the bar is not shown.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(bar).to_be_hidden()
    expect(page.get_by_test_id("preview-total")).to_be_in_viewport()
