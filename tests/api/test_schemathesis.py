"""Property-based tests of the running service against its own OpenAPI document (Schemathesis 4).

A real `kis serve` runs as a subprocess on a free port over SQLite and a file store in a temporary
directory, with an admin key made by `kis keys create`. The document under test is the one the service
serves at /openapi.json (the fixture checks that it is `openapi_document()`, which is also what the
tests are generated from at collection time). For every operation Schemathesis sends the explicit
examples, its coverage cases (boundaries, invalid values, undeclared methods) and `MAX_EXAMPLES` fuzzed
requests, each with the admin key, and every response must:
- not be a 5xx (`not_a_server_error`: 500 is only for bugs);
- have a documented status code, the documented content type, headers and body schema;
- for an operation that requires a key, be refused without one (`ignored_auth`, probed on a 2xx);
- be a 4xx when a required header is missing (`missing_required_header`).

Seeded examples: the fixture creates one quote (the DOMAIN §8 request), a spare API key, a draft price
book (and its zip export), a draft and a panel template, and collects signed blob links; every operation
that takes a quote id, a key id, a book id, a blob key, a draft or template id, or an upload, gets
examples that use them, so that the success
responses (the quote, its events, evidence, documents, blobs, price books, sheet check) are checked
too, not only the 404s and 422s that random input gets.

Checks not run here, and why:
- `positive_data_acceptance`: a schema-valid request may still fail a gate (e.g. a trip rating the
  catalog does not sell); 422 is the documented answer for that, not a bug.
- `negative_data_rejection`: FastAPI/pydantic read query values leniently (`date_to=0` is taken as the
  epoch), so some values the schema calls invalid are accepted; a request-parsing question, not the
  response contract.
- `unsupported_method`: every 405 answer currently lacks the `Allow` header, so this check would fail
  on the first undeclared-method case of every operation and hide the other findings behind it;
  `test_405_names_the_allowed_methods` below asserts it on its own instead.
- `use_after_free`, `ensure_resource_availability`, `object_level_authorization`: need stateful links.
Stateful (link-following) testing is not run. KIS_SCHEMATHESIS_EXAMPLES sets the fuzzing budget.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kis_estimator.api.openapi_export import openapi_document
from kis_estimator.documents.request_sheet import export_request_sheet

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_S8: dict[str, Any] = json.loads(
    (ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8")
)
MAX_EXAMPLES = int(os.environ.get("KIS_SCHEMATHESIS_EXAMPLES", "30"))
REQUEST_TIMEOUT_S = 30.0
STARTUP_TIMEOUT_S = 60.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
    missing_required_header,
]

# --------------------------------------------------------------------------------- seeded examples
# The examples are built when the tests are collected, before the service runs: they name placeholders
# that the test swaps for what the fixture made.
SEEDED_QUOTE, SEEDED_KEY_ID, SEEDED_BOOK_ID = "<seeded quote id>", "<seeded key id>", "<seeded book id>"
SEEDED_BOOK_ZIP = "<seeded price book as a zip>"
SEEDED_DRAFT, SEEDED_TEMPLATE = "<seeded draft id>", "<seeded template id>"
# Signed links to the seeded quote's documents (pdf, xlsx, svg, dxf) and to one evidence file.
BLOB_SLOTS = [(f"<blob {i} key>", f"<blob {i} expires>", f"<blob {i} sig>") for i in range(5)]
PRICE_ROW = {"kind": "breaker", "rows": [{"model": "ABN-204", "price_krw": 160000}]}
KNOWN_PATH_PARAMETERS: dict[str, list[Any]] = {
    "quote_id": [SEEDED_QUOTE],
    "key_id": [SEEDED_KEY_ID],
    "book_id": [SEEDED_BOOK_ID],
    "key": [key for key, _, _ in BLOB_SLOTS],
    "draft_id": [SEEDED_DRAFT],
    "template_id": [SEEDED_TEMPLATE],
}
BODIES: dict[tuple[str, str], list[Any]] = {
    ("POST", "/v1/estimate"): [DOMAIN_S8],
    ("POST", "/v1/estimate/{quote_id}/revise"): [DOMAIN_S8],
    ("PATCH", "/v1/estimate/{quote_id}"): [{"status": "sent"}],
    ("POST", "/v1/documents/export"): [{"quoteId": SEEDED_QUOTE}],
    ("POST", "/v1/catalog/items"): [PRICE_ROW],
    ("POST", "/v1/catalog/import"): [{"file": SEEDED_BOOK_ZIP, "label": "schemathesis"}],
    ("POST", "/v1/validate"): [{"file": export_request_sheet(DOMAIN_S8)}],
    ("POST", "/v1/drafts"): [{"request": {"customer": {"name": "동양기전"}}}],
    ("PUT", "/v1/drafts/{draft_id}"): [{"request": DOMAIN_S8}],
    ("POST", "/v1/drafts/{draft_id}/panels"): [{"template_id": SEEDED_TEMPLATE}],
    ("POST", "/v1/templates"): [{"name": "세대분전반 표준", "panel": DOMAIN_S8["panels"][0]}],
    ("PATCH", "/v1/templates/{template_id}"): [{"name": "세대분전반 표준 (LS)"}],
    ("POST", "/v1/requests/parse"): [{"text": "LS 메인 4P 75A ELB 2P 20A 12개"}],
}
HEADERS: dict[tuple[str, str], dict[str, str]] = {("PUT", "/v1/drafts/{draft_id}"): {"If-Match": "*"}}
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/v1/estimate"): {"q": "동양"},
    ("GET", "/v1/estimate/stream"): {"quoteId": SEEDED_QUOTE},
    ("GET", "/v1/suggestions"): {"field": "customer", "q": "동양"},
}


def _enum_of(operation: Any, name: str) -> list[Any]:
    for parameter in operation.definition.raw.get("parameters", []):
        if parameter.get("name") == name:
            schema = parameter.get("schema", {})
            if "$ref" in schema:
                schema = operation.schema.raw_schema["components"]["schemas"][
                    schema["$ref"].rsplit("/", 1)[-1]
                ]
            return list(schema.get("enum", []))
    return []


def seeded_examples(operation: Any) -> list[dict[str, Any]]:
    """Cases that reach the success path of `operation`, in terms of the placeholders; none when the
    operation needs input these tables do not know: it is then only generated."""
    method, path = operation.method.upper(), operation.path
    names = [part.strip("{}") for part in path.split("/") if part.startswith("{")]
    choices = {name: KNOWN_PATH_PARAMETERS.get(name) or _enum_of(operation, name) for name in names}
    if any(not values for values in choices.values()):
        return []
    base: dict[str, Any] = {"path_parameters": {name: values[0] for name, values in choices.items()}}
    if (method, path) in QUERIES:
        base["query"] = QUERIES[method, path]
    if (method, path) in HEADERS:
        base["headers"] = HEADERS[method, path]
    cases = [base]
    for name, values in choices.items():  # one case per value of a known or enumerated path parameter
        cases += [{**base, "path_parameters": {**base["path_parameters"], name: v}} for v in values[1:]]
    if path.startswith("/v1/blobs/"):  # each link with its own signature
        signatures = {key: (expires, sig) for key, expires, sig in BLOB_SLOTS}
        for case in cases:
            expires, sig = signatures[case["path_parameters"]["key"]]
            case["query"] = {"expires": expires, "sig": sig}
    if (method, path) in BODIES:
        media_type = next(iter(operation.definition.raw["requestBody"]["content"]))
        cases = [
            {**case, "body": body, "media_type": media_type}
            for case in cases
            for body in BODIES[method, path]
        ]
    elif "requestBody" in operation.definition.raw:
        return []
    if (method, path) == ("POST", "/v1/estimate"):  # the streamed create too
        cases.append({**cases[0], "headers": {"Accept": "text/event-stream"}})
    return cases


def _resolve(value: Any, seeded: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return seeded.get(value, value)
    if isinstance(value, dict):
        return {k: _resolve(v, seeded) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, seeded) for v in value]
    return value


schema = schemathesis.openapi.from_dict(openapi_document())


@schema.hook
def before_add_examples(context: Any, examples: list[Any]) -> None:
    operation = context.operation
    examples.extend(operation.Case(**case) for case in seeded_examples(operation))


# ------------------------------------------------------------------------------------- the service


@dataclass
class Service:
    url: str
    key: str
    key_id: int = 0  # the key every case sends
    seeded: dict[str, Any] = field(default_factory=dict)  # placeholder -> what the fixture made
    sent: Counter[str] = field(default_factory=Counter)  # requests per operation
    answered: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, status // 100)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _kis() -> str:
    script = Path(sys.executable).with_name("kis")
    return str(script) if script.exists() else "kis"


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kis serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"kis serve was not ready within {STARTUP_TIMEOUT_S:.0f} s:\n{log.read_text()[-3000:]}"
    )


def _blob_link(url: str) -> dict[str, str] | None:
    parts = urlsplit(url)
    if not parts.path.startswith("/v1/blobs/"):
        return None  # an S3 presigned URL: not this API's route
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return {"key": unquote(parts.path.removeprefix("/v1/blobs/")), **query}


def _seed(service: Service) -> None:
    """One quote (with documents and evidence), a spare key, a draft price book, signed blob links."""
    with httpx.Client(base_url=service.url, headers=service.auth, timeout=REQUEST_TIMEOUT_S) as client:
        served = client.get("/openapi.json").json()
        assert served == schema.raw_schema, "the service serves another document than the one under test"
        created = client.post("/v1/estimate", json=DOMAIN_S8)
        assert created.status_code == 201, created.text
        quote_id = created.json()["id"]
        spare = client.post("/v1/keys", json={"name": "schemathesis spare", "role": "viewer"})
        assert spare.status_code == 201, spare.text
        keys = client.get("/v1/keys").json()
        service.key_id = next(k["id"] for k in keys if service.key.startswith(k["prefix"]))
        service.seeded = {SEEDED_QUOTE: quote_id, SEEDED_KEY_ID: spare.json()["id"]}
        draft = client.post("/v1/drafts", json={"request": DOMAIN_S8})
        template = client.post("/v1/templates", json={"name": "seeded", "panel": DOMAIN_S8["panels"][0]})
        assert draft.status_code == template.status_code == 201, draft.text + template.text
        service.seeded |= {SEEDED_DRAFT: draft.json()["id"], SEEDED_TEMPLATE: template.json()["id"]}
        book = client.post("/v1/catalog/items", json=PRICE_ROW)
        if book.status_code == 201:
            service.seeded[SEEDED_BOOK_ID] = book_id = book.json()["id"]
            exported = client.get(f"/v1/catalog/price-books/{book_id}/export", params={"format": "zip"})
            if exported.status_code == 200:
                service.seeded[SEEDED_BOOK_ZIP] = exported.content
        evidence = client.get(f"/v1/estimate/{quote_id}/evidence")
        listed = evidence.json() if evidence.status_code == 200 else {}
        urls = [d["url"] for d in listed.get("documents", [])] + [
            f["url"] for f in listed.get("files", [])[:1]
        ]
        links = [link for link in map(_blob_link, urls) if link is not None]
        for slot, (key, expires, sig) in enumerate(BLOB_SLOTS):
            if links:
                link = links[slot % len(links)]
                service.seeded |= {
                    key: link["key"],
                    expires: link.get("expires", ""),
                    sig: link.get("sig", ""),
                }


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("schemathesis")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{home}/kis.db",
        "STORAGE_URL": f"file://{home}/blobs",
        "KIS_DOC_RECALC": "0",
        "APP_ENV": "development",
        "LOG_LEVEL": "WARNING",
    }
    # cwd is the temporary directory, so that no developer's .env or ./var is read.
    made = subprocess.run(
        [_kis(), "keys", "create", "--role", "admin", "--name", "schemathesis"],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        check=True,
    )
    service = Service(url=f"http://127.0.0.1:{_free_port()}", key=made.stdout.strip().splitlines()[-1])
    log = home / "serve.log"
    port = service.url.rsplit(":", 1)[1]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [_kis(), "serve", "--host", "127.0.0.1", "--port", port],
            env=env,
            cwd=home,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(service.url, process, log)
        _seed(service)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _report(request, service)


def _report(request: pytest.FixtureRequest, service: Service) -> None:
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not service.sent:
        return
    busiest = ", ".join(f"{label} {n}" for label, n in service.sent.most_common(3))
    never = sorted(label for label in service.sent if not service.answered[label, 2])
    with capture.global_and_fixture_disabled():
        reporter.write_line(
            f"\nschemathesis: {sum(service.sent.values())} requests over {len(service.sent)} operations "
            f"(max_examples={MAX_EXAMPLES}); busiest: {busiest}"
        )
        if never:
            reporter.write_line(f"schemathesis: never a 2xx from {', '.join(never)}")


# --------------------------------------------------------------------------------------- the tests


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # a live pipeline run takes a while; the request timeout bounds it instead
    suppress_health_check=list(HealthCheck),  # generation speed is not what is under test
    print_blob=True,
)
def test_the_running_service_honours_its_openapi_document(case: Any, service: Service) -> None:
    if (
        case.method == "DELETE"
        and case.path == "/v1/keys/{key_id}"
        and str((case.path_parameters or {}).get("key_id")) == str(service.key_id)
    ):
        # Revoking the key every case authenticates with would turn all later cases into 401s that
        # test nothing; revoke the spare key instead (the same operation, another row).
        case.path_parameters["key_id"] = SEEDED_KEY_ID
    case.path_parameters = _resolve(case.path_parameters, service.seeded)
    case.query = _resolve(case.query, service.seeded)
    if isinstance(case.body, dict):
        case.body = _resolve(case.body, service.seeded)
    service.sent[case.operation.label] += 1
    # case.call_and_validate() in two steps, so that the status is counted even when a check fails
    response = case.call(base_url=service.url, headers=service.auth, timeout=REQUEST_TIMEOUT_S)
    service.answered[case.operation.label, response.status_code // 100] += 1
    transport = {"base_url": service.url, "headers": service.auth, "timeout": REQUEST_TIMEOUT_S}
    case.validate_response(response, checks=CHECKS, headers=service.auth, transport_kwargs=transport)


def test_405_names_the_allowed_methods(service: Service) -> None:
    """RFC 9110 §15.5.6: a 405 response must carry `Allow` (Schemathesis' `unsupported_method`)."""
    for method, path in (("PUT", "/healthz"), ("DELETE", "/v1/estimate"), ("PUT", "/v1/keys")):
        response = httpx.request(method, f"{service.url}{path}", headers=service.auth, timeout=10)
        assert response.status_code == 405, (method, path, response.status_code)
        assert response.json()["code"] == "METHOD_NOT_ALLOWED"
        assert "allow" in response.headers, f"{method} {path}: 405 without an Allow header"
