"""HMAC-SHA256 signed URLs for the stores that cannot presign (filesystem, memory).

A URL carries the key, an absolute expiry (Unix seconds) and `sig`, the HMAC-SHA256 of
`"kis-blob-url-v1\\n{key}\\n{expires}"` under the signing secret. Keys cannot contain a newline
(`validate_key`), so the signed message is unambiguous. Whoever serves the URL (the HTTP API for the
filesystem store) calls `verify_signed_url` with the key and query values it received, and the longest
lifetime it hands out: a URL whose `expires` lies further ahead was not signed by this service (or
with a leaked secret) and is refused.

Without a configured secret (EVIDENCE_SECRET), the filesystem store signs with its installation
secret (random, made on first use and kept in the store's root) and the memory store with a random
secret of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import quote

from kis_estimator.storage.base import is_valid_key

_MESSAGE_VERSION = "kis-blob-url-v1"
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_EXPIRES = re.compile(r"[0-9]{1,12}")


def blob_signature(key: str, expires: int, secret: str) -> str:
    """The lowercase hex HMAC-SHA256 that authorises fetching `key` until Unix time `expires`."""
    message = f"{_MESSAGE_VERSION}\n{key}\n{expires}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_path_and_query(key: str, expires: int, secret: str) -> str:
    """`{percent-encoded key}?expires=..&sig=..`: the tail shared by the filesystem and memory URLs."""
    return f"{quote(key, safe='/')}?expires={expires}&sig={blob_signature(key, expires, secret)}"


def verify_signed_url(
    key: str, expires: int | str, sig: str, secret: str, now: float, *, max_lifetime_s: float
) -> bool:
    """True only if `sig` signs (`key`, `expires`) under `secret`, `now` is before `expires` and
    `expires` is at most `max_lifetime_s` seconds after `now`.

    `key` is the decoded key; `expires` and `sig` may be passed as the raw query-string values.
    Malformed input is refused (False), never an exception. The signature compare is constant-time.
    """
    expires_at = _parse_expires(expires)
    if not secret or expires_at is None or now >= expires_at or expires_at - now > max_lifetime_s:
        return False
    if not _SIGNATURE.fullmatch(sig) or not is_valid_key(key):
        return False
    expected = blob_signature(key, expires_at, secret)
    return hmac.compare_digest(expected.encode("ascii"), sig.encode("ascii"))


def _parse_expires(expires: int | str) -> int | None:
    if isinstance(expires, bool):
        return None
    if isinstance(expires, int):
        return expires
    # ASCII digits only: str.isdigit() would also accept other scripts' digits.
    return int(expires) if _EXPIRES.fullmatch(expires) else None
