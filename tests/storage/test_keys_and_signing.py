"""The shared key rules and the HMAC signed URLs of the filesystem and memory stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from kis_estimator.storage import (
    FileSystemBlobStore,
    InMemoryBlobStore,
    InvalidKey,
    validate_key,
    verify_signed_url,
)
from kis_estimator.storage.signing import blob_signature

SECRET = "evidence-secret"
NOW = 1_800_000_000.0
KEY = "quote/00000000-0000-0000-0000-000000000007/documents/견적서.pdf"


@pytest.mark.parametrize(
    "key",
    [
        "quote/6f1c2a9e-93c4-4b7e-9a51-0f3c5d8e2b10/documents/quote.pdf",
        f"quote/x/stages/{'ab' * 32}.json",
        "quote/x/documents/견적서 (최종).pdf",
        "quote/x/.hidden",
        "a..b",
        "x" * 255 + "/" + "y" * 255 + "/" + "z" * 255 + "/" + "w" * 255,  # 1023 bytes
        "가" * 85,  # 255 bytes: the longest segment
    ],
)
def test_valid_keys_are_returned_unchanged(key: str) -> None:
    assert validate_key(key, backend="test") == key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "empty"),
        ("../x", "'..'"),
        ("/abs", "absolute"),
        ("a//b", "empty path segment"),
        ("a\\b", "backslash"),
        ("a\tb", "control"),
        ("a\u200bb", "invisible"),
        ("가" * 86, "segment is longer than 255"),
        ("a/" * 512 + "b", "longer than 1024 bytes"),
        ("\udcff", "surrogate"),
        ("quote/\u1100\u1161", "NFC"),
        (".kis-tmp-1", "reserved"),
    ],
)
def test_invalid_keys_say_why(key: str, reason: str) -> None:
    with pytest.raises(InvalidKey, match=reason) as raised:
        validate_key(key, backend="test")

    assert (raised.value.backend, raised.value.key) == ("test", key)


def test_the_filesystem_url_has_the_documented_shape(tmp_path: Path) -> None:
    store = FileSystemBlobStore(tmp_path, SECRET, "https://kis.example.kr/", now=lambda: NOW)

    url = store.signed_url("quote/x/a b.pdf", expires_s=600)

    expires = int(NOW) + 600
    signature = blob_signature("quote/x/a b.pdf", expires, SECRET)
    assert url == f"https://kis.example.kr/v1/blobs/quote/x/a%20b.pdf?expires={expires}&sig={signature}"


def test_the_memory_url_has_the_documented_shape() -> None:
    store = InMemoryBlobStore(SECRET, now=lambda: NOW)

    url = store.signed_url(KEY, expires_s=60)

    expires = int(NOW) + 60
    assert url.startswith("memory://quote/00000000-0000-0000-0000-000000000007/documents/%EA%B2%AC")
    assert url.endswith(f"?expires={expires}&sig={blob_signature(KEY, expires, SECRET)}")


def test_a_signature_is_valid_until_the_expiry_second() -> None:
    expires = int(NOW) + 600
    signature = blob_signature(KEY, expires, SECRET)

    assert verify_signed_url(KEY, expires, signature, SECRET, now=NOW)
    assert verify_signed_url(KEY, str(expires), signature, SECRET, now=expires - 0.001)
    assert not verify_signed_url(KEY, str(expires), signature, SECRET, now=expires)
    assert not verify_signed_url(KEY, str(expires), signature, SECRET, now=expires + 3600)


def test_tampering_with_any_part_is_refused() -> None:
    expires = int(NOW) + 600
    signature = blob_signature(KEY, expires, SECRET)
    other_digit = "0" if signature[-1] != "0" else "1"

    assert not verify_signed_url(KEY.replace("견적서", "내역서"), expires, signature, SECRET, NOW)
    assert not verify_signed_url(KEY, expires + 86_400, signature, SECRET, NOW)
    assert not verify_signed_url(KEY, expires, signature[:-1] + other_digit, SECRET, NOW)
    assert not verify_signed_url(KEY, expires, signature, "another-secret", NOW)


@pytest.mark.parametrize(
    ("expires", "sig"),
    [
        ("", "0" * 64),
        ("-5", "0" * 64),
        ("12a", "0" * 64),
        ("١٨٠٠٠٠٠٦٠٠", "0" * 64),  # Arabic-Indic digits pass str.isdigit()
        (True, "0" * 64),
        ("1800000600", "é" * 64),  # non-ASCII: hmac.compare_digest would raise TypeError
        ("1800000600", "A" * 64),
        ("1800000600", "0" * 63),
        ("1800000600", ""),
    ],
)
def test_malformed_values_are_refused_without_raising(expires: str, sig: str) -> None:
    assert not verify_signed_url(KEY, expires, sig, SECRET, NOW)


def test_an_invalid_key_or_an_empty_secret_never_verifies() -> None:
    expires = int(NOW) + 600

    assert not verify_signed_url(
        "../etc/passwd", expires, blob_signature("../etc/passwd", expires, SECRET), SECRET, NOW
    )
    assert not verify_signed_url(KEY, expires, blob_signature(KEY, expires, ""), "", NOW)
