"""What the S3 adapter puts on the wire and in the bucket, beyond the shared contract."""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from kis_estimator.storage import S3BlobStore
from tests.storage.conftest import S3_ACCESS_KEY, S3_SECRET_KEY, http_get, make_s3_store
from tests.storage.s3_server import GatedMotoServer

KEY = "quote/00000000-0000-0000-0000-000000000007/documents/견적서.pdf"


@pytest.fixture
def s3_store(s3_endpoint: str) -> S3BlobStore:
    store = make_s3_store(s3_endpoint)
    store.init()
    return store


def test_put_stores_the_content_type_and_the_sha256(s3_store: S3BlobStore, s3_endpoint: str) -> None:
    data = b"%PDF-1.7 quote"

    s3_store.put(KEY, data, "application/pdf")

    inspector = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    )
    head = inspector.head_object(Bucket=s3_store.bucket, Key=KEY)
    assert head["ContentType"] == "application/pdf"
    assert head["Metadata"] == {"sha256": hashlib.sha256(data).hexdigest()}


def test_put_sends_the_sha256_checksum_for_the_store_to_verify(
    s3_store: S3BlobStore, s3_server: GatedMotoServer
) -> None:
    data = b"evidence bytes"

    s3_store.put(KEY, data)

    method, path, headers = s3_server.gate.seen[-1]
    assert (method, path) == ("PUT", f"/{s3_store.bucket}/{KEY}")
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_a_presigned_url_is_sigv4_with_the_asked_expiry_and_serves_the_content_type(
    s3_store: S3BlobStore,
) -> None:
    s3_store.put(KEY, b"%PDF", "application/pdf")

    url = s3_store.signed_url(KEY, expires_s=123)

    params = parse_qs(urlsplit(url).query)
    assert params["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert params["X-Amz-Expires"] == ["123"]
    status, body = http_get(url)
    assert (status, body) == (200, b"%PDF")


def test_presigned_urls_can_name_another_endpoint(s3_server: GatedMotoServer) -> None:
    host, port = s3_server.get_host_and_port()
    store = make_s3_store(f"http://{host}:{port}", presign_endpoint_url=f"http://localhost:{port}")
    store.init()
    store.put(KEY, b"via the public name")

    url = store.signed_url(KEY)

    assert url.startswith(f"http://localhost:{port}/{store.bucket}/")
    assert http_get(url) == (200, b"via the public name")


def test_listing_pages_through_more_than_a_thousand_keys(s3_store: S3BlobStore) -> None:
    keys = sorted(f"quote/q/stages/{n:04d}.json" for n in range(1005))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda key: s3_store.put(key, b"{}"), keys))

    assert list(s3_store.list("quote/q/")) == keys


def test_a_known_sha256_is_the_checksum_sent_for_the_store_to_verify(
    s3_store: S3BlobStore, s3_server: GatedMotoServer
) -> None:
    data = b"evidence bytes"
    digest = hashlib.sha256(data).hexdigest()

    info = s3_store.put(KEY, data, sha256=digest)

    assert info.sha256 == digest
    assert (
        s3_server.gate.seen[-1][2]["x-amz-checksum-sha256"]
        == base64.b64encode(bytes.fromhex(digest)).decode()
    )
