"""At most one next revision per quote: a unique index on quotes.previous_id.

Forks made before this revision (several next revisions of one quote, from parallel revises) keep the
earliest as the next revision; the later ones are detached (previous_id NULL: they become quotes of
their own, and their stored document still names the quote they revised).

Revision ID: 20261203_0004
Revises: 20261122_0003
Create Date: 2026-12-03 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0004"
down_revision: str | None = "20261122_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgresql = op.get_context().dialect.name == "postgresql"
    quotes = sa.table(
        "quotes",
        sa.column("id", sa.String),
        sa.column("previous_id", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("number", sa.String),
        schema="estimator" if postgresql else None,  # (SQLite translates the schema of tables only)
    )
    sibling = quotes.alias("sibling")
    earliest = (
        sa.select(sibling.c.id)
        .where(sibling.c.previous_id == quotes.c.previous_id)
        .order_by(sibling.c.created_at, sibling.c.number)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(
        quotes.update()
        .where(quotes.c.previous_id.is_not(None), quotes.c.id != earliest)
        .values(previous_id=None)
    )
    if postgresql:
        with op.get_context().autocommit_block():  # built without blocking writes to quotes
            op.create_index(
                "uq_quotes_previous_id",
                "quotes",
                ["previous_id"],
                unique=True,
                schema="estimator",
                postgresql_concurrently=True,
                if_not_exists=True,
            )
    else:
        op.create_index("uq_quotes_previous_id", "quotes", ["previous_id"], unique=True, schema="estimator")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.drop_index(
                "uq_quotes_previous_id",
                table_name="quotes",
                schema="estimator",
                postgresql_concurrently=True,
                if_exists=True,
            )
    else:
        op.drop_index("uq_quotes_previous_id", table_name="quotes", schema="estimator")
