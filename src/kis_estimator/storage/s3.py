"""The S3 BlobStore: AWS S3 or any S3-protocol store (Supabase Storage, MinIO, Cloudflare R2).

- With an `endpoint_url` the client uses path-style addressing (`{endpoint}/{bucket}/{key}`), which
  every S3-compatible store accepts; without one it talks to AWS with its default addressing.
- Uploads send the SHA-256 as `ChecksumSHA256` (the store verifies the bytes it received) and as
  the `sha256` user metadata (kept with the object, readable by `kis storage gc` and by people).
- Presigned GET URLs use SigV4 (SigV2 is refused by R2 and Supabase). `presign_endpoint_url` signs
  for another address than the one the service talks to, e.g. a public hostname in front of a
  store the service reaches on a private network.
- Connect/read timeouts are short and retries few, so a dead endpoint fails within seconds rather
  than stalling a request (or `/readyz`) for minutes.
- Every boto3/botocore error becomes StorageError (BlobNotFound for a missing key), chained.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from typing import Any

import boto3  # type: ignore[import-untyped]
from boto3.exceptions import Boto3Error  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from kis_estimator.storage.base import (
    BlobInfo,
    BlobNotFound,
    NewBlob,
    StorageError,
    run_check,
    validate_content_type,
    validate_expiry,
    validate_key,
    validate_prefix,
)

__all__ = ["S3BlobStore"]

_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
_ALREADY_MINE_CODES = frozenset({"BucketAlreadyOwnedByYou"})
_UPLOADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="kis-s3-put")


class S3BlobStore:
    """Blobs as objects of one bucket; presigned GET URLs."""

    backend = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        presign_endpoint_url: str | None = None,
        connect_timeout_s: float = 2.0,
        read_timeout_s: float = 5.0,
        max_attempts: int = 2,
    ) -> None:
        if not bucket:
            raise ValueError("bucket must not be empty")
        self._bucket = bucket
        self._region = region
        self._endpoint_url = endpoint_url
        # A session per store: boto3 sessions are not thread-safe, the clients made from them are.
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region
        )
        config = _client_config(
            region=region,
            path_style=endpoint_url is not None,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
            max_attempts=max_attempts,
        )
        self._client: Any = session.client("s3", endpoint_url=endpoint_url, config=config)
        self._presign_client: Any = (
            session.client("s3", endpoint_url=presign_endpoint_url, config=config)
            if presign_endpoint_url
            else self._client
        )

    @property
    def bucket(self) -> str:
        """The bucket name."""
        return self._bucket

    def put(
        self,
        key: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        *,
        sha256: str | None = None,
    ) -> BlobInfo:
        """Upload `data` as one object with its content type and SHA-256 (which S3 checks)."""
        validate_key(key, backend=self.backend)
        validate_content_type(content_type)
        digest = bytes.fromhex(sha256) if sha256 else hashlib.sha256(data).digest()
        with self._translate("put", key):
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ChecksumSHA256=base64.b64encode(digest).decode("ascii"),
                Metadata={"sha256": digest.hex()},
            )
        return BlobInfo(key=key, size=len(data), sha256=digest.hex())

    def put_many(self, blobs: Sequence[NewBlob]) -> None:
        """The uploads overlap (they wait on the network, not the CPU); the first failure is raised."""
        uploads = _UPLOADS.map(lambda b: self.put(b.key, b.data, b.content_type, sha256=b.sha256), blobs)
        for _ in uploads:
            pass

    def get(self, key: str) -> bytes:
        """The object's bytes; BlobNotFound when there is no such object."""
        validate_key(key, backend=self.backend)
        with self._translate("get", key):
            response = self._client.get_object(Bucket=self._bucket, Key=key)
            with closing(response["Body"]) as body:
                data: bytes = body.read()
        return data

    def exists(self, key: str) -> bool:
        """Whether the object exists (a HEAD request; a missing bucket also reads as False, check() tells)."""
        validate_key(key, backend=self.backend)
        try:
            with self._translate("exists", key):
                self._client.head_object(Bucket=self._bucket, Key=key)
        except BlobNotFound:
            return False
        return True

    def modified_at(self, key: str) -> float:
        """The object's LastModified (a HEAD request)."""
        validate_key(key, backend=self.backend)
        with self._translate("stat", key):
            head = self._client.head_object(Bucket=self._bucket, Key=key)
        modified: float = head["LastModified"].timestamp()
        return modified

    def delete(self, key: str) -> None:
        """Delete the object; S3 answers success for a missing key too."""
        validate_key(key, backend=self.backend)
        with self._translate("delete", key):
            self._client.delete_object(Bucket=self._bucket, Key=key)

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with `prefix`, page by page, in S3's ascending (UTF-8 byte) order."""
        validate_prefix(prefix, backend=self.backend)
        return self._iter_keys(prefix)

    def signed_url(self, key: str, expires_s: int = 600) -> str:
        """A SigV4 presigned GET URL valid for `expires_s` seconds (computed locally, no request)."""
        validate_key(key, backend=self.backend)
        validate_expiry(expires_s)
        with self._translate("sign", key):
            url: str = self._presign_client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_s
            )
        return url

    def init(self) -> None:
        """Create the bucket unless it exists (a HEAD first, so no create permission is needed)."""
        with self._translate("init", None):
            try:
                self._client.head_bucket(Bucket=self._bucket)
                return
            except ClientError as exc:
                if _error_code(exc) not in _NOT_FOUND_CODES | {"NoSuchBucket"}:
                    raise
            try:
                self._client.create_bucket(**self._create_bucket_args())
            except ClientError as exc:
                # Another process created it between our HEAD and CREATE.
                if _error_code(exc) not in _ALREADY_MINE_CODES:
                    raise

    def check(self) -> None:
        """Put, get and delete a probe object."""
        run_check(self, backend=self.backend)

    def _iter_keys(self, prefix: str) -> Iterator[str]:
        previous = ""
        with self._translate("list", prefix or None):
            for page in self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=prefix
            ):
                for entry in page.get("Contents", []):
                    key: str = entry["Key"]
                    # Callers (gc, export) rely on the order; some S3 look-alikes do not keep it.
                    if key <= previous:
                        raise StorageError(
                            f"the endpoint listed keys out of order ({previous!r} then {key!r})",
                            backend=self.backend,
                        )
                    previous = key
                    yield key

    def _create_bucket_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"Bucket": self._bucket}
        # Only AWS wants a LocationConstraint (and refuses one for us-east-1); other stores pick
        # their own placement and some reject unknown constraints.
        if self._endpoint_url is None and self._region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
        return args

    @contextmanager
    def _translate(self, action: str, key: str | None) -> Iterator[None]:
        """Turn any boto3/botocore error raised inside into StorageError (or BlobNotFound)."""
        try:
            yield
        except (BotoCoreError, ClientError, Boto3Error) as exc:
            raise self._storage_error(action, key, exc) from exc

    def _storage_error(self, action: str, key: str | None, exc: Exception) -> StorageError:
        code = _error_code(exc) if isinstance(exc, ClientError) else ""
        if key is not None and code in _NOT_FOUND_CODES and action in ("get", "exists", "stat"):
            return BlobNotFound("no such object", backend=self.backend, key=key)
        if code == "NoSuchBucket":
            return StorageError(
                f"{action} failed: the bucket {self._bucket!r} does not exist (run init)",
                backend=self.backend,
                key=key,
            )
        return StorageError(f"{action} failed: {exc}", backend=self.backend, key=key)


def _client_config(
    *, region: str, path_style: bool, connect_timeout_s: float, read_timeout_s: float, max_attempts: int
) -> Any:
    return Config(
        region_name=region,
        signature_version="s3v4",
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        s3={"addressing_style": "path"} if path_style else {},
        # botocore >= 1.36 adds CRC32 checksums to every upload by default, which several
        # S3-compatible stores reject; we send our own SHA-256 instead.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def _error_code(exc: Any) -> str:
    code: str = exc.response.get("Error", {}).get("Code", "")
    return code
