"""The HTTP service through the ASGI app: health, create, get, search, status, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8, make_request


def envelope(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"code", "message", "hint", "path", "traceId", "meta"}, body
    assert response.headers["X-Trace-Id"] == body["traceId"]
    assert body["message"] and body["hint"] and "dedupKey" in body["meta"]
    return body


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    ready = api.client.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200 and body["db"] == "ok" and body["storage"] == "ok"
    assert ready.headers["X-Trace-Id"] == body["traceId"]


def test_create_get_search_and_change_status(api: Api) -> None:
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    quote = created.json()
    assert quote["totals"]["total"] == 1_831_170
    assert quote["panels"][0]["enclosure"]["size_mm"] == [700, 1200, 200]
    fetched = api.client.get(f"/v1/estimate/{quote['id']}", headers=api.auth("viewer")).json()
    assert fetched == quote
    found = api.client.get("/v1/estimate", params={"q": "동양"}, headers=api.auth("viewer")).json()
    assert found["total"] == 1 and found["items"][0]["id"] == quote["id"]
    changed = api.client.patch(f"/v1/estimate/{quote['id']}", json={"status": "sent"}, headers=api.auth())
    assert changed.json()["status"] == "sent"
    illegal = api.client.patch(f"/v1/estimate/{quote['id']}", json={"status": "draft"}, headers=api.auth())
    assert illegal.status_code == 409 and envelope(illegal)["code"] == "ILLEGAL_STATUS_CHANGE"
    sent = api.client.get("/v1/estimate", params={"status": "sent"}, headers=api.auth("viewer")).json()
    assert [i["id"] for i in sent["items"]] == [quote["id"]]


def test_revise_makes_a_new_revision_and_reports_the_change(api: Api) -> None:
    first = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    edited = {**DOMAIN_S8, "panels": [{**DOMAIN_S8["panels"][0], "quantity": 2}]}
    revised = api.client.post(f"/v1/estimate/{first['id']}/revise", json=edited, headers=api.auth())
    assert revised.status_code == 201, revised.text
    body = revised.json()
    assert body["id"] != first["id"] and body["revision"] == 2 and body["previous_id"] == first["id"]
    assert body["changes"]["previous"]["number"] == first["number"]
    assert body["changes"]["totals_delta"]["total"] == body["totals"]["total"] - first["totals"]["total"] > 0


def test_errors_use_the_envelope(api: Api) -> None:
    client, auth = api.client, api.auth()
    rejected = client.post("/v1/estimate", json=make_request(main={"poles": 5, "trip_at": 200}), headers=auth)
    assert rejected.status_code == 422
    body = envelope(rejected)
    assert (body["code"], body["path"]) == ("POLES_MISMATCH", "panels.0.main.poles")
    missing = client.get("/v1/estimate/nope", headers=auth)
    assert missing.status_code == 404 and envelope(missing)["code"] == "QUOTE_NOT_FOUND"
    malformed = client.post(
        "/v1/estimate", content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and envelope(malformed)["code"] == "REQ_MALFORMED"
    unknown = client.get("/v2/nothing")
    assert unknown.status_code == 404 and envelope(unknown)["code"] == "NOT_FOUND"
    bad_page = client.get("/v1/estimate", params={"page": 0}, headers=auth)
    assert bad_page.status_code == 422 and envelope(bad_page)["path"] == "query.page"
    bad_status = client.patch("/v1/estimate/x", json={"status": "lost"}, headers=auth)
    assert bad_status.status_code == 422 and envelope(bad_status)["path"] == "status"


def test_bodies_over_the_limit_get_413_before_any_work(api: Api) -> None:
    huge = {**DOMAIN_S8, "project": "x" * 2_000_000}
    response = api.client.post("/v1/estimate", json=huge, headers=api.auth())
    assert response.status_code == 413 and envelope(response)["code"] == "PAYLOAD_TOO_LARGE"
    chunks = (b"{" if i == 0 else b" " * 65536 for i in range(40))  # no Content-Length: counted
    streamed = api.client.post(
        "/v1/estimate", content=chunks, headers={**api.auth(), "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413 and envelope(streamed)["code"] == "PAYLOAD_TOO_LARGE"


def test_cors_lets_in_only_the_configured_origins(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, cors_origins="https://shop.example.kr"))
    with api.client:
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        }
        allowed = api.client.options(
            "/v1/estimate", headers={"Origin": "https://shop.example.kr", **preflight}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example.kr"
        other = api.client.options("/v1/estimate", headers={"Origin": "https://evil.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
        simple = api.client.get("/healthz", headers={"Origin": "https://shop.example.kr"})
        assert "X-Trace-Id" in simple.headers["access-control-expose-headers"]


def test_without_cors_origins_no_browser_origin_is_allowed(api: Api) -> None:
    response = api.client.get("/healthz", headers={"Origin": "https://shop.example.kr"})
    assert "access-control-allow-origin" not in response.headers


def test_a_refused_request_spends_no_quote_number(api: Api) -> None:
    bad = make_request(main={"poles": 5, "trip_at": 200})
    assert api.client.post("/v1/estimate", json=bad, headers=api.auth()).status_code == 422
    streamed = api.client.post(
        "/v1/estimate", json=bad, headers={**api.auth(), "Accept": "text/event-stream"}
    )
    assert "ERROR" in streamed.text
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    assert quote["number"].endswith("-0001")


def test_me_names_the_callers_role(api: Api) -> None:
    for role in ("viewer", "estimator", "admin"):
        assert api.client.get("/v1/me", headers=api.auth(role)).json()["role"] == role


def test_text_the_pdf_cannot_print_is_refused_at_its_field(api: Api) -> None:
    for text in ("동양\t기전", "동양😀", "invoice\u202egpj", "a\x00b"):
        bad = {**DOMAIN_S8, "customer": {**DOMAIN_S8["customer"], "name": text}}
        response = api.client.post("/v1/estimate", json=bad, headers=api.auth())
        body = envelope(response)
        assert response.status_code == 422, (text, body)
        assert (body["code"], body["path"]) == ("REQ_TEXT_UNPRINTABLE", "customer.name")
    assert api.client.get("/v1/estimate", headers=api.auth()).json()["total"] == 0
