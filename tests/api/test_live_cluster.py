"""Two real service processes over one PostgreSQL and one S3 store: nothing lives in one process only.

The module starts a throwaway PostgreSQL (tests/postgres_server.py) and a moto S3 server behind the
presign gate (tests/storage/s3_server.py), migrates with `kis db upgrade`, creates the bucket with
`kis storage init`, makes an estimator key with `kis keys create`, and runs server A (`kis serve`) and
server B (`python -m uvicorn --factory kis_estimator.api.main:app`) with the same environment. What one
process writes, the other must read: quotes, search, events (replay and live tail), evidence,
idempotency keys. A third process checks the graceful shutdown on SIGTERM.
"""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.factories import DOMAIN_S8
from tests.live import LiveServer, SseFrame, SseReader, create_api_key, read_sse, run_kis
from tests.postgres_server import TemporaryPostgres
from tests.storage.s3_server import GatedMotoServer

S3_ACCESS_KEY = "AKIAKISLIVECLUSTER01"
S3_SECRET_KEY = "kis-live-cluster-secret-key"
BUCKET = "kis-live-evidence"
# Stages a saved estimate reports as PROGRESS (kis_estimator.engine.estimate.STAGES + DOCUMENT_STAGES).
STAGES = [
    "accepted",
    "validate",
    "resolve",
    "enclosure",
    "placement",
    "critic",
    "pricing",
    "format",
    "cover",
    "lint",
    "evidence",
]
ENVELOPE_KEYS = {"code", "message", "hint", "path", "traceId", "meta"}
SSE = {"Accept": "text/event-stream"}
# Streams must make progress: a read that waits longer than this fails the test instead of hanging it.
STREAM_TIMEOUT = httpx.Timeout(30.0, read=20.0)


@dataclass
class Cluster:
    env: dict[str, str]
    key: str
    a: LiveServer
    b: LiveServer
    servers: list[LiveServer] = field(default_factory=list)  # every process started, for the log check
    secrets: list[str] = field(default_factory=list)  # credentials that no log may contain

    def auth(self, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **headers}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    postgres = TemporaryPostgres()  # RuntimeError with a clear message when the binaries are missing
    s3 = GatedMotoServer({S3_ACCESS_KEY: S3_SECRET_KEY}, ip_address="127.0.0.1", port=0)
    servers: list[LiveServer] = []
    try:
        postgres.start()
        database_url = postgres.create_database("kis_live")
        s3.start()
        host, port = s3.get_host_and_port()
        env = {
            "DATABASE_URL": database_url,
            "STORAGE_URL": f"s3://{BUCKET}",
            "S3_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "AWS_REGION": "us-east-1",
            "EVIDENCE_SECRET": "kis-live-cluster-evidence-secret",
            "KIS_DOC_RECALC": "0",
            "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "SSE_HEARTBEAT_S": "1",
            "SSE_POLL_S": "0.05",
            "LOG_LEVEL": "INFO",
        }
        run_kis(env, "db", "upgrade")
        run_kis(env, "storage", "init")
        key = create_api_key(env, "estimator", "live cluster")
        assert key and " " not in key, f"`kis keys create` did not end with the key alone: {key!r}"
        a = LiveServer(env, mode="serve", name="A")
        b = LiveServer(env, mode="uvicorn", name="B")
        servers += [a, b]
        for server in (a, b):  # start both, then wait for both
            server.spawn()
        for server in (a, b):
            server.wait_ready(timeout_s=40)
        yield Cluster(env, key, a, b, servers, [key, S3_SECRET_KEY, env["EVIDENCE_SECRET"]])
    finally:
        for server in servers:
            server.close()
        s3.stop()
        postgres.stop()


def envelope(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == ENVELOPE_KEYS, f"not the error envelope: {body}"
    assert response.headers.get("X-Trace-Id") == body["traceId"], "X-Trace-Id differs from the envelope's"
    return dict(body)


def create(server: LiveServer, cluster: Cluster, body: dict[str, Any]) -> dict[str, Any]:
    with server.client() as client:
        response = client.post("/v1/estimate", json=body, headers=cluster.auth())
    assert response.status_code == 201, (
        f"POST /v1/estimate on {server.name}: {response.status_code} {response.text}"
    )
    return dict(response.json())


def search_total(server: LiveServer, cluster: Cluster, **params: Any) -> tuple[int, list[dict[str, Any]]]:
    with server.client() as client:
        response = client.get("/v1/estimate", params={"size": 100, **params}, headers=cluster.auth())
    assert response.status_code == 200, f"search on {server.name}: {response.status_code} {response.text}"
    page = response.json()
    return int(page["total"]), list(page["items"])


def check_frames(frames: list[SseFrame], quote_id: str, where: str) -> None:
    """Every frame has a meta with the quote id; meta.seq rises strictly; the stream ends with DONE."""
    assert frames, f"{where}: no frames"
    for frame in frames:
        assert isinstance(frame.data, dict), f"{where}: a frame's data is not JSON: {frame.data!r}"
        assert frame.event == frame.type, f"{where}: `event:` {frame.event} but type {frame.type}"
        meta = frame.meta
        assert isinstance(meta, dict), f"{where}: {frame.type} frame without meta: {frame.data}"
        assert meta.get("quoteId") == quote_id, f"{where}: meta.quoteId {meta.get('quoteId')} != {quote_id}"
        assert isinstance(meta.get("seq"), int), f"{where}: meta.seq missing in {meta}"
        assert meta.get("traceId") and meta.get("ts"), f"{where}: meta without traceId/ts: {meta}"
    seqs = [frame.meta["seq"] for frame in frames]
    assert all(x < y for x, y in itertools.pairwise(seqs)), f"{where}: meta.seq not rising: {seqs}"
    assert frames[-1].type == "DONE", f"{where}: ended with {frames[-1].type}: {frames[-1].data}"
    assert sum(frame.type in ("DONE", "ERROR") for frame in frames) == 1, f"{where}: several end frames"


def stored(frames: list[SseFrame]) -> list[tuple[int, str | None, Any]]:
    """(event id, type, data) of the frames that come from stored events (they carry an SSE id)."""
    out = []
    for frame in frames:
        if frame.id is not None:
            assert frame.meta["eventSeq"] == int(frame.id), f"SSE id {frame.id} != meta.eventSeq {frame.meta}"
            out.append((int(frame.id), frame.type, frame.payload))
    return out


def test_a_quote_created_on_a_is_read_searched_replayed_and_verified_on_b(cluster: Cluster) -> None:
    quote = create(cluster.a, cluster, DOMAIN_S8)
    quote_id, number = quote["id"], quote["number"]

    with cluster.b.client(timeout=STREAM_TIMEOUT) as b:
        fetched = b.get(f"/v1/estimate/{quote_id}", headers=cluster.auth())
        assert fetched.status_code == 200, (
            f"GET on B of a quote made on A: {fetched.status_code} {fetched.text}"
        )
        assert fetched.json() == quote, "B returns another document than A created"

        total, items = search_total(cluster.b, cluster, q=number)
        assert total == 1 and [i["id"] for i in items] == [quote_id], f"search for {number} on B: {items}"

        with b.stream("GET", f"/v1/estimate/{quote_id}/events", headers=cluster.auth(**SSE)) as response:
            assert response.status_code == 200, f"events on B: {response.status_code} {response.read()!r}"
            assert response.headers["content-type"].startswith("text/event-stream")
            frames = read_sse(response)
        check_frames(frames, quote_id, "events replayed on B")
        events = stored(frames)
        assert [seq for seq, _, _ in events] == list(range(1, len(events) + 1)), f"event ids: {events}"
        progress = [data["stage"] for _, type_, data in events if type_ == "PROGRESS"]
        assert progress == STAGES, f"PROGRESS stages replayed on B: {progress}"
        gates = [data for _, type_, data in events if type_ == "GATE_RESULT"]
        assert gates == quote["gates"], "GATE_RESULT frames differ from the quote's gates"
        done = frames[-1].payload
        assert (done["quoteId"], done["number"], done["totals"]) == (quote_id, number, quote["totals"])

        spec = b.get("/openapi.json").json()
        verify_route = next((p for p in spec["paths"] if p.endswith("/evidence/verify")), None)
        if verify_route is not None:
            verified = b.get(f"/v1/estimate/{quote_id}/evidence/verify", headers=cluster.auth())
            assert verified.status_code == 200, (
                f"evidence/verify on B: {verified.status_code} {verified.text}"
            )
            report = verified.json()
            assert report.get("ok") is True, f"evidence of {number} does not verify on B: {report}"
            assert report.get("signature_checked") is True, (
                f"EVIDENCE_SECRET is set, signature unchecked: {report}"
            )
    if verify_route is None:  # the route is not there yet: the CLI reads the same database and bucket
        done_cli = run_kis(cluster.env, "evidence", "verify", number)
        assert "evidence verified" in done_cli.stdout, done_cli.stdout


def test_a_streamed_create_on_a_is_tailed_live_on_b(cluster: Cluster) -> None:
    with (
        cluster.a.client(timeout=STREAM_TIMEOUT) as a,
        cluster.b.client(timeout=STREAM_TIMEOUT) as b,
        ThreadPoolExecutor(1) as pool,
    ):

        def tail_on_b(quote_id: str) -> tuple[int, list[SseFrame]]:
            params = {"quoteId": quote_id}
            with b.stream(
                "GET", "/v1/estimate/stream", params=params, headers=cluster.auth(**SSE)
            ) as response:
                if response.status_code != 200:
                    return response.status_code, []
                return 200, read_sse(response)

        with a.stream("POST", "/v1/estimate", json=DOMAIN_S8, headers=cluster.auth(**SSE)) as response:
            # 2xx: the OpenAPI document declares 201 for the stream, the service sends 200 (see report)
            assert response.is_success, f"streamed create on A: {response.status_code} {response.read()!r}"
            header_id = response.headers.get("X-Quote-Id")
            reader = SseReader(response)
            first = reader.next()  # written to the database before it is sent: B can find it now
            quote_id = first.meta["quoteId"]
            assert header_id == quote_id, f"X-Quote-Id {header_id} != first frame's meta.quoteId {quote_id}"
            tail = pool.submit(tail_on_b, quote_id)
            reader.until()
        on_a = reader.frames
        status, on_b = tail.result(timeout=60)
    assert status == 200, f"GET /v1/estimate/stream?quoteId= on B answered {status}"
    check_frames(on_a, quote_id, "streamed create on A")
    check_frames(on_b, quote_id, "tail on B")
    assert stored(on_a) == stored(on_b), (
        "A and B carry different stored events:\n"
        f"A: {[(s, t) for s, t, _ in stored(on_a)]}\nB: {[(s, t) for s, t, _ in stored(on_b)]}"
    )
    assert [data["stage"] for _, type_, data in stored(on_b) if type_ == "PROGRESS"] == STAGES
    results = [frame.payload for frame in on_a if frame.type == "RESULT"]
    assert len(results) == 1, f"the streamed create sent {len(results)} RESULT frames"
    with cluster.b.client() as b2:
        saved = b2.get(f"/v1/estimate/{quote_id}", headers=cluster.auth()).json()
    assert results[0] == saved, "the streamed RESULT differs from the quote B reads"


def test_one_idempotency_key_over_two_processes_makes_one_quote(cluster: Cluster) -> None:
    body = copy.deepcopy(DOMAIN_S8)
    body["project"] = f"멱등성 {uuid.uuid4().hex[:8]}"
    before, _ = search_total(cluster.a, cluster)
    key = str(uuid.uuid4())
    headers = cluster.auth(**{"Idempotency-Key": key})
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
    with (
        cluster.a.client(timeout=60.0, limits=limits) as a,
        cluster.b.client(timeout=60.0, limits=limits) as b,
        ThreadPoolExecutor(20) as pool,
    ):
        clients = [a, b]

        def post(i: int) -> httpx.Response:
            return clients[i % 2].post("/v1/estimate", json=body, headers=headers)

        responses = list(pool.map(post, range(40)))
    statuses = [r.status_code for r in responses]
    assert statuses == [201] * 40, f"statuses of 40 POSTs with one key: {statuses}\n{responses[0].text}"
    bodies = [r.json() for r in responses]
    assert all(b == bodies[0] for b in bodies), "the 40 responses do not carry the same quote"
    fresh = [r for r in responses if r.headers.get("Idempotent-Replayed") != "true"]
    assert len(fresh) == 1, f"{len(fresh)} responses were not marked Idempotent-Replayed (expected 1)"

    after, _ = search_total(cluster.b, cluster)
    assert after == before + 1, f"40 POSTs with one Idempotency-Key made {after - before} quotes"
    total, items = search_total(cluster.a, cluster, q=body["project"])
    assert total == 1 and items[0]["id"] == bodies[0]["id"], f"quotes of this project: {items}"

    other = {**body, "project": body["project"] + " (다른 본문)"}
    for server in (cluster.a, cluster.b):
        with server.client() as client:
            mismatch = client.post("/v1/estimate", json=other, headers=headers)
        assert mismatch.status_code == 409, f"{server.name}: other body, same key: {mismatch.status_code}"
        assert envelope(mismatch)["code"] == "IDEMPOTENCY_BODY_MISMATCH", mismatch.text


def test_first_pdf_and_dxf_downloads_on_both_processes_record_one_hash_in_postgres_and_s3(
    cluster: Cluster,
) -> None:
    """The PDF and the DXF are rendered on their first download: concurrent first downloads on A and B
    serve the same bytes and record one row each; the pack then verifies on B and in the database."""
    quote = create(cluster.a, cluster, DOMAIN_S8)
    etags: dict[str, str] = {}
    with (
        cluster.a.client(timeout=60.0) as a,
        cluster.b.client(timeout=60.0) as b,
        ThreadPoolExecutor(6) as pool,
    ):
        clients = [a, b]
        for kind in ("pdf", "dxf"):
            url = f"/v1/estimate/{quote['id']}/documents/{kind}"
            responses = list(
                pool.map(lambda i, url=url: clients[i % 2].get(url, headers=cluster.auth()), range(6))
            )
            assert [r.status_code for r in responses] == [200] * 6, responses[0].text
            assert len({r.content for r in responses}) == 1, f"A and B served different {kind} bytes"
            etags[kind] = responses[0].headers["ETag"].strip('"')
        report = b.get(f"/v1/estimate/{quote['id']}/evidence/verify", headers=cluster.auth()).json()
        assert report["ok"] and report["derivable"] == [], f"evidence after the first downloads: {report}"
    import sqlalchemy as sa

    engine = sa.create_engine(cluster.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT kind, sha256 FROM estimator.documents WHERE quote_id = :id AND kind IN ('pdf', 'dxf')"
                ),
                {"id": quote["id"]},
            ).all()
            checks = connection.execute(
                sa.text("SELECT * FROM estimator.validate_evidence_integrity(:id)"), {"id": quote["id"]}
            ).all()
    finally:
        engine.dispose()
    assert sorted((r.kind, r.sha256) for r in rows) == sorted(etags.items()), rows
    assert all(c.ok for c in checks), checks
    verified = run_kis(cluster.env, "storage", "verify")
    assert verified.returncode == 0, verified.stdout


def test_sigterm_lets_a_running_stream_finish_and_exits_cleanly(cluster: Cluster) -> None:
    server = LiveServer(cluster.env, mode="serve", name="C")
    cluster.servers.append(server)
    server.start(timeout_s=40)
    with (
        server.client(timeout=STREAM_TIMEOUT) as client,
        client.stream("POST", "/v1/estimate", json=DOMAIN_S8, headers=cluster.auth(**SSE)) as response,
    ):
        assert response.is_success, f"streamed create on C: {response.status_code} {response.read()!r}"
        reader = SseReader(response)
        first = reader.next()  # the request is running on the server
        server.terminate()
        reader.until()
    frames = reader.frames
    quote_id = first.meta["quoteId"]
    check_frames(frames, quote_id, "stream interrupted by SIGTERM")
    try:
        code = server.wait(timeout_s=15)
    except TimeoutError as exc:
        server.kill()
        pytest.fail(f"C did not exit within 15 s of SIGTERM: {exc}")
    # uvicorn >= 0.29 re-raises the captured SIGTERM after its graceful shutdown, so without a handler
    # in `kis serve` the process dies by the signal (-15) even though every request finished.
    assert code == 0, (
        f"C exited with {code} after a graceful shutdown on SIGTERM (expected 0; negative = killed by "
        f"that signal)\n--- stderr ---\n{server.stderr()[-3000:]}"
    )
    with cluster.a.client() as a:
        saved = a.get(f"/v1/estimate/{quote_id}", headers=cluster.auth())
    assert saved.status_code == 200, f"the quote C finished while stopping is not saved: {saved.text}"


def test_logs_are_json_lines_without_credentials(cluster: Cluster) -> None:
    with cluster.a.client() as a:  # a refused key must not be logged either
        bogus = "kis_" + uuid.uuid4().hex
        refused = a.get("/v1/estimate", headers={"Authorization": f"Bearer {bogus}"})
    assert refused.status_code == 401 and envelope(refused)["code"] == "AUTH_REQUIRED"
    for server in cluster.servers:
        stderr, stdout = server.stderr(), server.stdout()
        assert stderr.strip(), f"{server.name} logged nothing on stderr"
        for secret in [*cluster.secrets, bogus]:
            assert secret not in stderr, f"{server.name}'s stderr contains a credential ({secret[:6]}…)"
            assert secret not in stdout, f"{server.name}'s stdout contains a credential ({secret[:6]}…)"
        unparsed = [r["unparsed"] for r in server.log_records() if "unparsed" in r]
        assert not unparsed, f"{server.name} wrote non-JSON lines on stderr: {unparsed[:5]}"
        for line in stderr.splitlines():
            if line.strip():
                assert {"ts", "level", "msg"} <= set(json.loads(line)), f"{server.name}: log line {line}"
