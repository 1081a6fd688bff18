"""Drafts (작성 중), copies of quotes, panel templates and suggestions through the API (issue 16): CRUD,
two tabs saving one draft, saving a draft as a quote (no number spent before), limits, owners kept
apart; over SQLite, and the draft's life and a race of two saves over a real PostgreSQL."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.db.keys import ApiKeyRepository
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8


def _partial() -> dict[str, Any]:
    """What an estimator has typed so far: a customer and half a panel (not yet a valid request)."""
    return {
        "customer": {"name": "동양기전"},
        "project": "신축 공장",
        "panels": [{"name": "LP-1", "main": {}}],
    }


def _draft(api: Api, request: dict[str, Any] | None = None, role: str = "estimator") -> dict[str, Any]:
    response = api.client.post("/v1/drafts", json={"request": request or _partial()}, headers=api.auth(role))
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"'
    return dict(response.json())


def _quote_total(api: Api) -> int:
    return int(api.client.get("/v1/estimate?size=1", headers=api.auth("viewer")).json()["total"])


def _second_estimator(api: Api) -> dict[str, str]:
    with api.container.sessions.begin() as session:
        key = ApiKeyRepository(session).create("another estimator", "estimator")[1]
    return {"Authorization": f"Bearer {key}"}


def test_a_draft_is_created_read_listed_saved_and_deleted_without_spending_a_number(api: Api) -> None:
    first = _draft(api)
    assert first["version"] == 1 and first["request"] == _partial()
    assert (first["customer"], first["project"], first["panels"]) == ("동양기전", "신축 공장", 1)
    second = _draft(api, {"customer": {"name": "한빛전기"}})
    third = _draft(api, {})
    assert _quote_total(api) == 0  # drafts spend no quote number

    got = api.client.get(f"/v1/drafts/{first['id']}", headers=api.auth())
    assert got.status_code == 200 and got.json() == first and got.headers["ETag"] == '"1"'

    edited = copy.deepcopy(_partial())
    edited["panels"][0]["main"] = {"poles": 4, "trip_at": 100}
    saved = api.client.put(
        f"/v1/drafts/{first['id']}", json={"request": edited}, headers={**api.auth(), "If-Match": '"1"'}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2 and saved.headers["ETag"] == '"2"'
    assert saved.json()["request"] == edited and saved.json()["updated_at"] > first["updated_at"]

    listed = api.client.get("/v1/drafts", headers=api.auth()).json()
    assert [item["id"] for item in listed["items"]] == [first["id"], third["id"], second["id"]]
    assert listed["total"] == 3 and "request" not in listed["items"][0]
    paged = api.client.get("/v1/drafts?page=2&size=2", headers=api.auth()).json()
    assert [item["id"] for item in paged["items"]] == [second["id"]] and paged["total"] == 3

    assert api.client.delete(f"/v1/drafts/{second['id']}", headers=api.auth()).status_code == 204
    gone = api.client.get(f"/v1/drafts/{second['id']}", headers=api.auth())
    assert gone.status_code == 404 and gone.json()["code"] == "DRAFT_NOT_FOUND"
    assert api.client.delete(f"/v1/drafts/{second['id']}", headers=api.auth()).status_code == 404
    assert _quote_total(api) == 0


def test_two_tabs_saving_one_draft_the_later_is_refused_with_the_current_version(api: Api) -> None:
    draft = _draft(api)
    path = f"/v1/drafts/{draft['id']}"
    tab_a = {"request": {**_partial(), "project": "A 탭에서 고친 건명"}}
    tab_b = {"request": {**_partial(), "project": "B 탭에서 고친 건명"}}
    assert api.client.put(path, json=tab_a, headers={**api.auth(), "If-Match": '"1"'}).status_code == 200
    late = api.client.put(path, json=tab_b, headers={**api.auth(), "If-Match": '"1"'})
    assert late.status_code == 412, late.text
    body = late.json()
    assert body["code"] == "DRAFT_CHANGED" and body["meta"]["version"] == 2
    assert "If-Match: *" in body["hint"] and "다른 탭" in body["message"]
    assert api.client.get(path, headers=api.auth()).json()["project"] == "A 탭에서 고친 건명"  # A's kept

    missing = api.client.put(path, json=tab_b, headers=api.auth())
    assert missing.status_code == 428 and missing.json()["code"] == "DRAFT_VERSION_REQUIRED"
    bad = api.client.put(path, json=tab_b, headers={**api.auth(), "If-Match": '"1", "2"'})
    assert bad.status_code == 400 and bad.json()["code"] == "IF_MATCH_INVALID"
    weak = api.client.put(path, json=tab_b, headers={**api.auth(), "If-Match": 'W/"2"'})
    assert weak.status_code == 200 and weak.json()["version"] == 3
    forced = api.client.put(path, json=tab_a, headers={**api.auth(), "If-Match": "*"})
    assert forced.status_code == 200 and forced.json()["version"] == 4


def test_drafts_and_templates_are_their_owners_alone(api: Api) -> None:
    draft = _draft(api)
    other = _second_estimator(api)
    for method, path in (
        ("GET", f"/v1/drafts/{draft['id']}"),
        ("DELETE", f"/v1/drafts/{draft['id']}"),
        ("POST", f"/v1/drafts/{draft['id']}/quote"),
    ):
        response = api.client.request(method, path, headers=other)
        assert response.status_code == 404, (method, path, response.text)
    assert (
        api.client.put(
            f"/v1/drafts/{draft['id']}", json={"request": {}}, headers={**other, "If-Match": "*"}
        ).json()["code"]
        == "DRAFT_NOT_FOUND"
    )
    assert api.client.get("/v1/drafts", headers=other).json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "size": 20,
    }
    template = api.client.post(
        "/v1/templates", json={"name": "세대분전반 표준", "panel": DOMAIN_S8["panels"][0]}, headers=api.auth()
    ).json()
    assert api.client.get(f"/v1/templates/{template['id']}", headers=other).status_code == 404
    assert api.client.get("/v1/templates", headers=other).json() == []
    assert api.client.get(f"/v1/drafts/{draft['id']}", headers=api.auth()).status_code == 200  # untouched


def test_saving_a_draft_makes_the_quote_and_removes_the_draft(api: Api) -> None:
    draft = _draft(api, {**DOMAIN_S8, "panels": [{**DOMAIN_S8["panels"][0], "main": {"type": "MCCB"}}]})
    refused = api.client.post(f"/v1/drafts/{draft['id']}/quote", headers=api.auth())
    assert refused.status_code == 422 and refused.json()["path"].startswith("panels.0.main")
    assert api.client.get(f"/v1/drafts/{draft['id']}", headers=api.auth()).status_code == 200  # kept
    assert _quote_total(api) == 0

    fixed = api.client.put(
        f"/v1/drafts/{draft['id']}", json={"request": DOMAIN_S8}, headers={**api.auth(), "If-Match": '"1"'}
    )
    stale = api.client.post(f"/v1/drafts/{draft['id']}/quote", headers={**api.auth(), "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["meta"]["version"] == 2
    headers = {**api.auth(), "Idempotency-Key": "save-draft-1", "If-Match": fixed.headers["ETag"]}
    made = api.client.post(f"/v1/drafts/{draft['id']}/quote", headers=headers)
    assert made.status_code == 201, made.text
    quote = made.json()
    assert quote["number"].endswith("-0001") and quote["totals"]["total"] == 1_831_170
    assert quote["customer"]["name"] == DOMAIN_S8["customer"]["name"]
    assert api.client.get(f"/v1/drafts/{draft['id']}", headers=api.auth()).status_code == 404
    replay = api.client.post(f"/v1/drafts/{draft['id']}/quote", headers=headers)
    assert replay.status_code == 201 and replay.json()["id"] == quote["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = api.client.post(f"/v1/drafts/{draft['id']}/quote", headers=api.auth())
    assert again.status_code == 404 and again.json()["code"] == "DRAFT_NOT_FOUND"
    assert _quote_total(api) == 1


def test_copying_a_quote_gives_a_new_draft_with_its_request(api: Api) -> None:
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    copied = api.client.post(f"/v1/estimate/{quote['id']}/copy", headers=api.auth())
    assert copied.status_code == 201, copied.text
    draft = copied.json()
    assert draft["request"] == quote["request"] and draft["source_quote_id"] == quote["id"]
    assert draft["customer"] == DOMAIN_S8["customer"]["name"] and draft["version"] == 1
    assert _quote_total(api) == 1  # a copy spends no number
    unknown = api.client.post("/v1/estimate/00000000-0000-0000-0000-000000000000/copy", headers=api.auth())
    assert unknown.status_code == 404 and unknown.json()["code"] == "QUOTE_NOT_FOUND"
    viewer = api.client.post(f"/v1/estimate/{quote['id']}/copy", headers=api.auth("viewer"))
    assert viewer.status_code == 403


def test_panel_templates_are_saved_listed_renamed_inserted_and_deleted(api: Api) -> None:
    panel = DOMAIN_S8["panels"][0]
    created = api.client.post(
        "/v1/templates", json={"name": "  세대분전반 표준 ", "panel": panel}, headers=api.auth()
    )
    assert created.status_code == 201, created.text
    template = created.json()
    assert template["name"] == "세대분전반 표준" and template["panel"] == panel
    taken = api.client.post(
        "/v1/templates", json={"name": "세대분전반 표준", "panel": {}}, headers=api.auth()
    )
    assert taken.status_code == 409 and taken.json()["code"] == "TEMPLATE_NAME_TAKEN"
    other = api.client.post("/v1/templates", json={"name": "가로등 분전반", "panel": {}}, headers=api.auth())
    names = [t["name"] for t in api.client.get("/v1/templates", headers=api.auth()).json()]
    assert names == ["가로등 분전반", "세대분전반 표준"]

    clash = api.client.patch(
        f"/v1/templates/{other.json()['id']}", json={"name": "세대분전반 표준"}, headers=api.auth()
    )
    assert clash.status_code == 409
    renamed = api.client.patch(
        f"/v1/templates/{template['id']}", json={"name": "세대분전반 표준 (LS)"}, headers=api.auth()
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "세대분전반 표준 (LS)"
    for name in ("", "   ", "x" * 101, "세대\u202e표준", "줄\n바꿈"):
        bad = api.client.patch(f"/v1/templates/{template['id']}", json={"name": name}, headers=api.auth())
        assert bad.status_code == 422 and bad.json()["path"] == "name", name

    draft = _draft(api)
    inserted = api.client.post(
        f"/v1/drafts/{draft['id']}/panels",
        json={"template_id": template["id"]},
        headers={**api.auth(), "If-Match": '"1"'},
    )
    assert inserted.status_code == 200, inserted.text
    assert inserted.json()["version"] == 2 and inserted.json()["panels"] == 2
    assert inserted.json()["request"]["panels"][1] == panel
    missing = api.client.post(
        f"/v1/drafts/{draft['id']}/panels", json={"template_id": "nope"}, headers=api.auth()
    )
    assert missing.status_code == 404 and missing.json()["code"] == "TEMPLATE_NOT_FOUND"

    assert api.client.delete(f"/v1/templates/{template['id']}", headers=api.auth()).status_code == 204
    assert api.client.get(f"/v1/templates/{template['id']}", headers=api.auth()).status_code == 404
    assert api.client.delete(f"/v1/templates/{template['id']}", headers=api.auth()).status_code == 404


def test_suggestions_offer_recent_customers_and_projects_of_quotes_and_own_drafts(api: Api) -> None:
    older = {**DOMAIN_S8, "customer": {"name": "대한전기"}, "project": "A동 신축"}
    api.client.post("/v1/estimate", json=older, headers=api.auth())
    _draft(api, {"customer": {"name": "대성전력"}, "project": "B동 증축"})
    api.client.post(
        "/v1/drafts", json={"request": {"customer": {"name": "대외비 고객"}}}, headers=_second_estimator(api)
    )

    def items(query: str, role: str = "estimator") -> list[str]:
        response = api.client.get(f"/v1/suggestions?{query}", headers=api.auth(role))
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    assert items("field=customer") == ["대성전력", "대한전기"]  # the newest first; others' drafts never
    assert items("field=customer", "viewer") == ["대한전기"]  # a viewer has no drafts
    assert items("field=customer&q=한") == ["대한전기"]
    assert items("field=project&q=동") == ["B동 증축", "A동 신축"]
    assert items("field=customer&q=%25") == [] and items("field=customer&q=%00") == []
    assert items("field=customer&limit=1") == ["대성전력"]
    wrong = api.client.get("/v1/suggestions?field=phone", headers=api.auth())
    assert wrong.status_code == 422


def test_limits_on_size_and_number_of_drafts_and_templates(tmp_path: Path) -> None:
    api = make_api(
        make_settings(tmp_path, draft_max_bytes=2_000, drafts_max_per_caller=2, templates_max_per_caller=1)
    )
    with api.client:
        big = {"customer": {"name": "x" * 2_000}}
        too_large = api.client.post("/v1/drafts", json={"request": big}, headers=api.auth())
        assert too_large.status_code == 413 and too_large.json()["code"] == "DRAFT_TOO_LARGE"
        assert too_large.json()["meta"]["limitBytes"] == 2_000
        first, _ = _draft(api), _draft(api)
        third = api.client.post("/v1/drafts", json={"request": {}}, headers=api.auth())
        assert third.status_code == 409 and third.json()["code"] == "DRAFTS_TOO_MANY"
        assert "DRAFTS_MAX_PER_CALLER" in third.json()["hint"]
        grown = api.client.put(
            f"/v1/drafts/{first['id']}", json={"request": big}, headers={**api.auth(), "If-Match": "*"}
        )
        assert grown.status_code == 413
        quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
        api.client.delete(f"/v1/drafts/{first['id']}", headers=api.auth())
        copied = api.client.post(f"/v1/estimate/{quote['id']}/copy", headers=api.auth())
        assert copied.status_code == 201  # the §8 request is about 700 bytes
        panel = {"name": "P", "main": {"poles": 4}}
        assert (
            api.client.post(
                "/v1/templates", json={"name": "a", "panel": panel}, headers=api.auth()
            ).status_code
            == 201
        )
        second = api.client.post("/v1/templates", json={"name": "b", "panel": panel}, headers=api.auth())
        assert second.status_code == 409 and second.json()["code"] == "TEMPLATES_TOO_MANY"


def test_a_draft_refuses_content_it_cannot_hold(api: Api) -> None:
    deep: Any = {}
    for _ in range(40):
        deep = {"a": deep}
    response = api.client.post("/v1/drafts", json={"request": deep}, headers=api.auth())
    assert response.status_code == 422 and response.json()["code"] == "DRAFT_INVALID"
    lone = b'{"request": {"customer": {"name": "\\ud800x"}}}'
    response = api.client.post(
        "/v1/drafts", content=lone, headers={**api.auth(), "Content-Type": "application/json"}
    )
    assert response.status_code == 422 and "surrogate" in response.json()["message"]
    for body in ({"request": []}, {"request": "x"}, {"draft": {}}):
        assert api.client.post("/v1/drafts", json=body, headers=api.auth()).status_code == 422, body


@pytest.fixture
def any_db_api(db_url: str, tmp_path: Path) -> Any:
    made = make_api(make_settings(tmp_path, database_url=db_url))
    with made.client:
        yield made


def test_over_each_database_one_draft_is_saved_once_by_two_racing_saves(any_db_api: Api) -> None:
    api = any_db_api
    draft = _draft(api, {**DOMAIN_S8, "customer": {"name": "경합 전기"}})
    stale = api.client.put(
        f"/v1/drafts/{draft['id']}", json={"request": DOMAIN_S8}, headers={**api.auth(), "If-Match": '"9"'}
    )
    assert stale.status_code == 412
    assert api.client.get("/v1/suggestions?field=customer&q=경합", headers=api.auth()).json()["items"] == [
        "경합 전기"
    ]
    answers: list[int] = []

    def save() -> None:
        answers.append(api.client.post(f"/v1/drafts/{draft['id']}/quote", headers=api.auth()).status_code)

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(answers) in ([201, 404], [201, 409]), answers
    assert _quote_total(api) == 1
    assert api.client.get("/v1/drafts", headers=api.auth()).json()["total"] == 0
