"""The reliability tests' stack: PostgreSQL + a moto S3 server behind a switchable proxy + `kis serve`,
traffic that keeps requests flowing while a fault is switched on, and the audit that proves that nothing
was half-saved.

The database runs with `synchronous_commit = on` (the shared test server turns it off for speed), so
that stopping PostgreSQL with `-m immediate`, like a crash, loses no committed transaction: what the
audit finds missing was never committed.
"""

from __future__ import annotations

import contextlib
import copy
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from kis_estimator.documents import RENDERERS
from tests.factories import DOMAIN_S8
from tests.live import LiveServer, SseReader, create_api_key, run_kis
from tests.reliability.switches import RestartablePostgres, SwitchableProxy
from tests.storage.s3_server import GatedMotoServer

S3_ACCESS_KEY = "AKIAKISRELIABILITY01"
S3_SECRET_KEY = "kis-reliability-s3-secret-key-do-not-log"
BUCKET = "kis-reliability"
# Trust authentication ignores it; it is in DATABASE_URL so that the log scan can look for it.
DB_PASSWORD = "kis-reliability-db-password-do-not-log"
EVIDENCE_SECRET = "kis-reliability-evidence-secret-do-not-log"
DATABASE = "kis_reliability"
ROLES = ("viewer", "estimator", "admin")
SSE = {"Accept": "text/event-stream"}
DOCUMENT_KINDS = {renderer.kind for renderer in RENDERERS.values()}
# Rendered on first download: a saved quote has their rows (document and evidence) once downloaded.
DEFERRED = {renderer.kind: renderer.path for renderer in RENDERERS.values() if renderer.source is not None}
PACK_FILES = {"manifest.json", "SHA256SUMS", "metrics.json"}


def request_body(project: str) -> dict[str, Any]:
    """The DOMAIN §8 request under its own project name (so each create is a distinct quote)."""
    body = copy.deepcopy(DOMAIN_S8)
    body["project"] = project
    return body


@dataclass
class Stack:
    env: dict[str, str]
    postgres: RestartablePostgres
    moto: GatedMotoServer
    proxy: SwitchableProxy
    keys: dict[str, str]  # role -> API key
    server: LiveServer
    database_url: str
    _engine: Engine | None = field(default=None, repr=False)
    _s3: Any = field(default=None, repr=False)

    def auth(self, role: str = "estimator", **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **headers}

    @property
    def secrets(self) -> dict[str, str]:
        """Every credential of the stack, by name: none may ever appear in a log."""
        return {
            **{f"API key ({role})": key for role, key in self.keys.items()},
            "EVIDENCE_SECRET": EVIDENCE_SECRET,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "database password": DB_PASSWORD,
        }

    def s3(self) -> Any:
        """A boto3 client straight to the S3 server (not through the proxy): the tests' own hands."""
        if self._s3 is None:
            host, port = self.moto.get_host_and_port()
            self._s3 = boto3.client(
                "s3",
                endpoint_url=f"http://{host}:{port}",
                aws_access_key_id=S3_ACCESS_KEY,
                aws_secret_access_key=S3_SECRET_KEY,
                region_name="us-east-1",
            )
        return self._s3

    def keys_in_bucket(self, prefix: str = "quote/") -> set[str]:
        keys: set[str] = set()
        for page in self.s3().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            keys |= {entry["Key"] for entry in page.get("Contents", [])}
        return keys

    def sql(self, statement: str, **params: Any) -> list[Any]:
        if self._engine is None:
            self._engine = create_engine(self.database_url, poolclass=NullPool)
        with self._engine.connect() as connection:
            return list(connection.execute(text(statement), params))

    def kis(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_kis(self.env, *args, check=check, timeout_s=180)

    def create(self, project: str, **headers: str) -> dict[str, Any]:
        with self.server.client() as client:
            response = client.post("/v1/estimate", json=request_body(project), headers=self.auth(**headers))
        assert response.status_code == 201, f"create {project}: {response.status_code} {response.text}"
        return dict(response.json())


@contextlib.contextmanager
def open_stack(name: str, **extra_env: str) -> Iterator[Stack]:
    """Start PostgreSQL, S3 (behind the proxy) and one `kis serve`; migrate, init the bucket, make keys."""
    postgres = RestartablePostgres()  # RuntimeError naming what to install when the binaries are missing
    moto = GatedMotoServer({S3_ACCESS_KEY: S3_SECRET_KEY}, ip_address="127.0.0.1", port=0)
    proxy: SwitchableProxy | None = None
    server: LiveServer | None = None
    stack: Stack | None = None
    try:
        postgres.start()
        postgres.create_database(DATABASE)
        with psycopg.connect(
            f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f"ALTER DATABASE {DATABASE} SET synchronous_commit = on")
        moto.start()
        proxy = SwitchableProxy(moto.get_host_and_port()).up()
        database_url = f"postgresql+psycopg://postgres:{DB_PASSWORD}@127.0.0.1:{postgres.port}/{DATABASE}"
        env = {
            "DATABASE_URL": database_url,
            "STORAGE_URL": f"s3://{BUCKET}",
            "S3_ENDPOINT_URL": proxy.url,
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "AWS_REGION": "us-east-1",
            "EVIDENCE_SECRET": EVIDENCE_SECRET,
            "KIS_DOC_RECALC": "0",
            "SSE_HEARTBEAT_S": "1",
            "SSE_POLL_S": "0.05",
            "IDEMPOTENCY_WAIT_S": "3",
            "LOG_LEVEL": "INFO",
            **extra_env,
        }
        run_kis(env, "db", "upgrade")
        run_kis(env, "storage", "init")
        keys = {role: create_api_key(env, role, f"reliability {role}") for role in ROLES}
        server = LiveServer(env, mode="serve", name=name)
        server.start(timeout_s=40)
        stack = Stack(env, postgres, moto, proxy, keys, server, database_url)
        yield stack
    finally:
        if server is not None:
            server.close()
        if stack is not None and stack._engine is not None:
            stack._engine.dispose()
        if proxy is not None:
            proxy.down()
        moto.stop()
        postgres.stop()


# --- traffic -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One request: when it ran, its HTTP status (None: no answer at all) and the error code it carried
    (the envelope's, or for a stream the ERROR frame's); `end` is a stream's last frame type."""

    op: str
    started: float
    ended: float
    status: int | None
    code: str | None = None
    quote_id: str | None = None
    key: str | None = None
    end: str | None = None
    frame_status: int | None = None
    project: str | None = None
    detail: str = ""

    @property
    def duration(self) -> float:
        return self.ended - self.started


OPS = ("create", "read", "create_idem", "document", "create_sse")


class Traffic:
    """`workers` threads that send requests in a loop (creates plain, with Idempotency-Key and streamed,
    reads of a quote and downloads of its PDF) until `stop()`; every request becomes an Outcome."""

    def __init__(self, stack: Stack, known_quote_id: str, workers: int = 3, ops: tuple[str, ...] = OPS):
        self.stack = stack
        self.known = known_quote_id
        self.ops = ops
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(workers)]

    def start(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in self._threads), "a traffic thread hangs"
        return self.outcomes

    def _loop(self, worker: int) -> None:
        with self.stack.server.client(timeout=httpx.Timeout(60.0, read=30.0)) as client:
            turn = worker
            while not self._stop.is_set():
                op = self.ops[turn % len(self.ops)]
                turn += 1
                outcome = self._one(client, op)
                with self._lock:
                    self.outcomes.append(outcome)

    def _one(self, client: httpx.Client, op: str) -> Outcome:
        started = time.monotonic()
        project = f"traffic {uuid.uuid4().hex[:10]}" if op.startswith("create") else None
        key = str(uuid.uuid4()) if op == "create_idem" else None
        try:
            if op == "create_sse":
                assert project is not None
                return streamed_create(client, self.stack, project, started)
            if project is not None:
                headers = self.stack.auth(**({"Idempotency-Key": key} if key else {}))
                response = client.post("/v1/estimate", json=request_body(project), headers=headers)
            elif op == "read":
                response = client.get(f"/v1/estimate/{self.known}", headers=self.stack.auth("viewer"))
            else:
                path = f"/v1/estimate/{self.known}/documents/pdf"
                response = client.get(path, headers=self.stack.auth("viewer"))
            return _outcome(op, started, response, key, project)
        except httpx.TransportError as exc:
            detail = f"{type(exc).__name__}: {exc}"
            return Outcome(op, started, time.monotonic(), None, key=key, project=project, detail=detail)


def _outcome(
    op: str, started: float, response: httpx.Response, key: str | None, project: str | None
) -> Outcome:
    ended = time.monotonic()
    code = quote_id = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("code") if response.status_code >= 400 else None
        quote_id = body.get("id") if op.startswith("create") and response.status_code == 201 else None
    return Outcome(
        op,
        started,
        ended,
        response.status_code,
        code,
        quote_id,
        key,
        project=project,
        detail=response.text[:300],
    )


def streamed_create(
    client: httpx.Client, stack: Stack, project: str, started: float, key: str | None = None
) -> Outcome:
    headers = stack.auth(**SSE, **({"Idempotency-Key": key} if key else {}))
    with client.stream("POST", "/v1/estimate", json=request_body(project), headers=headers) as response:
        if response.status_code != 200:
            response.read()
            return _outcome("create_sse", started, response, key, project)
        frames = SseReader(response).until()
    last = frames[-1] if frames else None
    data = last.payload if last is not None and isinstance(last.payload, dict) else {}
    return Outcome(
        "create_sse",
        started,
        time.monotonic(),
        200,
        code=data.get("code") if last is not None and last.type == "ERROR" else None,
        quote_id=response.headers.get("X-Quote-Id"),
        key=key,
        end=last.type if last is not None else None,
        frame_status=data.get("status"),
        project=project,
        detail=str(data)[:300],
    )


class StreamedCreate(threading.Thread):
    """One streamed create in its own thread: `quote_id` is known as soon as the response starts, so a
    test can wait for the create's first blob and switch a fault on while it is saving."""

    def __init__(self, stack: Stack, project: str, key: str | None = None) -> None:
        super().__init__(daemon=True)
        self.stack, self.project, self.key = stack, project, key
        self.quote_id: str | None = None
        self.started_event = threading.Event()
        self.status: int | None = None
        self.frames: list[Any] = []
        self.error: str | None = None

    def run(self) -> None:
        headers = self.stack.auth(**SSE, **({"Idempotency-Key": self.key} if self.key else {}))
        body = request_body(self.project)
        try:
            with (
                self.stack.server.client(timeout=httpx.Timeout(60.0, read=30.0)) as client,
                client.stream("POST", "/v1/estimate", json=body, headers=headers) as response,
            ):
                self.status = response.status_code
                self.quote_id = response.headers.get("X-Quote-Id")
                self.started_event.set()
                reader = SseReader(response)
                try:
                    reader.until()
                finally:
                    self.frames = reader.frames
        except httpx.TransportError as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.started_event.set()

    @property
    def last(self) -> Any:
        return self.frames[-1] if self.frames else None


def wait_for_first_blob(stack: Stack, quote_id: str, timeout_s: float = 60.0) -> float:
    """Poll the bucket until a blob of `quote_id` is there (the save is writing); the time it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if stack.keys_in_bucket(f"quote/{quote_id}/"):
            return time.monotonic() - started
        time.sleep(0.01)
    raise AssertionError(f"no blob of {quote_id} appeared within {timeout_s:.0f} s")


class ReadyPoller:
    """GET /readyz every `interval_s` in a thread; samples are (started, ended, status, body)."""

    def __init__(self, server: LiveServer, interval_s: float = 0.05) -> None:
        self.server, self.interval_s = server, interval_s
        self.samples: list[tuple[float, float, int | None, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> ReadyPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _loop(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=15.0) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                sample: tuple[float, float, int | None, dict[str, Any]]
                try:
                    response = client.get("/readyz")
                    sample = (started, time.monotonic(), response.status_code, response.json())
                except (httpx.TransportError, ValueError) as exc:
                    sample = (started, time.monotonic(), None, {"error": str(exc)})
                self.samples.append(sample)
                time.sleep(self.interval_s)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - started


# --- the audit -----------------------------------------------------------------------------------


@dataclass
class Audit:
    """What the database holds after a fault: quotes, and every way a quote could be half-saved."""

    quotes: dict[str, str]  # id -> number
    projects: dict[str, str | None]  # id -> project (each test request has its own)
    problems: list[str] = field(default_factory=list)
    event_streams_without_quote: int = 0


def audit_database(stack: Stack) -> Audit:
    """Every quote has all its panels, breakers, lines, documents and evidence rows (as its own JSON
    says), every row has its quote, and no DONE event exists without its quote."""
    rows = stack.sql("SELECT id, number, project, document, signature FROM estimator.quotes")
    audit = Audit({row.id: row.number for row in rows}, {row.id: row.project for row in rows})

    def grouped(statement: str) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for row in stack.sql(statement):
            out.setdefault(row[0], []).append(row[1])
        return out

    panels = grouped("SELECT quote_id, position FROM estimator.panels")
    breakers = grouped(
        "SELECT p.quote_id, b.id FROM estimator.breakers b JOIN estimator.panels p ON p.id = b.panel_id"
    )
    items = grouped(
        "SELECT p.quote_id, i.id FROM estimator.quote_items i JOIN estimator.panels p ON p.id = i.panel_id"
    )
    documents = grouped("SELECT quote_id, kind FROM estimator.documents")
    evidence = grouped("SELECT quote_id, path FROM estimator.evidence_blobs")
    for row in rows:
        doc, where = row.document, f"{row.number} ({row.id})"
        expected = {
            "panels": len(doc["panels"]),
            "breakers": sum(len(panel["breakers"]) for panel in doc["panels"]),
            "lines": sum(len(panel["lines"]) for panel in doc["panels"]),
        }
        found = {
            "panels": len(panels.get(row.id, [])),
            "breakers": len(breakers.get(row.id, [])),
            "lines": len(items.get(row.id, [])),
        }
        if found != expected:
            audit.problems.append(f"{where}: rows {found}, its JSON has {expected}")
        kinds = set(documents.get(row.id, []))
        if not DOCUMENT_KINDS - set(DEFERRED) <= kinds <= DOCUMENT_KINDS:
            audit.problems.append(f"{where}: documents {sorted(kinds)}")
        wanted = set(doc["evidence"]["files"]) | PACK_FILES | ({"signature.json"} if row.signature else set())
        wanted |= {path for kind, path in DEFERRED.items() if kind in kinds}
        if set(evidence.get(row.id, [])) != wanted:
            audit.problems.append(f"{where}: evidence rows {sorted(set(evidence.get(row.id, [])) ^ wanted)}")
    for table in ("panels", "documents", "evidence_blobs"):
        (orphans,) = stack.sql(
            f"SELECT count(*) FROM estimator.{table} t "
            "LEFT JOIN estimator.quotes q ON q.id = t.quote_id WHERE q.id IS NULL"
        )[0]
        if orphans:
            audit.problems.append(f"{orphans} {table} row(s) without their quote")
    for table in ("breakers", "quote_items"):
        (orphans,) = stack.sql(
            f"SELECT count(*) FROM estimator.{table} t "
            "LEFT JOIN estimator.panels p ON p.id = t.panel_id WHERE p.id IS NULL"
        )[0]
        if orphans:
            audit.problems.append(f"{orphans} {table} row(s) without their panel")
    done_alone = stack.sql(
        "SELECT DISTINCT e.quote_id FROM estimator.quote_events e "
        "LEFT JOIN estimator.quotes q ON q.id = e.quote_id WHERE e.type = 'DONE' AND q.id IS NULL"
    )
    audit.problems += [f"a DONE event for {row[0]}, which has no quote" for row in done_alone]
    audit.event_streams_without_quote = stack.sql(
        "SELECT count(DISTINCT e.quote_id) FROM estimator.quote_events e "
        "LEFT JOIN estimator.quotes q ON q.id = e.quote_id WHERE q.id IS NULL"
    )[0][0]
    return audit


def verify_evidence(stack: Stack, quote_ids: list[str]) -> dict[str, dict[str, Any]]:
    """GET /v1/estimate/{id}/evidence/verify for each quote (4 at a time); id -> report."""

    def one(quote_id: str) -> tuple[str, dict[str, Any]]:
        with stack.server.client() as client:
            response = client.get(f"/v1/estimate/{quote_id}/evidence/verify", headers=stack.auth("viewer"))
        assert response.status_code == 200, f"verify {quote_id}: {response.status_code} {response.text}"
        return quote_id, dict(response.json())

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, quote_ids))


def referenced_keys(stack: Stack) -> set[str]:
    rows = stack.sql(
        "SELECT storage_key FROM estimator.documents UNION SELECT storage_key FROM estimator.evidence_blobs"
    )
    return {row[0] for row in rows}


def gc(stack: Stack, *args: str) -> tuple[set[str], str]:
    """`kis storage gc ARGS`: the keys it listed (orphan, kept or deleted) and its whole output."""
    done = stack.kis("storage", "gc", *args)
    keys = set()
    for line in done.stdout.splitlines():
        head, sep, key = line.partition(": ")
        if sep and head.startswith(("orphan", "deleted")):
            keys.add(key.strip())
    return keys, done.stdout
