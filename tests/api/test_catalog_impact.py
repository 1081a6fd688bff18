"""The impact of an imported price book on the open quotes, and re-quoting them under it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.pricebooks import render_price_book
from tests.api.conftest import Api, make_api, make_settings
from tests.api.test_catalog import envelope, shipped_rows, upload
from tests.factories import DOMAIN_S8, make_request

# Three prices the new book changes (the shipped catalog's in the comments).
NEW_PRICES = {"ABN-204": 160000, "EBN-104": 110000, "32GRHS": 11000}  # 154000, 104170, 10300
OLD_PRICES = {"ABN-204": 154000, "EBN-104": 104170, "32GRHS": 10300}


@pytest.fixture
def any_api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    made = make_api(make_settings(tmp_path, database_url=db_url, rate_limit_per_minute=0))
    with made.client:
        yield made
    made.container.engine.dispose()


def new_book(api: Api) -> bytes:
    rows = copy.deepcopy(shipped_rows(api))
    for row in rows["breakers"]:
        row["price_krw"] = NEW_PRICES.get(row["model"], row["price_krw"])
    return render_price_book(rows, "xlsx")


def create(api: Api, request: dict[str, Any]) -> dict[str, Any]:
    response = api.client.post("/v1/estimate", json=request, headers=api.auth())
    assert response.status_code == 201, response.text
    quote: dict[str, Any] = response.json()
    return quote


def set_status(api: Api, quote: dict[str, Any], status: str) -> None:
    response = api.client.patch(f"/v1/estimate/{quote['id']}", json={"status": status}, headers=api.auth())
    assert response.status_code == 200, response.text


def impact(api: Api, book_id: int, role: str = "estimator", **params: Any) -> Any:
    return api.client.get(f"/v1/catalog/books/{book_id}/impact", params=params, headers=api.auth(role))


def requote(api: Api, book_id: int, ids: list[str], role: str = "estimator") -> Any:
    return api.client.post(
        f"/v1/catalog/books/{book_id}/requote", json={"quoteIds": ids}, headers=api.auth(role)
    )


def sangdo() -> dict[str, Any]:
    return {**copy.deepcopy(DOMAIN_S8), "brand": "SANGDO"}


def test_an_import_changing_three_prices_lists_exactly_the_affected_quotes_and_requotes_them(
    any_api: Api,
) -> None:
    api = any_api
    whole = create(api, DOMAIN_S8)  # ABN-204, EBN-104 ×2, 32GRHS ×12
    set_status(api, whole, "sent")
    small = create(api, make_request(branches=[{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 3}]))
    untouched = create(api, sangdo())  # no LS model: its prices do not move
    closed = create(api, DOMAIN_S8)
    set_status(api, closed, "closed")
    superseded = create(api, sangdo())
    revised = api.client.post(f"/v1/estimate/{superseded['id']}/revise", json=DOMAIN_S8, headers=api.auth())
    assert revised.status_code == 201, revised.text
    latest = revised.json()

    imported = upload(api, new_book(api), label="2027년 1월")
    assert imported.status_code == 201 and imported.json()["state"] == "draft"
    book_id = imported.json()["id"]

    answer = impact(api, book_id)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    # Open: whole (sent), small, untouched, latest; closed and superseded are not.
    assert (found["openQuotes"], found["checked"], found["unpriced"]) == (4, 4, [])
    changed = {q["quoteId"]: q for q in found["changed"]}
    assert set(changed) == {whole["id"], small["id"], latest["id"]} and untouched["id"] not in changed
    moved = {"ABN-204": 1, "EBN-104": 2, "32GRHS": 12}
    for quote in (whole, latest):
        lines = {line["model"]: line for line in changed[quote["id"]]["lines"]}
        assert set(lines) == set(moved)
        for model, qty in moved.items():
            assert (lines[model]["oldPrice"], lines[model]["newPrice"]) == (
                OLD_PRICES[model],
                NEW_PRICES[model],
            )
            assert lines[model]["amountDifference"] == qty * (NEW_PRICES[model] - OLD_PRICES[model])
            assert lines[model]["panel"] == "LP-1" and lines[model]["path"] == "panels.0"
        assert changed[quote["id"]]["difference"]["subtotal"] == 6000 + 2 * 5830 + 12 * 700
    small_lines = {line["model"]: line["amountDifference"] for line in changed[small["id"]]["lines"]}
    assert small_lines == {"ABN-204": 6000, "32GRHS": 3 * 700}
    for quote in (whole, small, latest):
        entry = changed[quote["id"]]
        assert entry["number"] == quote["number"] and entry["old"]["total"] == quote["totals"]["total"]
        assert entry["difference"]["total"] == entry["new"]["total"] - entry["old"]["total"] > 0
    assert found["changed"][0]["status"] in ("draft", "sent")

    early = requote(api, book_id, [whole["id"]])
    assert early.status_code == 409 and envelope(early)["code"] == "PRICE_BOOK_NOT_ACTIVE"
    activated = api.client.post(f"/v1/catalog/price-books/{book_id}/activate", headers=api.auth("admin"))
    assert activated.status_code == 200

    ids = [whole["id"], small["id"], latest["id"], closed["id"], "no-such-quote"]
    done = requote(api, book_id, ids)
    assert done.status_code == 200, done.text
    outcomes = [(r["quoteId"], r["outcome"]) for r in done.json()["results"]]
    assert outcomes == [
        (whole["id"], "revised"),
        (small["id"], "revised"),
        (latest["id"], "revised"),
        (closed["id"], "not_open"),
        ("no-such-quote", "not_found"),
    ]
    revisions = {r["quoteId"]: r["revision"] for r in done.json()["results"] if r["outcome"] == "revised"}
    for quote in (whole, small, latest):
        revision = api.client.get(f"/v1/estimate/{revisions[quote['id']]['id']}", headers=api.auth()).json()
        assert revision["totals"]["total"] == changed[quote["id"]]["new"]["total"]
        fresh = create(api, quote["request"])  # a fresh estimate under the new (now active) book
        assert revision["totals"] == fresh["totals"]
        assert revision["price_book_id"] == fresh["price_book_id"] == book_id

    again = requote(api, book_id, [whole["id"], small["id"]])
    assert again.status_code == 200
    assert [(r["outcome"], r["revision"]["id"]) for r in again.json()["results"]] == [
        ("skipped", revisions[whole["id"]]["id"]),
        ("skipped", revisions[small["id"]]["id"]),
    ]
    after = impact(api, book_id).json()
    assert after["changed"] == [] and after["unpriced"] == []


def test_a_book_that_drops_a_breaker_lists_the_quotes_it_cannot_price(api: Api) -> None:
    quote = create(api, DOMAIN_S8)
    rows = copy.deepcopy(shipped_rows(api))
    rows["breakers"] = [  # no LS breaker left for a 4-pole 200 A main
        row
        for row in rows["breakers"]
        if not (row["brand"] == "LS" and row["poles"] == 4 and 200 in row["trip_ratings_a"])
    ]
    book = upload(api, render_price_book(rows, "xlsx"), label="LS 4P 200A 단종")
    assert book.status_code == 201, book.text
    found = impact(api, book.json()["id"]).json()
    assert found["changed"] == []
    (unpriced,) = found["unpriced"]
    assert unpriced["quoteId"] == quote["id"] and unpriced["new"] is None
    assert unpriced["refusal"]["code"] and unpriced["refusal"]["path"].startswith("panels.0")


def test_impact_bounds_roles_and_hostile_input(api: Api) -> None:
    for _ in range(3):
        create(api, DOMAIN_S8)
    book_id = upload(api, new_book(api)).json()["id"]
    pages = [impact(api, book_id, page=page, size=2).json() for page in (1, 2)]
    assert [(p["checked"], len(p["changed"]), p["openQuotes"]) for p in pages] == [(2, 2, 3), (1, 1, 3)]
    too_big = impact(api, book_id, size=api.container.settings.reprice_max_quotes + 1)
    assert too_big.status_code == 422 and envelope(too_big)["path"] == "query.size"
    missing = impact(api, 999)
    assert missing.status_code == 404 and envelope(missing)["code"] == "PRICE_BOOK_NOT_FOUND"
    assert requote(api, 999, ["x"]).status_code == 404
    for bad in ({"quoteIds": []}, {"quoteIds": ["x" * 65]}, {"quoteIds": "abc"}, {"ids": ["x"]}, [1]):
        response = api.client.post(f"/v1/catalog/books/{book_id}/requote", json=bad, headers=api.auth())
        assert response.status_code == 422, bad
        envelope(response)
    for path in ("0/impact", "abc/impact", f"{2**31}/impact"):
        response = api.client.get(f"/v1/catalog/books/{path}", headers=api.auth())
        assert response.status_code == 422 and envelope(response)["path"] == "path.book_id"
    # Who may: estimators and admins; a viewer may not, nobody anonymous.
    assert impact(api, book_id, role="admin").status_code == 200
    for response in (impact(api, book_id, role="viewer"), requote(api, book_id, ["x"], role="viewer")):
        assert response.status_code == 403 and envelope(response)["code"] == "FORBIDDEN"
    for method, path in (
        ("GET", f"/v1/catalog/books/{book_id}/impact"),
        ("POST", f"/v1/catalog/books/{book_id}/requote"),
    ):
        anonymous = api.client.request(method, path)
        assert anonymous.status_code == 401 and envelope(anonymous)["code"] == "AUTH_REQUIRED"


def test_parallel_requotes_of_one_quote_make_one_revision(any_api: Api) -> None:
    quote = create(any_api, DOMAIN_S8)
    book_id = upload(any_api, new_book(any_api), activate="true").json()["id"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: requote(any_api, book_id, [quote["id"]]), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    results = [a.json()["results"][0] for a in answers]
    assert sorted(r["outcome"] for r in results) == ["revised", "skipped", "skipped", "skipped"]
    assert len({r["revision"]["id"] for r in results}) == 1
