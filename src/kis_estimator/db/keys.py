"""API keys: generated once, shown once, stored as a SHA-256 hash with a short lookup prefix.

Keys are 256-bit random tokens, so a plain SHA-256 is the right hash (a slow password hash protects
low-entropy secrets; it would only add latency here). The prefix is not secret and helps people tell
their keys apart in `kis keys list`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kis_estimator.db.models import ROLES, ApiKeyRow

KEY_PREFIX = "kis_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, name: str, role: str) -> tuple[ApiKeyRow, str]:
        """A new key with `role`; returns the row and the key itself (the only time it is known)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        key = new_key()
        row = ApiKeyRow(name=name, role=role, prefix=key[: len(KEY_PREFIX) + 6], key_hash=hash_key(key))
        self.session.add(row)
        self.session.flush()
        return row, key

    def find(self, key: str) -> ApiKeyRow | None:
        """The live (not revoked) key row of `key`, compared by hash in constant time."""
        digest = hash_key(key)
        row = self.session.execute(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest)).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        return row if hmac.compare_digest(row.key_hash, digest) else None

    def list(self) -> list[ApiKeyRow]:
        return list(self.session.execute(select(ApiKeyRow).order_by(ApiKeyRow.id)).scalars())

    def revoke(self, key_id: int) -> ApiKeyRow | None:
        row = self.session.get(ApiKeyRow, key_id)
        if row is not None and row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            self.session.flush()
        return row

    def count_live(self) -> int:
        statement = select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None))
        return self.session.execute(statement).scalar_one()
