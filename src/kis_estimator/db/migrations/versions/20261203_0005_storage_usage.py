"""Storage used per caller and day: the storage budget of quote creates (STORAGE_BUDGET_BYTES_PER_CALLER).

Revision ID: 20261203_0005
Revises: 20261203_0004
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0005"
down_revision: str | None = "20261203_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "storage_usage",
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("day_start", sa.BigInteger(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("stored_bytes >= 0", name=op.f("ck_storage_usage_stored_bytes")),
        sa.PrimaryKeyConstraint("bucket", "day_start", name=op.f("pk_storage_usage")),
        schema="estimator",
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON estimator.storage_usage TO kis_app")
        op.execute("GRANT SELECT ON estimator.storage_usage TO kis_readonly")


def downgrade() -> None:
    op.drop_table("storage_usage", schema="estimator")
