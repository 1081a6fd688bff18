"""Personal logins through the API: sign-in and its cookie, wrong passwords, throttling, sign-out,
a disabled user, CSRF refusals, 작성자 on quotes and the list's author filter, and the audit trail."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kis_estimator.db.users import UserRepository
from tests.api.conftest import Api, make_api, make_settings, make_user, sign_in
from tests.api.test_adjustments import _adjusted
from tests.factories import DOMAIN_S8

PASSWORD = "correct horse 1"


def _envelope(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"code", "message", "hint", "path", "traceId", "meta"} and body["code"] == code
    return body  # type: ignore[no-any-return]


def test_sign_in_sets_a_strict_httponly_cookie_and_tells_who_and_the_csrf_token(api: Api) -> None:
    make_user(api, "kim", "estimator")
    browser = TestClient(api.client.app)
    answer = browser.post("/v1/session", json={"name": "kim", "password": PASSWORD})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("kis_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie  # plain http: a Secure cookie would never come back
    assert "Max-Age=43200" in cookie
    info = answer.json()
    assert info["subject"] == "user:kim" and info["name"] == "kim 님" and info["role"] == "estimator"
    me = browser.get("/v1/session").json()
    assert me["csrfToken"] == info["csrfToken"] and len(me["csrfToken"]) >= 40
    # The token is stored only as a hash.
    token = browser.cookies["kis_session"]
    with api.container.sessions() as session:
        from kis_estimator.db.models import UserSessionRow

        rows = session.query(UserSessionRow).all()
        assert len(rows) == 1 and rows[0].token_hash != token and token not in rows[0].token_hash


def test_over_https_the_cookie_is_secure(api: Api) -> None:
    make_user(api, "kim", "viewer")
    browser = TestClient(api.client.app, base_url="https://testserver")
    answer = browser.post("/v1/session", json={"name": "kim", "password": PASSWORD})
    assert "Secure" in answer.headers["set-cookie"]
    assert browser.get("/v1/session").json()["subject"] == "user:kim"


@pytest.mark.parametrize(
    "name,password",
    [("kim", "wrong password"), ("nobody", PASSWORD), ("KIM", PASSWORD), ("kim\x00", PASSWORD)],
)
def test_a_wrong_name_or_password_is_one_401_envelope(api: Api, name: str, password: str) -> None:
    make_user(api, "kim", "estimator")
    browser = TestClient(api.client.app)
    body = _envelope(
        browser.post("/v1/session", json={"name": name, "password": password}), 401, "LOGIN_FAILED"
    )
    assert "password" not in str(body["meta"]) and "set-cookie" not in browser.cookies


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "kim"},
        {"name": "", "password": "x"},
        {"name": "k" * 65, "password": "x"},
        ["kim"],
        {"name": 1, "password": 2},
    ],
)
def test_a_malformed_sign_in_is_a_422_envelope(api: Api, body: object) -> None:
    _envelope(api.client.post("/v1/session", json=body), 422, "REQ_INVALID")


def test_sign_in_attempts_are_throttled_per_name_and_per_address(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, login_attempts_per_name=3, login_attempts_per_address=5))
    make_user(api, "kim", "estimator")
    make_user(api, "lee", "estimator")
    for _ in range(3):
        assert (
            api.client.post("/v1/session", json={"name": "kim", "password": "guess 1234"}).status_code == 401
        )
    refused = api.client.post("/v1/session", json={"name": "kim", "password": PASSWORD})
    body = _envelope(refused, 429, "LOGIN_THROTTLED")
    assert 1 <= int(refused.headers["retry-after"]) <= 60 and body["meta"]["limitPerMinute"] == 3
    # Another name from the same address still gets in, until the address's own limit.
    assert api.client.post("/v1/session", json={"name": "lee", "password": PASSWORD}).status_code == 200
    _envelope(
        api.client.post("/v1/session", json={"name": "lee", "password": PASSWORD}), 429, "LOGIN_THROTTLED"
    )


def test_sign_out_ends_the_session_on_the_server(api: Api) -> None:
    make_user(api, "kim", "estimator")
    browser, csrf = sign_in(api, "kim")
    token = browser.cookies["kis_session"]
    _envelope(browser.delete("/v1/session"), 403, "CSRF_INVALID")  # sign-out is a write too
    out = browser.delete("/v1/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204 and "kis_session=" in out.headers["set-cookie"]
    replay = TestClient(api.client.app, cookies={"kis_session": token})  # a copy of the old cookie
    _envelope(replay.get("/v1/session"), 401, "AUTH_REQUIRED")


def test_idle_and_expired_sessions_end(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, session_idle_s=0))
    make_user(api, "kim", "estimator")
    browser, _ = sign_in(api, "kim")
    _envelope(browser.get("/v1/estimate"), 401, "AUTH_REQUIRED")
    api = make_api(make_settings(tmp_path / "b", session_ttl_s=0))
    make_user(api, "kim", "estimator")
    browser, _ = sign_in(api, "kim")
    _envelope(browser.get("/v1/estimate"), 401, "AUTH_REQUIRED")


def test_a_reset_password_ends_the_users_sessions(api: Api) -> None:
    make_user(api, "kim", "estimator")
    browser, _ = sign_in(api, "kim")
    with api.container.sessions.begin() as session:
        UserRepository(session).reset_password("kim", "a new password")
    _envelope(browser.get("/v1/session"), 401, "AUTH_REQUIRED")
    sign_in(api, "kim", "a new password")


@pytest.mark.parametrize("cookie", ["", "x" * 5000, "not-a-session", "é\u202e", "' OR 1=1 --"])
def test_a_hostile_cookie_is_a_401_envelope(api: Api, cookie: str) -> None:
    browser = TestClient(api.client.app, raise_server_exceptions=False)
    response = browser.get("/v1/estimate", headers={"cookie": f"kis_session={cookie}".encode()})
    assert response.status_code == 401 and response.json()["code"] == "AUTH_REQUIRED"


def test_an_api_key_needs_no_csrf_token_and_wins_over_a_cookie(api: Api) -> None:
    make_user(api, "vi", "viewer")
    browser, _ = sign_in(api, "vi")
    hostile = browser.post("/v1/keys", json={}, headers={"X-CSRF-Token": "é\u202e".encode()})
    assert hostile.status_code == 403 and hostile.json()["code"] == "CSRF_INVALID"
    created = browser.post("/v1/keys", json={"name": "bot", "role": "viewer"}, headers=api.auth("admin"))
    assert created.status_code == 201


def test_a_quote_records_its_author_and_the_list_filters_by_it(api: Api) -> None:
    make_user(api, "kim", "estimator")
    browser, csrf = sign_in(api, "kim")
    by_user = browser.post("/v1/estimate", json=DOMAIN_S8, headers={"X-CSRF-Token": csrf})
    assert by_user.status_code == 201, by_user.text
    assert by_user.json()["author"] == "kim 님"
    by_key = api.client.post("/v1/estimate", json=copy.deepcopy(DOMAIN_S8), headers=api.auth())
    assert by_key.json()["author"] == "test estimator"
    mine = api.client.get("/v1/estimate?author=kim", headers=api.auth("viewer")).json()
    assert [row["id"] for row in mine["items"]] == [by_user.json()["id"]] and mine["items"][0][
        "author"
    ] == "kim 님"
    everyone = api.client.get("/v1/estimate", headers=api.auth("viewer")).json()
    assert {row["author"] for row in everyone["items"]} == {"kim 님", "test estimator"}
    for hostile in ("%", "_", "\x00", "' OR 1=1 --"):
        found = api.client.get("/v1/estimate", params={"author": hostile}, headers=api.auth("viewer"))
        assert found.status_code == 200 and found.json()["total"] == 0
    revised = browser.post(
        f"/v1/estimate/{by_key.json()['id']}/revise", json=DOMAIN_S8, headers={"X-CSRF-Token": csrf}
    )
    assert revised.status_code == 201 and revised.json()["author"] == "kim 님"


def test_the_audit_trail_records_who_did_what_and_admins_search_it(api: Api) -> None:
    make_user(api, "kim", "estimator")
    browser, csrf = sign_in(api, "kim")
    api.client.post("/v1/session", json={"name": "kim", "password": "wrong wrong"})
    created = browser.post(
        "/v1/estimate", json=_adjusted(), headers={"X-CSRF-Token": csrf, "X-Trace-Id": "abcdef0123456789"}
    )
    quote = created.json()
    browser.patch(f"/v1/estimate/{quote['id']}", json={"status": "sent"}, headers={"X-CSRF-Token": csrf})
    browser.post(f"/v1/estimate/{quote['id']}/revise", json=DOMAIN_S8, headers={"X-CSRF-Token": csrf})
    key = api.client.post(
        "/v1/keys", json={"name": "bot", "role": "viewer"}, headers=api.auth("admin")
    ).json()
    api.client.delete(f"/v1/keys/{key['id']}", headers=api.auth("admin"))

    def search(**params: str) -> dict[str, object]:
        found = api.client.get("/v1/audit", params=params, headers=api.auth("admin"))
        assert found.status_code == 200, found.text
        return found.json()  # type: ignore[no-any-return]

    kims = search(who="kim")
    actions = [item["action"] for item in reversed(kims["items"])]
    assert actions == [
        "login.success",
        "login.failure",
        "quote.create",
        "quote.price_override",
        "quote.price_override",
        "quote.discount",
        "quote.status",
        "quote.revise",
    ]
    first = next(item for item in kims["items"] if item["action"] == "quote.create")
    assert first["action"] == "quote.create" and first["target"] == quote["id"] and first["name"] == "kim 님"
    assert first["traceId"] == "abcdef0123456789" and first["detail"]["number"] == quote["number"]
    discount = next(item for item in kims["items"] if item["action"] == "quote.discount")
    assert discount["detail"]["percent"] == 5 and discount["detail"]["amount"] == quote["totals"]["discount"]
    assert [i["action"] for i in search(action="key.")["items"]] == ["key.revoke", "key.create"]
    assert search(action="key.")["items"][0]["who"].startswith("key:")
    assert search(who="kim", action="quote.", size="2", page="2")["total"] == 6
    assert len(search(who="kim", action="quote.", size="2", page="2")["items"]) == 2
    assert search(since="2999-01-01T00:00:00")["total"] == 0
    assert search(until="2000-01-01T00:00:00+09:00")["total"] == 0
    assert search(since="2000-01-01")["total"] == kims["total"] + 2
    for hostile in ("%", "\x00", "' OR 1=1 --"):
        assert search(who=hostile)["total"] == 0
    _envelope(api.client.get("/v1/audit?size=101", headers=api.auth("admin")), 422, "REQ_INVALID")
    _envelope(api.client.get("/v1/audit?since=yesterday", headers=api.auth("admin")), 422, "REQ_INVALID")
    too_late = {"until": "9999-12-31T23:59:59-23:59"}
    _envelope(api.client.get("/v1/audit", params=too_late, headers=api.auth("admin")), 422, "REQ_INVALID")
    _envelope(browser.get("/v1/audit"), 403, "FORBIDDEN")
