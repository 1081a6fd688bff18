"""`kis smoke URL`: a deployment test against a running service, one line per step.

The steps: liveness, readiness, a real estimate (the DOMAIN §8 request), the quote read back, the
evidence listing, every document and evidence file fetched through its signed URL and checked against
the manifest (SHA-256), the manifest against the quote's evidence hash and SHA256SUMS, the verify
endpoint, and closing the smoke quote so that it leaves nothing open. Each line shows ✅ or ❌ and the
step's time; a failing step shows the error envelope's code, message and hint (or the readiness body
naming the failing part). The exit code is 0 when every step passed, 1 otherwise.

The API key is sent, never printed; signed URLs are authorisations too, so only their pack paths are.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from kis_estimator.evidence import MANIFEST, SUMS, manifest_hash

if TYPE_CHECKING:
    import httpx

EXIT_OK = 0
EXIT_FAILED = 1
# The DOMAIN §8 worked example; the customer says what the quote is, for anyone who finds it later.
SMOKE_REQUEST: dict[str, Any] = {
    "customer": {"name": "KIS 배포 점검 / deployment smoke test", "contact": "kis smoke"},
    "project": "배포 점검 (DOMAIN §8) / deployment check",
    "brand": "LS",
    "panels": [
        {
            "name": "LP-1",
            "quantity": 1,
            "enclosure": {
                "location": "OUTDOOR",
                "mount": "SURFACE",
                "material": "SUS201",
                "kind": "STOCK",
                "thickness_mm": 1.2,
            },
            "main": {"type": "MCCB", "poles": 4, "trip_at": 200},
            "branches": [
                {"type": "ELCB", "poles": 4, "trip_at": 100, "qty": 2, "circuit": "동력 1"},
                {"type": "ELCB", "poles": 4, "trip_at": 50, "qty": 4, "circuit": "동력 2"},
                {"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 12, "circuit": "전등/전열"},
            ],
            "accessories": [],
        }
    ],
    "options": {"p_cover": "ACRYLIC"},
}
_READINESS_PARTS = {"db": "database", "storage": "storage"}
_BODY_SHOWN = 300  # characters of a non-envelope answer (a proxy's error page, S3's XML)


class StepFailed(Exception):
    """A step's check failed; `details` are the lines that tell the operator what broke."""

    def __init__(self, summary: str, details: list[str] | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.details = details or []


@dataclass
class _Run:
    api: httpx.Client  # the service, with the API key
    downloads: httpx.Client  # signed URLs carry their own authorisation: no API key is sent to them
    passed: int = 0
    failed: int = 0
    fetched: dict[str, str] = field(default_factory=dict)  # pack path → SHA-256 of the downloaded bytes

    def step(self, name: str, action: Callable[[], str]) -> bool:
        """Run one step and print its line; False when it failed."""
        started = time.perf_counter()
        details: list[str] = []
        try:
            outcome, ok = action(), True
        except StepFailed as failure:
            outcome, ok, details = failure.summary, False, failure.details
        except Exception as exc:  # a transport error or an unexpected answer fails this step only
            outcome, ok = f"{type(exc).__name__}: {_first_line(exc)}", False
        elapsed_ms = (time.perf_counter() - started) * 1000
        print(f"{'✅' if ok else '❌'} {name:<44} {elapsed_ms:>7.0f} ms  {outcome}", flush=True)
        for line in details:
            print(f"      {line}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "(no message)"


def _envelope_lines(response: httpx.Response) -> list[str]:
    """What the service said about a failure: the envelope's code, message, hint and trace id."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "code" in body:
        lines = [f"code: {body.get('code')}", f"message: {body.get('message')}"]
        if body.get("path"):
            lines.append(f"path: {body['path']}")
        lines.append(f"hint: {body.get('hint')}")
        lines.append(f"traceId: {body.get('traceId') or response.headers.get('X-Trace-Id', '-')}")
        return lines
    text = response.text.strip().replace("\n", " ")
    return [f"body: {text[:_BODY_SHOWN] or '(empty)'}"]


def _expect(response: httpx.Response, status: int) -> Any:
    """The JSON body of a response with the expected status, else StepFailed with the envelope."""
    if response.status_code != status:
        raise StepFailed(f"HTTP {response.status_code} (expected {status})", _envelope_lines(response))
    try:
        return response.json()
    except ValueError:
        raise StepFailed(f"HTTP {status} but not JSON", _envelope_lines(response)) from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Quote:
    id: str = ""
    number: str = ""
    evidence_sha256: str | None = None
    listing: dict[str, Any] = field(default_factory=dict)

    @property
    def manifest_hashes(self) -> dict[str, str]:
        manifest = self.listing.get("manifest") or {}
        return {**manifest.get("files", {}), **manifest.get("measurements", {})}


def _healthz(run: _Run) -> str:
    body = _expect(run.api.get("/healthz"), 200)
    if body.get("status") != "ok":
        raise StepFailed(f"status {body.get('status')!r}")
    return f"ok (version {body.get('version', '?')})"


def _readyz(run: _Run) -> str:
    response = run.api.get("/readyz")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "status" not in body:
        raise StepFailed(f"HTTP {response.status_code}: not the readiness answer", _envelope_lines(response))
    failing = {
        label: f"{label} ({part}): {body.get(part)}"
        for part, label in _READINESS_PARTS.items()
        if not str(body.get(part, "")).startswith("ok")
    }
    if response.status_code != 200 or body.get("status") != "ok" or failing:
        names = ", ".join(failing) or "unknown part"
        raise StepFailed(
            f"HTTP {response.status_code} {body.get('status')}: {names} not ready",
            [*failing.values(), f"traceId: {body.get('traceId', '-')}"],
        )
    return "database ok, storage ok"


def _create(run: _Run, quote: _Quote) -> str:
    body = _expect(run.api.post("/v1/estimate", json=SMOKE_REQUEST), 201)
    quote.id, quote.number = str(body["id"]), str(body["number"])
    quote.evidence_sha256 = (body.get("evidence") or {}).get("sha256")
    failed_gates = [g["id"] for g in body.get("gates", []) if g.get("status") == "fail"]
    if failed_gates:
        raise StepFailed(f"{quote.number}: gates failed: {', '.join(failed_gates)}")
    if not quote.evidence_sha256:
        raise StepFailed(f"{quote.number}: the quote has no evidence hash")
    total = body.get("totals", {}).get("total")
    return f"{quote.number} total {total:,} KRW" if isinstance(total, int) else quote.number


def _read_back(run: _Run, quote: _Quote) -> str:
    body = _expect(run.api.get(f"/v1/estimate/{quote.id}"), 200)
    if body.get("number") != quote.number:
        raise StepFailed(f"read back {body.get('number')!r}, created {quote.number!r}")
    return f"{quote.number} ({body.get('status')})"


def _evidence_listing(run: _Run, quote: _Quote) -> str:
    listing = _expect(run.api.get(f"/v1/estimate/{quote.id}/evidence"), 200)
    quote.listing = listing
    manifest = listing.get("manifest")
    if not isinstance(manifest, dict):
        raise StepFailed("the listing has no readable manifest.json (see the verify step)")
    if listing.get("sha256") != quote.evidence_sha256:
        raise StepFailed(f"evidence hash {listing.get('sha256')} ≠ the quote's {quote.evidence_sha256}")
    if manifest_hash(manifest) != quote.evidence_sha256:
        raise StepFailed(f"the manifest hashes to {manifest_hash(manifest)}, not {quote.evidence_sha256}")
    if not listing.get("files") or not listing.get("documents"):
        raise StepFailed("no evidence files or no documents listed")
    return f"{len(listing['files'])} files, {len(listing['documents'])} documents, manifest hash ok"


def _download(run: _Run, url: str) -> bytes:
    response = run.downloads.get(url)
    if response.status_code != 200:
        raise StepFailed(f"signed URL answered HTTP {response.status_code}", _envelope_lines(response))
    return response.content


def _document(run: _Run, quote: _Quote, document: dict[str, Any]) -> str:
    data = _download(run, document["url"])
    digest = _sha256(data)
    if digest != document["sha256"]:
        raise StepFailed(f"sha256 {digest[:16]}… ≠ listed {document['sha256'][:16]}…")
    if digest in quote.manifest_hashes.values():
        return f"{len(data):,} bytes, sha256 {digest[:12]}… in manifest"
    # Rendered on first download: declared in the manifest, its hash recorded with its pack path.
    declared = (quote.listing.get("manifest") or {}).get("deferred") or {}
    path = next((p for p, entry in declared.items() if entry.get("kind") == document["kind"]), None)
    recorded = {f["path"]: f["sha256"] for f in quote.listing.get("files", [])}
    if path is None or recorded.get(path) != digest:
        raise StepFailed(f"sha256 {digest[:16]}… is not in the manifest nor recorded as its deferred {path}")
    return f"{len(data):,} bytes, sha256 {digest[:12]}… = recorded (rendered on first download)"


def _evidence_file(run: _Run, quote: _Quote, file: dict[str, Any]) -> str:
    path = file["path"]
    data = _download(run, file["url"])
    digest = _sha256(data)
    run.fetched[path] = digest
    if digest != file["sha256"]:
        raise StepFailed(f"sha256 {digest[:16]}… ≠ recorded {file['sha256'][:16]}…")
    in_manifest = quote.manifest_hashes.get(path)
    if in_manifest is not None and in_manifest != digest:
        raise StepFailed(f"sha256 {digest[:16]}… ≠ manifest {in_manifest[:16]}…")
    if path == MANIFEST and json.loads(data) != quote.listing["manifest"]:
        raise StepFailed("the stored manifest.json differs from the listed manifest")
    where = "manifest" if in_manifest is not None else "recorded hash"
    return f"{len(data):,} bytes, sha256 {digest[:12]}… = {where}"


def _pack_complete(run: _Run, quote: _Quote) -> str:
    problems = [f"in the manifest, not stored: {p}" for p in quote.manifest_hashes if p not in run.fetched]
    sums_url = next((f["url"] for f in quote.listing["files"] if f["path"] == SUMS), None)
    if sums_url is None:
        problems.append(f"{SUMS} is not stored")
    else:
        for line in _download(run, sums_url).decode("utf-8").splitlines():
            digest, _, path = line.partition("  ")
            if run.fetched.get(path) != digest:
                problems.append(f"{SUMS}: {path} {digest[:16]}… ≠ downloaded {run.fetched.get(path)}")
    if problems:
        raise StepFailed(f"{len(problems)} problem(s)", problems)
    return f"{len(quote.manifest_hashes)} manifest entries and {SUMS} match the downloads"


def _verify(run: _Run, quote: _Quote) -> str:
    report = _expect(run.api.get(f"/v1/estimate/{quote.id}/evidence/verify"), 200)
    if not report.get("ok"):
        lines = [
            f"{label}: {', '.join(report.get(label) or [])}"
            for label in ("changed", "missing", "extra", "problems")
            if report.get(label)
        ]
        raise StepFailed("ok: false", lines)
    signed = ", signature checked" if report.get("signature_checked") else ""
    return f"ok{signed}"


def _close(run: _Run, quote: _Quote) -> str:
    body = _expect(run.api.patch(f"/v1/estimate/{quote.id}", json={"status": "closed"}), 200)
    if body.get("status") != "closed":
        raise StepFailed(f"status {body.get('status')!r} after closing")
    return f"{quote.number} closed"


def _quote_steps(run: _Run, quote: _Quote) -> None:
    """Everything that needs the created quote."""
    run.step("GET /v1/estimate/{id}", lambda: _read_back(run, quote))
    if run.step("GET /v1/estimate/{id}/evidence", lambda: _evidence_listing(run, quote)):
        for document in quote.listing["documents"]:
            run.step(f"document {document['kind']} (signed URL)", partial(_document, run, quote, document))
        for file in quote.listing["files"]:
            run.step(f"evidence {file['path']} (signed URL)", partial(_evidence_file, run, quote, file))
        run.step("manifest and SHA256SUMS cover the pack", lambda: _pack_complete(run, quote))
    run.step("GET /v1/estimate/{id}/evidence/verify", lambda: _verify(run, quote))
    run.step("PATCH /v1/estimate/{id} → closed", lambda: _close(run, quote))


def _steps(run: _Run, api_key: str | None) -> None:
    if not run.step("GET /healthz", lambda: _healthz(run)):
        print("      the service does not answer: nothing else can be checked", flush=True)
        return
    run.step("GET /readyz", lambda: _readyz(run))
    if not api_key:

        def refuse() -> str:
            raise StepFailed("no API key: pass --api-key KEY or set KIS_API_KEY (an estimator key)")

        run.step("POST /v1/estimate", refuse)
        return
    quote = _Quote()
    if run.step("POST /v1/estimate (DOMAIN §8)", lambda: _create(run, quote)):
        _quote_steps(run, quote)


def run_smoke(url: str, api_key: str | None, *, timeout: float = 30.0) -> int:
    """Run every step against the service at `url`; 0 when all passed, 1 otherwise."""
    try:
        import httpx
    except ImportError:
        print("❌ kis smoke needs httpx: pip install httpx", flush=True)
        return EXIT_FAILED
    base = url.rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    print(f"kis smoke {httpx.URL(base).copy_with(userinfo=b'')}", flush=True)  # never a password
    started = time.perf_counter()
    with (
        httpx.Client(base_url=base, headers=headers, timeout=timeout) as api,
        httpx.Client(timeout=timeout, follow_redirects=True) as downloads,
    ):
        run = _Run(api, downloads)
        _steps(run, api_key)
    total_ms = (time.perf_counter() - started) * 1000
    verdict = "passed" if run.failed == 0 else "FAILED"
    print(
        f"smoke {verdict}: {run.passed}/{run.passed + run.failed} steps passed in {total_ms:.0f} ms",
        flush=True,
    )
    return EXIT_OK if run.failed == 0 else EXIT_FAILED
