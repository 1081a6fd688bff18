"""Initial schema: quotes with panels, breakers, lines, documents, evidence; events, keys; price books

Revision ID: 20261122_0001
Revises:
Create Date: 2026-11-22 02:40:05.212458
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261122_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS estimator")
        op.execute("CREATE SCHEMA IF NOT EXISTS shared")
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'estimator', 'viewer')", name=op.f("ck_api_keys_role")),
        sa.CheckConstraint("key_hash IS NULL OR length(key_hash) = 64", name=op.f("ck_api_keys_key_hash")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        schema="estimator",
    )
    op.create_index(op.f("ix_api_keys_prefix"), "api_keys", ["prefix"], unique=False, schema="estimator")
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("quote_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "body_sha256 IS NULL OR length(body_sha256) = 64", name=op.f("ck_idempotency_keys_body_sha256")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
        schema="estimator",
    )
    op.create_table(
        "quote_counters",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_seq >= 0", name=op.f("ck_quote_counters_last_seq")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_quote_counters")),
        schema="estimator",
    )
    op.create_table(
        "quote_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quote_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_events")),
        sa.UniqueConstraint("quote_id", "seq", name="uq_quote_events_quote_seq"),
        schema="estimator",
    )
    op.create_index(
        op.f("ix_quote_events_quote_id"),
        "quote_events",
        ["quote_id"],
        unique=False,
        schema="estimator",
    )
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_logs")),
        schema="shared",
    )
    op.create_table(
        "price_books",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("catalog_sha256", sa.String(length=64), nullable=False),
        sa.Column("catalog", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'active', 'retired')", name=op.f("ck_price_books_state")),
        sa.CheckConstraint(
            "catalog_sha256 IS NULL OR length(catalog_sha256) = 64",
            name=op.f("ck_price_books_catalog_sha256"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_books")),
        sa.UniqueConstraint("catalog_sha256", name=op.f("uq_price_books_catalog_sha256")),
        schema="shared",
    )
    op.create_table(
        "rulebooks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_rulebooks")),
        schema="shared",
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.String(length=36), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=True),
        sa.Column("brand", sa.String(length=10), nullable=False),
        sa.Column("quote_date", sa.Date(), nullable=False),
        sa.Column("subtotal", sa.BigInteger(), nullable=False),
        sa.Column("vat", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("calculation_sha256", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.String(length=64), nullable=True),
        sa.Column("rulebook_version", sa.String(length=40), nullable=False),
        sa.Column("rulebook_sha256", sa.String(length=64), nullable=False),
        sa.Column("catalog_sha256", sa.String(length=64), nullable=False),
        sa.Column("price_book_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'ordered', 'shipped', 'paid', 'closed')",
            name=op.f("ck_quotes_status"),
        ),
        sa.CheckConstraint(
            "catalog_sha256 IS NULL OR length(catalog_sha256) = 64", name=op.f("ck_quotes_catalog_sha256")
        ),
        sa.CheckConstraint(
            "evidence_sha256 IS NULL OR length(evidence_sha256) = 64", name=op.f("ck_quotes_evidence_sha256")
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_quotes_revision")),
        sa.CheckConstraint("subtotal >= 0 AND vat >= 0 AND total >= 0", name=op.f("ck_quotes_amounts")),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["estimator.quotes.id"], name=op.f("fk_quotes_previous_id_quotes")
        ),
        sa.ForeignKeyConstraint(
            ["price_book_id"], ["shared.price_books.id"], name=op.f("fk_quotes_price_book_id_price_books")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("number", name=op.f("uq_quotes_number")),
        schema="estimator",
    )
    op.create_index("ix_quotes_customer_name", "quotes", ["customer_name"], unique=False, schema="estimator")
    op.create_index("ix_quotes_quote_date", "quotes", ["quote_date"], unique=False, schema="estimator")
    op.create_table(
        "catalog_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("price_book_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("brand", sa.String(length=20), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_krw", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.CheckConstraint("price_krw IS NULL OR price_krw > 0", name=op.f("ck_catalog_items_price")),
        sa.ForeignKeyConstraint(
            ["price_book_id"],
            ["shared.price_books.id"],
            name=op.f("fk_catalog_items_price_book_id_price_books"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_items")),
        sa.UniqueConstraint("price_book_id", "kind", "model", name="uq_catalog_items_book_kind_model"),
        schema="shared",
    )
    op.create_index(op.f("ix_catalog_items_model"), "catalog_items", ["model"], unique=False, schema="shared")
    op.create_index(
        op.f("ix_catalog_items_price_book_id"),
        "catalog_items",
        ["price_book_id"],
        unique=False,
        schema="shared",
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quote_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=100), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("storage_key", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("sha256 IS NULL OR length(sha256) = 64", name=op.f("ck_documents_sha256")),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_documents_size")),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["estimator.quotes.id"],
            name=op.f("fk_documents_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("quote_id", "kind", name="uq_documents_quote_kind"),
        schema="estimator",
    )
    op.create_index(
        op.f("ix_documents_quote_id"), "documents", ["quote_id"], unique=False, schema="estimator"
    )
    op.create_table(
        "evidence_blobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quote_id", sa.String(length=36), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("storage_key", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("sha256 IS NULL OR length(sha256) = 64", name=op.f("ck_evidence_blobs_sha256")),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_evidence_blobs_size")),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["estimator.quotes.id"],
            name=op.f("fk_evidence_blobs_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_blobs")),
        sa.UniqueConstraint("quote_id", "path", name="uq_evidence_blobs_quote_path"),
        schema="estimator",
    )
    op.create_index(
        op.f("ix_evidence_blobs_quote_id"),
        "evidence_blobs",
        ["quote_id"],
        unique=False,
        schema="estimator",
    )
    op.create_table(
        "panels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quote_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("enclosure_model", sa.String(length=60), nullable=False),
        sa.Column("width_mm", sa.Integer(), nullable=False),
        sa.Column("height_mm", sa.Integer(), nullable=False),
        sa.Column("depth_mm", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Boolean(), nullable=False),
        sa.Column("fit_score", sa.Float(), nullable=False),
        sa.Column("subtotal", sa.BigInteger(), nullable=False),
        sa.Column("phase_r_a", sa.Float(), nullable=True),
        sa.Column("phase_s_a", sa.Float(), nullable=True),
        sa.Column("phase_t_a", sa.Float(), nullable=True),
        sa.Column("imbalance_pct", sa.Float(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_panels_quantity")),
        sa.CheckConstraint("width_mm > 0 AND height_mm > 0 AND depth_mm > 0", name=op.f("ck_panels_size")),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["estimator.quotes.id"], name=op.f("fk_panels_quote_id_quotes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panels")),
        sa.UniqueConstraint("quote_id", "position", name="uq_panels_quote_position"),
        schema="estimator",
    )
    op.create_index(op.f("ix_panels_quote_id"), "panels", ["quote_id"], unique=False, schema="estimator")
    op.create_table(
        "breakers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("poles", sa.Integer(), nullable=False),
        sa.Column("frame_af", sa.Integer(), nullable=False),
        sa.Column("trip_at", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("load_a", sa.Float(), nullable=True),
        sa.Column("phase", sa.String(length=10), nullable=True),
        sa.Column("phase_load_a", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("qty_r", sa.Integer(), nullable=False),
        sa.Column("qty_s", sa.Integer(), nullable=False),
        sa.Column("qty_t", sa.Integer(), nullable=False),
        sa.CheckConstraint("role IN ('main', 'branch')", name=op.f("ck_breakers_role")),
        sa.CheckConstraint("poles IN (2, 3, 4)", name=op.f("ck_breakers_poles")),
        sa.CheckConstraint("qty > 0", name=op.f("ck_breakers_qty")),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["estimator.panels.id"],
            name=op.f("fk_breakers_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breakers")),
        schema="estimator",
    )
    op.create_index(op.f("ix_breakers_panel_id"), "breakers", ["panel_id"], unique=False, schema="estimator")
    op.create_table(
        "quote_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("qty", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("qty > 0", name=op.f("ck_quote_items_qty")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_quote_items_unit_price")),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["estimator.panels.id"],
            name=op.f("fk_quote_items_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_items")),
        schema="estimator",
    )
    op.create_index(
        op.f("ix_quote_items_panel_id"),
        "quote_items",
        ["panel_id"],
        unique=False,
        schema="estimator",
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_quote_items_panel_id"), table_name="quote_items", schema="estimator")
    op.drop_table("quote_items", schema="estimator")
    op.drop_index(op.f("ix_breakers_panel_id"), table_name="breakers", schema="estimator")
    op.drop_table("breakers", schema="estimator")
    op.drop_index(op.f("ix_panels_quote_id"), table_name="panels", schema="estimator")
    op.drop_table("panels", schema="estimator")
    op.drop_index(op.f("ix_evidence_blobs_quote_id"), table_name="evidence_blobs", schema="estimator")
    op.drop_table("evidence_blobs", schema="estimator")
    op.drop_index(op.f("ix_documents_quote_id"), table_name="documents", schema="estimator")
    op.drop_table("documents", schema="estimator")
    op.drop_index(op.f("ix_catalog_items_price_book_id"), table_name="catalog_items", schema="shared")
    op.drop_index(op.f("ix_catalog_items_model"), table_name="catalog_items", schema="shared")
    op.drop_table("catalog_items", schema="shared")
    op.drop_index("ix_quotes_quote_date", table_name="quotes", schema="estimator")
    op.drop_index("ix_quotes_customer_name", table_name="quotes", schema="estimator")
    op.drop_table("quotes", schema="estimator")
    op.drop_table("rulebooks", schema="shared")
    op.drop_table("price_books", schema="shared")
    op.drop_table("audit_logs", schema="shared")
    op.drop_index(op.f("ix_quote_events_quote_id"), table_name="quote_events", schema="estimator")
    op.drop_table("quote_events", schema="estimator")
    op.drop_table("quote_counters", schema="estimator")
    op.drop_table("idempotency_keys", schema="estimator")
    op.drop_index(op.f("ix_api_keys_prefix"), table_name="api_keys", schema="estimator")
    op.drop_table("api_keys", schema="estimator")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SCHEMA IF EXISTS shared")
        op.execute("DROP SCHEMA IF EXISTS estimator")
