"""The audit trail: who did what, when, under which trace id. `record` is the one way to write it;
it stages a row in the caller's unit of work, so the record commits exactly when the change does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kis_estimator.db.models import AuditEventRow
from kis_estimator.db.users import aware, name_of

MAX_PAGE_SIZE = 100


def record(
    session: Session,
    who: str | None,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    trace_id: str | None = None,
) -> None:
    """Stage one audit event. `who`: the caller's subject ("user:<name>", "key:<id>", "jwt:<sub>");
    None is an edge without an identity on this machine (`kis` commands, the MCP server over stdio),
    recorded as "cli"."""
    actor = who or "cli"
    session.add(
        AuditEventRow(
            at=datetime.now(UTC),
            actor=actor[:200],
            actor_name=name_of(session, actor)[:100],
            action=action,
            target=target[:100] if target else None,
            detail=detail or {},
            trace_id=trace_id,
        )
    )


def record_quote(session: Session, quote: dict[str, Any], who: str | None, trace_id: str | None) -> None:
    """A saved quote: its create (or revise) and each price adjustment it carries (override, discount)."""
    revised = quote.get("previous_id")
    action = "quote.revise" if revised else "quote.create"
    detail = {"number": quote["number"], "total": quote["totals"]["total"]}
    record(
        session, who, action, quote["id"], detail | ({"previous_id": revised} if revised else {}), trace_id
    )
    for adjustment in quote.get("adjustments") or []:
        kind = "quote.discount" if adjustment.get("what") == "discount" else "quote.price_override"
        record(session, who, kind, quote["id"], {"number": quote["number"], **adjustment}, trace_id)


@dataclass(frozen=True)
class AuditQuery:
    who: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    size: int = 50


def search(session: Session, query: AuditQuery) -> dict[str, Any]:
    """Newest first. `who` matches the subject or the name (part of it); `action` the action or its
    prefix ("quote." finds every quote action)."""
    if any("\x00" in text for text in (query.who, query.action) if text):  # no stored text holds a NUL
        return {"items": [], "total": 0, "page": query.page, "size": query.size}
    statement = select(AuditEventRow)
    if query.who:
        pattern = f"%{_escape_like(query.who)}%"
        statement = statement.where(
            AuditEventRow.actor.ilike(pattern, escape="\\")
            | AuditEventRow.actor_name.ilike(pattern, escape="\\")
        )
    if query.action:
        statement = statement.where(AuditEventRow.action.startswith(query.action, autoescape=True))
    if query.since:
        statement = statement.where(AuditEventRow.at >= query.since)
    if query.until:
        statement = statement.where(AuditEventRow.at < query.until)
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    rows = session.execute(
        statement.order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
        .offset((query.page - 1) * query.size)
        .limit(query.size)
    ).scalars()
    items = [
        {
            "id": row.id,
            "at": aware(row.at).isoformat(),
            "who": row.actor,
            "name": row.actor_name,
            "action": row.action,
            "target": row.target,
            "detail": row.detail,
            "traceId": row.trace_id,
        }
        for row in rows
    ]
    return {"items": items, "total": total, "page": query.page, "size": query.size}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
