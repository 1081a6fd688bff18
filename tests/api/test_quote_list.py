"""The quote list as a work queue, over SQLite and PostgreSQL: every sort order of GET /v1/estimate, a
refused sort key, the one-line panel summary of each row, and the export of the listed quotes to xlsx
(read back with openpyxl), its row cap and its text cells."""

from __future__ import annotations

import copy
import io
import itertools
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kis_estimator.db.quote_facts import PanelFacts, QuoteFacts
from kis_estimator.services.quote_list import SORTS, summary_line
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8
from tests.reliability.hostile_corpus import DDE, FORMULA

EXPORT = "/v1/estimate/export.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = ["견적번호", "작성일", "고객", "건명", "구성", "공급가액", "부가세", "합계", "개정", "상태"]
STATUS_RANK = {
    name: rank for rank, name in enumerate(("draft", "sent", "ordered", "shipped", "paid", "closed"))
}


def _request(customer: str, **changes: Any) -> dict[str, Any]:
    request = copy.deepcopy(DOMAIN_S8)
    request["customer"]["name"] = customer
    request.update(changes)
    return request


def _created(api: Api, request: dict[str, Any], path: str = "/v1/estimate") -> dict[str, Any]:
    response = api.client.post(path, json=request, headers=api.auth())
    assert response.status_code == 201, response.text
    return dict(response.json())


def _moved(api: Api, quote: dict[str, Any], *statuses: str) -> None:
    for status in statuses:
        response = api.client.patch(
            f"/v1/estimate/{quote['id']}", json={"status": status}, headers=api.auth()
        )
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def queue(request: pytest.FixtureRequest) -> Iterator[tuple[Api, dict[str, dict[str, Any]]]]:
    """An app over a fresh database of each kind holding five quotes, by customer name:
    나전기 (§8, sent, revised by 나전기 개정), 가전기 (§8 × 3 sets), 다전기 (indoor steel, main only,
    closed), 라전기 (상도, two panels whose mains differ, ordered), and the revision 나전기 개정."""
    with tempfile.TemporaryDirectory(prefix="kis-queue-") as tmp:
        overrides: dict[str, object] = {}
        if request.param == "postgresql":
            import psycopg

            server = request.getfixturevalue("postgres")
            with psycopg.connect(
                f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres", autocommit=True
            ) as conn:
                conn.execute('CREATE DATABASE "kis_queue" TEMPLATE kis_template')
            overrides["database_url"] = str(server.url("kis_queue"))
        api = make_api(make_settings(Path(tmp), **overrides))
        with api.client:
            made: dict[str, dict[str, Any]] = {}
            made["나전기"] = _created(api, _request("나전기"))
            three = _request("가전기")
            three["panels"][0]["quantity"] = 3
            made["가전기"] = _created(api, three)
            main_only = _request("다전기")
            main_only["panels"][0] |= {
                "branches": [],
                "enclosure": {"location": "INDOOR", "material": "STEEL"},
            }
            made["다전기"] = _created(api, main_only)
            two = _request("라전기", brand="SANGDO")
            second = copy.deepcopy(two["panels"][0]) | {"name": "LP-2"}
            second |= {"main": {"type": "MCCB", "poles": 4, "trip_at": 100}}
            second |= {"branches": [{"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 6}]}
            two["panels"].append(second)
            made["라전기"] = _created(api, two)
            _moved(api, made["나전기"], "sent")
            revised = _request("나전기 개정")
            revised["panels"][0]["branches"].append({"type": "ELCB", "poles": 2, "trip_at": 30, "qty": 2})
            made["나전기 개정"] = _created(api, revised, f"/v1/estimate/{made['나전기']['id']}/revise")
            _moved(api, made["다전기"], "closed")
            _moved(api, made["라전기"], "sent", "ordered")
            yield api, made
        if request.param == "postgresql":
            api.container.engine.dispose()


def _listed(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.client.get("/v1/estimate", params={"size": 100, **params}, headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _customers(items: list[dict[str, Any]]) -> list[str]:
    return [item["customer"] for item in items]


def test_the_default_order_is_newest_first(queue: tuple[Api, dict[str, dict[str, Any]]]) -> None:
    api, _ = queue
    newest_first = ["나전기 개정", "라전기", "다전기", "가전기", "나전기"]
    assert _customers(_listed(api)) == newest_first
    assert _customers(_listed(api, sort="-date")) == newest_first
    assert _customers(_listed(api, sort="date")) == newest_first[::-1]


def test_each_column_sorts_both_ways(queue: tuple[Api, dict[str, dict[str, Any]]]) -> None:
    api, made = queue
    assert _customers(_listed(api, sort="customer")) == [
        "가전기",
        "나전기",
        "나전기 개정",
        "다전기",
        "라전기",
    ]
    assert _customers(_listed(api, sort="-customer")) == [
        "라전기",
        "다전기",
        "나전기 개정",
        "나전기",
        "가전기",
    ]
    by_total = sorted(made.values(), key=lambda quote: quote["totals"]["total"])
    assert [item["total"] for item in _listed(api, sort="total")] == [q["totals"]["total"] for q in by_total]
    assert _customers(_listed(api, sort="-total"))[0] == "가전기"  # three sets of §8
    # The workflow's order, not the alphabet's: draft, sent, ordered, …, closed.
    assert [item["status"] for item in _listed(api, sort="status")] == [
        "draft",
        "draft",
        "sent",
        "ordered",
        "closed",
    ]
    assert [item["status"] for item in _listed(api, sort="-status")] == [
        "closed",
        "ordered",
        "sent",
        "draft",
        "draft",
    ]
    assert _customers(_listed(api, sort="-revision"))[0] == "나전기 개정"
    numbers = [quote["number"] for quote in made.values()]
    assert [item["number"] for item in _listed(api, sort="number")] == sorted(numbers)
    assert [item["number"] for item in _listed(api, sort="-number")] == sorted(numbers, reverse=True)


@pytest.mark.parametrize("sort", SORTS)
def test_every_order_is_monotonic_with_ties_newest_first(
    queue: tuple[Api, dict[str, dict[str, Any]]], sort: str
) -> None:
    api, _ = queue
    key, descending = sort.lstrip("-"), sort.startswith("-")
    items = _listed(api, sort=sort)
    created = {item["number"]: i for i, item in enumerate(_listed(api, sort="-date"))}  # 0 = newest

    def rank(item: dict[str, Any]) -> Any:
        if key == "date":  # the creation time: `date` shows its day
            return -created[item["number"]]
        return STATUS_RANK[item["status"]] if key == "status" else item[key]

    for before, after in itertools.pairwise(items):
        if rank(before) == rank(after):
            assert created[before["number"]] < created[after["number"]], (sort, before, after)
        else:
            assert (rank(before) > rank(after)) == descending, (sort, before, after)
    # Paging keeps the order: two pages of two are the first four of one page.
    pages = [
        api.client.get("/v1/estimate", params={"sort": sort, "size": 2, "page": page}, headers=api.auth())
        for page in (1, 2)
    ]
    assert [item["id"] for p in pages for item in p.json()["items"]] == [item["id"] for item in items[:4]]


def test_sorting_keeps_the_filters(queue: tuple[Api, dict[str, dict[str, Any]]]) -> None:
    api, _ = queue
    assert _customers(_listed(api, q="나전기", sort="revision")) == ["나전기", "나전기 개정"]
    assert _customers(_listed(api, status="draft", sort="-total")) == ["가전기", "나전기 개정"]


@pytest.mark.parametrize(
    "sort", ["price", "-", "--total", "total desc", "Total", "total;DROP TABLE x", "x" * 21]
)
def test_an_unknown_sort_key_is_refused_with_the_keys_allowed(
    queue: tuple[Api, dict[str, dict[str, Any]]], sort: str
) -> None:
    api, _ = queue
    for path in ("/v1/estimate", EXPORT):
        response = api.client.get(path, params={"sort": sort}, headers=api.auth("viewer"))
        body = response.json()
        assert response.status_code == 422, (path, sort, body)
        assert body["code"] == "REQ_INVALID" and body["path"] == "query.sort", body
        assert set(body) == {"code", "message", "hint", "path", "traceId", "meta"}
        if len(sort) <= 20:  # a longer value is refused by its length first
            assert body["meta"]["allowed"] == list(SORTS) and "-total" in body["hint"], body


def test_each_row_carries_a_one_line_panel_summary(queue: tuple[Api, dict[str, dict[str, Any]]]) -> None:
    api, _ = queue
    summaries = {item["customer"]: item["summary"] for item in _listed(api)}
    assert summaries == {
        "나전기": "LS 옥외 SUS · 메인 4P 200A · 분기 18",
        "가전기": "LS 옥외 SUS · 3면 · 메인 4P 200A · 분기 54",
        "다전기": "LS 옥내 철판 · 메인 4P 200A · 분기 없음",
        "라전기": "상도 옥외 SUS · 2면 · 메인 4P 200A 외 · 분기 24",
        "나전기 개정": "LS 옥외 SUS · 메인 4P 200A · 분기 20",
    }


def test_the_summary_names_each_material_and_repeated_sets() -> None:
    one = PanelFacts(quantity=1, main_poles=3, main_trip_at=100, branches=8)
    assert (
        summary_line(QuoteFacts("MIXED", "INDOOR", "SUS304", (one,)))
        == "혼용 옥내 SUS304 · 메인 3P 100A · 분기 8"
    )
    same_twice = (one, PanelFacts(quantity=2, main_poles=3, main_trip_at=100, branches=8))
    assert (
        summary_line(QuoteFacts("LS", "OUTDOOR", "STEEL", same_twice))
        == "LS 옥외 철판 · 3면 · 메인 3P 100A · 분기 24"
    )


def _export(api: Api, **params: Any) -> Any:
    response = api.client.get(EXPORT, params=params, headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="quotes_') and "filename*=UTF-8''" in disposition
    assert response.headers["cache-control"] == "no-store"
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_export_holds_the_listed_quotes_in_the_listed_order(
    queue: tuple[Api, dict[str, dict[str, Any]]],
) -> None:
    api, made = queue
    book = _export(api, sort="-total", q="전기")
    assert book.sheetnames == ["견적 목록", "조건"]
    rows = [[cell.value for cell in row] for row in book["견적 목록"].iter_rows()]
    assert rows[0] == HEADINGS
    listed = _listed(api, sort="-total", q="전기")
    assert [row[0] for row in rows[1:]] == [item["number"] for item in listed]
    by_number = {quote["number"]: quote for quote in made.values()}
    words = {"draft": "작성", "sent": "발송", "ordered": "수주", "closed": "종료"}
    for row, item in zip(rows[1:], listed, strict=True):
        quote = by_number[item["number"]]
        totals = quote["totals"]
        assert row == [
            quote["number"],
            row[1],
            quote["customer"]["name"],
            quote["project"],
            item["summary"],
            totals["subtotal"],
            totals["vat"],
            totals["total"],
            item["revision"],
            words[item["status"]],
        ]
        assert row[1].date() == date.fromisoformat(quote["date"])  # a real date cell
    conditions = {row[0].value: row[1].value for row in book["조건"].iter_rows()}
    assert conditions == {"검색어": "전기", "정렬": "합계 내림차순"}


def test_the_export_takes_the_lists_filters(queue: tuple[Api, dict[str, dict[str, Any]]]) -> None:
    api, made = queue
    book = _export(api, status="draft", sort="customer")
    numbers = [row[0].value for row in book["견적 목록"].iter_rows(min_row=2)]
    assert numbers == [made["가전기"]["number"], made["나전기 개정"]["number"]]
    assert {row[0].value: row[1].value for row in book["조건"].iter_rows()} == {
        "상태": "작성",
        "정렬": "고객 오름차순",
    }
    empty = _export(api, customer="없는고객")
    assert [[cell.value for cell in row] for row in empty["견적 목록"].iter_rows()] == [HEADINGS]


def test_the_export_refuses_more_quotes_than_its_cap(
    queue: tuple[Api, dict[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, made = queue
    monkeypatch.setattr(api.container.settings, "export_max_rows", 2)
    response = api.client.get(EXPORT, headers=api.auth("viewer"))
    body = response.json()
    assert response.status_code == 422 and body["code"] == "EXPORT_TOO_MANY_ROWS", body
    assert body["meta"]["total"] == len(made) and body["meta"]["maxRows"] == 2
    assert "EXPORT_MAX_ROWS" in body["hint"] and "5건" in body["message"]
    narrowed = _export(api, status="draft")  # two match: within the cap
    assert narrowed["견적 목록"].max_row == 3


def test_the_export_needs_a_key(queue: tuple[Api, dict[str, dict[str, Any]]]) -> None:
    api, _ = queue
    response = api.client.get(EXPORT)
    assert response.status_code == 401 and response.json()["code"] == "AUTH_REQUIRED"


def test_formula_text_reaches_the_export_as_text(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path))
    with api.client:
        _created(api, _request(FORMULA, project=DDE))
        book = _export(api)
    row = next(book["견적 목록"].iter_rows(min_row=2))
    assert (row[2].value, row[3].value) == (FORMULA, DDE)
    assert row[2].data_type == "s" and row[3].data_type == "s"
    assert not [cell for line in book["견적 목록"].iter_rows() for cell in line if cell.data_type == "f"]
