"""Personal sign-in: POST /v1/session sets an HttpOnly session cookie, GET tells who is signed in (and
the CSRF token the UI sends back in X-CSRF-Token), DELETE signs out."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from kis_estimator.api.auth import SESSION_COOKIE, Viewer, signed_in
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError, trace_id_of
from kis_estimator.api.schemas import ERRORS
from kis_estimator.db.rate_limits import RateLimitRepository
from kis_estimator.db.users import SessionRepository, SignedIn, UserRepository
from kis_estimator.services import audit

router = APIRouter(prefix="/v1/session", tags=["session"], responses=ERRORS)


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, examples=["kim"])
    password: str = Field(min_length=1, max_length=200)


class SessionInfo(BaseModel):
    subject: str = Field(examples=["user:kim"])
    name: str = Field(description="표시 이름 (작성자) / Display name", examples=["김과장"])
    role: Literal["admin", "estimator", "viewer"]
    csrfToken: str | None = Field(
        description="쿠키 세션의 X-CSRF-Token 값 (API 키로 부르면 null) / The X-CSRF-Token of a cookie session"
    )
    expiresAt: str | None


def _info(found: SignedIn) -> dict[str, Any]:
    return {
        "subject": f"user:{found.name}",
        "name": found.display_name,
        "role": found.role,
        "csrfToken": found.csrf_token,
        "expiresAt": found.expires_at.isoformat(),
    }


def _throttle(request: Request, name: str) -> None:
    """429 LOGIN_THROTTLED beyond LOGIN_ATTEMPTS_PER_NAME for one name, or LOGIN_ATTEMPTS_PER_ADDRESS
    from one client address, in a minute (every attempt counts, right or wrong)."""
    container = container_of(request)
    settings = container.settings
    address = request.client.host if request.client else "unknown"
    buckets = (
        (f"login:name:{name.lower()[:64]}", settings.login_attempts_per_name),
        (f"login:addr:{address[:64]}", settings.login_attempts_per_address),
    )
    now = time.time()
    with container.sessions.begin() as session:
        counts = [
            (RateLimitRepository(session).hit(bucket, now), limit) for bucket, limit in buckets if limit > 0
        ]
    for (hits, retry_after), limit in counts:
        if hits > limit:
            raise ApiError(
                429,
                "LOGIN_THROTTLED",
                f"로그인 시도가 너무 많습니다: 분당 {limit}회 / Too many sign-in attempts: {limit} per minute",
                hint=f"{retry_after}초 뒤에 다시 시도해 주세요 / Retry in {retry_after} s (Retry-After).",
                path="name",
                extra={"limitPerMinute": limit, "retryAfterS": retry_after},
                headers={"Retry-After": str(retry_after)},
            )


@router.post(
    "",
    response_model=SessionInfo,
    summary="로그인 / Sign in with a name and a password (sets the session cookie)",
)
def login(request: Request, response: Response, credentials: Annotated[Login, Body()]) -> dict[str, Any]:
    _throttle(request, credentials.name)
    container = container_of(request)
    settings = container.settings
    trace_id = trace_id_of(request)
    with container.sessions.begin() as session:
        user = UserRepository(session).verify(credentials.name, credentials.password)
        if user is None:
            audit.record(session, f"user:{credentials.name[:64]}", "login.failure", None, {}, trace_id)
        else:
            token, found = SessionRepository(session).open(user, timedelta(seconds=settings.session_ttl_s))
            audit.record(session, f"user:{user.name}", "login.success", None, {}, trace_id)
    if user is None:
        raise ApiError(
            401,
            "LOGIN_FAILED",
            "이름 또는 비밀번호가 맞지 않습니다 / The name or the password is wrong",
            hint="관리자에게 계정을 확인해 달라고 하세요 (kis users list) / Ask an admin to check the account.",
            path="password",
        )
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_s,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return _info(found)


@router.get("", response_model=SessionInfo, summary="내 로그인 / Who is signed in, and the CSRF token")
def whoami(request: Request, principal: Viewer, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    found = signed_in(request) if principal.subject.startswith("user:") else None
    if found is not None:
        return _info(found)
    return {
        "subject": principal.subject,
        "name": principal.name or principal.subject,
        "role": principal.role,
        "csrfToken": None,
        "expiresAt": None,
    }


@router.delete("", status_code=204, summary="로그아웃 / Sign out (ends the session)")
def logout(request: Request, principal: Viewer) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    container = container_of(request)
    with container.sessions.begin() as session:
        if token:
            SessionRepository(session).close(token)
        audit.record(session, principal.subject, "logout", None, {}, trace_id_of(request))
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )
    return response
