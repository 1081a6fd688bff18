"""Who is calling: `Authorization: Bearer <API key>` (or, when JWT_SECRET is set, a Supabase-style
HS256 token), or a person's session cookie (POST /v1/session). Roles are ordered: a viewer reads, an
estimator also creates and changes quotes, an admin also manages the catalog and the keys.

A cookie is sent by the browser on its own, so a cookie-authenticated unsafe request (POST, PUT,
PATCH, DELETE) must also carry the session's CSRF token in X-CSRF-Token (403 CSRF_INVALID otherwise).
A header credential (API key, JWT) cannot be sent by another site's page and needs none.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kis_estimator.api.errors import ApiError
from kis_estimator.db.engine import undoable
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.db.models import ROLES
from kis_estimator.db.rate_limits import RateLimitRepository
from kis_estimator.db.users import SessionRepository, SignedIn
from kis_estimator.services.roles import RANK, allows

SESSION_COOKIE = "kis_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

bearer = HTTPBearer(auto_error=False, description="API 키 또는 JWT / An API key or a JWT")


@dataclass(frozen=True)
class Principal:
    subject: str  # "key:<id>", "jwt:<sub>" or "user:<name>": safe to log, never the secret itself
    role: str
    name: str = ""  # what people call the caller (a user's display name); the subject when empty

    def allows(self, role: str) -> bool:
        return allows(self.role, role)


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401,
        "AUTH_REQUIRED",
        message,
        hint="Authorization: Bearer <API 키>를 보내 주세요 (kis keys create) / "
        "Send Authorization: Bearer <API key> (create one with kis keys create).",
        path="headers.authorization",
    )


def _claim(claims: dict[str, Any], dotted: str) -> Any:
    value: Any = claims
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _from_jwt(token: str, request: Request) -> Principal:
    settings = request.app.state.container.settings
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=["HS256"],
            audience=settings.jwt_audience,
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise _unauthorized("토큰이 만료되었습니다 / The token has expired") from None
    except jwt.InvalidTokenError:
        raise _unauthorized("토큰이 올바르지 않습니다 / The token is not valid") from None
    role = _claim(claims, settings.jwt_role_claim) or settings.jwt_default_role
    # The claim is the token issuer's JSON: a list or an object names no role (and is unhashable).
    if not isinstance(role, str) or role not in RANK:
        shown = role[:40] if isinstance(role, str) else f"a JSON {type(role).__name__}"
        raise ApiError(
            403,
            "FORBIDDEN",
            f"토큰의 역할을 알 수 없습니다 / Unknown role in token: {shown}",
            hint=f"역할은 {', '.join(ROLES)} 중 하나 / The role must be one of {', '.join(ROLES)}.",
            path="headers.authorization",
        )
    return Principal(subject=f"jwt:{str(claims['sub'])[:64]}", role=role)


def signed_in(request: Request) -> SignedIn | None:
    """The live session of the request's cookie (None: no cookie, or an ended session)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    container = request.app.state.container
    idle = timedelta(seconds=container.settings.session_idle_s)
    with container.reads() as session:
        found = SessionRepository(session).find(token, idle)
    if found is not None and found.stale:  # a write at most once a minute per session
        with container.sessions.begin() as session:
            SessionRepository(session).touch(token)
    return found


def _csrf_refused(message: str) -> ApiError:
    return ApiError(
        403,
        "CSRF_INVALID",
        message,
        hint="GET /v1/session 의 csrfToken을 X-CSRF-Token 헤더로 보내 주세요 / "
        "Send the csrfToken of GET /v1/session in the X-CSRF-Token header.",
        path="headers.x-csrf-token",
    )


def _from_cookie(request: Request) -> Principal:
    found = signed_in(request)
    if found is None:
        raise _unauthorized(
            "로그인이 만료되었거나 사용할 수 없습니다 / The session has ended or is not valid"
        )
    if request.method not in SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER, "")
        if not given:
            raise _csrf_refused("CSRF 토큰이 없습니다 / The X-CSRF-Token header is missing")
        if not hmac.compare_digest(given.encode("utf-8", "replace"), found.csrf_token.encode("utf-8")):
            raise _csrf_refused("CSRF 토큰이 맞지 않습니다 / The X-CSRF-Token does not match the session")
    return Principal(subject=f"user:{found.name}", role=found.role, name=found.display_name)


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None and SESSION_COOKIE in request.cookies:
        return _from_cookie(request)
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise _unauthorized("인증이 필요합니다 / Authentication required")
    token = credentials.credentials
    container = request.app.state.container
    if token.count(".") == 2 and container.settings.jwt_secret:
        return _from_jwt(token, request)
    if len(token) > 200:
        raise _unauthorized("API 키가 올바르지 않습니다 / The API key is not valid")
    with container.reads() as session:
        row = ApiKeyRepository(session).find(token)
        if row is None:
            raise _unauthorized("API 키가 올바르지 않거나 폐기되었습니다 / The API key is unknown or revoked")
        return Principal(subject=f"key:{row.id}", role=row.role, name=row.name)


def _limit(request: Request, principal: Principal) -> None:
    """429 when the caller made more than RATE_LIMIT_PER_MINUTE write requests this minute (0: no limit)."""
    container = request.app.state.container
    limit = container.settings.rate_limit_per_minute
    if limit <= 0:
        return
    with container.sessions.begin() as session:
        undoable(session)  # a hit a power cut undoes harms nobody
        hits, retry_after = RateLimitRepository(session).hit(principal.subject, time.time())
    if hits > limit:
        raise ApiError(
            429,
            "RATE_LIMITED",
            f"요청이 너무 많습니다: 분당 {limit}건 / Too many write requests: {limit} per minute",
            hint=f"{retry_after}초 뒤에 다시 보내 주세요 / Retry in {retry_after} s (Retry-After).",
            path="headers.authorization",
            extra={"limitPerMinute": limit, "retryAfterS": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def require(role: str, *, counted: bool = True) -> Callable[..., Principal]:
    """A dependency that lets `role` and the roles above it through (401 without a key, 403 below).
    `counted`: a write request counts against RATE_LIMIT_PER_MINUTE (False: it stores nothing)."""

    def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        principal = authenticate(request, credentials)
        request.state.principal = principal
        if counted and request.method not in SAFE_METHODS:
            _limit(request, principal)
        if not principal.allows(role):
            raise ApiError(
                403,
                "FORBIDDEN",
                f"{role} 권한이 필요합니다 / This needs the {role} role (you are {principal.role})",
                hint="관리자에게 권한 있는 키를 요청하세요 / Ask an admin for a key with that role.",
                path="headers.authorization",
            )
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


Viewer = Annotated[Principal, Depends(require("viewer"))]
Estimator = Annotated[Principal, Depends(require("estimator"))]
Admin = Annotated[Principal, Depends(require("admin"))]
# An estimator's request that stores nothing (the live preview): not counted as a write.
Previewer = Annotated[Principal, Depends(require("estimator", counted=False))]
