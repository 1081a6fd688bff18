"""Users (personal logins) and their server-side sessions.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile). A session is
a 256-bit random token in an HttpOnly cookie; the database keeps only its SHA-256 (like an API key),
the CSRF token the browser echoes in X-CSRF-Token, and two deadlines: an absolute expiry and an idle
timeout. Disabling a user deletes their sessions, and every lookup checks the flag as well.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from kis_estimator.db.models import ROLES, ApiKeyRow, UserRow, UserSessionRow

_HASHER = PasswordHasher()
# Verified when the name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 8
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often per session


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used (Korean / English), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return (
            f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상 / The password needs {MIN_PASSWORD_LENGTH}+ characters"
        )
    if len(password) > 200 or "\x00" in password:
        return "비밀번호는 200자 이하, NUL 없이 / At most 200 characters, no NUL"
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A live session: the user and the session's CSRF token."""

    user_id: int
    name: str
    display_name: str
    role: str
    csrf_token: str
    expires_at: datetime
    stale: bool = False  # its last request was remembered more than TOUCH_EVERY ago


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, name: str, display_name: str, role: str, password: str) -> UserRow:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        row = UserRow(
            name=name,
            display_name=display_name,
            role=role,
            password_hash=hash_password(password),
            disabled=False,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def by_name(self, name: str) -> UserRow | None:
        if "\x00" in name:
            return None
        return self.session.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none()

    def list(self) -> list[UserRow]:
        return list(self.session.execute(select(UserRow).order_by(UserRow.id)).scalars())

    def verify(self, name: str, password: str) -> UserRow | None:
        """The enabled user `name` when `password` is theirs; None otherwise (in about the same time)."""
        row = self.by_name(name)
        try:
            _HASHER.verify(row.password_hash if row is not None else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled:
            return None
        if _HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = hash_password(password)
        row.last_login_at = datetime.now(UTC)
        return row

    def disable(self, name: str) -> UserRow | None:
        """Disable `name` and end every session of theirs at once."""
        row = self.by_name(name)
        if row is not None:
            row.disabled = True
            self.session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == row.id))
            self.session.flush()
        return row

    def reset_password(self, name: str, password: str) -> UserRow | None:
        """A new password for `name`; their sessions end (whoever knew the old one is signed out)."""
        row = self.by_name(name)
        if row is not None:
            row.password_hash = hash_password(password)
            self.session.execute(delete(UserSessionRow).where(UserSessionRow.user_id == row.id))
            self.session.flush()
        return row


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open(self, user: UserRow, lifetime: timedelta) -> tuple[str, SignedIn]:
        """A new session for `user`: (the cookie's token, known only here; the session)."""
        token, now = secrets.token_urlsafe(32), datetime.now(UTC)
        row = UserSessionRow(
            token_hash=_token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
        self.session.add(row)
        self.session.flush()
        return token, SignedIn(
            user.id, user.name, user.display_name, user.role, row.csrf_token, row.expires_at
        )

    def find(self, token: str, idle: timedelta) -> SignedIn | None:
        """The live session of `token` (not expired, not idle too long, its user enabled); read only:
        `touch` remembers the request (the idle timeout counts from it)."""
        if not token or len(token) > 100:
            return None
        found = self.session.execute(
            select(UserSessionRow, UserRow)
            .join(UserRow, UserRow.id == UserSessionRow.user_id)
            .where(UserSessionRow.token_hash == _token_hash(token))
        ).one_or_none()
        if found is None:
            return None
        row, user = found
        now = datetime.now(UTC)
        if user.disabled or aware(row.expires_at) <= now or aware(row.last_seen_at) + idle <= now:
            return None
        return SignedIn(
            user.id,
            user.name,
            user.display_name,
            user.role,
            row.csrf_token,
            aware(row.expires_at),
            stale=now - aware(row.last_seen_at) >= TOUCH_EVERY,
        )

    def touch(self, token: str) -> None:
        statement = update(UserSessionRow).where(UserSessionRow.token_hash == _token_hash(token))
        self.session.execute(statement.values(last_seen_at=datetime.now(UTC)))

    def close(self, token: str) -> None:
        self.session.execute(delete(UserSessionRow).where(UserSessionRow.token_hash == _token_hash(token)))


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def name_of(session: Session, subject: str) -> str:
    """The name people know a caller by (작성자): a user's display name, a key's name, a token's subject."""
    kind, _, rest = subject.partition(":")
    if kind == "user":
        user = UserRepository(session).by_name(rest)
        return user.display_name if user is not None else rest
    if kind == "key" and rest.isdigit():
        key = session.get(ApiKeyRow, int(rest))
        return key.name if key is not None else subject
    return rest or subject
