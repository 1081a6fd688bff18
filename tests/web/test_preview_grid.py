"""The live preview and the branch grid in a real browser (issue 16): typing updates the preview, rows
pasted from Excel fill the grid (with or without a header row, in any order), a bad cell shows its
finding, Enter and the arrows move between cells, and the apartment panel is typed with the keyboard
alone in at most 40 key presses from the empty form to a saved quote."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.forms import fill_quote_form
from tests.web.test_quote_flow import QUOTE_URL

BRANCH = "분전반 1 분기"
ROWS = "[data-list='branches'] tr[data-scope]"
MAX_KEYS = 40  # issue 16, Must show: the apartment panel with the grid


def _quote_count(live_app: LiveApp) -> int:
    with live_app.api() as api:
        return int(api.get("/v1/estimate?size=1").json()["total"])


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _cell(page: Any, row: int, column: str) -> Any:
    return page.get_by_label(f"{BRANCH} {row} {column}", exact=True)


def _paste(page: Any, label: str, text: str) -> None:
    """Paste as a person does: the text on the clipboard, the cell focused, Ctrl+V."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    cell = page.get_by_label(label, exact=True)
    cell.focus()
    cell.press("Control+V")


def _sheet(rows: list[list[str]]) -> str:
    return "".join("\t".join(row) + "\r\n" for row in rows)


def test_typing_updates_the_preview(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    before = _quote_count(live_app)
    page.goto("/")
    preview = page.get_by_test_id("preview")
    # The empty form: what is still missing is listed, nothing is marked as wrong.
    expect(page.get_by_test_id("preview-missing")).to_contain_text("고객명")
    expect(page.get_by_test_id("preview-missing")).to_contain_text("주 차단기 극수")
    expect(page.locator(".quote-form [aria-invalid='true']")).to_have_count(0)

    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    fill_quote_form(page, request)
    page.get_by_label(f"{BRANCH} 3 수량").press("Tab")
    expect(page.get_by_test_id("preview-total")).to_have_text(_won(1_831_170))  # DOMAIN §8
    expect(page.get_by_test_id("preview-subtotal")).to_have_text(_won(1_664_700))
    expect(page.get_by_test_id("preview-vat")).to_have_text(_won(166_470))
    expect(page.get_by_test_id("preview-enclosure")).to_contain_text("700×1200×200 mm")
    for phase in "RST":
        expect(page.get_by_test_id(f"preview-phase-{phase}")).to_have_text("480 A")
    expect(page.get_by_test_id("preview-missing")).to_have_count(0)
    screenshot(page, "form-preview")

    # A keystroke changes the numbers: twelve 2P lines become thirteen.
    quantity = _cell(page, 3, "수량")
    quantity.focus()
    page.keyboard.type("13")
    expect(page.get_by_test_id("preview-total")).not_to_have_text(_won(1_831_170))
    changed = page.get_by_test_id("preview-total").inner_text()
    assert int(re.sub(r"\D", "", changed)) > 1_831_170

    # A wrong value is said at its field, in the estimator's words, as soon as it is seen.
    poles = page.get_by_label("극수", exact=True)
    poles.fill("5")
    poles.press("Tab")
    expect(poles).to_have_attribute("aria-invalid", "true")
    note = page.locator(f"#{poles.get_attribute('aria-describedby')}")
    expect(note).to_contain_text("5P")
    expect(page.get_by_test_id("preview-wrong")).to_contain_text("5P")
    expect(preview).not_to_contain_text("panels.0")
    expect(page.locator(".preview-numbers")).to_have_class(re.compile("stale"))
    poles.fill("4")
    poles.press("Tab")
    expect(page.get_by_test_id("preview-wrong")).to_have_count(0)
    expect(poles).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("preview-total")).to_have_text(changed)
    assert _quote_count(live_app) == before  # previews save nothing

    # Keystroke to numbers: the Tab that commits a value, to the new total on screen (the page's own
    # clock, from the key's change event to the drawn answer), over twenty values.
    samples = []
    shown = page.get_by_test_id("preview-total").inner_text()
    for qty in range(14, 34):
        quantity.fill(str(qty))
        quantity.press("Tab")
        expect(page.get_by_test_id("preview-total")).not_to_have_text(shown)
        shown = page.get_by_test_id("preview-total").inner_text()
        samples.append(int(preview.get_attribute("data-ms") or "0"))
    samples.sort()
    print(f"preview: keystroke (Tab) to numbers p50 {samples[10]} ms, max {samples[-1]} ms (n=20)")
    assert 0 < samples[10] < 250  # the goal is 50 ms on a quiet machine; this bound catches a regression


def test_a_stale_answer_never_replaces_a_newer_one(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    page.get_by_label(f"{BRANCH} 3 수량").press("Tab")
    expect(page.get_by_test_id("preview-total")).to_have_text(_won(1_831_170))
    held: list[Any] = []
    page.route("**/v1/estimate/preview", lambda route: held.append(route) if not held else route.continue_())
    quantity = _cell(page, 3, "수량")
    quantity.fill("1")  # the first answer is held back …
    quantity.press("Tab")
    page.wait_for_timeout(300)
    assert len(held) == 1
    quantity.fill("13")  # … a newer one is asked and shown …
    quantity.press("Tab")
    expect(page.get_by_test_id("preview-total")).not_to_have_text(_won(1_831_170))
    newer = page.get_by_test_id("preview-total").inner_text()
    with contextlib.suppress(PlaywrightError):  # the browser may have cancelled it already
        held[0].continue_()  # … and the older one, let through now, is dropped (its fetch was aborted)
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("preview-total")).to_have_text(newer)


def test_twelve_rows_from_excel_fill_the_grid(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    page.goto("/")
    rows = [[f"세대 {n}", "ELB", "2P", "20A", "1", "8.5"] for n in range(1, 13)]
    # Without a header: the default order 회로명, 종류, 극수, AT, 수량, 부하A.
    _paste(page, f"{BRANCH} 1 회로명 (선택)", _sheet(rows))
    expect(page.locator(ROWS)).to_have_count(12)
    for n in (1, 7, 12):
        expect(_cell(page, n, "회로명 (선택)")).to_have_value(f"세대 {n}")
        expect(_cell(page, n, "종류")).to_have_value("ELCB")
        expect(_cell(page, n, "극수")).to_have_value("2")
        expect(_cell(page, n, "AT")).to_have_value("20")
        expect(_cell(page, n, "수량")).to_have_value("1")
        expect(_cell(page, n, "부하 (선택)")).to_have_value("8.5")
    screenshot(page, "grid-paste")

    # With a header row, in the sheet's own order, pasted at any cell: the header decides.
    header = ["수량", "부하A", "AT", "극수", "종류", "회로명"]
    reordered = [[str(n % 3 + 1), "10", "30", "2", "MCCB", f"전열 {n}"] for n in range(1, 13)]
    _paste(page, f"{BRANCH} 1 AT", _sheet([header, *reordered]))
    expect(page.locator(ROWS)).to_have_count(12)
    for n in (1, 5, 12):
        expect(_cell(page, n, "회로명 (선택)")).to_have_value(f"전열 {n}")
        expect(_cell(page, n, "종류")).to_have_value("MCCB")
        expect(_cell(page, n, "AT")).to_have_value("30")
        expect(_cell(page, n, "수량")).to_have_value(str(n % 3 + 1))
        expect(_cell(page, n, "부하 (선택)")).to_have_value("10")
    expect(page.locator(".quote-form [aria-invalid='true']")).to_have_count(0)

    # A header in the default order with Korean units (부하(A)) and a column the grid does not have.
    header = ["회로명", "종류", "극수", "AT", "수량", "부하(A)", "비고"]
    more = [[f"동력 {n}", "누전", "4P", "50", "1", "", "2층"] for n in range(1, 13)]
    _paste(page, f"{BRANCH} 1 회로명 (선택)", _sheet([header, *more]))
    expect(_cell(page, 12, "극수")).to_have_value("4")
    expect(_cell(page, 12, "종류")).to_have_value("ELCB")
    expect(_cell(page, 1, "회로명 (선택)")).to_have_value("동력 1")
    expect(page.locator("#toast")).to_contain_text("‘비고’")


def test_a_bad_cell_shows_its_finding(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    page.goto("/")
    rows = [[f"세대 {n}", "ELB", "2P", "20", "1", ""] for n in range(1, 13)]
    rows[6][2] = "5P"
    rows[8][1] = "ELX"
    rows[10][4] = "0"
    _paste(
        page, f"{BRANCH} 1 회로명 (선택)", _sheet([["회로명", "종류", "극수", "AT", "수량", "부하A"], *rows])
    )
    expect(page.locator(ROWS)).to_have_count(12)
    for row, column, text in (
        (7, "극수", "극수 5P는 없습니다"),
        (9, "종류", "‘ELX’는 고를 수 있는 값이 아닙니다"),
        (11, "수량", "1 이상"),
    ):
        cell = _cell(page, row, column)
        expect(cell).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{cell.get_attribute('aria-describedby').split()[0]}")).to_contain_text(text)
    expect(page.locator("#toast")).to_contain_text("확인할 칸 3곳")
    _cell(page, 7, "극수").scroll_into_view_if_needed()
    screenshot(page, "grid-bad-cell")
    # Fixing the cell clears its finding.
    _cell(page, 7, "극수").fill("2")
    expect(_cell(page, 7, "극수")).not_to_have_attribute("aria-invalid", "true")


def test_enter_and_arrows_move_between_cells(page_for: Any, live_app: LiveApp) -> None:
    page = page_for("estimator")
    before = _quote_count(live_app)
    page.goto("/")
    _cell(page, 1, "회로명 (선택)").focus()
    page.keyboard.type("전등")
    for column in ("종류", "극수"):
        page.keyboard.press("Enter")
        expect(_cell(page, 1, column)).to_be_focused()
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    page.keyboard.type("20")
    page.keyboard.press("Enter")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(_cell(page, 1, "부하 (선택)")).to_be_focused()
    # Enter on the last cell of the last row: a new row copying the one above (not its circuit name).
    page.keyboard.press("Enter")
    expect(page.locator(ROWS)).to_have_count(2)
    expect(_cell(page, 2, "회로명 (선택)")).to_be_focused()
    for column, value in (("극수", "2"), ("AT", "20"), ("수량", "3"), ("회로명 (선택)", "")):
        expect(_cell(page, 2, column)).to_have_value(value)
    expect(_cell(page, 2, "종류")).to_have_value("ELCB")
    # The arrows: right and left between cells, up and down between rows in the same column.
    page.keyboard.press("ArrowRight")
    expect(_cell(page, 2, "종류")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(_cell(page, 2, "극수")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(_cell(page, 1, "극수")).to_be_focused()
    expect(_cell(page, 1, "극수")).to_have_value("2")  # the arrow moved; it did not step the number
    page.keyboard.press("ArrowDown")
    expect(_cell(page, 2, "극수")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(_cell(page, 2, "종류")).to_be_focused()
    expect(_cell(page, 2, "종류")).to_have_value("ELCB")  # nor change the choice
    page.keyboard.press("Shift+Enter")
    expect(_cell(page, 2, "회로명 (선택)")).to_be_focused()
    page.keyboard.press("Shift+Enter")
    expect(_cell(page, 1, "부하 (선택)")).to_be_focused()
    # Ctrl+D duplicates a row under it; Ctrl+Delete and Ctrl+Backspace delete one.
    _cell(page, 1, "AT").focus()
    page.keyboard.press("Control+d")
    expect(page.locator(ROWS)).to_have_count(3)
    expect(_cell(page, 2, "AT")).to_be_focused()
    expect(_cell(page, 2, "회로명 (선택)")).to_have_value("전등")
    page.keyboard.type("30")
    expect(_cell(page, 2, "AT")).to_have_value("30")
    page.keyboard.press("Control+Delete")
    expect(page.locator(ROWS)).to_have_count(2)
    expect(_cell(page, 2, "AT")).to_be_focused()
    expect(_cell(page, 2, "AT")).to_have_value("20")
    page.keyboard.press("Control+Backspace")
    expect(page.locator(ROWS)).to_have_count(1)
    expect(_cell(page, 1, "AT")).to_be_focused()
    assert _quote_count(live_app) == before  # no Enter made a quote


class Keys:
    """The keyboard, counting every key pressed: a character is one key (two with Shift for a capital),
    a chord such as Control+Enter is one key per key held."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text) + sum(c.isupper() for c in text)

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.count += len(key.split("+"))


def test_the_apartment_panel_by_keyboard_in_at_most_40_keys(page_for: Any, live_app: LiveApp) -> None:
    """LS, main MCCB 4P 75A, 12 × ELB 2P 20A: from the empty form to a saved quote, keyboard only."""
    page = page_for("estimator")
    page.goto("/")
    keys = Keys(page)
    expect(page.get_by_label("고객명 (필수)")).to_be_focused()  # the new quote starts at its first field
    keys.type("LH")
    keys.press("Enter", 10)  # 담당자 … P-COVER, 분전반 이름, 수량 (면), 주 차단기 종류 → 극수
    expect(page.get_by_label("극수", exact=True)).to_be_focused()
    keys.type("4")
    keys.press("Enter")
    keys.type("75")
    keys.press("Enter", 7)  # 프레임 AF, 모델, 등급, 제조사 → the grid: 회로명, 종류 (ELCB) → 극수
    expect(_cell(page, 1, "극수")).to_be_focused()
    keys.type("2")
    keys.press("Enter")
    keys.type("20")
    keys.press("Enter")
    keys.type("12")  # one row with 수량 12
    total = page.get_by_test_id("preview-total")
    expect(total).to_have_text(re.compile(r"^[\d,]+원$"))  # numbers once the line is whole
    page.wait_for_timeout(400)  # past the typing pause: the preview of the whole "12"
    expect(page.get_by_test_id("preview")).not_to_have_attribute("aria-busy", "true")
    shown = int(re.sub(r"\D", "", total.inner_text()))
    expect(page.get_by_test_id("preview-enclosure")).not_to_be_empty()
    keys.press("Control+Enter")
    page.wait_for_url(QUOTE_URL)
    print(f"apartment panel by keyboard: {keys.count} key presses")
    assert keys.count <= MAX_KEYS, f"{keys.count} key presses"

    match = QUOTE_URL.search(page.url)
    assert match is not None
    with live_app.api() as api:
        quote = api.get(f"/v1/estimate/{match.group(1)}").json()
    request = quote["request"]
    assert request["brand"] == "LS" and request["customer"]["name"] == "LH"
    (panel,) = request["panels"]
    assert (panel["main"]["type"], panel["main"]["poles"], panel["main"]["trip_at"]) == ("MCCB", 4, 75)
    assert [(b["type"], b["poles"], b["trip_at"], b["qty"]) for b in panel["branches"]] == [
        ("ELCB", 2, 20, 12)
    ]
    assert quote["totals"]["total"] == shown  # the preview said what the quote came to


def test_the_preview_sits_beside_the_form_at_1280_and_under_it_at_768(page_for: Any) -> None:
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    page.get_by_label(f"{BRANCH} 3 수량").press("Tab")
    expect(page.get_by_test_id("preview-total")).to_have_text(_won(1_831_170))
    form, preview = page.locator(".quote-form"), page.get_by_test_id("preview")
    wide_form, wide_preview = form.bounding_box(), preview.bounding_box()
    assert wide_form and wide_preview and wide_preview["x"] >= wide_form["x"] + wide_form["width"]
    page.set_viewport_size({"width": 768, "height": 900})
    page.wait_for_timeout(150)
    narrow_form, narrow_preview = form.bounding_box(), preview.bounding_box()
    assert narrow_form and narrow_preview and narrow_preview["y"] >= narrow_form["y"] + narrow_form["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= 768"), "the page scrolls sideways at 768 px"
