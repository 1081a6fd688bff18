"""Drafts and panel templates: rows of one owner (the caller's subject), never another's; and the
customers and projects used lately, for suggestions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kis_estimator.db.models import DraftRow, PanelTemplateRow, QuoteRow

__all__ = [
    "DraftPage",
    "DraftRepository",
    "DraftRow",
    "PanelTemplateRow",
    "TemplateNameTaken",
    "TemplateRepository",
    "now",
    "recent_values",
]

Field = Literal["customer", "project"]


def now() -> datetime:
    return datetime.now(UTC)


def _clean(text: Any) -> str | None:
    """A customer or project name as a column keeps it: text without NUL, at most 200 characters."""
    if not isinstance(text, str):
        return None
    kept = text.replace("\x00", "").strip()[:200]
    return kept or None


def _facts(request: dict[str, Any]) -> tuple[str | None, str | None, int]:
    customer = request.get("customer")
    panels = request.get("panels")
    return (
        _clean(customer.get("name")) if isinstance(customer, dict) else None,
        _clean(request.get("project")),
        len(panels) if isinstance(panels, list) else 0,
    )


class TemplateNameTaken(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class DraftPage:
    items: list[DraftRow]
    total: int


class DraftRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, owner: str) -> int:
        statement = select(func.count()).select_from(DraftRow).where(DraftRow.owner == owner)
        return int(self.session.execute(statement).scalar_one())

    def add(self, owner: str, request: dict[str, Any], source_quote_id: str | None = None) -> DraftRow:
        customer, project, panels = _facts(request)
        at = now()
        row = DraftRow(
            id=str(uuid.uuid4()),
            owner=owner,
            version=1,
            customer_name=customer,
            project=project,
            panel_count=panels,
            source_quote_id=source_quote_id,
            request=request,
            created_at=at,
            updated_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, owner: str, draft_id: str, *, for_update: bool = False) -> DraftRow | None:
        if "\x00" in draft_id or len(draft_id) > 36:  # no id holds a NUL or is longer
            return None
        statement = select(DraftRow).where(DraftRow.id == draft_id, DraftRow.owner == owner)
        if for_update:
            statement = statement.with_for_update()
        return self.session.execute(statement).scalar_one_or_none()

    def replace(self, row: DraftRow, request: dict[str, Any]) -> DraftRow:
        row.customer_name, row.project, row.panel_count = _facts(request)
        row.request = request
        row.version += 1
        row.updated_at = now()
        self.session.flush()
        return row

    def remove(self, owner: str, draft_id: str, version: int | None = None) -> bool:
        """Delete the draft (at `version` when given); False when there was none: already deleted,
        saved by another request, or changed since."""
        if "\x00" in draft_id or len(draft_id) > 36:
            return False
        statement = delete(DraftRow).where(DraftRow.id == draft_id, DraftRow.owner == owner)
        if version is not None:
            statement = statement.where(DraftRow.version == version)
        return bool(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def page(self, owner: str, page: int, size: int) -> DraftPage:
        """The owner's drafts, the last changed first (without their requests' weight in the answer)."""
        statement = (
            select(DraftRow)
            .where(DraftRow.owner == owner)
            .order_by(DraftRow.updated_at.desc(), DraftRow.id)
            .offset((page - 1) * size)
            .limit(size)
        )
        return DraftPage(items=list(self.session.execute(statement).scalars()), total=self.count(owner))


class TemplateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self, owner: str) -> int:
        statement = select(func.count()).select_from(PanelTemplateRow).where(PanelTemplateRow.owner == owner)
        return int(self.session.execute(statement).scalar_one())

    def add(self, owner: str, name: str, panel: dict[str, Any]) -> PanelTemplateRow:
        at = now()
        row = PanelTemplateRow(
            id=str(uuid.uuid4()), owner=owner, name=name, panel=panel, created_at=at, updated_at=at
        )
        with self._unique(name):
            self.session.add(row)
        return row

    def get(self, owner: str, template_id: str) -> PanelTemplateRow | None:
        if "\x00" in template_id or len(template_id) > 36:
            return None
        statement = select(PanelTemplateRow).where(
            PanelTemplateRow.id == template_id, PanelTemplateRow.owner == owner
        )
        return self.session.execute(statement).scalar_one_or_none()

    def rename(self, row: PanelTemplateRow, name: str) -> PanelTemplateRow:
        with self._unique(name):
            row.name = name
            row.updated_at = now()
        return row

    def remove(self, owner: str, template_id: str) -> bool:
        if "\x00" in template_id or len(template_id) > 36:
            return False
        statement = delete(PanelTemplateRow).where(
            PanelTemplateRow.id == template_id, PanelTemplateRow.owner == owner
        )
        return bool(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def all(self, owner: str) -> list[PanelTemplateRow]:
        statement = (
            select(PanelTemplateRow).where(PanelTemplateRow.owner == owner).order_by(PanelTemplateRow.name)
        )
        return list(self.session.execute(statement).scalars())

    @contextmanager
    def _unique(self, name: str) -> Iterator[None]:
        """The change made in the block, in a savepoint: a clash of names undoes it alone and raises
        TemplateNameTaken (the session stays usable)."""
        try:
            with self.session.begin_nested():
                yield
        except IntegrityError as exc:
            raise TemplateNameTaken(name) from exc


def recent_values(session: Session, owner: str, field: Field, q: str, limit: int) -> list[str]:
    """Customer or project names of saved quotes (everyone's) and of the owner's drafts that contain
    `q` (case-insensitive), the most recently used first."""
    if "\x00" in q:  # no stored name holds a NUL
        return []
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    quote_column = QuoteRow.customer_name if field == "customer" else QuoteRow.project
    draft_column = DraftRow.customer_name if field == "customer" else DraftRow.project
    used: dict[str, datetime] = {}
    for column, at, owned in (
        (quote_column, QuoteRow.created_at, None),
        (draft_column, DraftRow.updated_at, DraftRow.owner == owner),
    ):
        statement = select(column, func.max(at)).where(column.is_not(None), column != "")
        if owned is not None:
            statement = statement.where(owned)
        if q:
            statement = statement.where(column.ilike(pattern, escape="\\"))
        statement = statement.group_by(column).order_by(func.max(at).desc()).limit(limit)
        for value, last in session.execute(statement):
            name, at_utc = str(value), last if last.tzinfo else last.replace(tzinfo=UTC)  # SQLite: naive
            if name not in used or used[name] < at_utc:
                used[name] = at_utc
    return sorted(used, key=lambda value: used[value], reverse=True)[:limit]
