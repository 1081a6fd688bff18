"""`kis serve --port P` on the embedded default (SQLite + files) for a random P: `kis smoke` passes, so
every signed link points at P (issue 13: they pointed at 8000 whatever the port). Forwarded headers
change the links only when the peer is in FORWARDED_ALLOW_IPS. The same smoke test against PostgreSQL
and S3 is tests/ops/test_smoke.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import DOMAIN_S8
from tests.live import LiveServer, create_api_key
from tests.ops.test_smoke import shown, smoke, step_lines

EMBEDDED = {"KIS_DOC_RECALC": "0", "LOG_LEVEL": "WARNING"}
FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "kis.example.kr",
    "X-Forwarded-For": "203.0.113.7",
}


def started(env: dict[str, str], name: str) -> tuple[LiveServer, str]:
    server = LiveServer(env, mode="serve", name=name).start(timeout_s=40)
    return server, create_api_key(env, "estimator", name, cwd=server.cwd)  # the server's own ./var


@pytest.fixture(scope="module")
def embedded() -> Iterator[tuple[LiveServer, str]]:
    server, key = started(EMBEDDED, "links-default")
    try:
        yield server, key
    finally:
        server.close()


def evidence_urls(server: LiveServer, key: str, **headers: str) -> list[str]:
    auth = {"Authorization": f"Bearer {key}"}
    with server.client() as client:
        created = client.post("/v1/estimate", json=DOMAIN_S8, headers=auth)
        assert created.status_code == 201, created.text
        listing = client.get(f"/v1/estimate/{created.json()['id']}/evidence", headers={**auth, **headers})
    assert listing.status_code == 200, listing.text
    return [str(entry["url"]) for entry in listing.json()["files"]]


def test_smoke_passes_against_the_embedded_default_on_a_random_port(embedded: tuple[LiveServer, str]) -> None:
    server, key = embedded
    assert server.port != 8000
    done = smoke(server.url, key)
    assert done.returncode == 0, shown(done)
    assert step_lines(done.stdout) and all(line.startswith("✅") for line in step_lines(done.stdout)), shown(
        done
    )
    assert "smoke passed" in done.stdout


def test_links_name_the_port_the_service_runs_on(embedded: tuple[LiveServer, str]) -> None:
    server, key = embedded
    urls = evidence_urls(server, key)
    assert all(url.startswith(f"{server.url}/v1/blobs/") for url in urls), urls[:3]


def test_a_proxy_on_a_trusted_address_names_the_public_host(embedded: tuple[LiveServer, str]) -> None:
    server, key = embedded  # the default FORWARDED_ALLOW_IPS trusts loopback, where the test connects from
    urls = evidence_urls(server, key, **FORWARDED)
    assert all(url.startswith("https://kis.example.kr/v1/blobs/") for url in urls), urls[:3]


def test_forwarded_headers_from_an_untrusted_peer_are_ignored() -> None:
    server, key = started({**EMBEDDED, "FORWARDED_ALLOW_IPS": "192.0.2.1"}, "links-untrusted")
    try:
        urls = evidence_urls(server, key, **FORWARDED)
    finally:
        server.close()
    assert all(url.startswith(f"{server.url}/v1/blobs/") for url in urls), urls[:3]
