"""Security on running servers: tampering is detected, signed URLs refuse any change and expire, no
secret reaches a log line, and every route admits exactly the roles it should.

Two `kis serve` processes: one over PostgreSQL + S3 (presigned URLs, checked by the gate in front of
moto as real S3 does), one over SQLite + the filesystem store (HMAC-signed URLs served by /v1/blobs).
Both run with LOG_LEVEL=DEBUG, JWT_SECRET set and a short SIGNED_URL_TTL_S.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import jwt
import pytest

from kis_estimator.settings import Settings
from tests.api.test_auth import MATRIX, RANK, _call
from tests.api.test_auth import ROLES as AUTH_ROLES
from tests.live import LiveServer, SseReader, create_api_key, free_port, run_kis
from tests.reliability.figures import record
from tests.reliability.stack import BUCKET, ROLES, SSE, Stack, open_stack, request_body

TTL_S = 5  # SIGNED_URL_TTL_S of both servers
JWT_SECRET = "kis-reliability-jwt-secret-do-not-log-0123456789"
FS_EVIDENCE_SECRET = "kis-reliability-fs-evidence-secret-do-not-log"
BASIC_PASSWORD = "hunter2-do-not-log"
COMMON_ENV = {"LOG_LEVEL": "DEBUG", "JWT_SECRET": JWT_SECRET, "SIGNED_URL_TTL_S": str(TTL_S)}


@dataclass
class Target:
    """One running server and the test's own hands on its store."""

    name: str
    server: LiveServer
    env: dict[str, str]
    keys: dict[str, str]
    secrets: dict[str, str]
    read_blob: Callable[[str], bytes]
    write_blob: Callable[[str, bytes], None]
    key_of_url: Callable[[str], str]
    seen: list[str] = field(default_factory=list)  # signed-URL signatures handed out: never to be logged

    def auth(self, role: str = "estimator", **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **headers}


@pytest.fixture(scope="module")
def s3_stack() -> Iterator[Stack]:
    with open_stack("security-s3", **COMMON_ENV) as started:
        yield started


@pytest.fixture(scope="module")
def s3_target(s3_stack: Stack) -> Target:
    s3 = s3_stack.s3()

    def read_blob(key: str) -> bytes:
        return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())

    def write_blob(key: str, data: bytes) -> None:
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    def key_of_url(url: str) -> str:
        return unquote(urlsplit(url).path).removeprefix(f"/{BUCKET}/")

    secrets = {**s3_stack.secrets, "JWT_SECRET": JWT_SECRET}
    return Target(
        "s3", s3_stack.server, s3_stack.env, s3_stack.keys, secrets, read_blob, write_blob, key_of_url
    )


@pytest.fixture(scope="module")
def fs_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    root = tmp_path_factory.mktemp("fs-target")
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{root}/kis.db",
        "STORAGE_URL": f"file://{root}/blobs",
        "EVIDENCE_SECRET": FS_EVIDENCE_SECRET,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "KIS_DOC_RECALC": "0",
        **COMMON_ENV,
    }
    run_kis(env, "db", "upgrade")
    keys = {role: create_api_key(env, role, f"security {role}") for role in ROLES}
    server = LiveServer(env, mode="serve", port=port, name="security-fs")
    blobs = root / "blobs"

    def key_of_url(url: str) -> str:
        return unquote(urlsplit(url).path).removeprefix("/v1/blobs/")

    secrets = {
        **{f"API key ({role})": key for role, key in keys.items()},
        "EVIDENCE_SECRET": FS_EVIDENCE_SECRET,
        "JWT_SECRET": JWT_SECRET,
    }
    try:
        server.start(timeout_s=40)
        yield Target(
            "filesystem",
            server,
            env,
            keys,
            secrets,
            lambda key: (blobs / key).read_bytes(),
            lambda key, data: _write_file(blobs / key, data),
            key_of_url,
        )
    finally:
        server.close()


def _write_file(path: Path, data: bytes) -> None:
    path.write_bytes(data)


@pytest.fixture(params=["s3", "filesystem"])
def target(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue("s3_target" if request.param == "s3" else "fs_target")  # type: ignore[no-any-return]


def create_quote(target: Target) -> dict[str, Any]:
    with target.server.client() as client:
        response = client.post(
            "/v1/estimate", json=request_body(f"security {uuid.uuid4().hex[:8]}"), headers=target.auth()
        )
    assert response.status_code == 201, f"{target.name}: create {response.status_code} {response.text}"
    return dict(response.json())


def evidence_listing(target: Target, quote_id: str) -> dict[str, Any]:
    with target.server.client() as client:
        response = client.get(f"/v1/estimate/{quote_id}/evidence", headers=target.auth("viewer"))
    assert response.status_code == 200, (
        f"{target.name}: evidence listing {response.status_code} {response.text}"
    )
    listing = dict(response.json())
    for entry in [*listing["files"], *listing["documents"]]:
        target.seen.append(signature_of(entry["url"]))
    return listing


def verify(target: Target, quote_id: str) -> dict[str, Any]:
    with target.server.client() as client:
        response = client.get(f"/v1/estimate/{quote_id}/evidence/verify", headers=target.auth("viewer"))
    assert response.status_code == 200, f"{target.name}: verify {response.status_code} {response.text}"
    return dict(response.json())


def signature_of(url: str) -> str:
    query = dict(parse_qsl(urlsplit(url).query))
    return query.get("sig") or query["X-Amz-Signature"]


def flip_middle_byte(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


# --- tampering -----------------------------------------------------------------------------------


def test_changing_one_byte_of_any_evidence_file_is_named_by_verify(target: Target) -> None:
    """For every file of one quote's stored evidence pack: change its middle byte in storage, verify must
    name exactly that file (and nothing else as changed, missing or extra); restore it, verify is ok."""
    quote = create_quote(target)
    files = evidence_listing(target, quote["id"])["files"]
    assert verify(target, quote["id"])["ok"] is True
    wrong = []
    for entry in files:
        key = target.key_of_url(entry["url"])
        original = target.read_blob(key)
        assert hashlib.sha256(original).hexdigest() == entry["sha256"], f"{entry['path']} differs before"
        target.write_blob(key, flip_middle_byte(original))
        try:
            report = verify(target, quote["id"])
        finally:
            target.write_blob(key, original)
        named = (report["changed"], report["missing"], report["extra"])
        if report["ok"] is not False or named != ([entry["path"]], [], []):
            wrong.append(
                f"{entry['path']}: ok={report['ok']} changed={report['changed']} missing={report['missing']} "
                f"extra={report['extra']} problems={[p[:60] for p in report['problems']]}"
            )
        restored = verify(target, quote["id"])
        assert restored["ok"] is True, f"{entry['path']} restored, verify still fails: {restored}"
    record(
        f"tampering_{target.name}",
        evidence_files=len(files),
        named_exactly=len(files) - len(wrong),
        not_named_exactly=[line.split(":")[0] for line in wrong],
    )
    assert not wrong, f"verify did not name exactly the changed file ({len(wrong)} of {len(files)}):\n" + (
        "\n".join(wrong)
    )


def test_a_changed_path_in_sha256sums_is_detected(target: Target) -> None:
    """SHA256SUMS is a stored evidence file like any other: a change to one character of a file name in
    it must fail verification by the API and by `kis evidence verify` (kis storage verify, which re-hashes
    every blob against the database, already names it)."""
    quote = create_quote(target)
    entry = next(f for f in evidence_listing(target, quote["id"])["files"] if f["path"] == "SHA256SUMS")
    key = target.key_of_url(entry["url"])
    original = target.read_blob(key)
    position = original.index(b"stages/") + len(b"stages/") + 1  # a letter of the first stage's name
    target.write_blob(key, original[:position] + b"X" + original[position + 1 :])
    try:
        report = verify(target, quote["id"])
        storage = run_kis(target.env, "storage", "verify", check=False)
        evidence = run_kis(target.env, "evidence", "verify", quote["number"], check=False)
    finally:
        target.write_blob(key, original)
    record(
        f"tampering_{target.name}",
        sha256sums_path_change_api_verify_ok=report["ok"],
        sha256sums_path_change_evidence_verify_exit=evidence.returncode,
        sha256sums_path_change_storage_verify_exit=storage.returncode,
    )
    # (rich wraps the key at 80 columns when the output is not a terminal)
    assert storage.returncode == 1 and key in storage.stdout.replace("\n", ""), storage.stdout
    assert report["ok"] is False and report["changed"] == ["SHA256SUMS"], (
        f"evidence/verify accepts a tampered SHA256SUMS: {report}"
    )
    assert evidence.returncode == 1, f"kis evidence verify accepts a tampered SHA256SUMS:\n{evidence.stdout}"


# --- signed URLs ---------------------------------------------------------------------------------


def _other(char: str) -> str:
    if char in "0123456789abcdef":
        hexdigits = "0123456789abcdef"
        return hexdigits[(hexdigits.index(char) + 1) % 16]
    if char.isdigit():
        return str((int(char) + 1) % 10)
    if char.isalpha():
        return "x" if char.lower() != "x" else "y"
    return "_" if char != "_" else "-"


def one_char_changes(url: str, target: Target) -> list[tuple[str, str]]:
    """(part, url) for every single-character change of the key, the expiry and the signature (and for
    S3 of X-Amz-Date and X-Amz-Credential); characters of %XX escapes are left alone."""
    head, _, query = url.partition("?")
    prefix = "/v1/blobs/" if target.name == "filesystem" else f"/{BUCKET}/"
    key_start = head.index(prefix) + len(prefix)
    changes = [
        ("key", f"{head[:i]}{_other(head[i])}{head[i + 1 :]}?{query}") for i in range(key_start, len(head))
    ]
    names = {"expires": "expires", "sig": "sig"}
    if target.name == "s3":
        names = {
            "expires": "X-Amz-Expires",
            "sig": "X-Amz-Signature",
            "date": "X-Amz-Date",
            "credential": "X-Amz-Credential",
        }
    for part, name in names.items():
        start = query.index(f"{name}=") + len(name) + 1
        end = query.find("&", start)
        end = len(query) if end < 0 else end
        escaped: set[int] = set()
        for j in range(start, end):
            if query[j] == "%":
                escaped |= {j, j + 1, j + 2}
        for i in range(start, end):
            if i not in escaped:
                changes.append((part, f"{head}?{query[:i]}{_other(query[i])}{query[i + 1 :]}"))
    return changes


def test_a_signed_url_refuses_every_one_character_change(target: Target) -> None:
    quote = create_quote(target)
    entry = next(
        f for f in evidence_listing(target, quote["id"])["files"] if f["path"] == "stages/pricing.json"
    )
    url = entry["url"]
    changes = one_char_changes(url, target)
    with httpx.Client(timeout=10) as client, ThreadPoolExecutor(8) as pool:
        first = client.get(url)
        assert first.status_code == 200 and hashlib.sha256(first.content).hexdigest() == entry["sha256"]
        statuses = list(pool.map(lambda change: client.get(change[1]).status_code, changes))
        still = client.get(url)  # the refusals above were not the expiry
    assert still.status_code == 200, f"the URL expired during the check ({TTL_S} s): raise TTL_S"
    # The service's own URLs must be refused with 403. The S3 stand-in (tests/storage/s3_server.py) answers
    # 500 to an X-Amz-Date it cannot parse, where S3 answers 400; either way nothing is served.
    let_in = [
        f"{part} -> {status}: {changed}"
        for (part, changed), status in zip(changes, statuses, strict=True)
        if status != 403
        and (target.name == "filesystem" or part not in ("date", "credential") or status == 200)
    ]
    record(
        f"signed_urls_{target.name}",
        one_char_changes_tried=_count(part for part, _ in changes),
        answers=_count(f"{part} {status}" for (part, _), status in zip(changes, statuses, strict=True)),
        served=sum(status == 200 for status in statuses),
    )
    assert not let_in, f"{len(let_in)} changed URLs were not refused with 403:\n" + "\n".join(let_in[:10])


def _count(parts: Any) -> dict[str, int]:
    return dict(sorted(Counter(parts).items()))


def test_signed_urls_of_both_stores_expire_after_the_ttl(s3_target: Target, fs_target: Target) -> None:
    """Fetch a fresh signed URL of each store every 0.2 s: served until SIGNED_URL_TTL_S, refused after."""
    urls = {}
    for target in (s3_target, fs_target):
        quote = create_quote(target)
        files = evidence_listing(target, quote["id"])["files"]
        # Ages count from when the listing came back: the URL was signed before that (the listing may
        # first render the documents made on first download), so it must be refused by age TTL_S.
        issued = time.time()
        urls[target.name] = (issued, files[0]["url"])
    seen: dict[str, list[tuple[float, int]]] = {name: [] for name in urls}
    with httpx.Client(timeout=10) as client:
        deadline = time.time() + TTL_S + 3
        while time.time() < deadline and not all(
            samples and samples[-1][1] == 403 for samples in seen.values()
        ):
            for name, (issued, url) in urls.items():
                seen[name].append((time.time() - issued, client.get(url).status_code))
            time.sleep(0.2)
    for name, samples in seen.items():
        served = [age for age, status in samples if status == 200]
        refused = [age for age, status in samples if status == 403]
        record(
            f"signed_urls_{name}",
            ttl_s=TTL_S,
            last_served_after_s=round(max(served), 2) if served else None,
            first_refused_after_s=round(min(refused), 2) if refused else None,
        )
        assert served and max(served) <= TTL_S, f"{name}: served {samples}"
        assert refused and min(refused) <= TTL_S + 1.2, f"{name}: not refused after the TTL: {samples}"
        assert all(status == 403 for age, status in samples if age >= min(refused)), f"{name}: {samples}"


# --- no secret in any log line -------------------------------------------------------------------


def _jwt(secret: str, **claims: Any) -> str:
    body = {"sub": "reliability-user", "aud": "authenticated", "exp": int(time.time()) + 300, **claims}
    return jwt.encode(body, secret, algorithm="HS256")


def busy_session(target: Target) -> dict[str, str]:
    """Creates (plain, idempotent, replayed, conflicting, streamed), refused keys and tokens, a revoked
    key, signed URL fetches (good and changed), documents, exports and errors. Returns the credentials
    it made up or was given, by name."""
    made: dict[str, str] = {}
    estimator_jwt = _jwt(JWT_SECRET, app_metadata={"kis_role": "estimator"})
    made["JWT (valid)"] = estimator_jwt
    made["JWT (forged)"] = _jwt(
        "an-attacker-secret-of-enough-length-0000", app_metadata={"kis_role": "admin"}
    )
    made["JWT (expired)"] = _jwt(JWT_SECRET, exp=int(time.time()) - 10)
    made["JWT (other audience)"] = _jwt(JWT_SECRET, aud="somebody-else")
    made["refused API key"] = "kis_" + uuid.uuid4().hex + uuid.uuid4().hex
    basic = base64.b64encode(f"reliability:{BASIC_PASSWORD}".encode()).decode()
    made["Basic credentials"] = basic
    made["Basic password"] = BASIC_PASSWORD
    with target.server.client(timeout=httpx.Timeout(60.0, read=30.0)) as client:

        def expect(response: httpx.Response, status: int, what: str) -> httpx.Response:
            assert response.status_code == status, (
                f"{target.name} {what}: {response.status_code} {response.text}"
            )
            return response

        quote = expect(
            client.post("/v1/estimate", json=request_body("busy plain"), headers=target.auth()), 201, "create"
        ).json()
        idem = target.auth(**{"Idempotency-Key": f"busy-{uuid.uuid4()}"})
        expect(
            client.post("/v1/estimate", json=request_body("busy idem"), headers=idem),
            201,
            "idempotent create",
        )
        expect(client.post("/v1/estimate", json=request_body("busy idem"), headers=idem), 201, "replay")
        expect(
            client.post("/v1/estimate", json=request_body("busy other"), headers=idem),
            409,
            "key with another body",
        )
        with client.stream(
            "POST", "/v1/estimate", json=request_body("busy sse"), headers=target.auth(**SSE)
        ) as streamed:
            assert SseReader(streamed).until()[-1].type == "DONE"
        jwt_headers = {"Authorization": f"Bearer {estimator_jwt}"}
        expect(
            client.post("/v1/estimate", json=request_body("busy jwt"), headers=jwt_headers),
            201,
            "create by JWT",
        )
        for name in ("JWT (forged)", "JWT (expired)", "JWT (other audience)", "refused API key"):
            expect(client.get("/v1/estimate", headers={"Authorization": f"Bearer {made[name]}"}), 401, name)
        expect(client.get("/v1/estimate", headers={"Authorization": f"Basic {basic}"}), 401, "Basic auth")
        expect(
            client.post("/v1/estimate", json=request_body("busy viewer"), headers=target.auth("viewer")),
            403,
            "viewer create",
        )
        created = expect(
            client.post(
                "/v1/keys", json={"name": "short-lived", "role": "viewer"}, headers=target.auth("admin")
            ),
            201,
            "POST /v1/keys",
        ).json()
        made["key made by POST /v1/keys"] = created["key"]
        short_lived = {"Authorization": f"Bearer {created['key']}"}
        expect(client.get("/v1/estimate", headers=short_lived), 200, "new key")
        expect(client.delete(f"/v1/keys/{created['id']}", headers=target.auth("admin")), 200, "revoke")
        expect(client.get("/v1/estimate", headers=short_lived), 401, "revoked key")
        listing = evidence_listing(target, quote["id"])
        for entry in listing["files"][:5]:
            expect(client.get(entry["url"]), 200, f"signed URL of {entry['path']}")
            sig = signature_of(entry["url"])
            expect(client.get(entry["url"].replace(sig, sig[::-1])), 403, "changed signed URL")
        exported = expect(
            client.post("/v1/documents/export", json={"quoteId": quote["id"]}, headers=target.auth("viewer")),
            200,
            "export",
        ).json()
        for document in exported["documents"]:
            target.seen.append(signature_of(document["url"]))
            expect(client.get(document["url"]), 200, f"exported {document['kind']}")
        viewer = target.auth("viewer")
        expect(client.get(f"/v1/estimate/{quote['id']}/documents/pdf", headers=viewer), 200, "pdf")
        expect(client.get(f"/v1/estimate/{quote['id']}/evidence/verify", headers=viewer), 200, "verify")
        expect(client.get(f"/v1/estimate/{uuid.uuid4()}", headers=viewer), 404, "unknown quote")
        expect(
            client.post("/v1/estimate", json={"panels": []}, headers=target.auth()), 422, "invalid request"
        )
        expect(
            client.post(
                "/v1/estimate",
                content=b"{not json",
                headers={**target.auth(), "Content-Type": "application/json"},
            ),
            400,
            "malformed JSON",
        )
        expect(client.get("/readyz"), 200, "readyz")
        expect(client.get("/metrics"), 200, "metrics")
    return made


READYZ_CACHE_S = Settings.model_fields["readyz_cache_s"].default


def test_no_secret_appears_in_any_log_line(s3_stack: Stack, s3_target: Target, fs_target: Target) -> None:
    made = {target.name: busy_session(target) for target in (s3_target, fs_target)}
    # dependency failures log errors too: S3 down for one create, PostgreSQL down for one read
    with s3_target.server.client() as client:
        s3_stack.proxy.down()
        try:
            down = client.post("/v1/estimate", json=request_body("busy s3 down"), headers=s3_target.auth())
            time.sleep(READYZ_CACHE_S)  # a probe made before S3 went down may be reused that long
            not_ready = client.get("/readyz")
        finally:
            s3_stack.proxy.up()
        s3_stack.postgres.halt()
        try:
            no_db = client.get("/v1/estimate", headers=s3_target.auth("viewer"))
        finally:
            s3_stack.postgres.resume()
    assert (down.status_code, not_ready.status_code, no_db.status_code) == (503, 503, 503)
    time.sleep(0.5)  # let the last log lines reach the files
    found, lines, levels = [], 0, Counter[str]()
    for target in (s3_target, fs_target):
        secrets = {**target.secrets, **made[target.name]}
        secrets |= {f"signed URL signature #{i}": sig for i, sig in enumerate(target.seen)}
        for stream, text in (("stderr", target.server.stderr()), ("stdout", target.server.stdout())):
            for number, line in enumerate(text.splitlines(), 1):
                lines += 1
                try:
                    levels[json.loads(line).get("level", "?")] += 1
                except (ValueError, AttributeError):
                    levels["not JSON"] += 1
                found += [
                    f"{target.name} {stream}:{number}: {name}"
                    for name, secret in secrets.items()
                    if secret in line
                ]
    record(
        "logs",
        log_level="DEBUG",
        servers=2,
        lines_scanned=lines,
        lines_by_level=dict(sorted(levels.items())),
        secrets_looked_for=sum(
            len(t.secrets) + len(made[t.name]) + len(t.seen) for t in (s3_target, fs_target)
        ),
        secrets_found=len(found),
    )
    assert lines > 0, "the servers logged nothing"
    assert not found, "secrets in the logs:\n" + "\n".join(found[:20])


# --- every route's roles, on a running server --------------------------------------------------


def test_every_route_lets_in_exactly_its_roles_on_a_running_server(s3_target: Target) -> None:
    """The matrix of tests/api/test_auth.py (in-process, SQLite) replayed over HTTP against `kis serve`
    on PostgreSQL + S3, for no key, a forged key and each role."""
    with httpx.Client(base_url=s3_target.server.url, timeout=30) as client:
        paths = client.get("/openapi.json").json()["paths"]
        live = {
            (m.upper(), p)
            for p, item in paths.items()
            for m in item
            if not p.startswith(("/openapi", "/docs"))
        }
        assert live == set(MATRIX), f"routes differ from the matrix: {sorted(live ^ set(MATRIX))}"
        api = SimpleNamespace(client=client)
        wrong, calls = [], 0
        identities: list[tuple[str, str | None]] = [("no key", None), ("forged key", "kis_" + "0" * 64)]
        identities += [(role, s3_target.keys[role]) for role in AUTH_ROLES]
        for who, key in identities:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            role = who if who in RANK else None
            for (method, path), least in sorted(MATRIX.items()):
                status = _call(api, method, path, headers)  # type: ignore[arg-type]
                calls += 1
                allowed = least is None or (role is not None and RANK[role] >= RANK[least])
                if allowed and status in (401, 403):
                    wrong.append(f"{method} {path}: {status} for {who}, should be let in")
                if not allowed and status != (401 if role is None else 403):
                    wrong.append(
                        f"{method} {path}: {status} for {who}, should be {401 if role is None else 403}"
                    )
    record(
        "auth_matrix_live", routes=len(MATRIX), identities=len(identities), requests=calls, wrong=len(wrong)
    )
    assert not wrong, "\n".join(wrong)
