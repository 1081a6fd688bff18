"""Customers (거래처) and the supplier profile (공급자) through the API (issue 17): the business-number
check digit, CRUD and search, a customer's quotes, import with findings by row, the profile and its
seal (limits, sniffing), and the profile on the PDF's first page and in the evidence."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image
from pypdf import PdfReader

from kis_estimator.services.customers import business_number_ok
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8

VALID = "123-45-67891"  # 1·1+2·3+3·7+4·1+5·3+6·7+7·1+8·3+9·5 = 165, + ⌊9·5/10⌋ = 169 → check 1
VALID_2 = "220-81-62517"  # 83 + ⌊1·5/10⌋ = 83 → check 7
PROFILE = {
    "name": "케이아이에스 전기",
    "business_number": VALID_2,
    "representative": "이대표",
    "address": "경기도 화성시 동탄대로 1",
    "business_type": "제조업",
    "business_item": "배전반",
    "phone": "031-123-4567",
    "fax": "031-123-4568",
    "contact": "박담당",
    "email": "sales@kis.example",
}


def _png(size: tuple[int, int] = (64, 64), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def _customer(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": "동양기전", "business_number": VALID, "discount_percent": 5, **fields}
    response = api.client.post("/v1/customers", json=body, headers=api.auth())
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("digits", "ok"),
    [("1234567891", True), ("2208162517", True), ("1234567890", False), ("2208162518", False),
     ("123456789", False), ("12345678901", False), ("１２３４５６７８９１", False)],
)  # fmt: skip
def test_the_business_number_check_digit(digits: str, ok: bool) -> None:
    assert business_number_ok(digits) is ok


def test_a_customer_is_created_searched_read_updated_and_deleted(api: Api) -> None:
    created = _customer(api, contact="김과장", payment_terms="월말 현금", validity_days=15)
    assert created["business_number"] == VALID and created["discount_percent"] == 5.0
    _customer(api, name="한빛전기", business_number="2208162517", discount_percent=None)

    found = api.client.get("/v1/customers?q=동양", headers=api.auth("viewer")).json()
    assert [c["name"] for c in found["items"]] == ["동양기전"] and found["total"] == 1
    by_number = api.client.get("/v1/customers?q=220-81", headers=api.auth("viewer")).json()
    assert [c["name"] for c in by_number["items"]] == ["한빛전기"]
    assert api.client.get("/v1/customers?q=%25", headers=api.auth("viewer")).json()["total"] == 0

    got = api.client.get(created["href"], headers=api.auth("viewer")).json()
    assert got["quotes"] == [] and got["validity_days"] == 15

    changed = api.client.put(
        created["href"], json={"name": "동양기전", "discount_percent": 7.5}, headers=api.auth()
    )
    assert changed.status_code == 200 and changed.json()["discount_percent"] == 7.5
    assert changed.json()["business_number"] is None  # a PUT replaces every field

    assert api.client.delete(created["href"], headers=api.auth()).status_code == 204
    gone = api.client.get(created["href"], headers=api.auth("viewer"))
    assert gone.status_code == 404 and gone.json()["code"] == "CUSTOMER_NOT_FOUND"


def test_a_wrong_business_number_is_a_422_naming_the_field(api: Api) -> None:
    response = api.client.post(
        "/v1/customers", json={"name": "동양기전", "business_number": "123-45-67890"}, headers=api.auth()
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "CUSTOMER_INVALID" and body["path"] == "business_number"
    assert "검증" in body["message"] and body["hint"] and body["traceId"]
    short = api.client.post(
        "/v1/customers", json={"name": "A", "business_number": "12-34"}, headers=api.auth()
    )
    assert short.status_code == 422 and "10" in short.json()["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", "   "), ("name", "x" * 201), ("name", "동양\u202e기전"), ("name", "a\x00b"),
     ("email", "not-mail"), ("phone", "<script>"), ("discount_percent", 100), ("discount_percent", -1),
     ("discount_percent", 1.234), ("validity_days", 0), ("validity_days", 366)],
)  # fmt: skip
def test_bad_fields_are_422_envelopes_with_their_path(api: Api, field: str, value: Any) -> None:
    body = {"name": "동양기전", field: value}
    response = api.client.post("/v1/customers", json=body, headers=api.auth())
    assert response.status_code == 422, response.text
    assert response.json()["path"].endswith(field)


def test_a_second_customer_with_the_same_name_or_number_is_a_409(api: Api) -> None:
    first = _customer(api)
    same_name = api.client.post("/v1/customers", json={"name": "동양기전"}, headers=api.auth())
    assert same_name.status_code == 409 and same_name.json()["meta"]["customerId"] == first["id"]
    same_number = api.client.post(
        "/v1/customers", json={"name": "다른 상호", "business_number": VALID}, headers=api.auth()
    )
    assert same_number.status_code == 409 and same_number.json()["path"] == "business_number"


def test_a_customers_page_lists_its_quotes_with_their_statuses(api: Api) -> None:
    customer = _customer(api)
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    other = json.loads(json.dumps(DOMAIN_S8))
    other["customer"]["name"] = "다른고객"
    assert api.client.post("/v1/estimate", json=other, headers=api.auth()).status_code == 201
    sent = api.client.patch(f"/v1/estimate/{quote['id']}", json={"status": "sent"}, headers=api.auth())
    assert sent.status_code == 200, sent.text

    got = api.client.get(customer["href"], headers=api.auth("viewer")).json()
    assert [(q["number"], q["status"]) for q in got["quotes"]] == [(quote["number"], "sent")]
    assert got["quotes"][0]["href"] == f"/v1/estimate/{quote['id']}"


def _import(api: Api, name: str, data: bytes) -> Any:
    return api.client.post("/v1/customers/import", files={"file": (name, data)}, headers=api.auth())


def test_an_import_saves_the_good_rows_and_names_the_bad_ones_by_row(api: Api) -> None:
    _customer(api, name="기존거래처", business_number=VALID_2, discount_percent=None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["상호", "사업자등록번호", "담당자", "할인율", "유효기간"])
    writer.writerow(["동양기전", VALID, "김과장", "5", "30"])  # row 2: created
    writer.writerow(["틀린번호", "123-45-67890", "", "", ""])  # row 3: check digit
    writer.writerow(["", "", "이름없음", "", ""])  # row 4: no name
    writer.writerow(["동양기전", "", "", "", ""])  # row 5: same name as row 2
    writer.writerow(["남의번호", VALID_2, "", "", ""])  # row 6: another customer's number
    writer.writerow(["기존거래처", VALID_2, "새담당", "3%", ""])  # row 7: updated
    writer.writerow(["할인과다", "", "", "150", ""])  # row 8: discount out of range
    response = _import(api, "거래처.csv", out.getvalue().encode("cp949"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["skipped"]) == (1, 1, 5)
    assert [(f["row"], f["path"], f["code"]) for f in body["findings"]] == [
        (3, "business_number", "CUSTOMER_INVALID"),
        (4, "name", "CUSTOMER_INVALID"),
        (5, "name", "CUSTOMER_DUPLICATE"),
        (6, "business_number", "CUSTOMER_TAKEN"),
        (8, "discount_percent", "CUSTOMER_INVALID"),
    ]
    listed = api.client.get("/v1/customers", headers=api.auth("viewer")).json()["items"]
    assert {c["name"]: c["contact"] for c in listed} == {"기존거래처": "새담당", "동양기전": "김과장"}


def test_an_xlsx_list_imports_from_its_first_sheet(api: Api) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["상호", "사업자등록번호", "할인율"])
    sheet.append(["동양기전", VALID, 5])
    sheet.append(["틀린번호", "1234567890", None])
    out = io.BytesIO()
    book.save(out)
    body = _import(api, "list.xlsx", out.getvalue()).json()
    assert (body["created"], [(f["row"], f["path"]) for f in body["findings"]]) == (
        1,
        [(3, "business_number")],
    )


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [("a.csv", "주소,전화\n서울,02\n".encode(), "IMPORT_UNREADABLE"),
     ("a.xlsx", b"PK\x03\x04not a zip", "IMPORT_UNREADABLE"),
     ("a.csv", b"\xff\xfe\x00\x00\xc3", "IMPORT_UNREADABLE")],
)  # fmt: skip
def test_an_unreadable_list_is_a_422(api: Api, name: str, data: bytes, code: str) -> None:
    response = _import(api, name, data)
    assert response.status_code == 422 and response.json()["code"] == code


def test_an_import_over_the_row_or_byte_limit_is_a_413(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path, customer_import_max_rows=2, max_upload_bytes=2000))
    with api.client:
        rows = "상호\n가\n나\n다\n".encode()
        response = _import(api, "a.csv", rows)
        assert response.status_code == 413 and response.json()["code"] == "IMPORT_TOO_MANY_ROWS"
        large = _import(api, "a.csv", b"x" * 2001)
        assert large.status_code == 413 and large.json()["code"] == "PAYLOAD_TOO_LARGE"  # MAX_UPLOAD_BYTES


def _xlsx(*rows: list[object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_row_limit_counts_the_customers_of_either_format_blank_rows_aside(tmp_path: Path) -> None:
    """Blank rows are no customers; a customer after a blank row still counts (it was dropped unseen)."""
    api = make_api(make_settings(tmp_path, customer_import_max_rows=2))
    with api.client:
        gaps = _import(api, "a.csv", "상호\n가\n\n,\n나\n".encode())
        assert (gaps.status_code, gaps.json()["created"]) == (200, 2)
        over = _xlsx(["상호"], ["다"], ["라"], [None], ["마"])
        response = _import(api, "a.xlsx", over)
        assert response.status_code == 413 and response.json()["code"] == "IMPORT_TOO_MANY_ROWS"
        listed = api.client.get("/v1/customers", headers=api.auth("viewer")).json()["items"]
        assert sorted(c["name"] for c in listed) == ["가", "나"]


def test_a_legacy_xls_is_named_as_such(api: Api) -> None:
    legacy = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)
    response = _import(api, "거래처.xls", legacy)
    assert response.status_code == 422 and response.json()["code"] == "IMPORT_UNREADABLE"
    assert ".xls" in response.json()["message"]


def _seal(api: Api, data: bytes, role: str = "admin") -> Any:
    return api.client.put("/v1/profile/seal", files={"file": ("seal.png", data)}, headers=api.auth(role))


def test_the_profile_is_set_by_an_admin_and_its_seal_is_checked(api: Api) -> None:
    missing = api.client.get("/v1/profile", headers=api.auth("viewer"))
    assert missing.status_code == 404 and missing.json()["code"] == "PROFILE_NOT_FOUND"
    assert _seal(api, _png()).status_code == 404  # a seal needs a profile first
    assert api.client.put("/v1/profile", json=PROFILE, headers=api.auth("estimator")).status_code == 403
    wrong = api.client.put(
        "/v1/profile", json={**PROFILE, "business_number": "2208162518"}, headers=api.auth("admin")
    )
    assert wrong.status_code == 422 and wrong.json()["path"] == "business_number"
    emoji = api.client.put("/v1/profile", json={**PROFILE, "contact": "박담당 😀"}, headers=api.auth("admin"))
    assert emoji.status_code == 422 and emoji.json()["path"] == "contact"  # the PDF could not print it
    saved = api.client.put("/v1/profile", json=PROFILE, headers=api.auth("admin"))
    assert saved.status_code == 200 and saved.json()["seal"] is None

    assert _seal(api, b"GIF89a" + b"\x00" * 100).json()["code"] == "SEAL_INVALID"
    assert _seal(api, b"<svg xmlns='http://www.w3.org/2000/svg'/>").status_code == 422
    truncated = _png()[:40]  # a PNG signature over a damaged body
    assert _seal(api, truncated).json()["code"] == "SEAL_INVALID"
    huge = _seal(api, _png((5000, 10)))
    assert huge.status_code == 422 and "4096" in huge.json()["message"]
    noisy = io.BytesIO()
    Image.frombytes("RGB", (480, 480), random.Random(17).randbytes(480 * 480 * 3)).save(noisy, format="PNG")
    too_large = _seal(api, noisy.getvalue())
    assert too_large.status_code == 413 and too_large.json()["code"] == "SEAL_TOO_LARGE"
    assert too_large.json()["meta"]["limitBytes"] == 524_288
    assert _seal(api, _png(), role="estimator").status_code == 403

    stored = _seal(api, _png((400, 300)))
    assert stored.status_code == 200 and stored.json()["seal"]["href"] == "/v1/profile/seal"
    image = api.client.get("/v1/profile/seal", headers=api.auth("viewer"))
    assert image.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (240, 180)  # re-encoded within 240 px


def test_a_quote_made_with_a_profile_shows_it_and_its_seal_on_page_one(api: Api, tmp_path: Path) -> None:
    api.client.put("/v1/profile", json=PROFILE, headers=api.auth("admin"))
    assert _seal(api, _png()).status_code == 200
    quote = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth()).json()
    assert [g["id"] for g in quote["gates"] if g["status"] == "fail"] == []  # the document lints pass
    pdf = api.client.get(f"/v1/estimate/{quote['id']}/documents/pdf", headers=api.auth("viewer"))
    path = tmp_path / "quote.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    for shown in ("케이아이에스 전기", VALID_2, "제조업 / 배전반", "031-123-4568", "박담당"):
        assert shown in text
    assert len(PdfReader(path).pages[0].images) == 1

    workbook = openpyxl.load_workbook(
        io.BytesIO(api.client.get(f"/v1/estimate/{quote['id']}/documents/xlsx", headers=api.auth()).content)
    )
    cover = workbook.worksheets[0]
    assert len(cover._images) == 1  # type: ignore[attr-defined]
    assert "케이아이에스 전기" in [cell.value for row in cover.iter_rows() for cell in row]

    files = api.client.get(f"/v1/estimate/{quote['id']}/evidence", headers=api.auth("viewer")).json()["files"]
    assert "supplier.json" in {f["path"] for f in files}
    verify = api.client.get(f"/v1/estimate/{quote['id']}/evidence/verify", headers=api.auth("viewer"))
    assert verify.json()["ok"] is True
