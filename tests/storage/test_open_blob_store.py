"""`open_blob_store`: from a STORAGE_URL to the right adapter, or a clear ValueError."""

from __future__ import annotations

from pathlib import Path

import pytest

from kis_estimator.storage import FileSystemBlobStore, InMemoryBlobStore, S3BlobStore, open_blob_store

SECRET = "evidence-secret"


def test_an_absolute_file_url_opens_that_directory(tmp_path: Path) -> None:
    store = open_blob_store(f"file://{tmp_path}/blobs", signing_secret=SECRET)

    assert isinstance(store, FileSystemBlobStore)
    assert store.root == (tmp_path / "blobs").resolve()
    store.init()
    store.put("quote/x/a.txt", b"a")
    assert (tmp_path / "blobs" / "quote" / "x" / "a.txt").read_bytes() == b"a"


def test_a_relative_file_url_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    store = open_blob_store("file://var/blobs", signing_secret=SECRET)

    assert isinstance(store, FileSystemBlobStore)
    assert store.root == (tmp_path / "var" / "blobs").resolve()


def test_the_file_url_gives_the_base_url_to_signed_urls(tmp_path: Path) -> None:
    store = open_blob_store(f"file://{tmp_path}", signing_secret=SECRET, base_url="https://kis.example.kr")

    assert store.signed_url("a.pdf").startswith("https://kis.example.kr/v1/blobs/a.pdf?expires=")


def test_an_s3_url_opens_the_bucket_with_the_endpoint_settings() -> None:
    store = open_blob_store(
        "s3://evidence",
        signing_secret=SECRET,
        s3_endpoint_url="http://127.0.0.1:9",
        access_key="k",
        secret_key="s",
        region="ap-northeast-2",
    )

    assert isinstance(store, S3BlobStore)
    assert store.bucket == "evidence"
    # Presigning is local: the URL shows path-style addressing on the given endpoint and region.
    url = store.signed_url("quote/x/a.pdf")
    assert url.startswith("http://127.0.0.1:9/evidence/quote/x/a.pdf?")
    assert "%2Fap-northeast-2%2Fs3%2Faws4_request" in url


def test_a_memory_url_opens_an_empty_memory_store() -> None:
    store = open_blob_store("memory://", signing_secret=SECRET)

    assert isinstance(store, InMemoryBlobStore)
    assert list(store.list()) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://host/dir", "unsupported storage URL"),
        ("./var/blobs", "unsupported storage URL"),
        ("", "unsupported storage URL"),
        ("file://", "names no directory"),
        ("s3://", "expected s3://bucket"),
        ("s3://evidence/quotes", "no path inside the bucket"),
        ("s3://evidence?region=x", "query"),
        ("memory://something", "nothing after it"),
    ],
)
def test_other_urls_are_refused_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_blob_store(url, signing_secret=SECRET)
