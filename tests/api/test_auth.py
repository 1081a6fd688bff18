"""Who may do what: every route of the app × no key, viewer, estimator and admin; JWTs; key CLI."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api, make_api, make_settings, make_user, sign_in
from tests.live import run_kis

PUBLIC = None
# (method, path) → the least role allowed; PUBLIC needs no key. Every route of the app must be here.
MATRIX: dict[tuple[str, str], str | None] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/v1/estimate"): "estimator",
    ("POST", "/v1/estimate/preview"): "estimator",
    ("POST", "/v1/estimate/alternatives"): "estimator",
    ("POST", "/v1/estimate/proposal"): "estimator",
    ("GET", "/v1/catalog/books/{book_id}/impact"): "estimator",
    ("POST", "/v1/catalog/books/{book_id}/requote"): "estimator",
    ("GET", "/v1/estimate/{quote_id}/alternatives"): "viewer",
    ("GET", "/v1/estimate"): "viewer",
    ("GET", "/v1/estimate/export.xlsx"): "viewer",
    ("GET", "/v1/estimate/stream"): "viewer",
    ("GET", "/v1/estimate/{quote_id}/events"): "viewer",
    ("GET", "/v1/estimate/{quote_id}"): "viewer",
    ("PATCH", "/v1/estimate/{quote_id}"): "estimator",
    ("POST", "/v1/estimate/{quote_id}/revise"): "estimator",
    ("GET", "/v1/estimate/{quote_id}/diff"): "viewer",
    ("GET", "/v1/estimate/{quote_id}/revisions"): "viewer",
    ("GET", "/v1/estimate/{quote_id}/evidence"): "viewer",
    ("GET", "/v1/estimate/{quote_id}/evidence/verify"): "viewer",
    ("GET", "/v1/estimate/{quote_id}/evidence.zip"): "viewer",
    ("GET", "/v1/estimate/{quote_id}/documents/{kind}"): "viewer",
    ("POST", "/v1/documents/export"): "viewer",
    ("GET", "/v1/blobs/{key}"): PUBLIC,
    ("GET", "/v1/catalog/{kind}"): "viewer",
    ("GET", "/v1/catalog/price-books"): "viewer",
    ("GET", "/v1/catalog/price-books/{book_id}/export"): "viewer",
    ("POST", "/v1/catalog/import"): "admin",
    ("POST", "/v1/catalog/price-books/{book_id}/activate"): "admin",
    ("POST", "/v1/catalog/items"): "admin",
    ("GET", "/v1/request-template"): "viewer",
    ("POST", "/v1/validate"): "estimator",
    ("POST", "/v1/requests/parse"): "estimator",
    ("GET", "/v1/me"): "viewer",
    ("POST", "/v1/keys"): "admin",
    ("GET", "/v1/keys"): "admin",
    ("DELETE", "/v1/keys/{key_id}"): "admin",
    ("POST", "/v1/drafts"): "estimator",
    ("GET", "/v1/drafts"): "estimator",
    ("GET", "/v1/drafts/{draft_id}"): "estimator",
    ("PUT", "/v1/drafts/{draft_id}"): "estimator",
    ("DELETE", "/v1/drafts/{draft_id}"): "estimator",
    ("POST", "/v1/drafts/{draft_id}/panels"): "estimator",
    ("POST", "/v1/drafts/{draft_id}/quote"): "estimator",
    ("POST", "/v1/estimate/{quote_id}/copy"): "estimator",
    ("GET", "/v1/suggestions"): "viewer",
    ("POST", "/v1/customers"): "estimator",
    ("GET", "/v1/customers"): "viewer",
    ("POST", "/v1/customers/import"): "estimator",
    ("GET", "/v1/customers/{customer_id}"): "viewer",
    ("PUT", "/v1/customers/{customer_id}"): "estimator",
    ("DELETE", "/v1/customers/{customer_id}"): "estimator",
    ("GET", "/v1/profile"): "viewer",
    ("PUT", "/v1/profile"): "admin",
    ("PUT", "/v1/profile/seal"): "admin",
    ("GET", "/v1/profile/seal"): "viewer",
    ("DELETE", "/v1/profile/seal"): "admin",
    ("POST", "/v1/templates"): "estimator",
    ("GET", "/v1/templates"): "estimator",
    ("GET", "/v1/templates/{template_id}"): "estimator",
    ("PATCH", "/v1/templates/{template_id}"): "estimator",
    ("DELETE", "/v1/templates/{template_id}"): "estimator",
    ("POST", "/v1/session"): PUBLIC,
    ("GET", "/v1/session"): "viewer",
    ("DELETE", "/v1/session"): "viewer",
    ("GET", "/v1/audit"): "admin",
}
ROLES = ("viewer", "estimator", "admin")
RANK = {role: i for i, role in enumerate(ROLES)}


def _routes(api: Api) -> set[tuple[str, str]]:
    """Every operation of the app, read from its OpenAPI document (the web pages are not in it)."""
    paths = api.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def _call(api: Api, method: str, path: str, headers: dict[str, str], client: TestClient | None = None) -> int:
    url = path.replace("{quote_id}", "00000000-0000-0000-0000-000000000000").replace("{key_id}", "999")
    url = (
        url.replace("{kind}", "breakers" if "catalog" in url else "xlsx")
        .replace("{book_id}", "999")
        .replace("{key}", "quote/x/y.json")
        .replace("{draft_id}", "no-such-draft")
        .replace("{template_id}", "no-such-template")
    )
    if url == "/v1/estimate/stream":
        url += "?quoteId=00000000-0000-0000-0000-000000000000"
    if url.endswith("/diff"):
        url += "?against=00000000-0000-0000-0000-000000000000"
    if url == "/v1/suggestions":
        url += "?field=customer"
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return (client or api.client).request(method, url, json=body, headers=headers).status_code


def test_the_matrix_names_every_route(api: Api) -> None:
    documented = {(m, p) for m, p in _routes(api) if not p.startswith(("/openapi", "/docs"))}
    assert documented == set(MATRIX), "add the new route to MATRIX with its least role"


@pytest.mark.parametrize("who", [None, *ROLES])
def test_every_route_lets_in_exactly_the_roles_it_should(api: Api, who: str | None) -> None:
    headers = api.auth(who) if who else {}
    wrong = []
    for (method, path), least in sorted(MATRIX.items()):
        status = _call(api, method, path, headers)
        expected_ok = least is PUBLIC or (who is not None and RANK[who] >= RANK[least])
        if expected_ok and status in (401, 403):
            wrong.append(f"{method} {path}: {status} for {who}, should be let in")
        if not expected_ok and status != (401 if who is None else 403):
            wrong.append(f"{method} {path}: {status} for {who}, should be {401 if who is None else 403}")
    assert not wrong, "\n".join(wrong)


def test_refusals_say_what_to_do(api: Api) -> None:
    none = api.client.post("/v1/estimate", json={})
    assert (
        none.status_code == 401 and none.json()["code"] == "AUTH_REQUIRED" and "Bearer" in none.json()["hint"]
    )
    low = api.client.post("/v1/estimate", json={}, headers=api.auth("viewer"))
    assert (
        low.status_code == 403 and low.json()["code"] == "FORBIDDEN" and "estimator" in low.json()["message"]
    )
    wrong = api.client.get("/v1/estimate", headers={"Authorization": "Bearer kis_not-a-real-key"})
    assert wrong.status_code == 401
    basic = api.client.get("/v1/estimate", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_keys_are_stored_hashed_and_revocation_is_immediate(api: Api) -> None:
    created = api.client.post(
        "/v1/keys", json={"name": "견적팀", "role": "viewer"}, headers=api.auth("admin")
    )
    assert created.status_code == 201
    key, key_id = created.json()["key"], created.json()["id"]
    from sqlalchemy import text

    with api.container.engine.connect() as connection:
        stored = [row[0] for row in connection.execute(text("SELECT key_hash FROM api_keys"))]
    assert key not in stored and all(len(h) == 64 for h in stored)
    listed = api.client.get("/v1/keys", headers=api.auth("admin")).json()
    assert all("key" not in item for item in listed)
    assert api.client.get("/v1/estimate", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert api.client.delete(f"/v1/keys/{key_id}", headers=api.auth("admin")).json()["revoked_at"]
    assert api.client.get("/v1/estimate", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def _token(secret: str, **claims: object) -> str:
    body = {"sub": "user-1", "aud": "authenticated", "exp": int(time.time()) + 60, **claims}
    return jwt.encode(body, secret, algorithm="HS256")


def test_supabase_style_jwts_carry_the_role(tmp_path: Path) -> None:
    secret = "a-test-jwt-secret-of-enough-length-123"
    api = make_api(make_settings(tmp_path, jwt_secret=secret))
    with api.client:
        estimator = _token(secret, app_metadata={"kis_role": "estimator"})
        viewer = _token(secret)  # no role claim: the default role
        expired = _token(secret, exp=int(time.time()) - 5)
        forged = _token("another-secret-of-enough-length-0000", app_metadata={"kis_role": "admin"})
        other_audience = _token(secret, aud="somebody-else")
        get = api.client.get
        assert get("/v1/estimate", headers={"Authorization": f"Bearer {viewer}"}).status_code == 200
        assert (
            api.client.post(
                "/v1/estimate", json={}, headers={"Authorization": f"Bearer {viewer}"}
            ).status_code
            == 403
        )
        assert (
            api.client.post(
                "/v1/estimate", json={}, headers={"Authorization": f"Bearer {estimator}"}
            ).status_code
            == 422
        )
        for bad in (expired, forged, other_audience):
            response = get("/v1/estimate", headers={"Authorization": f"Bearer {bad}"})
            assert response.status_code == 401 and response.json()["code"] == "AUTH_REQUIRED"


def test_production_refuses_to_start_without_a_signing_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="EVIDENCE_SECRET"):
        make_api(make_settings(tmp_path, app_env="production"))
    make_api(make_settings(tmp_path, app_env="production", evidence_secret=secrets.token_urlsafe(32)))


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("CHANGE-ME", "placeholder"),  # deploy/kis.env.example as shipped
        ("change_me-" + secrets.token_hex(24), "placeholder"),
        ("kis-development-only-signing-secret", "placeholder"),  # the source's old fixed key
        (secrets.token_urlsafe(23), "shorter than 32 bytes"),  # 31 characters
        ("s" * 32, "different characters"),
    ],
)
def test_production_refuses_a_placeholder_or_short_signing_secret(
    tmp_path: Path, secret: str, why: str
) -> None:
    with pytest.raises(ValueError, match=f"EVIDENCE_SECRET.*{why}"):
        make_api(make_settings(tmp_path, app_env="production", evidence_secret=secret))
    make_api(make_settings(tmp_path, app_env="development", evidence_secret=secret))  # development: any


def test_kis_serve_in_production_with_the_example_secret_exits_with_a_clear_error(tmp_path: Path) -> None:
    env = {
        "APP_ENV": "production",
        "EVIDENCE_SECRET": "CHANGE-ME",
        "DATABASE_URL": f"sqlite:///{tmp_path}/kis.db",
        "STORAGE_URL": f"file://{tmp_path}/blobs",
    }
    result = run_kis(env, "serve", "--port", "1", check=False, timeout_s=60)
    assert result.returncode != 0
    assert "EVIDENCE_SECRET" in result.stderr and "placeholder" in result.stderr, result.stderr
    assert not (tmp_path / "kis.db").exists()  # refused before anything was made


@pytest.mark.parametrize("role", [["admin"], {"admin": True}, 7, True])
def test_a_role_claim_that_is_not_a_string_is_a_403_envelope(tmp_path: Path, role: object) -> None:
    secret = "a-test-jwt-secret-of-enough-length-123"
    api = make_api(make_settings(tmp_path, jwt_secret=secret))
    with api.client:
        token = _token(secret, app_metadata={"kis_role": role})
        response = api.client.get("/v1/estimate", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "FORBIDDEN" and set(body) >= {"code", "message", "hint", "path", "traceId", "meta"}
    assert body["path"] == "headers.authorization"


UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@pytest.mark.parametrize("who", ROLES)
def test_a_signed_in_user_gets_exactly_the_routes_of_their_role(api: Api, who: str) -> None:
    make_user(api, f"u-{who}", who)
    browser, csrf = sign_in(api, f"u-{who}")
    wrong = []
    for (method, path), least in sorted(MATRIX.items()):
        if (method, path) == ("DELETE", "/v1/session"):
            continue  # signs the browser out: its own test
        status = _call(api, method, path, {"X-CSRF-Token": csrf}, browser)
        expected_ok = least is PUBLIC or RANK[who] >= RANK[least]
        if expected_ok and status in (401, 403):
            wrong.append(f"{method} {path}: {status} for user {who}, should be let in")
        if not expected_ok and status != 403:
            wrong.append(f"{method} {path}: {status} for user {who}, should be 403")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("token", [None, "stale", "other"])
def test_a_cookie_without_the_sessions_csrf_token_cannot_write(api: Api, token: str | None) -> None:
    make_user(api, "admin1", "admin")
    make_user(api, "admin2", "admin")
    browser, _ = sign_in(api, "admin1")
    _, other = sign_in(api, "admin2")
    headers = (
        {} if token is None else {"X-CSRF-Token": other if token == "other" else secrets.token_urlsafe(32)}
    )
    wrong = []
    for method, path in sorted(MATRIX):
        if MATRIX[(method, path)] is PUBLIC:
            continue
        status = _call(api, method, path, headers, browser)
        if method in UNSAFE and status != 403:
            wrong.append(f"{method} {path}: {status} with CSRF {token}, should be 403")
        if method not in UNSAFE and status in (401, 403):
            wrong.append(f"{method} {path}: {status}; reads need no CSRF token")
    assert not wrong, "\n".join(wrong)
    refused = browser.post("/v1/keys", json={"name": "x", "role": "viewer"}, headers=headers)
    body = refused.json()
    assert body["code"] == "CSRF_INVALID" and body["path"] == "headers.x-csrf-token" and body["traceId"]
    assert "X-CSRF-Token" in body["hint"]


def test_a_disabled_users_session_stops_at_once_on_every_route(api: Api) -> None:
    from kis_estimator.db.users import UserRepository

    make_user(api, "leaver", "admin")
    browser, csrf = sign_in(api, "leaver")
    assert browser.get("/v1/session").status_code == 200
    with api.container.sessions.begin() as session:
        UserRepository(session).disable("leaver")
    wrong = []
    for (method, path), least in sorted(MATRIX.items()):
        status = _call(api, method, path, {"X-CSRF-Token": csrf}, browser)
        if least is not PUBLIC and status != 401:
            wrong.append(f"{method} {path}: {status} for a disabled user, should be 401")
    assert not wrong, "\n".join(wrong)
    again = browser.post("/v1/session", json={"name": "leaver", "password": "correct horse 1"})
    assert again.status_code == 401 and again.json()["code"] == "LOGIN_FAILED"
