"""Customers (거래처) with their default terms, and the supplier's profile (공급자) with its seal's key.

Revision ID: 20261203_0007
Revises: 20261203_0006
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261203_0007"
down_revision: str | None = "20261203_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customers", "supplier_profile")


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("business_number", sa.String(length=10), nullable=True),
        sa.Column("representative", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("discount_percent", sa.Numeric(5, 2), nullable=True),
        sa.Column("payment_terms", sa.String(length=200), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "discount_percent IS NULL OR (discount_percent >= 0 AND discount_percent < 100)",
            name=op.f("ck_customers_discount_percent"),
        ),
        sa.CheckConstraint(
            "validity_days IS NULL OR (validity_days >= 1 AND validity_days <= 365)",
            name=op.f("ck_customers_validity_days"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("name", name="uq_customers_name"),
        sa.UniqueConstraint("business_number", name="uq_customers_business_number"),
        schema="estimator",
    )
    op.create_table(
        "supplier_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("business_number", sa.String(length=10), nullable=False),
        sa.Column("representative", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("business_type", sa.String(length=100), nullable=False),
        sa.Column("business_item", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("fax", sa.String(length=40), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("seal_key", sa.String(length=200), nullable=True),
        sa.Column("seal_sha256", sa.String(length=64), nullable=True),
        sa.Column("seal_media_type", sa.String(length=20), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_supplier_profile_single")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_profile")),
        schema="estimator",
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON estimator.{table} TO kis_app")
            op.execute(f"GRANT SELECT ON estimator.{table} TO kis_readonly")


def downgrade() -> None:
    op.drop_table("supplier_profile", schema="estimator")
    op.drop_table("customers", schema="estimator")
