"""Documents and evidence over HTTP: signed links, verification, downloads, the zip and export."""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote as percent_encoded

import openpyxl
import pytest

from kis_estimator.evidence import verify_pack
from kis_estimator.storage import FileSystemBlobStore
from kis_estimator.storage.filesystem import SECRET_FILE
from kis_estimator.storage.signing import blob_signature
from tests.api.conftest import Api
from tests.api.test_app import envelope
from tests.factories import DOMAIN_S8

BASE = "http://testserver"
MISSING_ID = "00000000-0000-0000-0000-000000000000"


def installation_secret(api: Api) -> str:
    """The secret the API's filesystem store signs with (no EVIDENCE_SECRET is configured)."""
    store = api.container.store
    assert isinstance(store, FileSystemBlobStore)
    return (store.root / SECRET_FILE).read_text(encoding="ascii").strip()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def local(url: str) -> str:
    assert url.startswith(f"{BASE}/v1/blobs/"), url
    return url.removeprefix(BASE)


@pytest.fixture
def quote(api: Api) -> dict[str, Any]:
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def listing(api: Api, quote_id: str) -> dict[str, Any]:
    response = api.client.get(f"/v1/estimate/{quote_id}/evidence", headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_evidence_listing_signs_every_file_and_the_links_serve_the_listed_bytes(
    api: Api, quote: dict[str, Any]
) -> None:
    body = listing(api, quote["id"])
    manifest = body["manifest"]
    assert body["quoteId"] == quote["id"] and body["number"] == quote["number"]
    assert body["sha256"] == quote["evidence"]["sha256"] and manifest["files"] == quote["evidence"]["files"]
    listed = {f["path"]: f for f in body["files"]}
    stored = {*manifest["files"], *manifest["measurements"], "manifest.json", "SHA256SUMS"}
    assert set(listed) == stored | set(manifest["deferred"])  # the PDF and DXF rendered for their links
    for path, entry in listed.items():
        fetched = api.client.get(local(entry["url"]))  # no API key: the signature authorises
        assert fetched.status_code == 200, (path, fetched.text)
        assert sha256(fetched.content) == entry["sha256"] and len(fetched.content) == entry["size"]
        assert fetched.headers["Cache-Control"] == "private, max-age=60"
        if path in manifest["files"]:
            assert entry["sha256"] == manifest["files"][path]
        assert entry["expiresAt"].endswith("+00:00")
    assert listed["manifest.json"]["url"].split("?")[0].endswith(".json")
    pdf = api.client.get(local(listed["documents/quote.pdf"]["url"]))
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert [d["kind"] for d in body["documents"]] == ["xlsx", "pdf", "svg", "dxf"]
    xlsx = body["documents"][0]
    assert xlsx["filename"] == f"견적서_동양기전_신축공장동력설비_{quote['number']}.xlsx"
    assert xlsx["sha256"] == manifest["files"]["documents/quote.xlsx"]


def test_changed_or_expired_links_are_refused(api: Api, quote: dict[str, Any]) -> None:
    files = {f["path"]: f for f in listing(api, quote["id"])["files"]}
    url = local(files["stages/pricing.json"]["url"])
    path, _, query = url.partition("?")
    signature = query.rsplit("sig=", 1)[1]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    other_key_path = local(files["validation.json"]["url"]).partition("?")[0]
    refused = [
        url.replace(signature, flipped),
        f"{other_key_path}?{query}",  # a valid signature for another blob
        url.replace("expires=", "expires=1"),  # a later expiry than the one signed
        f"{path}?expires=abc&sig={signature}",
    ]
    key = path.removeprefix("/v1/blobs/")
    secret = installation_secret(api)
    past = int(time.time()) - 1
    refused.append(f"{path}?expires={past}&sig={blob_signature(key, past, secret)}")
    for bad in refused:
        response = api.client.get(bad)
        assert response.status_code == 403, bad
        assert envelope(response)["code"] == "SIGNED_URL_INVALID"
    future = int(time.time()) + 60
    assert (
        api.client.get(f"{path}?expires={future}&sig={blob_signature(key, future, secret)}").status_code
        == 200
    )
    missing_key = f"quote/{quote['id']}/stages/{'0' * 64}.json"
    missing = api.client.get(
        f"/v1/blobs/{missing_key}?expires={future}&sig={blob_signature(missing_key, future, secret)}"
    )
    assert missing.status_code == 404 and envelope(missing)["code"] == "BLOB_MISSING"
    assert api.client.get(path).status_code == 422  # no expires or sig at all


def test_verify_names_a_stored_file_that_was_changed(api: Api, quote: dict[str, Any]) -> None:
    url = f"/v1/estimate/{quote['id']}/evidence/verify"
    clean = api.client.get(url, headers=api.auth("viewer")).json()
    assert clean["ok"] is True and clean["changed"] == clean["missing"] == clean["problems"] == []
    assert clean["evidence_sha256"] == clean["expected_sha256"] == quote["evidence"]["sha256"]
    store = api.container.store
    assert isinstance(store, FileSystemBlobStore)
    pricing = next(f for f in listing(api, quote["id"])["files"] if f["path"] == "stages/pricing.json")
    key = pricing["url"].removeprefix(f"{BASE}/v1/blobs/").partition("?")[0]
    (store.root / key).write_bytes(b'{"totals": {"total": 1}}\n')
    tampered = api.client.get(url, headers=api.auth("viewer"))
    assert tampered.status_code == 200
    body = tampered.json()
    assert body["ok"] is False and body["changed"] == ["stages/pricing.json"]
    assert body["evidence_sha256"] == body["expected_sha256"]  # the manifest itself is intact


def disposition_names(response: Any) -> tuple[str, str]:
    value = response.headers["Content-Disposition"]
    assert value.startswith("attachment; ")
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert fallback.isascii() and encoded.isascii()
    return fallback, encoded


def test_every_document_kind_downloads_with_its_type_and_korean_name(api: Api, quote: dict[str, Any]) -> None:
    number = quote["number"]
    expected = {
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "견적서", "quote.xlsx"),
        "pdf": ("application/pdf", "견적서", "quote.pdf"),
        "svg": ("image/svg+xml", "도면", "layout.svg"),
        "dxf": ("image/vnd.dxf", "도면", "layout.dxf"),
        "json": ("application/json", "견적", "quote.json"),
    }
    content = {}
    for kind, (media_type, korean, filename) in expected.items():
        response = api.client.get(f"/v1/estimate/{quote['id']}/documents/{kind}", headers=api.auth("viewer"))
        assert response.status_code == 200, (kind, response.text)
        assert response.headers["Content-Type"] == media_type
        assert disposition_names(response) == (
            f"{number}-{filename}",
            percent_encoded(f"{korean}_동양기전_신축공장동력설비_{number}.{kind}"),
        )
        assert response.headers["ETag"] == f'"{sha256(response.content)}"'
        content[kind] = response.content
    pack_paths = {
        "xlsx": "documents/quote.xlsx",
        "svg": "drawing/layout.svg",
    }
    for kind, pack_path in pack_paths.items():
        assert sha256(content[kind]) == quote["evidence"]["files"][pack_path], kind
    # The PDF and the DXF are rendered on their first download: their hashes are recorded then, and
    # listed with the others.
    assert not {"documents/quote.pdf", "drawing/layout.dxf"} & set(quote["evidence"]["files"])
    listing = api.client.get(f"/v1/estimate/{quote['id']}/evidence", headers=api.auth("viewer")).json()
    recorded = {d["kind"]: d["sha256"] for d in listing["documents"]}
    assert (recorded["pdf"], recorded["dxf"]) == (sha256(content["pdf"]), sha256(content["dxf"]))
    workbook = openpyxl.load_workbook(io.BytesIO(content["xlsx"]), data_only=True)
    values = {cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row}
    assert 1_831_170 in values
    assert content["pdf"].startswith(b"%PDF")
    assert b"<svg" in content["svg"]
    assert b"SECTION" in content["dxf"]
    assert json.loads(content["json"]) == quote


def test_etag_revalidation_answers_304(api: Api, quote: dict[str, Any]) -> None:
    url = f"/v1/estimate/{quote['id']}/documents/pdf"
    first = api.client.get(url, headers=api.auth("viewer"))
    etag = first.headers["ETag"]
    again = api.client.get(url, headers={**api.auth("viewer"), "If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    stale = api.client.get(url, headers={**api.auth("viewer"), "If-None-Match": '"0000"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_unknown_kind_or_quote_is_an_envelope(api: Api, quote: dict[str, Any]) -> None:
    viewer = api.auth("viewer")
    bad_kind = api.client.get(f"/v1/estimate/{quote['id']}/documents/docx", headers=viewer)
    assert bad_kind.status_code == 422
    assert (envelope(bad_kind)["code"], envelope(bad_kind)["path"]) == ("REQ_INVALID", "path.kind")
    for tail in ("evidence", "evidence/verify", "evidence.zip", "documents/pdf", "documents/json"):
        response = api.client.get(f"/v1/estimate/{MISSING_ID}/{tail}", headers=viewer)
        assert response.status_code == 404, tail
        assert envelope(response)["code"] == "QUOTE_NOT_FOUND"
    export = api.client.post("/v1/documents/export", json={"quoteId": MISSING_ID}, headers=viewer)
    assert export.status_code == 404 and envelope(export)["path"] == "quoteId"


def test_a_missing_document_blob_is_reported_not_a_crash(api: Api, quote: dict[str, Any]) -> None:
    api.container.store.delete(f"quote/{quote['id']}/documents/quote.xlsx")
    response = api.client.get(f"/v1/estimate/{quote['id']}/documents/xlsx", headers=api.auth("viewer"))
    body = envelope(response)
    assert response.status_code == 404 and body["code"] == "BLOB_MISSING"
    assert "kis storage verify" in body["hint"]
    verified = api.client.get(
        f"/v1/estimate/{quote['id']}/evidence/verify", headers=api.auth("viewer")
    ).json()
    assert verified["ok"] is False and verified["missing"] == ["documents/quote.xlsx"]


def test_export_signs_the_requested_documents(api: Api, quote: dict[str, Any]) -> None:
    viewer = api.auth("viewer")
    every = api.client.post("/v1/documents/export", json={"quoteId": quote["id"]}, headers=viewer)
    assert every.status_code == 200, every.text
    assert [d["kind"] for d in every.json()["documents"]] == ["xlsx", "pdf", "svg", "dxf"]
    chosen = api.client.post(
        "/v1/documents/export", json={"quoteId": quote["id"], "kinds": ["pdf", "svg"]}, headers=viewer
    ).json()
    assert chosen["quoteId"] == quote["id"]
    pdf, svg = chosen["documents"]
    assert (pdf["kind"], pdf["mediaType"], pdf["filename"]) == (
        "pdf",
        "application/pdf",
        f"견적서_동양기전_신축공장동력설비_{quote['number']}.pdf",
    )
    assert svg["filename"] == f"도면_동양기전_신축공장동력설비_{quote['number']}.svg"
    for document in (pdf, svg):
        fetched = api.client.get(local(document["url"]))
        assert fetched.status_code == 200 and sha256(fetched.content) == document["sha256"]
        assert len(fetched.content) == document["size"] and document["expiresAt"]
    for body, path in (
        ({"quoteId": quote["id"], "kinds": []}, "kinds"),
        ({"quoteId": quote["id"], "kinds": ["pdf", "pdf"]}, "kinds"),
        ({"quoteId": quote["id"], "kinds": ["docx"]}, "kinds.0"),
        ({"quoteId": quote["id"], "format": "zip"}, "format"),
        ({"kinds": ["pdf"]}, "quoteId"),
    ):
        refused = api.client.post("/v1/documents/export", json=body, headers=viewer)
        assert refused.status_code == 422, body
        assert envelope(refused)["path"] == path


def test_evidence_zip_holds_the_whole_pack(api: Api, quote: dict[str, Any], tmp_path: Path) -> None:
    url = f"/v1/estimate/{quote['id']}/evidence.zip"
    response = api.client.get(url, headers=api.auth("viewer"))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    assert disposition_names(response) == (
        f"{quote['number']}-evidence.zip",
        percent_encoded(f"증빙_동양기전_신축공장동력설비_{quote['number']}.zip"),
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    pack = {*manifest["files"], *manifest["measurements"], "manifest.json", "SHA256SUMS"}
    deferred = {"documents/quote.pdf": "pdf", "drawing/layout.dxf": "dxf"}  # rendered first
    assert set(members) == pack | set(deferred) and set(manifest["deferred"]) == set(deferred)
    for path, kind in deferred.items():
        downloaded = api.client.get(
            f"/v1/estimate/{quote['id']}/documents/{kind}", headers=api.auth("viewer")
        )
        assert members[path] == downloaded.content
    for path, digest in {**manifest["files"], **manifest["measurements"]}.items():
        assert sha256(members[path]) == digest, path
    for line in members["SHA256SUMS"].decode().splitlines():
        digest, _, path = line.partition("  ")
        assert sha256(members[path]) == digest, path
    assert api.client.get(url, headers=api.auth("viewer")).content == response.content
    archive.extractall(tmp_path / "unpacked")
    unpacked = verify_pack(tmp_path / "unpacked", expected_sha256=quote["evidence"]["sha256"])
    assert unpacked.ok and unpacked.extra == [], unpacked


def test_viewers_read_and_anonymous_callers_are_refused(api: Api, quote: dict[str, Any]) -> None:
    base = f"/v1/estimate/{quote['id']}"
    for url in (
        f"{base}/evidence",
        f"{base}/evidence/verify",
        f"{base}/evidence.zip",
        f"{base}/documents/svg",
    ):
        assert api.client.get(url, headers=api.auth("viewer")).status_code == 200, url
        anonymous = api.client.get(url)
        assert anonymous.status_code == 401 and envelope(anonymous)["code"] == "AUTH_REQUIRED"
    export = api.client.post("/v1/documents/export", json={"quoteId": quote["id"]})
    assert export.status_code == 401 and envelope(export)["code"] == "AUTH_REQUIRED"


def test_openapi_lists_the_document_kinds(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    parameters = paths["/v1/estimate/{quote_id}/documents/{kind}"]["get"]["parameters"]
    kind = next(p for p in parameters if p["name"] == "kind")
    assert kind["schema"]["enum"] == ["xlsx", "pdf", "svg", "dxf", "json"]
    blob_parameters = {p["name"]: p for p in paths["/v1/blobs/{key}"]["get"]["parameters"]}
    assert blob_parameters["sig"]["schema"]["maxLength"] == 64
    assert "security" not in paths["/v1/blobs/{key}"]["get"]


def test_quotes_saved_before_a_secret_was_set_verify_by_their_hashes(api: Api) -> None:
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    assert quote["evidence"]["signature"] is None
    api.container.settings.evidence_secret = "a-secret-configured-later"
    report = api.client.get(f"/v1/estimate/{quote['id']}/evidence/verify", headers=api.auth("viewer")).json()
    assert report["ok"] and not report["signature_checked"]
    signed = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    api.container.settings.evidence_secret = "rotated"
    api.container.settings.evidence_secret_previous = "a-secret-configured-later"
    rotated = api.client.get(
        f"/v1/estimate/{signed['id']}/evidence/verify", headers=api.auth("viewer")
    ).json()
    assert rotated["ok"] and rotated["signature_checked"]
    api.container.settings.evidence_secret_previous = ""
    lost = api.client.get(f"/v1/estimate/{signed['id']}/evidence/verify", headers=api.auth("viewer")).json()
    assert not lost["ok"] and lost["problems"] == ["signature does not match the evidence hash"]
