"""PostgreSQL only: calculate_quote_totals takes the quote's discount into account (DOMAIN §14).

VAT is on the supply, not the subtotal: the discount is round_half_up(subtotal × percent / 100) or the
amount of the stored request's `discount` (0 without one), supply = subtotal − discount, VAT =
round_half_up(supply × vat_rate), total = supply + VAT, as the engine computes them. The result columns
(subtotal, vat, total) stay, so the function is replaced in place and its callers keep working.

Revision ID: 20261203_0009
Revises: 20261203_0008
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "20261203_0009"
down_revision: str | None = "20261203_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# round() of a positive numeric rounds half away from zero: the engine's round_won (half-up).
DISCOUNTED = r"""
CREATE OR REPLACE FUNCTION estimator.calculate_quote_totals(p_quote_id varchar)
RETURNS TABLE(subtotal bigint, vat bigint, total bigint)
LANGUAGE sql STABLE AS $$
  WITH panel_totals AS (
    SELECT p.quantity, COALESCE(SUM(i.amount), 0) AS panel_subtotal
    FROM estimator.panels p LEFT JOIN estimator.quote_items i ON i.panel_id = p.id
    WHERE p.quote_id = p_quote_id GROUP BY p.id, p.quantity
  ), summed AS (
    SELECT COALESCE(SUM(panel_subtotal * quantity), 0)::bigint AS subtotal FROM panel_totals
  ), supplied AS (
    SELECT s.subtotal,
           (q.document -> 'totals' ->> 'vat_rate')::numeric AS vat_rate,
           s.subtotal - COALESCE(
             round(s.subtotal * (q.document -> 'request' -> 'discount' ->> 'percent')::numeric / 100),
             (q.document -> 'request' -> 'discount' ->> 'amount')::numeric,
             0
           )::bigint AS supply
    FROM summed s CROSS JOIN estimator.quotes q WHERE q.id = p_quote_id
  )
  SELECT subtotal, round(supply * vat_rate)::bigint, supply + round(supply * vat_rate)::bigint
  FROM supplied
$$;
"""

# The function as 20261122_0002 made it: VAT on the subtotal, no discount.
UNDISCOUNTED = r"""
CREATE OR REPLACE FUNCTION estimator.calculate_quote_totals(p_quote_id varchar)
RETURNS TABLE(subtotal bigint, vat bigint, total bigint)
LANGUAGE sql STABLE AS $$
  WITH panel_totals AS (
    SELECT p.quantity, COALESCE(SUM(i.amount), 0) AS panel_subtotal
    FROM estimator.panels p LEFT JOIN estimator.quote_items i ON i.panel_id = p.id
    WHERE p.quote_id = p_quote_id GROUP BY p.id, p.quantity
  ), summed AS (
    SELECT COALESCE(SUM(panel_subtotal * quantity), 0)::bigint AS subtotal FROM panel_totals
  )
  SELECT s.subtotal,
         round(s.subtotal * (q.document -> 'totals' ->> 'vat_rate')::numeric)::bigint,
         s.subtotal + round(s.subtotal * (q.document -> 'totals' ->> 'vat_rate')::numeric)::bigint
  FROM summed s CROSS JOIN estimator.quotes q WHERE q.id = p_quote_id
$$;
"""


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _is_postgres():
        return
    op.execute(DISCOUNTED)


def downgrade() -> None:
    if not _is_postgres():
        return
    op.execute(UNDISCOUNTED)
