"""Drafts (the form being typed, saved without a quote number) and panel templates, per caller.

Revision ID: 20261203_0006
Revises: 20261203_0005
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0006"
down_revision: str | None = "20261203_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("drafts", "panel_templates")


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("project", sa.String(length=200), nullable=True),
        sa.Column("panel_count", sa.Integer(), nullable=False),
        sa.Column("source_quote_id", sa.String(length=36), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_drafts_version")),
        sa.CheckConstraint("panel_count >= 0", name=op.f("ck_drafts_panel_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drafts")),
        schema="estimator",
    )
    op.create_index("ix_drafts_owner_updated_at", "drafts", ["owner", "updated_at"], schema="estimator")
    op.create_table(
        "panel_templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("panel", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_templates")),
        sa.UniqueConstraint("owner", "name", name="uq_panel_templates_owner_name"),
        schema="estimator",
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON estimator.{table} TO kis_app")
            op.execute(f"GRANT SELECT ON estimator.{table} TO kis_readonly")


def downgrade() -> None:
    op.drop_table("panel_templates", schema="estimator")
    op.drop_index("ix_drafts_owner_updated_at", table_name="drafts", schema="estimator")
    op.drop_table("drafts", schema="estimator")
