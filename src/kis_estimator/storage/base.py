"""The storage port: the `BlobStore` protocol, its errors, and the rules every adapter shares.

Error tree (every adapter raises only these; third-party errors are chained as `__cause__`):

    StorageError            the store failed, or refused (carries `backend` and `key`)
    ├── BlobNotFound        no blob under that key
    └── InvalidKey          the key breaks the key rules (`validate_key`)

Keys are relative POSIX paths such as `quote/{uuid}/documents/quote.pdf`. They are often built from
user-influenced names, so every adapter runs the same `validate_key` before touching anything.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

MAX_KEY_BYTES = 1024  # S3's limit, applied everywhere so a key valid on one adapter is valid on all
MAX_SEGMENT_BYTES = 255  # the usual file-name limit (ext4, APFS, NTFS)
MAX_EXPIRES_S = 7 * 24 * 3600  # the longest S3 SigV4 presigned URL
RESERVED_SEGMENT_PREFIX = ".kis-"  # adapters' own files (temporary writes); never a key's segment
PROBE_PREFIX = "kis-check/"

# Unicode categories refused in keys: control characters, invisible format characters (bidi
# overrides such as U+202E can disguise `fdp.exe` as `exe.pdf`) and line/paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_CONTENT_TYPE = re.compile(r"[!-~][ -~]{0,254}")


class StorageError(Exception):
    """A storage operation failed or was refused; `backend` names the adapter, `key` the blob (or None)."""

    def __init__(self, message: str, *, backend: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.backend = backend
        self.key = key

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: rebuild through a helper so the error crosses process boundaries.
        return (_rebuild_storage_error, (type(self), self.message, self.backend, self.key))

    def __str__(self) -> str:
        where = "" if self.key is None else f" (key {self.key!r})"
        return f"{self.backend}: {self.message}{where}"


class BlobNotFound(StorageError):
    """No blob is stored under the key."""


class InvalidKey(StorageError):
    """The key breaks the key rules; nothing was read or written."""


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What `put` stored: the key, the size in bytes and the SHA-256 (lowercase hex) of the bytes."""

    key: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class NewBlob:
    """One blob of a `put_many`: its key, bytes, content type and SHA-256 (lowercase hex) when known."""

    key: str
    data: bytes
    content_type: str = "application/octet-stream"
    sha256: str | None = None


class BlobStore(Protocol):
    """A flat key → bytes store. Store failures raise StorageError (or a subclass); a caller's own
    mistakes in `expires_s` or `content_type` raise ValueError."""

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sha256: str | None = None,
    ) -> BlobInfo:
        """Store `data` under `key`, replacing any blob there; readers see old or new bytes, never a mix.

        `sha256`: the SHA-256 of `data` (lowercase hex) when the caller has it already; it is not
        computed again (S3 still checks it against the bytes it receives)."""
        ...

    def put_many(self, blobs: Sequence[NewBlob]) -> None:
        """Store every blob as `put` would, at lower cost than one `put` after another (the writes
        overlap, and the filesystem makes each directory durable once). When it returns, every blob is
        stored durably; on StorageError some may be stored and others not (orphans for `kis storage gc`),
        and none is partial."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; BlobNotFound when there are none."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under `key`."""
        ...

    def delete(self, key: str) -> None:
        """Remove the blob under `key`; deleting a missing key is not an error."""
        ...

    def modified_at(self, key: str) -> float:
        """When the blob under `key` was last written (Unix seconds); BlobNotFound when there is none."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with `prefix` (a plain string prefix, as in S3), in ascending order."""
        ...

    def signed_url(self, key: str, expires_s: int = 600) -> str:
        """A URL that serves the blob without credentials for `expires_s` seconds (1 s to 7 days)."""
        ...

    def init(self) -> None:
        """Create what the store needs (directory, bucket); safe to call any number of times."""
        ...

    def check(self) -> None:
        """Readiness probe: write, read back and delete a small object; StorageError names the failed step."""
        ...


@runtime_checkable
class ServesSignedUrls(Protocol):
    """A store whose signed URLs the HTTP API serves itself (filesystem, memory): it checks them."""

    def verify_signed_url(self, key: str, expires: str, sig: str, *, max_lifetime_s: float) -> bool:
        """Whether the store signed this URL of `key`, unexpired and at most `max_lifetime_s` ahead."""
        ...


def validate_key(key: str, *, backend: str) -> str:
    """Return `key` if it is a safe relative POSIX path for every adapter; otherwise raise InvalidKey."""
    problem = _key_problem(key)
    if problem is not None:
        raise InvalidKey(f"invalid key: {problem}", backend=backend, key=key)
    return key


def validate_prefix(prefix: str, *, backend: str) -> str:
    """Return `prefix` if it is empty or the start of a valid key (a trailing `/` is allowed)."""
    if prefix == "":
        return prefix
    problem = _key_problem(prefix.removesuffix("/"))
    if problem is not None:
        raise InvalidKey(f"invalid prefix: {problem}", backend=backend, key=prefix)
    return prefix


def is_valid_key(key: str) -> bool:
    """Whether `key` passes `validate_key` (for filtering names found on disk)."""
    return _key_problem(key) is None


def validate_expiry(expires_s: int) -> int:
    """Return `expires_s` if it is a whole number of seconds from 1 to 7 days; otherwise ValueError."""
    if isinstance(expires_s, bool) or not isinstance(expires_s, int) or not 1 <= expires_s <= MAX_EXPIRES_S:
        raise ValueError(f"expires_s must be an integer from 1 to {MAX_EXPIRES_S}, got {expires_s!r}")
    return expires_s


def validate_content_type(content_type: str) -> str:
    """Return `content_type` if it is printable ASCII (it becomes an HTTP header); otherwise ValueError."""
    if not _CONTENT_TYPE.fullmatch(content_type):
        raise ValueError(f"content_type must be printable ASCII, got {content_type!r}")
    return content_type


def run_check(store: BlobStore, *, backend: str) -> None:
    """Put, get and delete a probe blob on `store`; raise StorageError naming the step that failed."""
    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}.txt"
    payload = f"kis storage probe {key}".encode()
    step = "put"
    try:
        store.put(key, payload, "text/plain")
        step = "get"
        if store.get(key) != payload:
            raise StorageError("read back different bytes", backend=backend, key=key)
        step = "delete"
        store.delete(key)
    except StorageError as exc:
        if step == "get":
            # Leave no probe behind when only the read failed; the original error is what matters.
            with contextlib.suppress(StorageError):
                store.delete(key)
        raise StorageError(f"check failed at {step}: {exc.message}", backend=backend, key=key) from exc


def _key_problem(key: str) -> str | None:
    """Why `key` is not a valid key, or None when it is."""
    if key == "":
        return "empty"
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        return "not valid Unicode (lone surrogate)"
    if size > MAX_KEY_BYTES:
        return f"longer than {MAX_KEY_BYTES} bytes in UTF-8"
    if "\\" in key:
        return "contains a backslash"
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in key):
        return "contains a control or invisible formatting character"
    if unicodedata.normalize("NFC", key) != key:
        # NFC and NFD spellings of one Korean name would be two S3 keys but one file on macOS.
        return "not in Unicode NFC form (normalise names with unicodedata.normalize('NFC', ...))"
    if key.startswith("/"):
        return "absolute path"
    return _segments_problem(key.split("/"))


def _segments_problem(segments: list[str]) -> str | None:
    for segment in segments:
        if segment == "":
            return "empty path segment (leading, trailing or doubled '/')"
        if segment in (".", ".."):
            return f"'{segment}' path segment"
        if segment.startswith(RESERVED_SEGMENT_PREFIX):
            return f"segments starting with {RESERVED_SEGMENT_PREFIX!r} are reserved"
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            return f"a path segment is longer than {MAX_SEGMENT_BYTES} bytes in UTF-8"
    return None


def _rebuild_storage_error(
    cls: type[StorageError], message: str, backend: str, key: str | None
) -> StorageError:
    return cls(message, backend=backend, key=key)
