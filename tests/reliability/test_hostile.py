"""Hostile input: every request of the corpus (tests/reliability/hostile_corpus.py) gets a 4xx error
envelope, or, when it is hostile but valid, is accepted and rendered harmlessly; never a 5xx.

The corpus runs through the ASGI app over SQLite and over PostgreSQL (fast, one test per case), and
against a running `kis serve`, whose resident memory (VmRSS of /proc/PID/status) is measured before and
after several passes. Protocol tricks that never reach the app (a broken chunked body, a lying
Content-Length, a huge header) are sent over raw sockets to the running server.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import ezdxf
import httpx
import openpyxl
import pytest

from kis_estimator.catalog_io import load_catalog
from kis_estimator.db import migrate
from kis_estimator.pricebooks import catalog_rows, render_price_book
from tests.api.conftest import Api, make_api, make_settings
from tests.factories import DOMAIN_S8
from tests.live import LiveServer, create_api_key, embedded_env
from tests.postgres_server import TemporaryPostgres
from tests.reliability.figures import record
from tests.reliability.hostile_corpus import (
    AT_FORMULA,
    CASES,
    DDE,
    DXF_GROUPS,
    FORMULA,
    MARKUP,
    MINUS_FORMULA,
    PATH,
    RTL,
    SVG_BREAKOUT,
    XLSX,
    Case,
    Chunked,
    category,
)

ENVELOPE_KEYS = {"code", "message", "hint", "path", "traceId", "meta"}
ROLES = ("admin", "estimator", "viewer")
FAST_S = 5.0  # each case takes well under a second; the bound catches runaway work (inflating a bomb)
MEMORY_PASSES = 3
MAX_GROWTH_MB = 150.0
# Characters that must never reach a download's file name: controls, bidi overrides and isolates.
_UNSAFE_IN_FILENAMES = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]")


@dataclass
class Target:
    """Where the corpus is sent: an httpx client (the ASGI TestClient or a live server's), the API key of
    each role, and the id of a quote that paths with `{quote}` refer to."""

    client: httpx.Client
    keys: dict[str, str]
    quote_id: str

    def send(self, case: Case) -> tuple[httpx.Response, float]:
        # Latin-1, the bytes a server reads header values as: "²" arrives as "²"
        headers = {name: self._fill(value).encode("latin-1") for name, value in case.headers.items()}
        content: Any = case.body
        if isinstance(content, Chunked):
            content = content.chunks()
        elif callable(content):
            content = content()
        path = case.path.replace("{quote}", self.quote_id)
        began = time.perf_counter()
        response = self.client.request(case.method, path, headers=headers, content=content)
        return response, time.perf_counter() - began

    def _fill(self, value: str) -> str:
        for role, key in self.keys.items():
            value = value.replace("{" + role + "}", key)
        return value


def check_answer(case: Case, response: httpx.Response, seconds: float) -> None:
    """The status is one the case allows (never a 5xx); an error is the envelope; the answer is quick."""
    shown = response.text[:300]
    assert response.status_code < 500, f"{case.name}: {response.status_code} {shown}"
    assert response.status_code in case.expect, (
        f"{case.name}: {response.status_code}, expected {sorted(case.expect)}: {shown}"
    )
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == ENVELOPE_KEYS, f"{case.name}: not the error envelope: {shown}"
        for key in ("code", "message", "hint", "path", "traceId"):
            assert isinstance(body[key], str), f"{case.name}: {key} is not a string: {shown}"
        assert body["code"] and body["message"], f"{case.name}: an empty code or message: {shown}"
        assert isinstance(body["meta"], dict) and body["meta"].get("dedupKey"), f"{case.name}: {shown}"
        assert response.headers.get("X-Trace-Id") == body["traceId"], f"{case.name}: X-Trace-Id differs"
    assert seconds < FAST_S, f"{case.name}: {seconds:.1f} s"


def create_quote(client: httpx.Client, keys: dict[str, str], request: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/v1/estimate", json=request, headers={"Authorization": f"Bearer {keys['estimator']}"}
    )
    assert response.status_code == 201, f"{response.status_code} {response.text[:500]}"
    return dict(response.json())


# ----------------------------------------------------------------------------- through the ASGI app


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[Api]:
    """The app over a fresh SQLite file, or over a throwaway PostgreSQL (migrated), with files storage."""
    with tempfile.TemporaryDirectory(prefix="kis-hostile-") as tmp:
        postgres = None
        overrides: dict[str, object] = {}
        try:
            if request.param == "postgresql":
                postgres = TemporaryPostgres().start()
                overrides["database_url"] = postgres.create_database("kis_hostile")
                migrate.upgrade(str(overrides["database_url"]))
            api = make_api(make_settings(Path(tmp), **overrides))
            with api.client:
                yield api
        finally:
            if postgres is not None:
                postgres.stop()


@pytest.fixture(scope="module")
def target(backend: Api) -> Target:
    quote = create_quote(backend.client, backend.keys, DOMAIN_S8)
    return Target(backend.client, backend.keys, quote["id"])


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_request_gets_a_4xx_envelope_or_a_harmless_answer(target: Target, case: Case) -> None:
    response, seconds = target.send(case)
    check_answer(case, response, seconds)


def test_the_corpus_is_large_and_covers_every_category() -> None:
    categories = {category(case) for case in CASES}
    assert len(CASES) >= 60
    assert categories >= {"json", "type", "number", "size", "text", "valid", "path", "query", "body"}
    assert categories >= {"auth", "header", "method", "sheet", "book"}
    assert sum(not case.expect & {200, 201} for case in CASES) >= 60, "at least 60 refusals"


def test_a_sheet_of_100000_rows_is_refused_at_the_first_row_over_the_limit(target: Target) -> None:
    # /v1/validate answers a sheet's content with findings at their cells (200, ok false); a file that
    # cannot be read safely is a 422. Either way no request comes back, and the answer is quick.
    (case,) = [case for case in CASES if case.name == "sheet: 100,000 rows"]
    response, seconds = target.send(case)
    check_answer(case, response, seconds)
    if response.status_code == 200:
        body = response.json()
        assert body["ok"] is False and body["request"] is None, body
        assert [finding["code"] for finding in body["findings"]] == ["SHEET_TOO_MANY_ROWS"], body


def _workbook_cells(data: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_formula_strings_reach_the_workbook_as_text(target: Target) -> None:
    request = copy.deepcopy(DOMAIN_S8)
    request["customer"]["name"] = FORMULA
    request["project"] = DDE
    request["panels"][0]["extra_lines"] = [
        {"name": AT_FORMULA, "spec": MINUS_FORMULA, "qty": 1, "unit_price": 1000}
    ]
    quote = create_quote(target.client, target.keys, request)
    assert (quote["customer"]["name"], quote["project"]) == (FORMULA, DDE)
    xlsx = target.client.get(
        f"/v1/estimate/{quote['id']}/documents/xlsx",
        headers={"Authorization": f"Bearer {target.keys['viewer']}"},
    )
    assert xlsx.status_code == 200
    cells = _workbook_cells(xlsx.content)
    for text in (FORMULA, DDE, AT_FORMULA, MINUS_FORMULA):
        holding = [cell for cell in cells if isinstance(cell.value, str) and text in cell.value]
        assert holding, f"{text!r} is in no cell of the workbook"
        for cell in holding:
            assert cell.data_type == "s", (
                f"{cell.parent.title}!{cell.coordinate} {cell.data_type}: {cell.value!r}"
            )
    formulas = [str(cell.value) for cell in cells if cell.data_type == "f"]
    assert formulas, "the workbook's amounts are live formulas"
    assert not [f for f in formulas if "HYPERLINK" in f or "cmd" in f], formulas


def test_markup_in_names_reaches_the_drawing_escaped(target: Target) -> None:
    request = copy.deepcopy(DOMAIN_S8)
    second = {**copy.deepcopy(DOMAIN_S8["panels"][0]), "name": SVG_BREAKOUT}
    request["panels"] = [{**request["panels"][0], "name": MARKUP}, second]
    request["customer"]["name"] = MARKUP
    quote = create_quote(target.client, target.keys, request)
    viewer = {"Authorization": f"Bearer {target.keys['viewer']}"}
    svg = target.client.get(f"/v1/estimate/{quote['id']}/documents/svg", headers=viewer)
    assert svg.status_code == 200
    assert (
        svg.headers["Content-Security-Policy"] == "sandbox"
        and svg.headers["X-Content-Type-Options"] == "nosniff"
    )
    root = ElementTree.fromstring(svg.content)  # one well-formed document: nothing broke out of its text
    elements = list(root.iter())
    local = [element.tag.rsplit("}", 1)[-1] for element in elements]
    assert local.count("svg") == 1 and "script" not in local and "img" not in local, sorted(set(local))
    handlers = [name for element in elements for name in element.attrib if name.lower().startswith("on")]
    assert not handlers, handlers
    text = "".join(root.itertext())
    assert MARKUP in text and SVG_BREAKOUT in text, "the names are shown as text"
    stored = target.client.get(f"/v1/estimate/{quote['id']}", headers=viewer).json()
    assert [panel["name"] for panel in stored["panels"]] == [MARKUP, SVG_BREAKOUT]


def test_line_breaks_in_a_name_do_not_add_to_the_cad_drawing(target: Target) -> None:
    viewer = {"Authorization": f"Bearer {target.keys['viewer']}"}

    def entities(name: str) -> list[str]:
        quote = create_quote(
            target.client, target.keys, {**DOMAIN_S8, "panels": [{**DOMAIN_S8["panels"][0], "name": name}]}
        )
        dxf = target.client.get(f"/v1/estimate/{quote['id']}/documents/dxf", headers=viewer)
        assert dxf.status_code == 200
        drawing = ezdxf.read(io.StringIO(dxf.content.decode("utf-8")))
        return sorted(entity.dxftype() for entity in drawing.modelspace())

    assert entities(DXF_GROUPS) == entities("LP-1")


def _disposition_names(disposition: str) -> list[str]:
    plain = re.search(r'filename="([^"]*)"', disposition)
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert plain and encoded, disposition
    return [plain.group(1), unquote(encoded.group(1))]


def test_names_reach_file_names_only_as_plain_words_and_never_storage_keys(
    target: Target, backend: Api
) -> None:
    """The download name carries the customer and project (issue 17), stripped of path separators,
    dots, controls and bidi marks; the ASCII fallback carries neither."""
    request = copy.deepcopy(DOMAIN_S8)
    request["customer"]["name"] = PATH
    request["project"] = "..\\..\\windows\\system32"
    request["panels"][0]["name"] = "/etc/passwd"
    quote = create_quote(target.client, target.keys, request)
    viewer = {"Authorization": f"Bearer {target.keys['viewer']}"}
    for kind in ("xlsx", "pdf", "svg", "dxf", "json"):
        response = target.client.get(f"/v1/estimate/{quote['id']}/documents/{kind}", headers=viewer)
        assert response.status_code == 200
        for name in _disposition_names(response.headers["Content-Disposition"]):
            assert quote["number"] in name and not _UNSAFE_IN_FILENAMES.search(name), name
            assert ".." not in name, name
        fallback, korean = _disposition_names(response.headers["Content-Disposition"])
        assert "passwd" not in fallback and korean.split("_")[1:3] == ["etcpasswd", "windowssystem32"]
    keys = backend.container.store.list(f"quote/{quote['id']}/")
    assert keys and all(".." not in key and "passwd" not in key for key in keys), keys


def test_a_price_book_label_never_reaches_an_export_file_name(target: Target) -> None:
    admin = {"Authorization": f"Bearer {target.keys['admin']}"}
    rows = catalog_rows(load_catalog())
    rows["breakers"][0]["price_krw"] += 7  # a book of its own, not the twin of one already stored
    imported = target.client.post(
        "/v1/catalog/import",
        files={"file": (f"{PATH}/../{RTL}.xlsx", render_price_book(rows, "xlsx"), XLSX)},
        data={"label": f"{PATH}\u0007{RTL}"},
        headers=admin,
    )
    assert imported.status_code in (201, 422), imported.text[:300]
    if imported.status_code == 422:
        return  # refusing such a name is as good as cleaning it
    book = imported.json()
    assert "/" not in book["source_name"] and ".." not in book["source_name"], book
    for export_format in ("zip", "xlsx"):
        exported = target.client.get(
            f"/v1/catalog/price-books/{book['id']}/export", params={"format": export_format}, headers=admin
        )
        assert exported.status_code == 200
        for name in _disposition_names(exported.headers["Content-Disposition"]):
            assert not _UNSAFE_IN_FILENAMES.search(name), f"unsafe download name {name!r}"
            assert name.endswith(f".{export_format}"), name


# ----------------------------------------------------------------------------- a running kis serve


@dataclass
class Running:
    server: LiveServer
    target: Target

    def rss_mb(self) -> float:
        return _status_kb(self.server.pid, "VmRSS") / 1024

    def peak_mb(self) -> float:
        return _status_kb(self.server.pid, "VmHWM") / 1024

    def reconnect(self) -> None:
        """A new client: the server may have closed the last one's connection."""
        self.target.client.close()
        self.target.client = self.server.client(timeout=30.0)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    """`kis serve` (one process: the measured PID is the one serving) over SQLite and files."""
    with tempfile.TemporaryDirectory(prefix="kis-hostile-live-") as tmp:
        env = embedded_env(tmp)
        keys = {role: create_api_key(env, role, f"hostile {role}", cwd=tmp) for role in ROLES}
        server = LiveServer(env, mode="serve", name="hostile", workers=1)
        try:
            server.start(timeout_s=60)
            client = server.client(timeout=30.0)
            quote = create_quote(client, keys, DOMAIN_S8)
            running = Running(server, Target(client, keys, quote["id"]))
            yield running
            running.target.client.close()
        finally:
            server.close()


@dataclass
class CorpusRun:
    """What sending the corpus MEMORY_PASSES times to the running server measured and found."""

    rss_before_mb: float
    rss_after_mb: float
    peak_rss_mb: float
    seconds: float
    slowest_case_s: float
    problems: dict[str, str]  # case name -> the first thing wrong with its answer


@pytest.fixture(scope="module")
def live_corpus(running: Running) -> CorpusRun:
    """The whole corpus, MEMORY_PASSES times, against the running server, its RSS read before and after."""
    before = running.rss_mb()
    began = time.perf_counter()
    slowest = 0.0
    problems: dict[str, str] = {}
    for _ in range(MEMORY_PASSES):
        for case in CASES:
            try:
                response, seconds = running.target.send(case)
            except httpx.TransportError as exc:
                problems.setdefault(case.name, f"{type(exc).__name__}: {exc}")
                running.reconnect()
                continue
            if response.status_code >= 500:  # uvicorn closes the connection after an app error
                running.reconnect()
            slowest = max(slowest, seconds)
            try:
                check_answer(case, response, seconds)
            except AssertionError as exc:
                problems.setdefault(case.name, str(exc).splitlines()[0])
    run = CorpusRun(
        before, running.rss_mb(), running.peak_mb(), time.perf_counter() - began, slowest, problems
    )
    record(
        "hostile_corpus_live",
        cases=len(CASES),
        passes=MEMORY_PASSES,
        rss_before_mb=round(run.rss_before_mb, 1),
        rss_after_mb=round(run.rss_after_mb, 1),
        growth_mb=round(run.rss_after_mb - run.rss_before_mb, 1),
        peak_rss_mb=round(run.peak_rss_mb, 1),
        seconds=round(run.seconds, 1),
        slowest_case_s=round(run.slowest_case_s, 2),
        wrong_answers=len(problems),
    )
    return run


def test_the_corpus_against_a_running_server_keeps_memory_bounded(
    running: Running, live_corpus: CorpusRun
) -> None:
    growth = live_corpus.rss_after_mb - live_corpus.rss_before_mb
    assert running.server.running, f"the server died:\n{running.server.stderr()[-2000:]}"
    assert growth < MAX_GROWTH_MB, (
        f"RSS grew from {live_corpus.rss_before_mb:.0f} MB to {live_corpus.rss_after_mb:.0f} MB"
    )
    assert running.target.client.get("/healthz").status_code == 200


def test_the_corpus_against_a_running_server_gets_the_same_answers(live_corpus: CorpusRun) -> None:
    wrong = list(live_corpus.problems.values())
    assert not wrong, f"{len(wrong)} case(s) answered wrongly over HTTP:\n" + "\n".join(wrong)


def _raw(server: LiveServer, data: bytes, wait_s: float) -> bytes:
    """Send raw bytes and read what the server answers until it closes, or until `wait_s` of silence."""
    answer = b""
    with socket.create_connection((server.host, server.port), timeout=wait_s) as connection:
        # the server may refuse mid-request and close; read what it answered before that
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            connection.sendall(data)
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


@dataclass(frozen=True)
class Trick:
    name: str
    data: bytes
    expect: frozenset[int]  # the status of the answer
    may_wait: bool = False  # an incomplete request: waiting for the rest (no answer yet) is right too


_REFUSED = frozenset({400})
_HEADER_TOO_LARGE = frozenset({400, 413, 431})  # refused by size, before any route reads it
PROTOCOL_TRICKS = [
    Trick("Content-Length not a number", b"POST /v1/estimate HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", _REFUSED),
    Trick("negative Content-Length", b"POST /v1/estimate HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}", _REFUSED),
    # RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; h11 reads the chunked body, auth refuses
    Trick("both Content-Length and chunked", b"POST /v1/estimate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", frozenset({400, 401})),
    Trick("chunk size not hex", b"POST /v1/estimate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", _REFUSED),
    Trick("chunked body cut short", b"POST /v1/estimate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\n{}", _REFUSED, may_wait=True),
    Trick("Content-Length longer than the body", b"POST /v1/estimate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}", _REFUSED, may_wait=True),
    Trick("NUL in a header value", b"GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x00b\r\n\r\n", _REFUSED),
    Trick("not HTTP at all (a TLS hello)", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64), _REFUSED),
    # h11 bounds a head that arrives in pieces at 16 KB; one that arrives in one read (here ~100 KB) is parsed
    Trick("a 100 KB request line", b"GET /v1/estimate?q=" + b"q" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", _HEADER_TOO_LARGE | {401}),
    Trick("an 8 MB header", b"GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"j" * (8 * 1024 * 1024) + b"\r\n\r\n", _HEADER_TOO_LARGE),
]  # fmt: skip


@pytest.mark.parametrize("trick", PROTOCOL_TRICKS, ids=[trick.name for trick in PROTOCOL_TRICKS])
def test_protocol_tricks_get_a_4xx_and_the_server_stays_up(running: Running, trick: Trick) -> None:
    began = time.perf_counter()
    answer = _raw(running.server, trick.data, wait_s=2.0)
    seconds = time.perf_counter() - began
    if not answer and trick.expect == _HEADER_TOO_LARGE:
        pass  # h11 stops reading at 16 KB and closes the connection: refused without reading the rest
    elif answer or not trick.may_wait:
        match = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
        assert match, f"{trick.name}: no HTTP answer: {answer[:200]!r}"
        assert int(match.group(1)) in trick.expect, f"{trick.name}: {answer[:300]!r}"
        assert seconds < FAST_S, f"{trick.name}: {seconds:.1f} s"
    health = running.target.client.get("/healthz")
    assert health.status_code == 200, f"after {trick.name}: {health.status_code}"
