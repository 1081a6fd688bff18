"""The DXF rendered on its first download: recorded once, served from storage afterwards, counted in the
storage budget, kept by `kis storage gc`, and covered by evidence verification (a tampered blob, record
or input is found)."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from kis_estimator.db.models import DocumentRow, EvidenceBlobRow
from kis_estimator.db.storage_usage import StorageUsageRepository
from kis_estimator.documents import RENDERERS
from kis_estimator.services import deferred_documents
from kis_estimator.services.documents import stored_quote
from kis_estimator.services.storage_checks import collect_garbage, verify_blobs
from tests.api.conftest import Api, make_api, make_settings
from tests.api.test_app import envelope
from tests.factories import DOMAIN_S8

LAYOUT_DXF = "drawing/layout.dxf"
LAYOUT_JSON = "drawing/layout.json"
QUOTE_PDF = "documents/quote.pdf"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def quote(api: Api) -> dict[str, Any]:
    created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def dxf_rows(api: Api, quote_id: str) -> list[DocumentRow]:
    with api.container.reads() as session:
        statement = select(DocumentRow).where(DocumentRow.quote_id == quote_id, DocumentRow.kind == "dxf")
        return list(session.execute(statement).scalars())


def download(api: Api, quote_id: str) -> Any:
    return api.client.get(f"/v1/estimate/{quote_id}/documents/dxf", headers=api.auth("viewer"))


def verify(api: Api, quote_id: str) -> dict[str, Any]:
    response = api.client.get(f"/v1/estimate/{quote_id}/evidence/verify", headers=api.auth("viewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_dxf_is_declared_at_create_and_recorded_once_on_first_download(
    api: Api, quote: dict[str, Any]
) -> None:
    assert LAYOUT_DXF not in quote["evidence"]["files"] and LAYOUT_JSON in quote["evidence"]["files"]
    manifest = api.client.get(f"/v1/estimate/{quote['id']}/evidence", headers=api.auth("viewer"))
    declared = manifest.json()["manifest"]["deferred"][LAYOUT_DXF]
    assert declared["kind"] == "dxf" and declared["inputs"] == [LAYOUT_JSON]
    assert declared["media_type"] == "image/vnd.dxf" and declared["renderer"].startswith("ezdxf ")
    # The listing rendered it first (it signs a link to it): start over with a fresh quote.
    fresh = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    assert dxf_rows(api, fresh["id"]) == []
    before = verify(api, fresh["id"])
    assert before["ok"] and before["derivable"] == [QUOTE_PDF, LAYOUT_DXF]

    first = download(api, fresh["id"])
    assert first.status_code == 200 and b"SECTION" in first.content
    rows = dxf_rows(api, fresh["id"])
    assert len(rows) == 1 and rows[0].sha256 == sha256(first.content) == first.headers["ETag"].strip('"')
    assert rows[0].size_bytes == len(first.content)
    assert api.container.store.get(rows[0].storage_key) == first.content
    again = download(api, fresh["id"])
    assert again.content == first.content and len(dxf_rows(api, fresh["id"])) == 1
    after = verify(api, fresh["id"])
    assert after["ok"] and after["derivable"] == [QUOTE_PDF], after
    with api.container.reads() as session:
        assert verify_blobs(session, api.container.store).ok


def test_concurrent_first_downloads_serve_identical_bytes_and_record_one_row(
    api: Api, quote: dict[str, Any]
) -> None:
    fresh = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: download(api, fresh["id"]), range(4)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len(dxf_rows(api, fresh["id"])) == 1


def test_a_second_process_that_rendered_too_records_nothing_and_serves_the_recorded_bytes(
    api: Api, quote: dict[str, Any]
) -> None:
    """Two processes both past the "not recorded yet" check (their locks are their own): both render
    and put the same content-addressed blob; the conditional insert keeps the first writer's row."""
    fresh = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    stored = stored_quote(api.container, fresh["id"])
    renderer = RENDERERS["dxf"]
    one = deferred_documents._render_first(api.container, stored, renderer, "kind", "key:a")
    two = deferred_documents._render_first(api.container, stored, renderer, "kind", "key:b")
    assert one == two and len(dxf_rows(api, fresh["id"])) == 1
    with api.container.reads() as session:  # the bytes counted once, for the writer that recorded them
        usage = StorageUsageRepository(session)
        assert usage.used("key:a", time.time()) == len(one[1]) and usage.used("key:b", time.time()) == 0


@pytest.mark.parametrize(("kind", "path"), [("dxf", LAYOUT_DXF), ("pdf", QUOTE_PDF)])
def test_a_tampered_deferred_blob_fails_verification_and_its_download(
    api: Api, quote: dict[str, Any], kind: str, path: str
) -> None:
    url = f"/v1/estimate/{quote['id']}/documents/{kind}"
    first = api.client.get(url, headers=api.auth("viewer"))
    assert first.status_code == 200
    with api.container.reads() as session:
        key = session.execute(
            select(DocumentRow.storage_key).where(
                DocumentRow.quote_id == quote["id"], DocumentRow.kind == kind
            )
        ).scalar_one()
    api.container.store.put(key, first.content + b"\n%tampered\n", "application/octet-stream")
    report = verify(api, quote["id"])
    assert not report["ok"] and report["changed"] == [path], report
    refused = api.client.get(url, headers=api.auth("viewer"))
    assert refused.status_code == 409 and envelope(refused)["code"] == "BLOB_CHANGED"


def test_a_tampered_dxf_record_fails_verification(api: Api, quote: dict[str, Any]) -> None:
    download(api, quote["id"])
    forged = "0" * 64
    with api.container.sessions.begin() as session:
        session.execute(
            update(DocumentRow)
            .where(DocumentRow.quote_id == quote["id"], DocumentRow.kind == "dxf")
            .values(sha256=forged)
        )
    report = verify(api, quote["id"])
    assert not report["ok"] and LAYOUT_DXF in report["changed"]
    assert any(
        p.startswith(f"{LAYOUT_DXF}: recorded SHA-256 {forged} ≠ re-rendered") for p in report["problems"]
    )
    assert download(api, quote["id"]).status_code == 409


def test_a_tampered_input_is_refused_before_rendering_and_fails_verification(api: Api) -> None:
    fresh = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    with api.container.reads() as session:
        key = session.execute(
            select(EvidenceBlobRow.storage_key).where(
                EvidenceBlobRow.quote_id == fresh["id"], EvidenceBlobRow.path == LAYOUT_JSON
            )
        ).scalar_one()
    original = api.container.store.get(key)
    api.container.store.put(key, original.replace(b'"TITLE"', b'"TEXT"', 1), "application/json")
    refused = download(api, fresh["id"])
    assert refused.status_code == 409 and envelope(refused)["code"] == "BLOB_CHANGED"
    assert dxf_rows(api, fresh["id"]) == []  # nothing recorded from a tampered input
    report = verify(api, fresh["id"])
    assert not report["ok"] and report["changed"] == [LAYOUT_JSON]
    assert any("cannot be re-rendered" in p for p in report["problems"])
    assert report["derivable"] == [QUOTE_PDF]


def test_export_links_render_the_dxf_and_gc_keeps_it(api: Api, quote: dict[str, Any]) -> None:
    fresh = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    export = api.client.post(
        "/v1/documents/export", json={"quoteId": fresh["id"], "kinds": ["dxf"]}, headers=api.auth("viewer")
    )
    assert export.status_code == 200, export.text
    (document,) = export.json()["documents"]
    (row,) = dxf_rows(api, fresh["id"])
    assert (document["sha256"], document["size"]) == (row.sha256, row.size_bytes)
    with api.container.sessions() as session:
        old, young = collect_garbage(session, api.container.store, delete=True, min_age_s=0)
    assert row.storage_key not in old + young
    assert api.container.store.get(row.storage_key) == download(api, fresh["id"]).content


def test_a_first_download_over_the_budget_is_served_and_counted(tmp_path: Path) -> None:
    """The decision of docs/decisions.md: the bytes are counted against the downloader, never refused."""
    api = make_api(make_settings(tmp_path, storage_budget_bytes_per_caller=1_000_000))
    with api.client:
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
        viewer = api.client.get("/v1/me", headers=api.auth("viewer")).json()
        subject = str(viewer["subject"])
        with api.container.sessions.begin() as session:  # the viewer's budget for the day, spent
            StorageUsageRepository(session).add(subject, time.time(), 2_000_000)
        pdf = api.client.get(f"/v1/estimate/{created.json()['id']}/documents/pdf", headers=api.auth("viewer"))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        with api.container.reads() as session:
            assert StorageUsageRepository(session).used(subject, time.time()) == 2_000_000 + len(pdf.content)
