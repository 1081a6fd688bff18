"""Fixtures for the storage contract: one `store` per adapter, a clock, and a way to fetch signed URLs."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from kis_estimator.storage import (
    BlobNotFound,
    BlobStore,
    FileSystemBlobStore,
    InMemoryBlobStore,
    S3BlobStore,
    ServesSignedUrls,
)
from kis_estimator.storage.base import MAX_EXPIRES_S
from tests.storage.s3_server import GatedMotoServer

SIGNING_SECRET = "test-signing-secret"
S3_ACCESS_KEY = "AKIAKISTESTKEY000001"
S3_SECRET_KEY = "kis-test-secret-key"

Fetch = Callable[[str], tuple[int, bytes]]


class Clock:
    """Wall-clock time plus an offset that tests move forward instead of sleeping."""

    def __init__(self) -> None:
        self.offset_s = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset_s

    def advance(self, seconds: float) -> None:
        self.offset_s += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[GatedMotoServer]:
    server = GatedMotoServer({S3_ACCESS_KEY: S3_SECRET_KEY}, ip_address="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_endpoint(s3_server: GatedMotoServer, clock: Clock) -> Iterator[str]:
    """The moto endpoint, its presign gate running on this test's clock."""
    s3_server.gate.now = clock
    host, port = s3_server.get_host_and_port()
    yield f"http://{host}:{port}"
    s3_server.gate.now = time.time


def make_s3_store(endpoint_url: str, **options: Any) -> S3BlobStore:
    """An S3 store on a fresh, not yet created bucket of the local server."""
    return S3BlobStore(
        f"kis-test-{uuid.uuid4().hex[:20]}",
        endpoint_url=endpoint_url,
        access_key=S3_ACCESS_KEY,
        secret_key=S3_SECRET_KEY,
        **options,
    )


@pytest.fixture(params=["memory", "filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> BlobStore:
    """Each adapter, initialised and empty; filesystem and memory sign URLs on `clock`."""
    made: BlobStore
    if request.param == "memory":
        made = InMemoryBlobStore(SIGNING_SECRET, now=clock)
    elif request.param == "filesystem":
        made = FileSystemBlobStore(tmp_path / "blobs", SIGNING_SECRET, "http://kis.test", now=clock)
    else:
        made = make_s3_store(request.getfixturevalue("s3_endpoint"))
    made.init()
    return made


@pytest.fixture
def fetch_signed(store: BlobStore, clock: Clock) -> Fetch:
    """GET a signed URL: over HTTP for S3; for filesystem/memory, what the API's blob route does
    (the store verifies the URL at `clock`, then the blob is read)."""
    if isinstance(store, S3BlobStore):
        return http_get
    assert isinstance(store, ServesSignedUrls)
    local_store = store

    def serve(url: str) -> tuple[int, bytes]:
        key, expires, sig = split_signed_url(url)
        if not local_store.verify_signed_url(key, expires, sig, max_lifetime_s=MAX_EXPIRES_S):
            return 403, b""
        try:
            return 200, store.get(key)
        except BlobNotFound:
            return 404, b""

    return serve


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def split_signed_url(url: str) -> tuple[str, str, str]:
    """(key, expires, sig) of a filesystem (`.../v1/blobs/{key}?...`) or memory (`memory://{key}?...`) URL."""
    path, _, query = url.removeprefix("memory://").partition("?")
    if "/v1/blobs/" in path:
        path = urlsplit(url).path.removeprefix("/v1/blobs/")
    params = parse_qs(query, keep_blank_values=True)
    return unquote(path), params["expires"][0], params["sig"][0]
