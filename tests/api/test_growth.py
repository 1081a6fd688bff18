"""Growth attacks (issue 14, findings 6 and 11): writes are rate-limited by default, each caller's quotes
have a daily storage budget checked before any blob is written, and a big price book neither slows every
create nor holds the database while it is read, within a documented row limit."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kis_estimator.db import pricebooks as price_book_repository
from kis_estimator.db.models import EvidenceBlobRow, QuoteRow
from kis_estimator.pricebooks import catalog_rows, render_price_book
from kis_estimator.settings import Settings
from tests.api.conftest import Api, make_api, make_settings
from tests.api.sse_frames import parse_frames
from tests.api.test_app import envelope
from tests.factories import DOMAIN_S8

ZIP = "application/zip"


def book_with_parts(api: Api, parts: int) -> bytes:
    """The shipped catalog plus `parts` accessory rows, as the ZIP of the import."""
    rows = catalog_rows(api.container.catalog)
    rows["accessories"] += [
        {"kind": "PART", "model": f"P-{i:06d}", "line_name": "부품", "spec": f"규격 {i}", "unit": "EA",
         "price_krw": 1000 + i, "w_mm": None, "h_mm": None, "d_mm": None, "note": None}
        for i in range(parts)
    ]  # fmt: skip
    return render_price_book(rows, "zip")


def import_book(api: Api, data: bytes, **form: str) -> Any:
    files = {"file": ("book.zip", data, ZIP)}
    return api.client.post("/v1/catalog/import", files=files, data=form, headers=api.auth("admin"))


# ------------------------------------------------------------------------------ write rate limit


def test_writes_are_rate_limited_by_default(tmp_path: Path) -> None:
    default = Settings.model_fields["rate_limit_per_minute"].default
    assert default == 120
    if time.time() % 60 > 40:  # the limit counts per clock minute: start early in one
        time.sleep(60 - time.time() % 60)
    api = make_api(make_settings(tmp_path, rate_limit_per_minute=default))
    with api.client:
        patch = {"status": "sent"}
        for _ in range(default):
            assert api.client.patch("/v1/estimate/nope", json=patch, headers=api.auth()).status_code == 404
        refused = api.client.patch("/v1/estimate/nope", json=patch, headers=api.auth())
        body = envelope(refused)
        assert refused.status_code == 429 and body["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60 and body["meta"]["limitPerMinute"] == 120
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
        assert created.status_code == 429  # a create is a write like any other


# -------------------------------------------------------------------------------- storage budget


def blob_files(tmp_path: Path) -> list[Path]:
    """The store's blobs: every file under its root but the installation's signing secret."""
    root = tmp_path / "blobs"
    return [path for path in root.rglob("*") if path.is_file() and path.name != ".kis-signing-secret"]


def test_a_create_over_the_storage_budget_is_refused_before_any_blob_is_written(tmp_path: Path) -> None:
    assert Settings.model_fields["storage_budget_bytes_per_caller"].default == 1_073_741_824
    api = make_api(make_settings(tmp_path, storage_budget_bytes_per_caller=50_000))
    with api.client:
        refused = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
        body = envelope(refused)
        assert refused.status_code == 507 and body["code"] == "STORAGE_BUDGET_EXCEEDED", body
        meta = body["meta"]
        assert meta["budgetBytes"] == 50_000 and meta["usedBytes"] == 0 and meta["neededBytes"] > 50_000
        assert 0 < int(refused.headers["Retry-After"]) == meta["retryAfterS"] <= 86_400
        assert "STORAGE_BUDGET_BYTES_PER_CALLER" in body["hint"] and "Retry" in body["hint"]
        assert blob_files(tmp_path) == []
        with api.container.sessions() as session:
            assert session.scalar(select(func.count()).select_from(QuoteRow)) == 0


def test_each_caller_has_its_own_daily_budget_and_a_spent_one_refuses_at_once(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, storage_budget_bytes_per_caller=300_000))
    with api.client:
        made = []
        for _ in range(5):  # a DOMAIN §8 quote stores about 83 KB at create: the fourth cannot fit
            created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
            if created.status_code != 201:
                break
            made.append(created.json()["id"])
        assert created.status_code == 507 and 1 <= len(made) <= 3, created.text
        with api.container.sessions() as session:
            stored = session.scalar(
                select(func.sum(EvidenceBlobRow.size_bytes)).where(EvidenceBlobRow.quote_id.in_(made))
            )
        assert stored is not None and stored <= 300_000
        assert envelope(created)["meta"]["usedBytes"] == stored
        files = blob_files(tmp_path)
        assert sum(path.stat().st_size for path in files) == stored  # the refused one wrote nothing
        with api.client.stream(
            "POST", "/v1/estimate", json=DOMAIN_S8, headers={**api.auth(), "Accept": "text/event-stream"}
        ) as response:
            frames = parse_frames(response.iter_lines())
        error = frames[-1]["payload"]
        assert error["type"] == "ERROR" and error["data"]["code"] == "STORAGE_BUDGET_EXCEEDED"
        assert error["data"]["status"] == 507 and blob_files(tmp_path) == files
        other = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth("admin"))
        assert other.status_code == 201  # another key has its own budget


# ------------------------------------------------------------------------------ price-book rows


def test_a_book_over_the_default_row_limit_is_refused_with_413(api: Api) -> None:
    limit = Settings.model_fields["price_book_max_rows"].default
    assert limit == 20_000 and api.container.settings.price_book_max_rows == limit
    too_big = book_with_parts(api, limit - 271 + 1)  # every sheet is under 20,000 rows; the book is not
    refused = import_book(api, too_big, activate="true")
    body = envelope(refused)
    assert refused.status_code == 413 and body["code"] == "BOOK_TOO_MANY_ROWS", body
    assert body["meta"]["limitRows"] == limit and "20,001" in body["message"] and "20,000" in body["message"]
    assert "PRICE_BOOK_MAX_ROWS" in body["hint"]
    listed = api.client.get("/v1/catalog/price-books", headers=api.auth("viewer")).json()
    assert listed == []


def test_the_row_limit_is_a_setting(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, price_book_max_rows=300))
    with api.client:
        assert import_book(api, book_with_parts(api, 29)).status_code == 201  # 300 rows
        refused = import_book(api, book_with_parts(api, 30))
        assert refused.status_code == 413 and envelope(refused)["meta"]["limitRows"] == 300


# ------------------------------------------------------------------ reading while a book imports


def test_a_get_is_answered_while_a_big_book_is_read(api: Api) -> None:
    data = book_with_parts(api, 19_000)
    outcome: dict[str, Any] = {}

    def run_import() -> None:
        outcome["import"] = import_book(api, data, activate="true")

    importer = threading.Thread(target=run_import)
    importer.start()
    time.sleep(0.3)  # the import is reading its 19,271 rows: seconds of work
    waits, answered_during_import = [], False
    while importer.is_alive() and len(waits) < 50:
        started = time.perf_counter()
        listed = api.client.get("/v1/catalog/price-books", headers=api.auth("viewer"))
        waits.append(time.perf_counter() - started)
        assert listed.status_code == 200
        answered_during_import = importer.is_alive()
        if answered_during_import:
            break
        time.sleep(0.05)
    importer.join(120)
    assert outcome["import"].status_code == 201, outcome["import"].text
    assert answered_during_import, f"no GET was answered before the import ended (waits {waits})"
    assert max(waits) < 2.0, waits


# ---------------------------------------------------------------------- creates with a big book


def count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the Catalogs built from stored price-book rows (the real build runs every time)."""
    calls: list[int] = []
    real = price_book_repository.build_catalog

    def counted(*rows: Any) -> Any:
        calls.append(sum(len(r) for r in rows))
        return real(*rows)

    monkeypatch.setattr(price_book_repository, "build_catalog", counted)
    return calls


def test_creates_with_a_big_active_book_build_its_catalog_once(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert import_book(api, book_with_parts(api, 3_000), activate="true").status_code == 201
    builds = count_builds(monkeypatch)
    for _ in range(3):
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
        assert created.status_code == 201, created.text
    assert builds == []  # the import built it; the creates reuse it
    # A new process (a new container over the same database) builds it once, for its first create.
    again = make_api(api.container.settings)
    with again.client:
        for _ in range(3):
            created = again.client.post("/v1/estimate", json=DOMAIN_S8, headers=again.auth())
            assert created.status_code == 201, created.text
            assert created.json()["catalog_sha256"] != api.container.catalog.sha256
    assert builds == [3_271]
