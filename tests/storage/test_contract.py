"""The BlobStore contract, run against every adapter: memory, filesystem and S3 (a local moto server)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from kis_estimator.storage import BlobNotFound, BlobStore, InvalidKey, NewBlob, StorageError
from tests.storage.conftest import Clock, Fetch

QUOTE = f"quote/{uuid.UUID(int=7)}"
KOREAN_KEY = f"{QUOTE}/documents/견적서.pdf"
INVALID_KEYS = {
    "empty": "",
    "parent": "../x",
    "parent-inside": "quote/../../etc/passwd",
    "dot-segment": "quote/./x",
    "absolute": "/abs",
    "double-slash": "a//b",
    "trailing-slash": "a/",
    "backslash": "a\\b",
    "nul": "a\x00b",
    "newline": "a\nb",
    "del": "a\x7fb",
    "bidi-override": "invoice\u202efdp.exe",
    "reserved-temp-name": "quote/.kis-tmp-123",
    "1025-bytes": "x" * 1025,
    "1026-bytes-korean": "가" * 342,
    "nfd-korean": "\u1100\u1161.pdf",
}
KEYED_OPERATIONS: dict[str, Callable[[BlobStore, str], object]] = {
    "put": lambda store, key: store.put(key, b"x"),
    "get": lambda store, key: store.get(key),
    "exists": lambda store, key: store.exists(key),
    "delete": lambda store, key: store.delete(key),
    "signed_url": lambda store, key: store.signed_url(key),
}


def test_put_returns_the_size_and_sha256_of_the_bytes(store: BlobStore) -> None:
    data = "분전반 견적 LP-1".encode()

    info = store.put(f"{QUOTE}/documents/quote.json", data, "application/json")

    assert info.key == f"{QUOTE}/documents/quote.json"
    assert info.size == len(data) == 21
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert store.get(f"{QUOTE}/documents/quote.json") == data


def test_put_takes_a_known_sha256_instead_of_hashing_again(store: BlobStore) -> None:
    data = b"evidence bytes hashed once by the pipeline"
    digest = hashlib.sha256(data).hexdigest()

    info = store.put(f"{QUOTE}/stages/x.json", data, "application/json", sha256=digest)

    assert (info.size, info.sha256) == (len(data), digest)
    assert store.get(f"{QUOTE}/stages/x.json") == data


def test_put_many_stores_every_blob_as_put_does(store: BlobStore) -> None:
    blobs = [
        NewBlob(f"{QUOTE}/stages/{i}.json", f'{{"n": {i}}}'.encode(), "application/json") for i in range(5)
    ] + [NewBlob(KOREAN_KEY, b"%PDF", "application/pdf", hashlib.sha256(b"%PDF").hexdigest())]

    store.put_many(blobs)

    assert [store.get(blob.key) for blob in blobs] == [blob.data for blob in blobs]
    assert list(store.list(f"{QUOTE}/")) == sorted(blob.key for blob in blobs)


def test_put_many_refuses_an_invalid_key(store: BlobStore) -> None:
    with pytest.raises(InvalidKey):
        store.put_many([NewBlob(f"{QUOTE}/a.json", b"{}"), NewBlob("../x", b"x")])


def test_an_empty_blob_is_a_blob(store: BlobStore) -> None:
    info = store.put("empty", b"")

    assert (info.size, info.sha256) == (0, hashlib.sha256(b"").hexdigest())
    assert store.exists("empty")
    assert store.get("empty") == b""


def test_exists_follows_put_and_delete(store: BlobStore) -> None:
    key = f"{QUOTE}/stages/{'a' * 64}.json"
    assert not store.exists(key)

    store.put(key, b"{}")
    assert store.exists(key)

    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(BlobNotFound):
        store.get(key)


def test_delete_is_idempotent(store: BlobStore) -> None:
    store.put("quote/x/a.txt", b"a")

    store.delete("quote/x/a.txt")
    store.delete("quote/x/a.txt")
    store.delete("never/stored.txt")

    assert list(store.list()) == []


def test_get_of_a_missing_key_raises_blob_not_found_naming_the_key(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound) as raised:
        store.get(f"{QUOTE}/documents/missing.pdf")

    assert raised.value.key == f"{QUOTE}/documents/missing.pdf"
    assert raised.value.backend in ("memory", "filesystem", "s3")


def test_a_key_that_is_only_a_prefix_is_not_a_blob(store: BlobStore) -> None:
    store.put(f"{QUOTE}/documents/quote.pdf", b"%PDF")

    assert not store.exists(QUOTE)
    with pytest.raises(BlobNotFound):
        store.get(f"{QUOTE}/documents")


def test_put_overwrites(store: BlobStore) -> None:
    store.put("quote/x/quote.pdf", b"first version")

    info = store.put("quote/x/quote.pdf", b"second")

    assert store.get("quote/x/quote.pdf") == b"second"
    assert info.size == 6
    assert list(store.list()) == ["quote/x/quote.pdf"]


def test_list_is_sorted_filtered_by_prefix_and_includes_nested_keys(store: BlobStore) -> None:
    keys = [
        "quote/b/documents/quote.pdf",
        "quote/a/stages/2.json",
        "quote/ab/documents/quote.xlsx",
        "quote/a/documents/quote.pdf",
        "quote/a/stages/1.json",
        "other.txt",
    ]
    for key in keys:
        store.put(key, key.encode())

    assert list(store.list()) == sorted(keys)
    assert list(store.list("quote/a/")) == [
        "quote/a/documents/quote.pdf",
        "quote/a/stages/1.json",
        "quote/a/stages/2.json",
    ]
    # A plain string prefix, as in S3: "quote/a" also matches "quote/ab/...".
    assert list(store.list("quote/a")) == sorted(k for k in keys if k.startswith("quote/a"))
    assert list(store.list("quote/a/stages/1")) == ["quote/a/stages/1.json"]
    assert list(store.list("nothing/")) == []


def test_list_orders_korean_names_like_s3_does(store: BlobStore) -> None:
    keys = [f"{QUOTE}/documents/{name}" for name in ("견적서.pdf", "Z.pdf", "a.pdf", "내역서.xlsx", "~.txt")]
    for key in reversed(keys):
        store.put(key, b"x")

    # S3 orders by UTF-8 bytes, which for valid text is code-point order.
    assert list(store.list(QUOTE)) == sorted(keys, key=lambda key: key.encode())


def test_korean_file_names_round_trip(store: BlobStore) -> None:
    data = "견적서 본문".encode()

    store.put(KOREAN_KEY, data, "application/pdf")

    assert store.get(KOREAN_KEY) == data
    assert store.exists(KOREAN_KEY)
    assert list(store.list(f"{QUOTE}/documents/")) == [KOREAN_KEY]
    store.delete(KOREAN_KEY)
    assert not store.exists(KOREAN_KEY)


def test_invalid_keys_are_refused_by_every_operation(store: BlobStore) -> None:
    # One loop rather than one test per key: each S3 case would cost a bucket.
    for name, key in INVALID_KEYS.items():
        for operation_name, operation in KEYED_OPERATIONS.items():
            with pytest.raises(InvalidKey) as raised:
                operation(store, key)
            assert raised.value.key == key, f"{operation_name} of the {name} key"

    assert list(store.list()) == []


def test_invalid_list_prefixes_are_refused(store: BlobStore) -> None:
    for prefix in ("../", "/abs", "a//", "a\\", "a\x00", "a/../"):
        with pytest.raises(InvalidKey):
            list(store.list(prefix))


def test_invalid_key_is_a_storage_error(store: BlobStore) -> None:
    with pytest.raises(StorageError):
        store.put("../escape", b"x")


def test_every_byte_value_round_trips(store: BlobStore) -> None:
    data = bytes(range(256)) * 4

    store.put("binary.bin", data)

    assert store.get("binary.bin") == data


def test_a_five_megabyte_blob_round_trips(store: BlobStore) -> None:
    data = hashlib.sha256(b"seed").digest() * (5 * 1024 * 1024 // 32)

    info = store.put(f"{QUOTE}/documents/big.pdf", data, "application/pdf")

    assert info.size == 5 * 1024 * 1024
    fetched = store.get(f"{QUOTE}/documents/big.pdf")
    assert hashlib.sha256(fetched).hexdigest() == info.sha256 == hashlib.sha256(data).hexdigest()


def test_init_is_idempotent_and_keeps_the_blobs(store: BlobStore) -> None:
    store.put("kept.txt", b"kept")

    store.init()
    store.init()

    assert store.get("kept.txt") == b"kept"


def test_check_passes_and_leaves_nothing_behind(store: BlobStore) -> None:
    store.check()

    assert list(store.list()) == []


def test_concurrent_writers_lose_no_blob(store: BlobStore) -> None:
    run_in_threads(8, lambda n: [store.put(f"w/{n}/{r}.bin", bytes([n]) * 10_000) for r in range(5)])

    assert len(list(store.list("w/"))) == 40
    assert store.get("w/7/4.bin") == bytes([7]) * 10_000


# Not against moto: moto 5.2.5 answers 500 to concurrent overwrites of one key (it closes the old
# object's buffer while another request still reads it); S3 itself keeps the last complete write.
@pytest.mark.parametrize("store", ["memory", "filesystem"], indirect=True)
def test_concurrent_overwrites_leave_one_whole_version(store: BlobStore) -> None:
    versions = [bytes([n]) * 200_000 for n in range(8)]

    run_in_threads(8, lambda n: [store.put("shared.bin", versions[n]) for _ in range(5)])

    assert store.get("shared.bin") in versions
    assert list(store.list()) == ["shared.bin"]


def run_in_threads(count: int, work: Callable[[int], object]) -> None:
    """Run work(0) .. work(count - 1) at once; re-raise the first error any of them hit."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        for future in [pool.submit(work, n) for n in range(count)]:
            future.result()


@pytest.mark.parametrize("expires_s", [0, -1, 7 * 24 * 3600 + 1])
def test_signed_url_expiry_must_be_one_second_to_seven_days(store: BlobStore, expires_s: int) -> None:
    with pytest.raises(ValueError):
        store.signed_url("quote/x/a.pdf", expires_s)


def test_a_signed_url_serves_the_blob(store: BlobStore, fetch_signed: Fetch) -> None:
    store.put(KOREAN_KEY, b"%PDF-1.7 quote", "application/pdf")

    assert fetch_signed(store.signed_url(KOREAN_KEY)) == (200, b"%PDF-1.7 quote")


def test_a_signed_url_stops_working_when_it_expires(
    store: BlobStore, fetch_signed: Fetch, clock: Clock
) -> None:
    store.put(KOREAN_KEY, b"%PDF", "application/pdf")
    url = store.signed_url(KOREAN_KEY, expires_s=600)

    clock.advance(590)
    assert fetch_signed(url)[0] == 200
    clock.advance(12)
    assert fetch_signed(url)[0] == 403


def test_a_signed_url_for_one_key_does_not_open_another(store: BlobStore, fetch_signed: Fetch) -> None:
    store.put(f"{QUOTE}/documents/a.pdf", b"public")
    store.put(f"{QUOTE}/documents/b.pdf", b"secret")
    url = store.signed_url(f"{QUOTE}/documents/a.pdf")
    assert "/documents/a.pdf?" in url

    status, body = fetch_signed(url.replace("/documents/a.pdf?", "/documents/b.pdf?"))

    assert status == 403
    assert b"secret" not in body


def test_a_signed_url_with_a_tampered_signature_is_refused(store: BlobStore, fetch_signed: Fetch) -> None:
    store.put("quote/x/a.pdf", b"%PDF")
    url = store.signed_url("quote/x/a.pdf")

    tampered = tamper_signature(url)

    assert tampered != url
    assert fetch_signed(tampered)[0] == 403


def tamper_signature(url: str) -> str:
    """Flip the last hex digit of the signature parameter (`sig` or `X-Amz-Signature`)."""

    def flip(match: re.Match[str]) -> str:
        last = match.group(2)
        return match.group(1) + ("0" if last != "0" else "1")

    return re.sub(r"((?:[?&]sig|X-Amz-Signature)=[0-9a-f]*)([0-9a-f])(?=&|$)", flip, url)


def test_modified_at_is_when_the_blob_was_written(store: BlobStore) -> None:
    import time

    before = time.time()
    store.put("quote/q/age.json", b"{}")
    written = store.modified_at("quote/q/age.json")
    assert before - 5 <= written <= time.time() + 5  # S3 keeps whole seconds
    store.delete("quote/q/age.json")
    with pytest.raises(BlobNotFound):
        store.modified_at("quote/q/age.json")
