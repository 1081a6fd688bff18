"""An in-memory BlobStore for tests: the same contract as the real adapters, nothing on disk.

Signed URLs look like `memory://{key}?expires=..&sig=..` and are checked with `verify_signed_url`,
exactly as the filesystem store's are. Content types are accepted and not kept: the port has no way
to read them back.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from kis_estimator.storage.base import (
    BlobInfo,
    BlobNotFound,
    NewBlob,
    run_check,
    validate_content_type,
    validate_expiry,
    validate_key,
    validate_prefix,
)
from kis_estimator.storage.signing import signed_path_and_query, verify_signed_url

__all__ = ["InMemoryBlobStore"]


class InMemoryBlobStore:
    """A thread-safe dict of key → bytes that honours the BlobStore contract."""

    backend = "memory"

    def __init__(self, signing_secret: str | None, *, now: Callable[[], float] = time.time) -> None:
        """`signing_secret` None: sign with a random secret of this store's own."""
        if signing_secret is not None and not signing_secret:
            raise ValueError("signing_secret must not be empty: anyone could forge signed URLs")
        self._secret = signing_secret or secrets.token_urlsafe(48)
        self._now = now
        self._blobs: dict[str, bytes] = {}
        self._written: dict[str, float] = {}
        self._lock = threading.Lock()

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sha256: str | None = None,
    ) -> BlobInfo:
        """Store a copy of `data` under `key`."""
        validate_key(key, backend=self.backend)
        validate_content_type(content_type)
        # A copy, so a caller mutating a bytearray afterwards cannot change the stored blob.
        snapshot = bytes(data)
        with self._lock:
            self._blobs[key] = snapshot
            self._written[key] = time.time()
        return BlobInfo(key=key, size=len(snapshot), sha256=sha256 or hashlib.sha256(snapshot).hexdigest())

    def put_many(self, blobs: Sequence[NewBlob]) -> None:
        """`put` each blob in turn."""
        for blob in blobs:
            self.put(blob.key, blob.data, blob.content_type, sha256=blob.sha256)

    def get(self, key: str) -> bytes:
        """The bytes under `key`; BlobNotFound when there are none."""
        validate_key(key, backend=self.backend)
        with self._lock:
            data = self._blobs.get(key)
        if data is None:
            raise BlobNotFound("no such blob", backend=self.backend, key=key)
        return data

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        validate_key(key, backend=self.backend)
        with self._lock:
            return key in self._blobs

    def modified_at(self, key: str) -> float:
        """When `put` stored the blob."""
        validate_key(key, backend=self.backend)
        with self._lock:
            written = self._written.get(key) if key in self._blobs else None
        if written is None:
            raise BlobNotFound("no such blob", backend=self.backend, key=key)
        return written

    def delete(self, key: str) -> None:
        """Remove the blob under `key`, if any."""
        validate_key(key, backend=self.backend)
        with self._lock:
            self._blobs.pop(key, None)
            self._written.pop(key, None)

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with `prefix` at the time of the call, sorted."""
        validate_prefix(prefix, backend=self.backend)
        with self._lock:
            keys = [key for key in self._blobs if key.startswith(prefix)]
        return iter(sorted(keys))

    def signed_url(self, key: str, expires_s: int = 600) -> str:
        """`memory://{key}?expires=..&sig=..`, valid for `expires_s` seconds of the injected clock."""
        validate_key(key, backend=self.backend)
        expires = int(self._now()) + validate_expiry(expires_s)
        return f"memory://{signed_path_and_query(key, expires, self._secret)}"

    def verify_signed_url(self, key: str, expires: str, sig: str, *, max_lifetime_s: float) -> bool:
        """Whether this store signed the URL of `key` (see `signing.verify_signed_url`)."""
        return verify_signed_url(key, expires, sig, self._secret, self._now(), max_lifetime_s=max_lifetime_s)

    def init(self) -> None:
        """Nothing to set up."""

    def check(self) -> None:
        """Put, get and delete a probe blob."""
        run_check(self, backend=self.backend)
