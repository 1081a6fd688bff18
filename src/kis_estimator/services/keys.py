"""API keys: create (the key is shown once, to its creator), list, revoke. A key is described by its
id, name, role, prefix and dates, never by the key itself."""

from __future__ import annotations

from typing import Any

from kis_estimator.bootstrap import Container
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.db.models import ApiKeyRow
from kis_estimator.services import audit
from kis_estimator.services.failures import Refused


def info(row: ApiKeyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def create_key(
    container: Container, name: str, role: str, *, who: str | None = None, trace_id: str | None = None
) -> dict[str, Any]:
    """A new key: its description and, under `key`, the key itself. The audit trail records it as
    `who` (None: `kis`)."""
    with container.sessions.begin() as session:
        row, key = ApiKeyRepository(session).create(name, role)
        audit.record(
            session, who, "key.create", f"key:{row.id}", {"name": row.name, "role": row.role}, trace_id
        )
        return {**info(row), "key": key}


def list_keys(container: Container) -> list[dict[str, Any]]:
    with container.reads() as session:
        return [info(row) for row in ApiKeyRepository(session).list()]


def revoke_key(
    container: Container, key_id: int, *, who: str | None = None, trace_id: str | None = None
) -> dict[str, Any]:
    """Revoke a key (it stops working at once in every process); 404 KEY_NOT_FOUND when there is none."""
    with container.sessions.begin() as session:
        row = ApiKeyRepository(session).revoke(key_id)
        if row is None:
            raise Refused(
                404,
                "KEY_NOT_FOUND",
                f"API 키가 없습니다 / No API key {key_id}",
                hint="GET /v1/keys 로 목록을 보세요 / List the keys with GET /v1/keys.",
                path="key_id",
            )
        audit.record(session, who, "key.revoke", f"key:{key_id}", {}, trace_id)
        return info(row)
