"""The PostgreSQL functions return the engine's figures, on every goldset case that makes a quote."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.ops.regression import load_cases
from kis_estimator.pipeline import DocumentOptions
from kis_estimator.services.saving import SaveContext, save_estimate
from kis_estimator.storage import InMemoryBlobStore
from tests.factories import ROOT

CASES = [c for c in load_cases(ROOT / "tests" / "regression" / "goldset") if "error" not in c["expect"]]


@pytest.fixture(scope="module")
def saved(postgres: Any) -> tuple[Any, list[dict[str, Any]]]:
    url = postgres.create_database("sql_functions")
    from kis_estimator.db import migrate

    migrate.upgrade(url)
    engine = make_engine(url)
    context = SaveContext(
        load_catalog(),
        load_rulebook(),
        InMemoryBlobStore(signing_secret="s"),
        session_factory(engine),
        DocumentOptions(),
    )
    quotes = []
    for case in CASES:
        with context.sessions.begin() as session:
            quotes.append(save_estimate(context, case["request"], session=session))
    return engine, quotes


def test_goldset_is_large_enough() -> None:
    assert len(CASES) >= 20


def _totals_checked(engine: Any, quotes: list[dict[str, Any]]) -> None:
    with engine.connect() as connection:
        for quote in quotes:
            row = connection.execute(
                sa.text("SELECT * FROM estimator.calculate_quote_totals(:id)"), {"id": quote["id"]}
            ).one()
            totals = quote["totals"]
            assert (row.subtotal, row.vat, row.total) == (
                totals["subtotal"],
                totals["vat"],
                totals["total"],
            ), quote["number"]


def test_calculate_quote_totals_equals_the_engine(saved: tuple[Any, list[dict[str, Any]]]) -> None:
    engine, quotes = saved
    _totals_checked(engine, [q for q in quotes if "discount" not in q["totals"]])


def test_calculate_quote_totals_equals_the_engine_with_a_discount(
    saved: tuple[Any, list[dict[str, Any]]],
) -> None:
    engine, quotes = saved
    discounted = [q for q in quotes if "discount" in q["totals"]]
    assert discounted
    _totals_checked(engine, discounted)


def test_get_phase_balance_equals_the_engine(saved: tuple[Any, list[dict[str, Any]]]) -> None:
    engine, quotes = saved
    with engine.connect() as connection:
        for quote in quotes:
            rows = connection.execute(
                sa.text("SELECT * FROM estimator.get_phase_balance(:id)"), {"id": quote["id"]}
            ).all()
            assert len(rows) == len(quote["panels"])
            for row, panel in zip(rows, quote["panels"], strict=True):
                phases = panel["phases"]
                currents = (float(row.r_a), float(row.s_a), float(row.t_a))
                assert currents == (phases["R"], phases["S"], phases["T"]), quote["number"]
                for key in ("imbalance_pct", "kec_unbalance_pct"):
                    expected = phases[key]
                    actual = getattr(row, key)
                    assert (actual is None and expected is None) or float(actual) == expected, (
                        quote["number"],
                        key,
                    )


def test_validate_evidence_integrity_passes_and_catches_a_forged_row(
    saved: tuple[Any, list[dict[str, Any]]],
) -> None:
    engine, quotes = saved
    query = sa.text("SELECT * FROM estimator.validate_evidence_integrity(:id)")
    with engine.connect() as connection:
        checks = connection.execute(query, {"id": quotes[0]["id"]}).all()
        assert checks and all(c.ok for c in checks), checks
        connection.execute(
            sa.text(
                "UPDATE estimator.documents SET sha256 = repeat('0', 64) WHERE quote_id = :id AND kind = 'xlsx'"
            ),
            {"id": quotes[0]["id"]},
        )
        forged = {c.check_name: c.ok for c in connection.execute(query, {"id": quotes[0]["id"]})}
        assert forged["documents_in_evidence"] is False
        connection.rollback()
