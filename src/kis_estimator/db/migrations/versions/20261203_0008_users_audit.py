"""Personal logins (users and their server-side sessions), the audit trail, and each quote's author.

Revision ID: 20261203_0008
Revises: 20261203_0007
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0008"
down_revision: str | None = "20261203_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("users", "user_sessions", "audit_events")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'estimator', 'viewer')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
        schema="estimator",
    )
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["estimator.users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
        schema="estimator",
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"], schema="estimator")
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        schema="estimator",
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"], schema="estimator")
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor", "at"], schema="estimator")
    postgresql = op.get_bind().dialect.name == "postgresql"
    quotes_schema = "estimator" if postgresql else None  # (SQLite translates the schema of tables only)
    op.add_column("quotes", sa.Column("author", sa.String(length=100), nullable=True), schema=quotes_schema)
    if postgresql:
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON estimator.{table} TO kis_app")
            op.execute(f"GRANT SELECT ON estimator.{table} TO kis_readonly")
        for sequence in ("users_id_seq", "audit_events_id_seq"):
            op.execute(f"GRANT USAGE, SELECT ON SEQUENCE estimator.{sequence} TO kis_app")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_column("quotes", "author", schema="estimator" if postgresql else None)
    op.drop_index("ix_audit_events_actor_at", table_name="audit_events", schema="estimator")
    op.drop_index("ix_audit_events_at", table_name="audit_events", schema="estimator")
    op.drop_table("audit_events", schema="estimator")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions", schema="estimator")
    op.drop_table("user_sessions", schema="estimator")
    op.drop_table("users", schema="estimator")
