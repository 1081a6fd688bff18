"""Blob storage for quote documents and evidence: the `BlobStore` port and its adapters.

`open_blob_store(STORAGE_URL, ...)` picks the adapter: `file://DIR` (the default, under `./var/`),
`s3://BUCKET` (AWS or any S3-compatible endpoint) or `memory://` (tests). Opening a store makes no
I/O; call `init()` to create the directory or bucket and `check()` as the readiness probe.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from kis_estimator.storage.base import (
    BlobInfo,
    BlobNotFound,
    BlobStore,
    InvalidKey,
    NewBlob,
    ServesSignedUrls,
    StorageError,
    validate_key,
)
from kis_estimator.storage.filesystem import FileSystemBlobStore
from kis_estimator.storage.memory import InMemoryBlobStore
from kis_estimator.storage.s3 import S3BlobStore
from kis_estimator.storage.signing import verify_signed_url

__all__ = [
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "FileSystemBlobStore",
    "InMemoryBlobStore",
    "InvalidKey",
    "NewBlob",
    "S3BlobStore",
    "ServesSignedUrls",
    "StorageError",
    "open_blob_store",
    "validate_key",
    "verify_signed_url",
]


def open_blob_store(
    url: str,
    *,
    signing_secret: str | None,
    s3_endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str = "us-east-1",
    base_url: str = "",
) -> BlobStore:
    """The store `url` names: `file:///abs/dir`, `file://relative/dir`, `s3://bucket` or `memory://`.

    Raises ValueError for any other form. `signing_secret` signs the filesystem's and memory's URLs
    (S3 presigns with its own credentials); None: the filesystem store's installation secret, a
    random one for memory. `base_url` prefixes the filesystem's signed URLs.
    """
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise ValueError(f"storage URL {url!r} must not have a query or fragment")
    if scheme == "file":
        return FileSystemBlobStore(_file_path(url, rest), signing_secret, base_url)
    if scheme == "s3":
        return S3BlobStore(
            _bucket_name(url, parts.netloc, parts.path),
            endpoint_url=s3_endpoint_url,
            region=region,
            access_key=access_key,
            secret_key=secret_key,
        )
    if scheme == "memory":
        if rest:
            raise ValueError(f"storage URL {url!r}: write memory:// with nothing after it")
        return InMemoryBlobStore(signing_secret)
    raise ValueError(
        f"unsupported storage URL {url!r}: expected file:///absolute/dir, file://relative/dir, "
        "s3://bucket or memory://"
    )


def _file_path(url: str, rest: str) -> Path:
    # `file://var/blobs` is relative to the working directory and `file:///srv/blobs` absolute,
    # so the text after `://` is the path itself (not a host followed by a path).
    if not rest:
        raise ValueError(f"storage URL {url!r} names no directory")
    return Path(unquote(rest))


def _bucket_name(url: str, netloc: str, path: str) -> str:
    if not netloc or path not in ("", "/"):
        raise ValueError(f"storage URL {url!r}: expected s3://bucket (no path inside the bucket)")
    return netloc
