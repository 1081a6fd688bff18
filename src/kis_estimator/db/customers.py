"""Customers (거래처) and the supplier's profile (공급자, one row); a customer's quotes by its name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kis_estimator.db.models import CustomerRow, QuoteRow, SupplierProfileRow

PROFILE_ID = 1


def now() -> datetime:
    return datetime.now(UTC)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, fields: dict[str, Any]) -> CustomerRow:
        at = now()
        row = CustomerRow(id=str(uuid.uuid4()), created_at=at, updated_at=at, **fields)
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, customer_id: str) -> CustomerRow | None:
        if "\x00" in customer_id or len(customer_id) > 36:
            return None
        return self.session.get(CustomerRow, customer_id)

    def by_name(self, name: str) -> CustomerRow | None:
        return self.session.execute(select(CustomerRow).where(CustomerRow.name == name)).scalar_one_or_none()

    def by_business_number(self, number: str) -> CustomerRow | None:
        statement = select(CustomerRow).where(CustomerRow.business_number == number)
        return self.session.execute(statement).scalar_one_or_none()

    def update(self, row: CustomerRow, fields: dict[str, Any]) -> CustomerRow:
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = now()
        self.session.flush()
        return row

    def remove(self, row: CustomerRow) -> None:
        self.session.delete(row)
        self.session.flush()

    def search(self, q: str, page: int, size: int) -> tuple[list[CustomerRow], int]:
        """Customers whose name, business number or contact holds `q` (all when empty), by name."""
        statement = select(CustomerRow)
        if q:
            pattern = _like(q)
            digits = q.replace("-", "")
            statement = statement.where(
                or_(
                    CustomerRow.name.like(pattern, escape="\\"),
                    CustomerRow.contact.like(pattern, escape="\\"),
                    CustomerRow.business_number.like(_like(digits), escape="\\"),
                )
            )
        total = int(self.session.execute(select(func.count()).select_from(statement.subquery())).scalar_one())
        rows = self.session.execute(
            statement.order_by(CustomerRow.name, CustomerRow.id).offset((page - 1) * size).limit(size)
        ).scalars()
        return list(rows), total

    def quotes(self, name: str, limit: int) -> list[QuoteRow]:
        """The quotes made out to `name` (their customer name equal to it), the newest first."""
        statement = (
            select(QuoteRow)
            .where(QuoteRow.customer_name == name)
            .order_by(QuoteRow.created_at.desc(), QuoteRow.number.desc())
            .limit(limit)
        )
        return list(self.session.execute(statement).scalars())


class ProfileRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, *, for_update: bool = False) -> SupplierProfileRow | None:
        statement = select(SupplierProfileRow).where(SupplierProfileRow.id == PROFILE_ID)
        if for_update:
            statement = statement.with_for_update()
        return self.session.execute(statement).scalar_one_or_none()

    def put(self, fields: dict[str, Any], by: str) -> SupplierProfileRow:
        row = self.get(for_update=True)
        if row is None:
            row = SupplierProfileRow(id=PROFILE_ID, seal_key=None, seal_sha256=None, seal_media_type=None)
            self.session.add(row)
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_by, row.updated_at = by, now()
        self.session.flush()
        return row
