"""API keys (admin): create, list, revoke. A new key is shown once, in the create response."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from kis_estimator.api.auth import Admin, Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError, trace_id_of
from kis_estimator.api.schemas import ERRORS, NOT_FOUND
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.db.models import ApiKeyRow
from kis_estimator.services import audit

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=ERRORS)


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, examples=["견적팀 김과장"])
    role: Literal["admin", "estimator", "viewer"]


class KeyInfo(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: str | None
    revoked_at: str | None


class CreatedKey(KeyInfo):
    key: str = Field(description="이 응답에서 한 번만 보입니다 / Shown only in this response")


def _info(row: ApiKeyRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


class Me(BaseModel):
    subject: str = Field(examples=["key:3"])
    role: Literal["admin", "estimator", "viewer"]


me_router = APIRouter(prefix="/v1/me", tags=["keys"], responses=ERRORS)


@me_router.get("", response_model=Me, summary="내 권한 / Who am I (the caller's role)")
def whoami(principal: Viewer) -> dict[str, str]:
    return {"subject": principal.subject, "role": principal.role}


@router.post("", status_code=201, response_model=CreatedKey, summary="API 키 발급 / Create an API key")
def create_key(
    request: Request, response: Response, _: Admin, new: Annotated[NewKey, Body()]
) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"  # the new key: never kept by a cache
    with container_of(request).sessions.begin() as session:
        row, key = ApiKeyRepository(session).create(new.name, new.role)
        audit.record(
            session,
            request.state.principal.subject,
            "key.create",
            f"key:{row.id}",
            {"name": row.name, "role": row.role},
            trace_id_of(request),
        )
        return {**_info(row), "key": key}


@router.get("", response_model=list[KeyInfo], summary="API 키 목록 / List API keys")
def list_keys(request: Request, _: Admin) -> list[dict[str, Any]]:
    with container_of(request).sessions() as session:
        return [_info(row) for row in ApiKeyRepository(session).list()]


@router.delete(
    "/{key_id}", response_model=KeyInfo, summary="API 키 폐기 / Revoke an API key", responses=NOT_FOUND
)
def revoke_key(
    request: Request, _: Admin, key_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    with container_of(request).sessions.begin() as session:
        row = ApiKeyRepository(session).revoke(key_id)
        audit.record(
            session, request.state.principal.subject, "key.revoke", f"key:{key_id}", {}, trace_id_of(request)
        )
        if row is None:
            raise ApiError(
                404,
                "KEY_NOT_FOUND",
                f"API 키가 없습니다 / No API key {key_id}",
                hint="GET /v1/keys 로 목록을 보세요 / List the keys with GET /v1/keys.",
                path="key_id",
            )
        return _info(row)
