"""The estimator's day in a real browser: the DOMAIN §8 quote typed into the form, its live progress,
the result page checked against the API, the workbook downloaded and read back, the evidence checked,
the quote found in the list, its status moved on, and a revision with the change of its totals."""

from __future__ import annotations

import copy
import io
import json
import re
import threading
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from kis_estimator.api.routes import estimates
from tests.web.conftest import EXAMPLE, LiveApp, screenshot
from tests.web.forms import fill_quote_form, unlabelled_controls

QUOTE_URL = re.compile(r"/quotes/([0-9a-f-]{36})$")


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _create_through_form(page: Any, request: dict[str, Any]) -> str:
    page.goto("/")
    expect(page.get_by_role("heading", name="새 견적")).to_be_visible()
    fill_quote_form(page, request)
    page.get_by_role("button", name="견적 계산").click()
    progress = page.get_by_role("region", name="계산 진행")
    expect(progress).to_be_visible()
    page.wait_for_url(QUOTE_URL)
    match = QUOTE_URL.search(page.url)
    assert match is not None
    return match.group(1)


def test_domain_s8_through_the_form(page_for: Any, live_app: LiveApp, tmp_path: Path) -> None:
    page = page_for("estimator")
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    quote_id = _create_through_form(page, request)
    with live_app.api() as api:
        quote = api.get(f"/v1/estimate/{quote_id}").json()
    totals = quote["totals"]
    assert totals["total"] == 1_831_170  # DOMAIN §8, whatever the page shows must equal it

    expect(page.get_by_role("heading", name=f"견적 {quote['number']}")).to_be_visible()
    expect(page.get_by_test_id("total")).to_have_text("1,831,170원")
    expect(page.get_by_test_id("subtotal")).to_have_text(_won(totals["subtotal"]))
    expect(page.get_by_test_id("vat")).to_have_text(_won(totals["vat"]))
    expect(page.get_by_test_id("bom-total")).to_have_text(_won(totals["total"]))
    enclosure = page.get_by_role("article", name="외함")
    expect(enclosure.get_by_test_id("selected-size")).to_have_text("700×1200×200 mm")
    expect(enclosure.get_by_test_id("required-size")).to_have_text("700×1070×150 mm")
    expect(enclosure).to_contain_text("SC 70 120 20")
    expect(enclosure).to_contain_text("기성함")
    expect(enclosure.get_by_test_id("custom-alternative")).to_contain_text("700×1100×150 mm, 543,300원")
    phases = page.get_by_role("article", name="상평형 (R/S/T)")
    expect(phases.get_by_test_id("imbalance")).to_contain_text("0 %")
    expect(phases).to_contain_text("480 A · 4회로")
    gates = page.get_by_role("table", name="분전반 1 검사 결과")
    expect(gates.locator("tbody tr")).to_have_count(len([g for g in quote["gates"] if g["panel"] == 0]))
    expect(gates.locator("tr[data-gate=enclosure_fit]")).to_contain_text("주의")
    bom = page.get_by_role("table", name="분전반 1 자재 내역")
    expect(bom.locator("tbody tr")).to_have_count(len(quote["panels"][0]["lines"]))
    expect(bom).to_contain_text("ASSEMBLY CHARGE")
    drawing = page.get_by_test_id("drawing")
    expect(drawing).to_be_visible()
    assert drawing.evaluate("img => img.complete && img.naturalWidth > 0")
    assert unlabelled_controls(page) == []
    # The stage list of the run that made it, kept for the result page.
    expect(page.get_by_role("region", name="계산 과정")).to_contain_text("증빙 생성")
    screenshot(page, "result")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="견적서 Excel (.xlsx)").click()
    download = download_info.value
    assert download.suggested_filename == f"견적서_동양기전_신축공장동력설비_{quote['number']}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved, data_only=True)
    (total_destination,) = workbook.defined_names["QUOTE_TOTAL"].destinations
    sheet, cell = total_destination
    assert workbook[sheet][cell.replace("$", "")].value == 1_831_170

    with page.expect_download() as download_info:
        page.get_by_role("button", name="증빙 묶음 (.zip)").click()
    with zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes())) as pack:
        assert {"manifest.json", "SHA256SUMS"} <= set(pack.namelist())

    page.get_by_role("button", name="증빙 검증").click()
    expect(page.get_by_test_id("evidence-ok")).to_contain_text("증빙이 온전합니다")


def test_progress_is_shown_while_it_runs(page_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server is held after the pricing stage, so the half-done progress can be looked at."""
    release = threading.Event()
    real_run_create = estimates.run_create

    def held_after_pricing(*args: Any, **kwargs: Any) -> Any:
        sink = kwargs["sink"]

        def holding_sink(type_: str, data: Any, seq: int | None) -> None:
            sink(type_, data, seq)
            if type_ == "PROGRESS" and data["stage"] == "pricing":
                release.wait(timeout=20)

        return real_run_create(*args, **{**kwargs, "sink": holding_sink})

    monkeypatch.setattr(estimates, "run_create", held_after_pricing)
    page = page_for("estimator")
    page.goto("/")
    fill_quote_form(page, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    page.get_by_role("button", name="견적 계산").click()
    progress = page.get_by_role("region", name="계산 진행")
    try:
        for stage in ("accepted", "validate", "resolve", "enclosure", "placement", "critic", "pricing"):
            expect(progress.locator(f"li[data-stage={stage}]")).to_have_attribute("data-state", "done")
        expect(progress.locator("li[data-stage=format]")).to_have_attribute("data-state", "running")
        expect(progress.locator("li[data-stage=evidence]")).to_have_attribute("data-state", "waiting")
        expect(progress.get_by_role("status")).to_have_text("가격 산출 완료 (6/10)")
        expect(page.get_by_role("button", name="계산 중…")).to_be_disabled()
        screenshot(page, "progress")
    finally:
        release.set()
    page.wait_for_url(QUOTE_URL)
    expect(page.get_by_role("region", name="계산 과정")).to_contain_text("증빙 생성")


def test_find_it_in_the_list_and_move_its_status(page_for: Any, live_app: LiveApp) -> None:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request["customer"]["name"] = "한빛전기 목록시험"
    with live_app.api() as api:
        created = api.post("/v1/estimate", json=request)
        assert created.status_code == 201, created.text
        quote = created.json()
        other = copy.deepcopy(request) | {"customer": {"name": "다른고객"}}
        assert api.post("/v1/estimate", json=other).status_code == 201

    page = page_for("estimator")
    page.goto("/quotes")
    expect(page.locator("table.quotes tbody tr").first).to_be_visible()
    assert unlabelled_controls(page) == []
    screenshot(page, "quotes")

    # Pages: two rows a page, Next, and Back to the first page.
    page.goto("/quotes?size=2")
    rows = page.locator("table.quotes tbody tr")
    expect(rows).to_have_count(2)
    first_on_page_1 = rows.first.locator("th").inner_text()
    pager = page.get_by_role("navigation", name="페이지")
    expect(pager).to_contain_text("1 / ")
    pager.get_by_role("button", name="다음 →").click()
    expect(pager).to_contain_text("2 / ")
    assert "page=2" in page.url and "size=2" in page.url
    expect(rows.first.locator("th")).not_to_have_text(first_on_page_1)
    page.go_back()
    expect(rows.first.locator("th")).to_have_text(first_on_page_1)

    page.goto("/quotes")
    page.get_by_label("검색어 (견적번호·고객·건명)").fill("한빛전기")
    page.get_by_role("button", name="검색", exact=True).click()
    rows = page.locator("table.quotes tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(quote["number"])
    expect(rows.first).to_contain_text("1,831,170원")
    expect(rows.first).to_contain_text("작성")
    assert "q=" in page.url  # the search lives in the address

    rows.first.get_by_role("link", name=quote["number"]).click()
    expect(page.get_by_role("heading", name=f"견적 {quote['number']}")).to_be_visible()
    page.get_by_label("다음 상태").select_option("sent")
    page.get_by_role("button", name="상태 변경").click()
    expect(page.locator(".quote-title .badge")).to_have_text("발송")
    with live_app.api() as api:
        assert api.get(f"/v1/estimate/{quote['id']}").json()["status"] == "sent"
    page.get_by_label("다음 상태").select_option("ordered")
    page.get_by_role("button", name="상태 변경").click()
    expect(page.locator(".quote-title .badge")).to_have_text("수주")

    page.get_by_role("link", name="목록으로").click()
    page.get_by_role("radio", name="수주").check()  # the status filter
    expect(page.locator("table.quotes tbody tr")).to_have_count(1)
    expect(page.locator("table.quotes tbody tr").first).to_contain_text(quote["number"])
    page.get_by_role("radio", name="발송").check()
    expect(page.get_by_text("조건에 맞는 견적이 없습니다.")).to_be_visible()


def test_revise_shows_the_change_of_the_totals(page_for: Any, live_app: LiveApp) -> None:
    with live_app.api() as api:
        first = api.post("/v1/estimate", json=json.loads(EXAMPLE.read_text(encoding="utf-8"))).json()
    page = page_for("estimator")
    page.goto(f"/quotes/{first['id']}")
    page.get_by_role("link", name="개정 (고쳐서 다시 계산)").click()
    expect(page.get_by_role("heading", name=f"견적 개정 — {first['number']}")).to_be_visible()
    qty = page.get_by_label("분전반 1 분기 3 수량", exact=True)
    expect(qty).to_have_value("12")
    qty.fill("9")
    page.get_by_role("button", name="개정판 계산").click()
    page.wait_for_url(QUOTE_URL)
    revised_id = QUOTE_URL.search(page.url).group(1)  # type: ignore[union-attr]
    with live_app.api() as api:
        revised = api.get(f"/v1/estimate/{revised_id}").json()
    assert revised["previous_id"] == first["id"] and revised["revision"] == 2
    changes = page.get_by_role("region", name="개정으로 바뀐 금액")
    expect(changes).to_contain_text(first["number"])
    delta = revised["totals"]["total"] - first["totals"]["total"]
    assert delta < 0
    expect(changes.get_by_test_id("delta-total")).to_have_text(f"−{abs(delta):,}원")
    screenshot(page, "revision")
