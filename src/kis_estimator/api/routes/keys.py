"""API keys (admin): create, list, revoke. A new key is shown once, in the create response."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from kis_estimator.api.auth import Admin, Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import trace_id_of
from kis_estimator.api.schemas import ERRORS, NOT_FOUND
from kis_estimator.services import keys

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
    return keys.create_key(
        container_of(request),
        new.name,
        new.role,
        who=request.state.principal.subject,
        trace_id=trace_id_of(request),
    )


@router.get("", response_model=list[KeyInfo], summary="API 키 목록 / List API keys")
def list_keys(request: Request, _: Admin) -> list[dict[str, Any]]:
    return keys.list_keys(container_of(request))


@router.delete(
    "/{key_id}", response_model=KeyInfo, summary="API 키 폐기 / Revoke an API key", responses=NOT_FOUND
)
def revoke_key(
    request: Request, _: Admin, key_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    return keys.revoke_key(
        container_of(request), key_id, who=request.state.principal.subject, trace_id=trace_id_of(request)
    )
