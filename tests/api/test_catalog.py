"""The catalog over HTTP: search, price-book import / activate / export, the row upsert, the request-sheet
check, and who may do what."""

from __future__ import annotations

import copy
import io
import zipfile
from typing import Any
from urllib.parse import quote

import pytest

from kis_estimator.documents.request_sheet import TEMPLATE_PATH, export_request_sheet, normalize_request
from kis_estimator.pricebooks import ParsedBook, catalog_rows, read_price_book, render_price_book
from tests.api.conftest import Api
from tests.factories import DOMAIN_S8

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def envelope(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"code", "message", "hint", "path", "traceId", "meta"}, body
    assert response.headers["X-Trace-Id"] == body["traceId"]
    assert body["message"] and body["hint"] and "dedupKey" in body["meta"]
    return body


def shipped_rows(api: Api) -> dict[str, list[dict[str, Any]]]:
    return catalog_rows(api.container.catalog)


def with_breaker_price(rows: dict[str, list[dict[str, Any]]], model: str, price: int) -> dict[str, Any]:
    changed = copy.deepcopy(rows)
    (row,) = [row for row in changed["breakers"] if row["model"] == model]
    row["price_krw"] = price
    return changed


def search(api: Api, kind: str, role: str = "viewer", **params: Any) -> dict[str, Any]:
    response = api.client.get(f"/v1/catalog/{kind}", params=params, headers=api.auth(role))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def upload(api: Api, data: bytes, name: str = "book.xlsx", role: str = "admin", **form: str) -> Any:
    files = {"file": (name, data, XLSX)}
    return api.client.post("/v1/catalog/import", files=files, data=form, headers=api.auth(role))


def line_of(quote: dict[str, Any], model: str) -> dict[str, Any]:
    (line,) = [line for line in quote["panels"][0]["lines"] if line.get("model") == model]
    return line


# ------------------------------------------------------------------------------------------ search


def test_breakers_are_found_by_model_and_filtered_by_brand_type_and_poles(api: Api) -> None:
    found = search(api, "breakers", q="abn-204")
    assert found["priceBookId"] is None and found["page"] == 1
    first = found["items"][0]
    assert (first["model"], first["brand"], first["type"], first["poles"]) == ("ABN-204", "LS", "MCCB", 4)
    assert first["price_krw"] == 154000 and first["trip_ratings_a"] == [125, 150, 175, 200, 225]
    sangdo = search(api, "breakers", brand="sangdo", type="MCCB", poles=4, size=200)
    assert sangdo["total"] == len(sangdo["items"]) > 0
    assert all((r["brand"], r["type"], r["poles"]) == ("SANGDO", "MCCB", 4) for r in sangdo["items"])
    assert "SBE-104" in {r["model"] for r in sangdo["items"]}
    elcb = search(api, "breakers", q="32grhs")["items"]
    assert [(r["model"], r["type"], r["price_krw"]) for r in elcb] == [("32GRHS", "ELCB", 10300)]
    rated = search(api, "breakers", trip_at=200, poles=4, brand="LS", size=200)["items"]
    assert "ABN-204" in {r["model"] for r in rated} and all(200 in r["trip_ratings_a"] for r in rated)


def test_enclosures_and_accessories_are_searched_by_their_own_columns(api: Api) -> None:
    sc = search(api, "enclosures", series="SC", material="SUS201", size=200)
    assert sc["total"] > 0 and all(r["series"] == "SC" and r["material"] == "SUS201" for r in sc["items"])
    (enclosure,) = search(api, "enclosures", q="SC 70 120 20")["items"][:1]
    assert enclosure["model"] == "SC 70 120 20" and enclosure["price_krw"] == 320000
    assert [enclosure["w_mm"], enclosure["h_mm"], enclosure["d_mm"]] == [700, 1200, 200]
    magnets = search(api, "accessories", type="magnet", size=200)["items"]
    assert magnets and {r["kind"] for r in magnets} == {"MAGNET"}
    assert "MC-22" in {r["model"] for r in magnets}
    nothing = search(api, "accessories", q="no such thing")
    assert nothing == {"items": [], "total": 0, "page": 1, "size": 50, "priceBookId": None}


def test_pages_cover_every_row_once_and_the_bounds_are_enforced(api: Api) -> None:
    everything = search(api, "enclosures", size=200)
    total = everything["total"]
    assert total == len(shipped_rows(api)["enclosures"])
    pages = [search(api, "enclosures", page=page, size=40)["items"] for page in range(1, total // 40 + 2)]
    assert [len(items) for items in pages[:-1]] == [40] * (len(pages) - 1)
    assert [row["model"] for items in pages for row in items] == [r["model"] for r in everything["items"]]
    assert search(api, "enclosures", page=total // 40 + 2, size=40)["items"] == []
    auth = api.auth("viewer")
    too_big = api.client.get("/v1/catalog/enclosures", params={"size": 201}, headers=auth)
    assert too_big.status_code == 422 and envelope(too_big)["path"] == "query.size"
    zero = api.client.get("/v1/catalog/enclosures", params={"page": 0}, headers=auth)
    assert zero.status_code == 422 and envelope(zero)["path"] == "query.page"
    wrong_filter = api.client.get("/v1/catalog/enclosures", params={"poles": 4}, headers=auth)
    assert wrong_filter.status_code == 422
    assert (envelope(wrong_filter)["code"], wrong_filter.json()["path"]) == (
        "CATALOG_FILTER_UNKNOWN",
        "query.poles",
    )
    unknown_kind = api.client.get("/v1/catalog/cables", headers=auth)
    assert unknown_kind.status_code == 422 and envelope(unknown_kind)["path"] == "path.kind"


# ------------------------------------------------------------------------------------- price books


def test_an_imported_and_activated_book_prices_the_next_quote(api: Api) -> None:
    book = render_price_book(with_breaker_price(shipped_rows(api), "ABN-204", 160000), "xlsx")
    imported = upload(api, book, label="2026년 3월 단가", activate="true")
    assert imported.status_code == 201, imported.text
    version = imported.json()
    assert version["state"] == "active" and version["active"] is True
    assert version["label"] == "2026년 3월 단가" and version["source_name"] == "book.xlsx"
    assert version["items"] == {kind: len(rows) for kind, rows in shipped_rows(api).items()}
    assert version["sha256"] != api.container.catalog.sha256

    found = search(api, "breakers", q="ABN-204")
    assert found["priceBookId"] == version["id"] and found["items"][0]["price_krw"] == 160000
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth("estimator")).json()
    assert line_of(quote, "ABN-204")["unit_price"] == 160000
    assert quote["catalog_sha256"] == version["sha256"]

    again = upload(api, book, label="다시")
    assert again.status_code == 200 and again.json()["id"] == version["id"]
    listed = api.client.get("/v1/catalog/price-books", headers=api.auth("viewer")).json()
    assert [(b["id"], b["active"]) for b in listed] == [(version["id"], True)]


def test_a_staged_book_prices_nothing_until_activated_and_an_old_one_rolls_back(api: Api) -> None:
    rows = shipped_rows(api)
    first = upload(api, render_price_book(with_breaker_price(rows, "ABN-204", 150000), "zip"), "a.zip")
    second = upload(api, render_price_book(with_breaker_price(rows, "ABN-204", 170000), "zip"), "b.zip")
    assert first.status_code == second.status_code == 201
    assert first.json()["state"] == second.json()["state"] == "draft"
    assert search(api, "breakers", q="ABN-204")["priceBookId"] is None
    for book, price in ((second, 170000), (first, 150000)):
        activated = api.client.post(
            f"/v1/catalog/price-books/{book.json()['id']}/activate", headers=api.auth("admin")
        )
        assert activated.status_code == 200 and activated.json()["state"] == "active"
        quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
        assert line_of(quote, "ABN-204")["unit_price"] == price
    states = {
        b["id"]: b["state"]
        for b in api.client.get("/v1/catalog/price-books", headers=api.auth("viewer")).json()
    }
    assert states == {first.json()["id"]: "active", second.json()["id"]: "retired"}
    missing = api.client.post("/v1/catalog/price-books/999/activate", headers=api.auth("admin"))
    assert missing.status_code == 404 and envelope(missing)["code"] == "PRICE_BOOK_NOT_FOUND"


def test_one_csv_updates_its_kind_of_the_catalog_in_use(api: Api) -> None:
    rows = with_breaker_price(shipped_rows(api), "32GRHS", 11000)
    one_kind = render_price_book(rows, "zip")
    with zipfile.ZipFile(io.BytesIO(one_kind)) as archive:
        breakers = archive.read("breakers.csv")
    imported = upload(api, breakers, "breakers-2026-03.csv", activate="true")
    assert imported.status_code == 201, imported.text
    assert search(api, "breakers", q="32GRHS")["items"][0]["price_krw"] == 11000
    assert search(api, "enclosures", q="SC 70 120 20")["items"][0]["price_krw"] == 320000


def test_a_bad_cell_is_refused_with_the_cell_named_and_every_problem_listed(api: Api) -> None:
    rows = copy.deepcopy(shipped_rows(api))
    rows["breakers"][3]["poles"] = "four"
    rows["enclosures"][0]["price_krw"] = -5
    refused = upload(api, render_price_book(rows, "xlsx"))
    assert refused.status_code == 422
    body = envelope(refused)
    assert (body["code"], body["path"]) == ("VALUE_NOT_NUMBER", "file:breakers!F5")
    assert "four" in body["message"]
    errors = body["meta"]["errors"]
    assert [(e["source"], e["cell"], e["column"], e["path"]) for e in errors] == [
        ("breakers", "F5", "poles", "file:breakers!F5"),
        ("enclosures", "I2", "price_krw", "file:enclosures!I2"),
    ]
    assert api.client.get("/v1/catalog/price-books", headers=api.auth("viewer")).json() == []


def test_a_file_that_is_not_a_price_book_is_refused(api: Api) -> None:
    text = upload(api, "모델,가격\nABN-204,1\n".encode(), "prices.txt")
    assert text.status_code == 422
    assert (envelope(text)["code"], text.json()["path"]) == ("FILE_TYPE", "file:prices.txt")
    fake = upload(api, b"not a workbook at all", "book.xlsx")
    assert fake.status_code == 422
    assert (envelope(fake)["code"], fake.json()["path"]) == ("FILE_UNREADABLE", "file:book.xlsx")


@pytest.mark.parametrize("export_format", ["xlsx", "zip"])
def test_an_export_reads_back_to_the_same_book(api: Api, export_format: str) -> None:
    version = upload(api, render_price_book(shipped_rows(api), "xlsx"), label="기본 단가").json()
    exported = api.client.get(
        f"/v1/catalog/price-books/{version['id']}/export",
        params={"format": export_format},
        headers=api.auth("viewer"),
    )
    assert exported.status_code == 200
    disposition = exported.headers["Content-Disposition"]
    assert disposition.startswith(
        f'attachment; filename="price-book-{version["id"]}-{version["sha256"][:12]}.'
    )
    assert f"filename*=UTF-8''{quote('가격표_기본 단가_')}" in disposition
    book = read_price_book(f"export.{export_format}", exported.content)
    assert isinstance(book, ParsedBook) and book.sha256 == version["sha256"] == api.container.catalog.sha256
    missing = api.client.get("/v1/catalog/price-books/999/export", headers=api.auth("viewer"))
    assert missing.status_code == 404 and envelope(missing)["code"] == "PRICE_BOOK_NOT_FOUND"


# -------------------------------------------------------------------------------------------- upsert


def upsert(api: Api, body: dict[str, Any], role: str = "admin") -> Any:
    return api.client.post("/v1/catalog/items", json=body, headers=api.auth(role))


def test_an_upsert_is_a_new_version_that_prices_quotes_once_activated(api: Api) -> None:
    abn_204 = next(r for r in shipped_rows(api)["breakers"] if r["model"] == "ABN-204")
    new_breaker = {**abn_204, "model": "ABN-204X", "price_krw": 990000}  # dearer: never chosen over ABN-204
    body = {"kind": "breaker", "rows": [{"model": "ABN-204", "price_krw": "171,000"}, new_breaker]}
    staged = upsert(api, body)
    assert staged.status_code == 201, staged.text
    version = staged.json()
    assert (version["state"], version["replaced"], version["added"]) == ("draft", ["ABN-204"], ["ABN-204X"])
    assert version["items"]["breakers"] == len(shipped_rows(api)["breakers"]) + 1
    assert search(api, "breakers", q="ABN-204")["items"][0]["price_krw"] == 154000

    activated = api.client.post(
        f"/v1/catalog/price-books/{version['id']}/activate", headers=api.auth("admin")
    )
    assert activated.json()["active"] is True
    found = search(api, "breakers", q="ABN-204")["items"]
    assert [(r["model"], r["price_krw"], r["poles"]) for r in found[:2]] == [
        ("ABN-204", 171000, 4),
        ("ABN-204X", 990000, 4),
    ]
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    assert line_of(quote, "ABN-204")["unit_price"] == 171000

    same = upsert(api, {"kind": "breaker", "rows": [{"model": "ABN-204", "price_krw": 171000}]})
    assert same.status_code == 200 and same.json()["id"] == version["id"]
    enclosure = {"model": "SC 70 120 20", "price_krw": 330000}
    again = upsert(api, {"kind": "enclosure", "rows": [enclosure], "label": "외함 단가", "activate": True})
    assert again.status_code == 201
    assert (again.json()["active"], again.json()["label"]) == (True, "외함 단가")
    assert search(api, "enclosures", q="SC 70 120 20")["items"][0]["price_krw"] == 330000
    assert search(api, "breakers", q="ABN-204")["items"][0]["price_krw"] == 171000  # built on the active book


def test_upsert_errors_name_the_row_and_column(api: Api) -> None:
    bad_value = upsert(
        api, {"kind": "breaker", "rows": [{"model": "ABN-204"}, {"model": "SBE-104", "poles": "four"}]}
    )
    assert bad_value.status_code == 422
    assert (envelope(bad_value)["code"], bad_value.json()["path"]) == ("VALUE_NOT_NUMBER", "rows.1.poles")
    incomplete = upsert(api, {"kind": "accessory", "rows": [{"model": "NEW-1", "kind": "TIMER"}]})
    assert incomplete.status_code == 422
    paths = [e["path"] for e in envelope(incomplete)["meta"]["errors"]]
    assert paths == ["rows.0.line_name", "rows.0.spec", "rows.0.unit"]
    unknown = upsert(
        api, {"kind": "enclosure", "rows": [{"model": "SC 70 120 20", "colour": "red"}, {"w_mm": 1}]}
    )
    assert unknown.status_code == 422
    assert [e["path"] for e in envelope(unknown)["meta"]["errors"]] == ["rows.0.colour", "rows.1.model"]
    wrong_type = upsert(
        api, {"kind": "breaker", "rows": [{"model": "ABN-204", "poles": True, "grade": ["A"]}]}
    )
    assert wrong_type.status_code == 422 and envelope(wrong_type)["code"] == "VALUE_WRONG_TYPE"
    assert [e["path"] for e in wrong_type.json()["meta"]["errors"]] == ["rows.0.poles", "rows.0.grade"]
    abn_204 = next(r for r in shipped_rows(api)["breakers"] if r["model"] == "ABN-204")
    twice = upsert(api, {"kind": "breaker", "rows": [abn_204, {**abn_204, "model": "abn-204"}]})
    assert twice.status_code == 422
    assert (envelope(twice)["code"], twice.json()["path"]) == ("MODEL_DUPLICATE", "rows.1.model")
    empty = upsert(api, {"kind": "breaker", "rows": []})
    assert empty.status_code == 422 and envelope(empty)["path"] == "rows"
    assert api.client.get("/v1/catalog/price-books", headers=api.auth("viewer")).json() == []


# ------------------------------------------------------------------------------------ request sheet


def validate(api: Api, data: bytes, name: str = "request.xlsx", role: str = "estimator") -> Any:
    return api.client.post("/v1/validate", files={"file": (name, data, XLSX)}, headers=api.auth(role))


def test_a_filled_request_sheet_comes_back_as_the_normalized_request(api: Api) -> None:
    checked = validate(api, export_request_sheet(DOMAIN_S8))
    assert checked.status_code == 200, checked.text
    assert checked.json() == {"request": normalize_request(DOMAIN_S8), "findings": [], "ok": True}


def test_findings_in_a_sheet_are_an_answer_not_an_error(api: Api) -> None:
    blank = validate(api, TEMPLATE_PATH.read_bytes())
    assert blank.status_code == 200
    body = blank.json()
    assert body["ok"] is False and body["request"] is None
    assert [(f["code"], f["severity"]) for f in body["findings"]] == [("SHEET_EMPTY", "error")]


def test_a_file_that_is_not_a_workbook_or_is_too_large_is_refused(api: Api) -> None:
    text = validate(api, "고객명,브랜드\n동양기전,LS\n".encode(), "request.csv")
    assert text.status_code == 422
    assert (envelope(text)["code"], text.json()["path"]) == ("SHEET_NOT_XLSX", "file")
    bomb_xml = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(TEMPLATE_PATH.read_bytes())) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = bomb_xml + b" " * (60 * 1024 * 1024) + b"</sheetData></worksheet>"
            target.writestr(item.filename, content)
    refused = validate(api, bomb.getvalue())
    assert refused.status_code == 422
    assert (envelope(refused)["code"], refused.json()["path"]) == ("SHEET_TOO_LARGE", "file")
    huge = validate(api, b"PK\x03\x04" + bytes(6 * 1024 * 1024))
    assert huge.status_code == 413 and envelope(huge)["code"] == "SHEET_TOO_LARGE"


# --------------------------------------------------------------------------------------------- roles


def test_roles(api: Api) -> None:
    book = render_price_book(shipped_rows(api), "xlsx")
    sheet = export_request_sheet(DOMAIN_S8)
    assert search(api, "breakers", role="viewer")["total"] > 0
    assert api.client.get("/v1/catalog/price-books", headers=api.auth("viewer")).status_code == 200
    for role in ("viewer", "estimator"):
        for response in (
            upload(api, book, role=role),
            upsert(api, {"kind": "breaker", "rows": [{"model": "ABN-204", "price_krw": 1}]}, role=role),
            api.client.post("/v1/catalog/price-books/1/activate", headers=api.auth(role)),
        ):
            assert response.status_code == 403 and envelope(response)["code"] == "FORBIDDEN"
    viewer_check = validate(api, sheet, role="viewer")
    assert viewer_check.status_code == 403 and envelope(viewer_check)["code"] == "FORBIDDEN"
    assert validate(api, sheet, role="estimator").status_code == 200
    for method, path in (
        ("GET", "/v1/catalog/breakers"),
        ("GET", "/v1/catalog/price-books"),
        ("POST", "/v1/catalog/import"),
        ("POST", "/v1/catalog/items"),
        ("POST", "/v1/validate"),
    ):
        anonymous = api.client.request(method, path)
        assert anonymous.status_code == 401 and envelope(anonymous)["code"] == "AUTH_REQUIRED", path


def test_a_label_or_cell_with_a_bidi_control_is_refused_at_import(api: Api) -> None:
    book = render_price_book(with_breaker_price(shipped_rows(api), "ABN-204", 170000), "xlsx")
    spoofed = upload(api, book, label="3월 단가 \u202eslx.exe")
    assert spoofed.status_code == 422, spoofed.text
    assert (envelope(spoofed)["code"], spoofed.json()["path"]) == ("LABEL_BIDI_CONTROL", "label")
    from_name = upload(api, book, name="단가\u2067표.xlsx")  # the label defaults to the file's name
    assert from_name.status_code == 422 and from_name.json()["code"] == "LABEL_BIDI_CONTROL"
    enclosure = {"model": shipped_rows(api)["enclosures"][0]["model"], "price_krw": 99_000}
    upserted = upsert(api, {"kind": "enclosure", "rows": [enclosure], "label": "외함\u202d단가"})
    assert upserted.status_code == 422 and upserted.json()["path"] == "label"
    rows = with_breaker_price(shipped_rows(api), "ABN-204", 170000)
    rows["breakers"][0]["series"] = "ABN\u202e"
    cell = upload(api, render_price_book(rows, "xlsx"))
    assert cell.status_code == 422 and cell.json()["code"] == "VALUE_BIDI_CONTROL"
    assert cell.json()["path"].startswith("file:breakers!")
    assert api.client.get("/v1/catalog/price-books", headers=api.auth("viewer")).json() == []
