"""The shared key rules and the HMAC signed URLs of the filesystem and memory stores."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kis_estimator.storage import (
    FileSystemBlobStore,
    InMemoryBlobStore,
    InvalidKey,
    StorageError,
    validate_key,
    verify_signed_url,
)
from kis_estimator.storage.filesystem import SECRET_FILE
from kis_estimator.storage.signing import blob_signature

SECRET = "evidence-secret"
NOW = 1_800_000_000.0
KEY = "quote/00000000-0000-0000-0000-000000000007/documents/견적서.pdf"
MAX = 600  # the longest lifetime a URL may claim


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

    assert verify_signed_url(KEY, expires, signature, SECRET, now=NOW, max_lifetime_s=MAX)
    assert verify_signed_url(KEY, str(expires), signature, SECRET, now=expires - 0.001, max_lifetime_s=MAX)
    assert not verify_signed_url(KEY, str(expires), signature, SECRET, now=expires, max_lifetime_s=MAX)
    assert not verify_signed_url(KEY, str(expires), signature, SECRET, now=expires + 3600, max_lifetime_s=MAX)


def test_tampering_with_any_part_is_refused() -> None:
    expires = int(NOW) + 600
    signature = blob_signature(KEY, expires, SECRET)
    other_digit = "0" if signature[-1] != "0" else "1"

    assert not verify_signed_url(
        KEY.replace("견적서", "내역서"), expires, signature, SECRET, NOW, max_lifetime_s=MAX
    )
    assert not verify_signed_url(KEY, expires + 86_400, signature, SECRET, NOW, max_lifetime_s=MAX)
    assert not verify_signed_url(KEY, expires, signature[:-1] + other_digit, SECRET, NOW, max_lifetime_s=MAX)
    assert not verify_signed_url(KEY, expires, signature, "another-secret", NOW, max_lifetime_s=MAX)


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
    assert not verify_signed_url(KEY, expires, sig, SECRET, NOW, max_lifetime_s=MAX)


def test_an_invalid_key_or_an_empty_secret_never_verifies() -> None:
    expires = int(NOW) + 600

    assert not verify_signed_url(
        "../etc/passwd",
        expires,
        blob_signature("../etc/passwd", expires, SECRET),
        SECRET,
        NOW,
        max_lifetime_s=MAX,
    )
    assert not verify_signed_url(KEY, expires, blob_signature(KEY, expires, ""), "", NOW, max_lifetime_s=MAX)


def test_a_url_claiming_a_longer_lifetime_than_the_maximum_is_refused() -> None:
    far_future = 99_999_999_999  # what the attack review was served: valid for millennia
    assert not verify_signed_url(
        KEY, far_future, blob_signature(KEY, far_future, SECRET), SECRET, NOW, max_lifetime_s=MAX
    )
    just_over = int(NOW) + MAX + 1
    assert not verify_signed_url(
        KEY, just_over, blob_signature(KEY, just_over, SECRET), SECRET, NOW, max_lifetime_s=MAX
    )


def test_without_a_configured_secret_the_filesystem_store_makes_one_and_keeps_it(tmp_path: Path) -> None:
    first = FileSystemBlobStore(tmp_path, None, now=lambda: NOW)
    first.init()
    secret_file = tmp_path / SECRET_FILE
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text(encoding="ascii").strip()
    assert len(secret) >= 64 and secret != "kis-development-only-signing-secret"
    url = first.signed_url(KEY, 600)
    _, _, query = url.partition("?")
    expires, sig = (part.split("=", 1)[1] for part in query.split("&"))
    assert sig == blob_signature(KEY, int(expires), secret)

    restarted = FileSystemBlobStore(tmp_path, None, now=lambda: NOW)
    restarted.init()
    assert secret_file.read_text(encoding="ascii").strip() == secret
    assert restarted.verify_signed_url(KEY, expires, sig, max_lifetime_s=MAX)
    assert list(restarted.list()) == []  # the secret is never a blob
    other = FileSystemBlobStore(tmp_path / "elsewhere", None, now=lambda: NOW)
    other.init()
    assert not other.verify_signed_url(KEY, expires, sig, max_lifetime_s=MAX)


def test_stores_racing_to_make_the_secret_all_get_the_same_one(tmp_path: Path) -> None:
    stores = [FileSystemBlobStore(tmp_path, None, now=lambda: NOW) for _ in range(16)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda store: store.init(), stores))
    _, _, query = stores[0].signed_url(KEY, 600).partition("?")
    expires, sig = (part.split("=", 1)[1] for part in query.split("&"))
    assert all(store.verify_signed_url(KEY, expires, sig, max_lifetime_s=MAX) for store in stores)
    assert [path.name for path in tmp_path.iterdir()] == [SECRET_FILE]  # no temporary file left


def test_a_truncated_secret_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("short\n", encoding="ascii")
    with pytest.raises(StorageError, match="EVIDENCE_SECRET"):
        FileSystemBlobStore(tmp_path, None).init()
