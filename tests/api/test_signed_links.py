"""Attack review (issue 14, finding 1): signed download links cannot be forged, cannot claim a long
life, and a revoked key reads no document through any route."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from kis_estimator.services.saving import evidence_key
from kis_estimator.storage.signing import blob_signature
from tests.api.conftest import Api, make_api, make_settings
from tests.api.test_app import envelope
from tests.api.test_documents import installation_secret
from tests.factories import DOMAIN_S8

OLD_SOURCE_CONSTANT = "kis-development-only-signing-secret"  # what the source signed with before


@pytest.fixture
def quote(api: Api) -> dict[str, Any]:
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _fetch(api: Api, key: str, expires: int, secret: str) -> Any:
    return api.client.get(f"/v1/blobs/{key}?expires={expires}&sig={blob_signature(key, expires, secret)}")


def test_a_link_signed_with_the_old_source_constant_is_refused(api: Api, quote: dict[str, Any]) -> None:
    key = evidence_key(quote["id"], "documents/quote.xlsx", "")  # all an attacker needs: the quote id
    expires = int(time.time()) + 60
    forged = _fetch(api, key, expires, OLD_SOURCE_CONSTANT)
    assert forged.status_code == 403 and envelope(forged)["code"] == "SIGNED_URL_INVALID"
    assert _fetch(api, key, expires, installation_secret(api)).status_code == 200  # the real key works
    secret_file = _fetch(api, ".kis-signing-secret", expires, installation_secret(api))
    assert secret_file.status_code == 403  # the secret itself is never a blob, even when "signed"


def test_a_link_expiring_in_the_far_future_is_refused(tmp_path: Path) -> None:
    secret = "a-configured-signing-secret-0123456789abcdef"
    api = make_api(make_settings(tmp_path, evidence_secret=secret))
    with api.client:
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
        key = evidence_key(created.json()["id"], "documents/quote.xlsx", "")
        for expires in (99_999_999_999, int(time.time()) + 600 + 31 + 5):  # millennia; just over the cap
            refused = _fetch(api, key, expires, secret)
            assert refused.status_code == 403 and envelope(refused)["code"] == "SIGNED_URL_INVALID", expires
        assert _fetch(api, key, int(time.time()) + 600, secret).status_code == 200


def test_the_maximum_lifetime_is_a_setting(tmp_path: Path) -> None:
    secret = "a-configured-signing-secret-0123456789abcdef"
    api = make_api(make_settings(tmp_path, evidence_secret=secret, signed_url_max_lifetime_s=3600))
    with api.client:
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
        key = evidence_key(created.json()["id"], "documents/quote.xlsx", "")
        assert _fetch(api, key, int(time.time()) + 3000, secret).status_code == 200
        assert _fetch(api, key, int(time.time()) + 3700, secret).status_code == 403
    with pytest.raises(ValueError, match="SIGNED_URL_TTL_S"):
        make_api(make_settings(tmp_path, signed_url_ttl_s=900, signed_url_max_lifetime_s=600))


def test_the_installation_secret_survives_a_restart(tmp_path: Path) -> None:
    first = make_api(make_settings(tmp_path))
    with first.client:
        created = first.client.post("/v1/estimate", json=DOMAIN_S8, headers=first.auth())
        quote_id = created.json()["id"]
        link = first.client.post(
            "/v1/documents/export", json={"quoteId": quote_id, "kinds": ["pdf"]}, headers=first.auth()
        ).json()["documents"][0]["url"]
    secret_file = tmp_path / "blobs" / ".kis-signing-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    restarted = make_api(make_settings(tmp_path))  # a new process over the same data
    with restarted.client:
        assert restarted.client.get(link.removeprefix("http://testserver")).status_code == 200


def test_a_revoked_viewer_reads_no_document_through_any_route(api: Api, quote: dict[str, Any]) -> None:
    made = api.client.post(
        "/v1/keys", json={"name": "외부 열람자", "role": "viewer"}, headers=api.auth("admin")
    )
    viewer = {"Authorization": f"Bearer {made.json()['key']}"}
    quote_id = quote["id"]
    reads = [
        ("GET", f"/v1/estimate/{quote_id}", None),
        ("GET", f"/v1/estimate/{quote_id}/evidence", None),
        ("GET", f"/v1/estimate/{quote_id}/evidence/verify", None),
        ("GET", f"/v1/estimate/{quote_id}/evidence.zip", None),
        *[("GET", f"/v1/estimate/{quote_id}/documents/{kind}", None) for kind in ("xlsx", "pdf", "json")],
        ("POST", "/v1/documents/export", {"quoteId": quote_id}),
    ]
    for method, path, body in reads:
        assert api.client.request(method, path, json=body, headers=viewer).status_code == 200, path
    api.client.delete(f"/v1/keys/{made.json()['id']}", headers=api.auth("admin"))
    for method, path, body in reads:
        refused = api.client.request(method, path, json=body, headers=viewer)
        assert refused.status_code == 401 and envelope(refused)["code"] == "AUTH_REQUIRED", path


def test_answers_carrying_a_new_key_or_signed_links_are_never_stored(api: Api, quote: dict[str, Any]) -> None:
    answers = {
        "POST /v1/keys": api.client.post(
            "/v1/keys", json={"name": "캐시 금지", "role": "viewer"}, headers=api.auth("admin")
        ),
        "GET evidence": api.client.get(f"/v1/estimate/{quote['id']}/evidence", headers=api.auth("viewer")),
        "POST /v1/documents/export": api.client.post(
            "/v1/documents/export", json={"quoteId": quote["id"]}, headers=api.auth("viewer")
        ),
    }
    for name, response in answers.items():
        assert response.status_code in (200, 201), (name, response.text)
        assert response.headers.get("Cache-Control") == "no-store", name
