"""Growth attacks (issue 14, findings 6 and 11): a big price book must not slow every create nor hold
the database while it is read, and stays within a documented row limit."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from kis_estimator import pricebook
from kis_estimator.pricebook import catalog_rows, render_price_book
from kis_estimator.settings import Settings
from tests.api.conftest import Api, make_api, make_settings
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
    real = pricebook.build_catalog

    def counted(*rows: Any) -> Any:
        calls.append(sum(len(r) for r in rows))
        return real(*rows)

    monkeypatch.setattr(pricebook, "build_catalog", counted)
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
