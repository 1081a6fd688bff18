"""Links the service builds (signed document and evidence URLs) point at the server that answered: the
request's own base URL unless PUBLIC_BASE_URL is set, with X-Forwarded-* believed only from a peer in
FORWARDED_ALLOW_IPS. (tests/ops/test_serve_links.py runs the same against `kis serve` on a random port.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from kis_estimator import bootstrap
from kis_estimator.api.app import create_app
from kis_estimator.api.links import ForwardedHeaders, trusted_networks
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8

FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "kis.example.kr",
    "X-Forwarded-For": "203.0.113.7",
}


def client_of(api: Api, *, base_url: str = "http://testserver", peer: str = "testclient") -> TestClient:
    return TestClient(create_app(api.container), base_url=base_url, client=(peer, 50000))


def links(client: TestClient, api: Api, **headers: str) -> list[str]:
    """Every URL of the evidence listing and of the export of a new quote."""
    created = client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    quote_id = created.json()["id"]
    viewer = {**api.auth("viewer"), **headers}
    listing = client.get(f"/v1/estimate/{quote_id}/evidence", headers=viewer)
    exported = client.post("/v1/documents/export", json={"quoteId": quote_id}, headers=viewer)
    assert listing.status_code == 200 and exported.status_code == 200, (listing.text, exported.text)
    urls: list[Any] = [f["url"] for f in listing.json()["files"]]
    urls += [d["url"] for d in listing.json()["documents"]] + [d["url"] for d in exported.json()["documents"]]
    assert urls
    return [str(url) for url in urls]


def test_links_come_from_the_requests_own_base_url(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path))
    with client_of(api, base_url="http://kis.internal:8123") as client:
        urls = links(client, api)
        assert all(url.startswith("http://kis.internal:8123/v1/blobs/") for url in urls), urls[:3]
        served = client.get(urls[0].removeprefix("http://kis.internal:8123"))
    assert served.status_code == 200


def test_public_base_url_wins_when_set(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, public_base_url="https://kis.example.kr/"))
    with client_of(api, base_url="http://kis.internal:8123") as client:
        urls = links(client, api, **FORWARDED)
    assert all(url.startswith("https://kis.example.kr/v1/blobs/") for url in urls), urls[:3]


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path))  # default FORWARDED_ALLOW_IPS: loopback only
    with client_of(api, peer="198.51.100.9") as client:
        urls = links(client, api, **FORWARDED)
    assert all(url.startswith("http://testserver/v1/blobs/") for url in urls), urls[:3]


def test_forwarded_headers_from_a_trusted_proxy_make_the_links(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, forwarded_allow_ips="10.0.0.0/8, 127.0.0.1"))
    with client_of(api, peer="10.1.2.3") as client:
        urls = links(client, api, **FORWARDED)
    assert all(url.startswith("https://kis.example.kr/v1/blobs/") for url in urls), urls[:3]


def test_a_forwarded_host_that_is_not_a_host_is_ignored(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, forwarded_allow_ips="10.0.0.1"))
    with client_of(api, peer="10.0.0.1") as client:
        urls = links(client, api, **{"X-Forwarded-Host": "evil.example/@x", "X-Forwarded-Proto": "gopher"})
    assert all(url.startswith("http://testserver/v1/blobs/") for url in urls), urls[:3]


def test_the_nearest_proxy_speaks_last_and_the_client_is_the_first_untrusted_address() -> None:
    seen: list[str] = []

    async def whoami(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(f"{scope['scheme']} {dict(scope['headers'])[b'host'].decode()} {scope['client'][0]}")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = ForwardedHeaders(whoami, trusted_networks(["10.0.0.1", "10.0.0.2"]))
    TestClient(app, client=("10.0.0.1", 1)).get(  # no lifespan: `whoami` answers HTTP only
        "/",
        headers={
            "X-Forwarded-Proto": "http, https",
            "X-Forwarded-Host": "spoofed.example, kis.example.kr",
            "X-Forwarded-For": "192.0.2.1, 203.0.113.7, 10.0.0.2",
        },
    )
    assert seen == ["https kis.example.kr 203.0.113.7"]


def test_a_forwarded_allow_ips_entry_that_is_no_address_refuses_to_start(tmp_path: Path) -> None:
    container = bootstrap.build(make_settings(tmp_path, forwarded_allow_ips="127.0.0.1, proxy.local"))
    with pytest.raises(ValueError, match=r"proxy\.local"):
        create_app(container)
