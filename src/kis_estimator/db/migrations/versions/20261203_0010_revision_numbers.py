"""Room for revision numbers: quotes.number grows from 20 to 32 characters (EST-YYYYMMDD-NNNN-Rn).

A revision keeps its chain's root number with `-R1`, `-R2`, … (`EST-20261203-0002-R10` is 21
characters). Widening a varchar is a catalog change on PostgreSQL (no table rewrite, no index
rebuild), so squawk's changing-column-type warning does not apply to it.

Revision ID: 20261203_0010
Revises: 20261203_0009
Create Date: 2026-12-03 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "20261203_0010"
down_revision: str | None = "20261203_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _resize(old: int, new: int) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "-- squawk-ignore changing-column-type\n"
            f"ALTER TABLE estimator.quotes ALTER COLUMN number TYPE varchar({new})"
        )
        return
    # SQLite does not hold a varchar's length, it only keeps the declaration: that text is changed in
    # place (the stored rows are the same; rebuilding quotes would cascade the deletes of its children).
    schema_version = op.get_bind().exec_driver_sql("PRAGMA schema_version").scalar_one()
    op.execute("PRAGMA writable_schema = ON")
    op.get_bind().exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'quotes'",
        (f"number VARCHAR({old}) NOT NULL", f"number VARCHAR({new}) NOT NULL"),
    )
    op.execute(f"PRAGMA schema_version = {schema_version + 1}")
    op.execute("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _resize(20, 32)


def downgrade() -> None:
    _resize(32, 20)
