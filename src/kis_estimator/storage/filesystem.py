"""The filesystem BlobStore: one file per blob under a root directory (the default store).

- A key maps to `root/<key>`. Every path is resolved (symlinks followed) and must stay inside the
  root, otherwise the operation fails with StorageError: a symlink planted inside the root cannot
  make the store read, write or delete outside it. (A symlink swapped in between the check and the
  use is not guarded against; whoever can do that already writes to the store's directory.)
- Writes are atomic: the bytes go to a temporary `.kis-tmp-*` file in the target's directory, are
  fsynced, then `os.replace`d over the target, and the directory is fsynced. Readers see the old or
  the new blob, never a partial one; a failed write leaves neither a partial blob nor a temp file.
  `put_many` does the same for many blobs at a lower cost: their fsyncs run side by side (the
  filesystem's journal commits serve several at once) and each directory is fsynced once, after all
  its renames; it returns only when every blob is durable.
- Files are created readable by the service's user only (mode 0600, as `tempfile.mkstemp` makes them).
- Content types are not stored: the port has no way to read them back, and the HTTP API that serves
  signed URLs derives the type from the key's extension (`.pdf`, `.xlsx`, `.svg`, `.json`).
- Empty directories left by `delete` are removed, so the tree mirrors the keys. One difference from
  S3 remains: a key cannot be both a blob and a prefix of other keys (`a/b` and `a/b/c`); such a put
  fails with StorageError. The storage layout never does this.
- The root must exist (`init()` creates it): a missing root is an error rather than silently
  recreated, so an unmounted volume is noticed instead of filled.
- Signed URLs are `{base_url}/v1/blobs/{key}?expires={unix_ts}&sig={hex}`; see `signing.py`. Without
  a configured signing secret the store uses its installation secret `root/.kis-signing-secret`:
  48 random bytes made on first use (atomically, mode 0600), kept with the blobs and reused by every
  process and restart that opens the same root. It is never a key (the `.kis-` prefix is reserved).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from kis_estimator.storage.base import (
    RESERVED_SEGMENT_PREFIX,
    BlobInfo,
    BlobNotFound,
    NewBlob,
    StorageError,
    is_valid_key,
    run_check,
    validate_content_type,
    validate_expiry,
    validate_key,
    validate_prefix,
)
from kis_estimator.storage.signing import signed_path_and_query, verify_signed_url

__all__ = ["FileSystemBlobStore", "verify_signed_url"]

_T = TypeVar("_T")

_TEMP_PREFIX = f"{RESERVED_SEGMENT_PREFIX}tmp-"
SECRET_FILE = f"{RESERVED_SEGMENT_PREFIX}signing-secret"
MIN_SECRET_CHARS = 32
# A concurrent delete may prune the directory between our mkdir and the temp file's creation.
_WRITE_ATTEMPTS = 3
# fsyncs of one put_many run side by side: they wait on the disk, and concurrent ones share a journal commit.
_SYNCS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="kis-fsync")


class FileSystemBlobStore:
    """Blobs as files under `root`; HMAC-signed URLs served by the HTTP API under `base_url`."""

    backend = "filesystem"

    def __init__(
        self,
        root: Path,
        signing_secret: str | None,
        base_url: str = "",
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        """`signing_secret` None: sign with the installation secret kept in the root."""
        if signing_secret is not None and not signing_secret:
            raise ValueError("signing_secret must not be empty: anyone could forge signed URLs")
        self._root = Path(root).resolve()
        self._secret = signing_secret
        self._secret_lock = threading.Lock()
        self._base_url = base_url.rstrip("/")
        self._now = now

    @property
    def root(self) -> Path:
        """The resolved root directory."""
        return self._root

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sha256: str | None = None,
    ) -> BlobInfo:
        """Atomically store `data` under `key` (the content type is checked, not stored)."""
        self.put_many([NewBlob(key, data, content_type, sha256)])
        return BlobInfo(key=key, size=len(data), sha256=sha256 or hashlib.sha256(data).hexdigest())

    def put_many(self, blobs: Sequence[NewBlob]) -> None:
        """Atomically store every blob: each to a temp file in its directory; all fsynced (side by side);
        renamed over their targets; then each directory fsynced once. On failure the temp files are
        removed; blobs renamed before it stay (complete)."""
        for blob in blobs:
            validate_content_type(blob.content_type)
        targets = [self._path(blob.key) for blob in blobs]
        staged: list[tuple[int, str]] = []  # (fd, temp path) of each blob written so far
        renamed = 0
        try:
            for blob, path in zip(blobs, targets, strict=True):
                fd, temp_name = self._attempt(blob.key, _create_temp_file, path.parent)
                staged.append((fd, temp_name))
                self._attempt(blob.key, _write_fully, fd, blob.data)
            self._each([(blob.key, os.fsync, fd) for blob, (fd, _) in zip(blobs, staged, strict=True)])
            for blob, path, (_, temp_name) in zip(blobs, targets, staged, strict=True):
                self._attempt(blob.key, os.replace, temp_name, path)
                renamed += 1
        except BaseException:
            # Also on KeyboardInterrupt: a temp file must never outlive a failed write.
            for _, temp_name in staged[renamed:]:
                Path(temp_name).unlink(missing_ok=True)
            raise
        finally:
            for fd, _ in staged:
                os.close(fd)
        directories = {path.parent: blob.key for blob, path in zip(blobs, targets, strict=True)}
        self._each([(key, _fsync_directory, directory) for directory, key in directories.items()])

    def _attempt(self, key: str, action: Callable[..., _T], *args: Any) -> _T:
        try:
            return action(*args)
        except OSError as exc:
            raise self._error("cannot write", exc, key) from exc

    def _each(self, calls: Sequence[tuple[str, Callable[[Any], object], Any]]) -> None:
        """Run the calls (each a key, an action on the disk and its argument), several side by side."""
        if len(calls) == 1:
            self._attempt(*calls[0])
            return
        for _ in _SYNCS.map(lambda call: self._attempt(*call), calls):
            pass

    def get(self, key: str) -> bytes:
        """The bytes under `key`; BlobNotFound when there is no such file."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise BlobNotFound("no such blob", backend=self.backend, key=key) from exc
        except OSError as exc:
            raise self._error("cannot read", exc, key) from exc

    def exists(self, key: str) -> bool:
        """Whether a regular file is stored under `key`."""
        path = self._path(key)
        try:
            return stat.S_ISREG(path.stat().st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as exc:
            raise self._error("cannot stat", exc, key) from exc

    def modified_at(self, key: str) -> float:
        """The file's modification time."""
        path = self._path(key)
        try:
            return path.stat().st_mtime
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFound("no such blob", backend=self.backend, key=key) from None
        except OSError as exc:
            raise self._error("cannot stat", exc, key) from exc

    def delete(self, key: str) -> None:
        """Remove the file under `key` (if any) and the directories that become empty."""
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return
        except OSError as exc:
            raise self._error("cannot delete", exc, key) from exc
        self._prune_empty_parents(path)

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys of the regular files whose key starts with `prefix`, sorted (symlinks are skipped)."""
        validate_prefix(prefix, backend=self.backend)
        self._require_root()
        start = self._inside_root(self._root / prefix.rpartition("/")[0], key=prefix)
        if not start.is_dir():
            return iter(())
        try:
            keys = [key for key in self._walk_keys(start) if key.startswith(prefix)]
        except OSError as exc:
            raise self._error("cannot list", exc, prefix) from exc
        return iter(sorted(keys))

    def signed_url(self, key: str, expires_s: int = 600) -> str:
        """`{base_url}/v1/blobs/{key}?expires=..&sig=..`, valid for `expires_s` seconds of the clock."""
        validate_key(key, backend=self.backend)
        expires = int(self._now()) + validate_expiry(expires_s)
        return f"{self._base_url}/v1/blobs/{signed_path_and_query(key, expires, self._signing_secret())}"

    def verify_signed_url(self, key: str, expires: str, sig: str, *, max_lifetime_s: float) -> bool:
        """Whether this store signed the URL of `key` (see `signing.verify_signed_url`)."""
        return verify_signed_url(
            key, expires, sig, self._signing_secret(), self._now(), max_lifetime_s=max_lifetime_s
        )

    def init(self) -> None:
        """Create the root directory (and its parents) if missing, and the installation secret when
        no signing secret is configured."""
        try:
            self._root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(f"cannot create the root {self._root}", exc, None) from exc
        self._signing_secret()

    def check(self) -> None:
        """Put, get and delete a probe blob under the root."""
        run_check(self, backend=self.backend)

    def _signing_secret(self) -> str:
        with self._secret_lock:
            if self._secret is None:
                self._require_root()
                try:
                    self._secret = _installation_secret(self._root / SECRET_FILE)
                except OSError as exc:
                    raise self._error(f"cannot read or make {SECRET_FILE}", exc, None) from exc
            return self._secret

    def _path(self, key: str) -> Path:
        """The resolved file path of a valid key, guaranteed inside the existing root."""
        validate_key(key, backend=self.backend)
        self._require_root()
        return self._inside_root(self._root / key, key=key)

    def _inside_root(self, path: Path, *, key: str) -> Path:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
            raise StorageError(f"cannot resolve the path: {exc}", backend=self.backend, key=key) from exc
        if resolved != self._root and not resolved.is_relative_to(self._root):
            raise StorageError(
                "the path resolves outside the store root (a symlink inside the root?)",
                backend=self.backend,
                key=key,
            )
        return resolved

    def _require_root(self) -> None:
        if not self._root.is_dir():
            raise StorageError(
                f"the store root {self._root} does not exist or is not a directory (run init)",
                backend=self.backend,
            )

    def _walk_keys(self, start: Path) -> Iterator[str]:
        def fail(error: OSError) -> None:
            raise error

        for directory, _subdirectories, file_names in os.walk(start, onerror=fail):
            for name in file_names:
                full_path = os.path.join(directory, name)
                if name.startswith(RESERVED_SEGMENT_PREFIX) or os.path.islink(full_path):
                    continue
                key = os.path.relpath(full_path, self._root)
                # Files that no put could have made (e.g. non-UTF-8 names) are not blobs.
                if is_valid_key(key):
                    yield key

    def _prune_empty_parents(self, path: Path) -> None:
        for directory in path.parents:
            if directory == self._root or not directory.is_relative_to(self._root):
                return
            try:
                directory.rmdir()
            except OSError:
                return  # not empty (or already gone): the usual way this loop ends

    def _error(self, action: str, exc: OSError, key: str | None) -> StorageError:
        reason = exc.strerror or str(exc)
        return StorageError(f"{action}: {reason}", backend=self.backend, key=key)


def _create_temp_file(directory: Path) -> tuple[int, str]:
    """Create the directory (and parents) and an empty temp file in it; return its fd and path."""
    attempts_left = _WRITE_ATTEMPTS
    while True:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            return tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=directory)
        except FileNotFoundError:
            attempts_left -= 1
            if attempts_left == 0:
                raise


def _write_fully(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _installation_secret(path: Path) -> str:
    """The secret kept in `path`, made on first use: 48 random bytes as URL-safe text, mode 0600.

    Atomic and safe between processes: the secret goes to a temporary file that is hard-linked to
    `path`, which fails when another process got there first; then everyone reads the one file.
    """
    if not path.exists():
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as temp_file:
                temp_file.write(secrets.token_urlsafe(48) + "\n")
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.link(temp_name, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            Path(temp_name).unlink(missing_ok=True)
        _fsync_directory(path.parent)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise StorageError(
            f"{path} holds fewer than {MIN_SECRET_CHARS} characters: delete it (a new secret is made; "
            "links handed out before stop working) or set EVIDENCE_SECRET",
            backend=FileSystemBlobStore.backend,
        )
    return secret
