"""PostgreSQL only: SHA-256 checks, updated_at triggers, SQL functions, roles and row-level security.

Revision ID: 20261122_0002
Revises: 20261122_0001
Create Date: 2026-11-22 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "20261122_0002"
down_revision: str | None = "20261122_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHA_COLUMNS = (
    ("estimator", "quotes", "evidence_sha256"),
    ("estimator", "quotes", "catalog_sha256"),
    ("estimator", "quotes", "rulebook_sha256"),
    ("estimator", "documents", "sha256"),
    ("estimator", "evidence_blobs", "sha256"),
    ("shared", "price_books", "catalog_sha256"),
)
UPDATED_AT_TABLES = (("estimator", "quotes"),)
RLS_TABLES = (
    ("estimator", "quotes"),
    ("estimator", "panels"),
    ("estimator", "breakers"),
    ("estimator", "quote_items"),
    ("estimator", "documents"),
    ("estimator", "evidence_blobs"),
    ("shared", "price_books"),
    ("shared", "catalog_items"),
)
ROLES = ("kis_app", "kis_readonly")

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION shared.check_sha256(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT value IS NULL OR value ~ '^[0-9a-f]{64}$' $$;

CREATE OR REPLACE FUNCTION estimator.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;

-- The engine's totals from the stored lines: Σ(panel subtotal × quantity), VAT half-up to the won.
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

-- Per panel: phase currents (single-phase lines on their phases, 3P/4P lines on all three) and the
-- engine's imbalance figures, rounded half-up to 2 decimals; null figures on a single-phase supply.
CREATE OR REPLACE FUNCTION estimator.get_phase_balance(p_quote_id varchar)
RETURNS TABLE(panel_position integer, r_a numeric, s_a numeric, t_a numeric,
              imbalance_pct numeric, kec_unbalance_pct numeric)
LANGUAGE sql STABLE AS $$
  WITH loads AS (
    SELECT p.id, p.position,
      bool_or(b.role = 'main' AND b.poles = 2) AS single_phase_supply,
      COALESCE(SUM(b.qty_r * b.phase_load_a) FILTER (WHERE b.role = 'branch' AND b.poles = 2), 0) AS r1,
      COALESCE(SUM(b.qty_s * b.phase_load_a) FILTER (WHERE b.role = 'branch' AND b.poles = 2), 0) AS s1,
      COALESCE(SUM(b.qty_t * b.phase_load_a) FILTER (WHERE b.role = 'branch' AND b.poles = 2), 0) AS t1,
      COALESCE(SUM(b.qty * b.phase_load_a) FILTER (WHERE b.role = 'branch' AND b.poles > 2), 0) AS three,
      COALESCE(SUM(b.qty * b.phase_load_a) FILTER (WHERE b.role = 'branch'), 0) AS every_branch
    FROM estimator.panels p JOIN estimator.breakers b ON b.panel_id = p.id
    WHERE p.quote_id = p_quote_id GROUP BY p.id, p.position
  ), currents AS (
    -- A single-phase supply (2P main) carries every branch on its one phase, reported as R.
    SELECT position, single_phase_supply, r1, s1, t1,
      CASE WHEN single_phase_supply THEN every_branch ELSE r1 + three END AS r,
      CASE WHEN single_phase_supply THEN 0 ELSE s1 + three END AS s,
      CASE WHEN single_phase_supply THEN 0 ELSE t1 + three END AS t
    FROM loads
  )
  SELECT position, r, s, t,
    CASE WHEN single_phase_supply THEN NULL WHEN r + s + t = 0 THEN 0
         ELSE round(GREATEST(abs(r - (r + s + t) / 3), abs(s - (r + s + t) / 3), abs(t - (r + s + t) / 3))
                    / ((r + s + t) / 3) * 100, 2) END,
    CASE WHEN single_phase_supply THEN NULL WHEN r + s + t = 0 THEN 0
         ELSE round((GREATEST(r1, s1, t1) - LEAST(r1, s1, t1)) / ((r + s + t) / 3) * 100, 2) END
  FROM currents ORDER BY position
$$;

-- Integrity of a quote's stored evidence rows: one row per check, ok and a detail.
CREATE OR REPLACE FUNCTION estimator.validate_evidence_integrity(p_quote_id varchar)
RETURNS TABLE(check_name text, ok boolean, detail text)
LANGUAGE sql STABLE AS $$
  SELECT 'quote_exists', count(*) = 1, count(*)::text || ' quote row'
    FROM estimator.quotes WHERE id = p_quote_id
  UNION ALL
  SELECT 'evidence_hash', bool_and(evidence_sha256 IS NOT NULL AND shared.check_sha256(evidence_sha256)),
         max(evidence_sha256) FROM estimator.quotes WHERE id = p_quote_id
  UNION ALL
  SELECT 'evidence_rows', count(*) > 0 AND count(*) FILTER (WHERE path = 'manifest.json') = 1,
         count(*)::text || ' files' FROM estimator.evidence_blobs WHERE quote_id = p_quote_id
  UNION ALL
  SELECT 'evidence_hashes', COALESCE(bool_and(shared.check_sha256(sha256)), false),
         count(*) FILTER (WHERE NOT shared.check_sha256(sha256))::text || ' malformed'
    FROM estimator.evidence_blobs WHERE quote_id = p_quote_id
  UNION ALL
  SELECT 'documents_in_evidence', COALESCE(bool_and(e.sha256 IS NOT NULL AND e.sha256 = d.sha256), true),
         count(*) FILTER (WHERE e.sha256 IS DISTINCT FROM d.sha256)::text || ' documents differ'
    FROM estimator.documents d
    LEFT JOIN estimator.evidence_blobs e
      ON e.quote_id = d.quote_id AND e.path IN ('documents/' || d.filename, 'drawing/' || d.filename)
    WHERE d.quote_id = p_quote_id AND d.kind <> 'json'
$$;
"""


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _create_roles() -> None:
    for role in ROLES:
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "  # role names are our constants  # nosec B608
            f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$"
        )
    for schema in ("estimator", "shared"):
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO kis_app, kis_readonly")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO kis_app")
        op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO kis_app")
        op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO kis_readonly")
        op.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO kis_app, kis_readonly")


def upgrade() -> None:
    if not _is_postgres():
        return
    op.execute(FUNCTIONS)
    for schema, table, column in SHA_COLUMNS:
        op.execute(
            f"ALTER TABLE {schema}.{table} ADD CONSTRAINT ck_{table}_{column}_hex "
            f"CHECK (shared.check_sha256({column}))"
        )
    for schema, table in UPDATED_AT_TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {schema}.{table} "
            "FOR EACH ROW EXECUTE FUNCTION estimator.set_updated_at()"
        )
    _create_roles()
    for schema, table in RLS_TABLES:
        op.execute(f"ALTER TABLE {schema}.{table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_app_all ON {schema}.{table} TO kis_app USING (true) WITH CHECK (true)"
        )
        op.execute(
            f"CREATE POLICY {table}_readonly_select ON {schema}.{table} FOR SELECT TO kis_readonly USING (true)"
        )


def downgrade() -> None:
    if not _is_postgres():
        return
    for schema, table in RLS_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {table}_readonly_select ON {schema}.{table}")
        op.execute(f"DROP POLICY IF EXISTS {table}_app_all ON {schema}.{table}")
        op.execute(f"ALTER TABLE {schema}.{table} DISABLE ROW LEVEL SECURITY")
    for role in ROLES:
        # Roles are cluster-wide: drop what they hold in this database, and the role once nothing is left.
        op.execute(
            f"DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "  # role names are our constants  # nosec B608
            f"EXECUTE 'DROP OWNED BY {role}'; "
            f"BEGIN EXECUTE 'DROP ROLE {role}'; EXCEPTION WHEN dependent_objects_still_exist THEN NULL; END; "
            "END IF; END $$"
        )
    for schema, table in UPDATED_AT_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_updated_at ON {schema}.{table}")
    for schema, table, column in SHA_COLUMNS:
        op.execute(f"ALTER TABLE {schema}.{table} DROP CONSTRAINT IF EXISTS ck_{table}_{column}_hex")
    for function in (
        "estimator.validate_evidence_integrity(varchar)",
        "estimator.get_phase_balance(varchar)",
        "estimator.calculate_quote_totals(varchar)",
        "estimator.set_updated_at()",
        "shared.check_sha256(text)",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
