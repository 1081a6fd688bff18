"""Panel templates: a panel saved under a name ("세대분전반 표준"), listed, renamed, deleted, and
inserted into a draft (POST /v1/drafts/{id}/panels). Each caller has their own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from kis_estimator.api.auth import Estimator
from kis_estimator.api.deps import container_of
from kis_estimator.api.routes.drafts import TOO_LARGE, iso, limits_of, refusal
from kis_estimator.api.schemas import CONFLICT, ERRORS, NOT_FOUND
from kis_estimator.db.models import PanelTemplateRow
from kis_estimator.services import drafts as workspace
from kis_estimator.services.drafts import WorkspaceError

router = APIRouter(prefix="/v1/templates", tags=["templates"], responses=ERRORS)


class NewTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200, examples=["세대분전반 표준"])
    panel: dict[str, Any] = Field(description="요청 JSON의 분전반 하나 / One panel of the request JSON")


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)


class Template(BaseModel):
    id: str
    name: str
    panel: dict[str, Any]
    created_at: str
    updated_at: str


def _json(row: PanelTemplateRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "panel": row.panel,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


@router.post(
    "",
    status_code=201,
    summary="템플릿으로 저장 / Save a panel as a template",
    responses={201: {"model": Template}, **CONFLICT, **TOO_LARGE},
)
def create_template(request: Request, principal: Estimator, body: NewTemplate) -> JSONResponse:
    """Names are unique per caller (409 TEMPLATE_NAME_TAKEN); at most TEMPLATES_MAX_PER_CALLER."""
    container = container_of(request)
    try:
        with container.sessions.begin() as session:
            row = workspace.create_template(
                session, principal.subject, body.name, body.panel, limits_of(container)
            )
            return JSONResponse(_json(row), status_code=201)
    except WorkspaceError as exc:
        raise refusal(exc) from None


@router.get("", summary="템플릿 목록 / List my templates", response_model=list[Template])
def list_templates(request: Request, principal: Estimator) -> list[dict[str, Any]]:
    with container_of(request).reads() as session:
        return [_json(row) for row in workspace.list_templates(session, principal.subject)]


@router.get(
    "/{template_id}", summary="템플릿 / Get a template", responses={200: {"model": Template}, **NOT_FOUND}
)
def get_template(request: Request, principal: Estimator, template_id: str) -> dict[str, Any]:
    try:
        with container_of(request).reads() as session:
            return _json(workspace.get_template(session, principal.subject, template_id))
    except WorkspaceError as exc:
        raise refusal(exc) from None


@router.patch(
    "/{template_id}",
    summary="템플릿 이름 바꾸기 / Rename a template",
    responses={200: {"model": Template}, **NOT_FOUND, **CONFLICT},
)
def rename_template(request: Request, principal: Estimator, template_id: str, body: Rename) -> dict[str, Any]:
    try:
        with container_of(request).sessions.begin() as session:
            return _json(workspace.rename_template(session, principal.subject, template_id, body.name))
    except WorkspaceError as exc:
        raise refusal(exc) from None


@router.delete(
    "/{template_id}", status_code=204, summary="템플릿 지우기 / Delete a template", responses=NOT_FOUND
)
def delete_template(request: Request, principal: Estimator, template_id: str) -> Response:
    try:
        with container_of(request).sessions.begin() as session:
            workspace.delete_template(session, principal.subject, template_id)
    except WorkspaceError as exc:
        raise refusal(exc) from None
    return Response(status_code=204)
