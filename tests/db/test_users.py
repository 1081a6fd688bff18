"""Users, sessions and the audit trail on SQLite and a real PostgreSQL: argon2id hashes, the session's
deadlines and the disabled flag, and audit records searched by who, action and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.db.keys import ApiKeyRepository
from kis_estimator.db.models import UserSessionRow
from kis_estimator.db.users import SessionRepository, UserRepository, name_of
from kis_estimator.services import audit

HOUR = timedelta(hours=1)


def test_users_sessions_and_their_deadlines(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        user = UserRepository(session).create("kim", "김과장", "estimator", "pass-word-1")
        assert user.password_hash.startswith("$argon2id$") and "pass-word-1" not in user.password_hash
        token, opened = SessionRepository(session).open(user, HOUR)
    with sessions.begin() as session:
        assert UserRepository(session).verify("kim", "pass-word-1") is not None
        assert UserRepository(session).verify("kim", "pass-word-2") is None
        assert UserRepository(session).verify("lee", "pass-word-1") is None
        found = SessionRepository(session).find(token, HOUR)
        assert found is not None and found.csrf_token == opened.csrf_token and found.display_name == "김과장"
        assert SessionRepository(session).find(token + "x", HOUR) is None
        session.execute(update(UserSessionRow).values(last_seen_at=datetime.now(UTC) - 2 * HOUR))
    with sessions.begin() as session:
        assert SessionRepository(session).find(token, HOUR) is None  # idle too long
        stale = SessionRepository(session).find(token, 3 * HOUR)
        assert stale is not None and stale.stale
        SessionRepository(session).touch(token)
    with sessions.begin() as session:
        touched = SessionRepository(session).find(token, HOUR)  # the request was remembered
        assert touched is not None and not touched.stale
        UserRepository(session).disable("kim")
    with sessions.begin() as session:
        assert SessionRepository(session).find(token, 3 * HOUR) is None
        assert UserRepository(session).verify("kim", "pass-word-1") is None
    with pytest.raises(IntegrityError), sessions.begin() as session:
        UserRepository(session).create("kim", "다른 김", "viewer", "pass-word-3")


def test_audit_records_are_searched_by_who_action_and_time(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        UserRepository(session).create("kim", "김과장", "estimator", "pass-word-1")
        key, _ = ApiKeyRepository(session).create("배치 작업", "admin")
        audit.record(session, "user:kim", "quote.create", "q-1", {"number": "EST-1"}, "trace-1")
        audit.record(session, f"key:{key.id}", "pricebook.import", "7", {"label": "50%_100"})
        audit.record(session, None, "user.disable", "user:kim")
        assert name_of(session, f"key:{key.id}") == "배치 작업" and name_of(session, "jwt:abc") == "abc"
    with sessions() as session:

        def actions(**given: object) -> list[str]:
            return [item["action"] for item in audit.search(session, audit.AuditQuery(**given))["items"]]  # type: ignore[arg-type]

        assert actions() == ["user.disable", "pricebook.import", "quote.create"]
        assert actions(who="김과장") == ["quote.create"] and actions(who="배치") == ["pricebook.import"]
        assert actions(who="cli") == ["user.disable"] and actions(action="quote.") == ["quote.create"]
        assert actions(who="50%") == [] and actions(who="_") == [] and actions(action="%") == []
        now = datetime.now(UTC)
        assert actions(since=now + HOUR) == [] and actions(until=now - HOUR) == []
        assert len(actions(since=now - HOUR, until=now + HOUR)) == 3
        first = audit.search(session, audit.AuditQuery(action="quote.create"))["items"][0]
        assert (
            first["name"] == "김과장"
            and first["traceId"] == "trace-1"
            and first["detail"] == {"number": "EST-1"}
        )
        paged = audit.search(session, audit.AuditQuery(page=2, size=2))
        assert paged["total"] == 3 and [i["action"] for i in paged["items"]] == ["quote.create"]
