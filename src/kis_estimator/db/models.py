"""SQLAlchemy 2 models. Schemas `estimator` and `shared` on PostgreSQL; on SQLite the schemas are
translated away (`schema_translate_map`) and the table names, unique across both schemas, stand alone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ESTIMATOR = "estimator"
SHARED = "shared"
STATUSES = ("draft", "sent", "ordered", "shipped", "paid", "closed")
ROLES = ("admin", "estimator", "viewer")
PRICE_BOOK_STATES = ("draft", "active", "retired")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SHA256_LENGTH = 64


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _sha_check(column: str) -> str:
    # Portable part of the SHA-256 check; PostgreSQL adds check_sha256() (hex digits) in the migration.
    return f"{column} IS NULL OR length({column}) = {SHA256_LENGTH}"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class QuoteRow(Timestamped, Base):
    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_sha_check("evidence_sha256"), name="evidence_sha256"),
        CheckConstraint(_sha_check("catalog_sha256"), name="catalog_sha256"),
        CheckConstraint("revision >= 1", name="revision"),
        CheckConstraint("subtotal >= 0 AND vat >= 0 AND total >= 0", name="amounts"),
        Index("ix_quotes_quote_date", "quote_date"),
        Index("ix_quotes_customer_name", "customer_name"),
        Index("uq_quotes_previous_id", "previous_id", unique=True),  # at most one next revision
        {"schema": ESTIMATOR},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # EST-YYYYMMDD-NNNN[-Rn]
    status: Mapped[str] = mapped_column(String(10), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[str | None] = mapped_column(ForeignKey(f"{ESTIMATOR}.quotes.id"), default=None)
    customer_name: Mapped[str] = mapped_column(String(200))
    project: Mapped[str | None] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(10))
    quote_date: Mapped[date] = mapped_column(Date)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    vat: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    calculation_sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(64))
    rulebook_version: Mapped[str] = mapped_column(String(40))
    rulebook_sha256: Mapped[str] = mapped_column(String(64))
    catalog_sha256: Mapped[str] = mapped_column(String(64))
    price_book_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SHARED}.price_books.id"), default=None)
    author: Mapped[str | None] = mapped_column(String(100), default=None)  # 작성자: a user's or key's name

    panels: Mapped[list[PanelRow]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="PanelRow.position"
    )
    documents: Mapped[list[DocumentRow]] = relationship(back_populates="quote", cascade="all, delete-orphan")
    evidence: Mapped[list[EvidenceBlobRow]] = relationship(
        back_populates="quote", cascade="all, delete-orphan"
    )


class PanelRow(Base):
    __tablename__ = "panels"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("width_mm > 0 AND height_mm > 0 AND depth_mm > 0", name="size"),
        UniqueConstraint("quote_id", "position", name="uq_panels_quote_position"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quote_id: Mapped[str] = mapped_column(
        ForeignKey(f"{ESTIMATOR}.quotes.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    enclosure_model: Mapped[str] = mapped_column(String(60))
    width_mm: Mapped[int] = mapped_column(Integer)
    height_mm: Mapped[int] = mapped_column(Integer)
    depth_mm: Mapped[int] = mapped_column(Integer)
    stock: Mapped[bool] = mapped_column(Boolean)
    fit_score: Mapped[float] = mapped_column(Float)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    phase_r_a: Mapped[float | None] = mapped_column(Float)
    phase_s_a: Mapped[float | None] = mapped_column(Float)
    phase_t_a: Mapped[float | None] = mapped_column(Float)
    imbalance_pct: Mapped[float | None] = mapped_column(Float)

    quote: Mapped[QuoteRow] = relationship(back_populates="panels")
    breakers: Mapped[list[BreakerRow]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="BreakerRow.position"
    )
    items: Mapped[list[QuoteItemRow]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="QuoteItemRow.position"
    )


class BreakerRow(Base):
    __tablename__ = "breakers"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty"),
        CheckConstraint("poles IN (2, 3, 4)", name="poles"),
        CheckConstraint("role IN ('main', 'branch')", name="role"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    panel_id: Mapped[int] = mapped_column(
        ForeignKey(f"{ESTIMATOR}.panels.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))
    model: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(10))
    poles: Mapped[int] = mapped_column(Integer)
    frame_af: Mapped[int] = mapped_column(Integer)
    trip_at: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(Integer)
    load_a: Mapped[float | None] = mapped_column(Float)
    phase: Mapped[str | None] = mapped_column(String(10))
    # The load each breaker of the line puts on its phase (0 for an SPD's breaker) and how many of the
    # line's breakers sit on R, S and T (2P lines); get_phase_balance() sums these.
    phase_load_a: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    qty_r: Mapped[int] = mapped_column(Integer, default=0)
    qty_s: Mapped[int] = mapped_column(Integer, default=0)
    qty_t: Mapped[int] = mapped_column(Integer, default=0)

    panel: Mapped[PanelRow] = relationship(back_populates="breakers")


class QuoteItemRow(Base):
    __tablename__ = "quote_items"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty"),
        CheckConstraint("unit_price >= 0", name="unit_price"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    panel_id: Mapped[int] = mapped_column(
        ForeignKey(f"{ESTIMATOR}.panels.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10))
    qty: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)

    panel: Mapped[PanelRow] = relationship(back_populates="items")


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(_sha_check("sha256"), name="sha256"),
        CheckConstraint("size_bytes >= 0", name="size"),
        UniqueConstraint("quote_id", "kind", name="uq_documents_quote_kind"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quote_id: Mapped[str] = mapped_column(
        ForeignKey(f"{ESTIMATOR}.quotes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(100))
    media_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)

    quote: Mapped[QuoteRow] = relationship(back_populates="documents")


class EvidenceBlobRow(Base):
    __tablename__ = "evidence_blobs"
    __table_args__ = (
        CheckConstraint(_sha_check("sha256"), name="sha256"),
        CheckConstraint("size_bytes >= 0", name="size"),
        UniqueConstraint("quote_id", "path", name="uq_evidence_blobs_quote_path"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quote_id: Mapped[str] = mapped_column(
        ForeignKey(f"{ESTIMATOR}.quotes.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(300))
    storage_key: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)

    quote: Mapped[QuoteRow] = relationship(back_populates="evidence")


class QuoteEventRow(Base):
    __tablename__ = "quote_events"
    __table_args__ = (
        UniqueConstraint("quote_id", "seq", name="uq_quote_events_quote_seq"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quote_id: Mapped[str] = mapped_column(String(36), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class IdempotencyKeyRow(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (CheckConstraint(_sha_check("body_sha256"), name="body_sha256"), {"schema": ESTIMATOR})

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    quote_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_sha_check("key_hash"), name="key_hash"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(10))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserRow(Base):
    """A person who signs in with a name and a password (argon2id hash); roles as for API keys."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"), {"schema": ESTIMATOR})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # the login name
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie's token, its CSRF token and its deadlines."""

    __tablename__ = "user_sessions"
    __table_args__ = ({"schema": ESTIMATOR},)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{ESTIMATOR}.users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEventRow(Base):
    """One recorded action: who (subject and name), when, what (action, target, detail), trace id."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_actor_at", "actor", "at"), {"schema": ESTIMATOR})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # "user:<name>", "key:<id>", "jwt:<sub>", "cli"
    actor_name: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    trace_id: Mapped[str | None] = mapped_column(String(64))


class RateLimitRow(Base):
    """Write requests of one caller in one minute (fixed windows), counted under the row's lock."""

    __tablename__ = "rate_limits"
    __table_args__ = (CheckConstraint("hits >= 0", name="hits"), {"schema": ESTIMATOR})

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)


class StorageUsageRow(Base):
    """Bytes of documents and evidence one caller's quotes stored on one UTC day (STORAGE_BUDGET_*)."""

    __tablename__ = "storage_usage"
    __table_args__ = (CheckConstraint("stored_bytes >= 0", name="stored_bytes"), {"schema": ESTIMATOR})

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    day_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Unix time of 00:00 UTC
    stored_bytes: Mapped[int] = mapped_column(BigInteger)


class DraftRow(Base):
    """A request being typed, kept without a quote number until it is saved as a quote (DRAFT_*)."""

    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("panel_count >= 0", name="panel_count"),
        Index("ix_drafts_owner_updated_at", "owner", "updated_at"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))  # the principal's subject: "key:<id>" or "jwt:<sub>"
    version: Mapped[int] = mapped_column(Integer)  # +1 per save: the ETag that If-Match names
    customer_name: Mapped[str | None] = mapped_column(String(200))
    project: Mapped[str | None] = mapped_column(String(200))
    panel_count: Mapped[int] = mapped_column(Integer)
    source_quote_id: Mapped[str | None] = mapped_column(String(36))  # the quote it was copied from
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PanelTemplateRow(Base):
    """A panel saved under a name ("세대분전반 표준") to insert into any draft, per caller."""

    __tablename__ = "panel_templates"
    __table_args__ = (
        UniqueConstraint("owner", "name", name="uq_panel_templates_owner_name"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    panel: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CustomerRow(Base):
    """A customer (거래처) and its default terms, offered in the form while typing its name."""

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(
            "discount_percent IS NULL OR (discount_percent >= 0 AND discount_percent < 100)",
            name="discount_percent",
        ),
        CheckConstraint(
            "validity_days IS NULL OR (validity_days >= 1 AND validity_days <= 365)", name="validity_days"
        ),
        UniqueConstraint("name", name="uq_customers_name"),
        UniqueConstraint("business_number", name="uq_customers_business_number"),
        {"schema": ESTIMATOR},
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # 상호: quotes match it by their customer name
    business_number: Mapped[str | None] = mapped_column(String(10))  # 사업자등록번호, 10 digits
    representative: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    payment_terms: Mapped[str] = mapped_column(String(200))
    validity_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SupplierProfileRow(Base):
    """The supplier's profile (공급자): one row (id 1); the seal image is a blob in storage."""

    __tablename__ = "supplier_profile"
    __table_args__ = (CheckConstraint("id = 1", name="single"), {"schema": ESTIMATOR})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    business_number: Mapped[str] = mapped_column(String(10))
    representative: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    business_type: Mapped[str] = mapped_column(String(100))  # 업태
    business_item: Mapped[str] = mapped_column(String(100))  # 종목
    phone: Mapped[str] = mapped_column(String(40))
    fax: Mapped[str] = mapped_column(String(40))
    contact: Mapped[str] = mapped_column(String(100))  # 담당자
    email: Mapped[str] = mapped_column(String(200))
    seal_key: Mapped[str | None] = mapped_column(String(200))
    seal_sha256: Mapped[str | None] = mapped_column(String(64))
    seal_media_type: Mapped[str | None] = mapped_column(String(20))
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuoteCounterRow(Base):
    """The last quote number used on a day; incremented under the row's write lock."""

    __tablename__ = "quote_counters"
    __table_args__ = (CheckConstraint("last_seq >= 0", name="last_seq"), {"schema": ESTIMATOR})

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class PriceBookRow(Base):
    __tablename__ = "price_books"
    __table_args__ = (
        CheckConstraint(_in("state", PRICE_BOOK_STATES), name="state"),
        CheckConstraint(_sha_check("catalog_sha256"), name="catalog_sha256"),
        {"schema": SHARED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    label: Mapped[str] = mapped_column(String(100))
    source_name: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(10), default="draft")
    catalog_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    catalog: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CatalogItemRow(Base):
    __tablename__ = "catalog_items"
    __table_args__ = (
        UniqueConstraint("price_book_id", "kind", "model", name="uq_catalog_items_book_kind_model"),
        CheckConstraint("price_krw IS NULL OR price_krw > 0", name="price"),
        {"schema": SHARED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    price_book_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SHARED}.price_books.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # breaker | enclosure | accessory
    model: Mapped[str] = mapped_column(String(60), index=True)
    brand: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    price_krw: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class RulebookRow(Base):
    """Every rulebook a quote was made with, kept whole so an old quote can be reproduced."""

    __tablename__ = "rulebooks"
    __table_args__ = ({"schema": SHARED},)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditLogRow(Base):
    __tablename__ = "audit_logs"
    __table_args__ = ({"schema": SHARED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
