"""At most one next revision per quote, held by the database (a unique index on previous_id), on SQLite
and PostgreSQL; migration 0004 detaches the forks made before it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from kis_estimator.db import migrate
from kis_estimator.db.models import QuoteRow
from kis_estimator.db.repository import QuoteReadOnly, QuoteRepository
from kis_estimator.services.saving import SaveContext, save_estimate
from tests.factories import DOMAIN_S8


def _save(context: SaveContext, previous: tuple[str, int] | None = None) -> dict[str, Any]:
    with context.sessions.begin() as session:
        return save_estimate(context, DOMAIN_S8, session=session, previous=previous)


def _previous_ids(context: SaveContext) -> dict[str, str | None]:
    with context.sessions() as session:
        rows = session.execute(sa.select(QuoteRow.number, QuoteRow.previous_id)).all()
        return {number: previous for number, previous in rows}


def test_the_database_refuses_a_second_next_revision(context: SaveContext) -> None:
    first, other = _save(context), _save(context)
    _save(context, previous=(first["id"], 1))
    with pytest.raises(sa.exc.IntegrityError, match="previous_id"), context.sessions.begin() as session:
        session.execute(sa.update(QuoteRow).where(QuoteRow.id == other["id"]).values(previous_id=first["id"]))


def test_parallel_revisions_leave_one_and_refuse_the_rest(context: SaveContext) -> None:
    first = _save(context)

    def revise() -> str:
        try:
            return str(_save(context, previous=(first["id"], 1))["id"])
        except QuoteReadOnly as exc:
            assert exc.quote_id == first["id"] and exc.reason == "superseded"
            return "refused"

    with ThreadPoolExecutor(5) as pool:
        outcomes = list(pool.map(lambda _: revise(), range(5)))
    made = [o for o in outcomes if o != "refused"]
    assert len(made) == 1 and outcomes.count("refused") == 4
    with context.sessions() as session:
        repository = QuoteRepository(session)
        latest = repository.latest_revision(first["id"])
        assert latest is not None and latest.id == made[0] and latest.revision == 2


def test_a_closed_quote_is_not_revised(context: SaveContext) -> None:
    first = _save(context)
    with context.sessions.begin() as session:
        for status in ("sent", "closed"):
            QuoteRepository(session).set_status(first["id"], status)
    with pytest.raises(QuoteReadOnly, match="closed"):
        _save(context, previous=(first["id"], 1))


def test_the_migration_detaches_forks_made_before_it(context: SaveContext, db_url: str) -> None:
    root, kept, fork, later = (_save(context) for _ in range(4))
    migrate.downgrade(db_url, "20261122_0003")
    with context.sessions.begin() as session:  # two next revisions of root, as parallel revises made
        for child in (kept, fork):
            session.execute(
                sa.update(QuoteRow)
                .where(QuoteRow.id == child["id"])
                .values(previous_id=root["id"], revision=2)
            )
        session.execute(sa.update(QuoteRow).where(QuoteRow.id == later["id"]).values(previous_id=kept["id"]))
    migrate.upgrade(db_url)
    assert _previous_ids(context) == {
        root["number"]: None,
        kept["number"]: root["id"],  # the earliest next revision stays
        fork["number"]: None,
        later["number"]: kept["id"],
    }
    assert migrate.drift(db_url) == []


def test_a_revision_keeps_its_root_number_and_spends_no_daily_number(context: SaveContext) -> None:
    first = _save(context)
    second = _save(context, previous=(first["id"], 1))
    third = _save(context, previous=(second["id"], 2))
    assert (second["number"], third["number"]) == (f"{first['number']}-R1", f"{first['number']}-R2")
    following = _save(context)  # the next new quote takes the daily number after the root's
    assert following["number"] == f"{first['number'][:-4]}{int(first['number'][-4:]) + 1:04d}"
    with context.sessions() as session:
        chain = QuoteRepository(session).chain_of(third["id"])
        assert [row.number for row in chain] == [first["number"], second["number"], third["number"]]


def test_a_tenth_revision_number_fits_the_column(context: SaveContext) -> None:
    quote = _save(context)
    for revision in range(1, 12):
        quote = _save(context, previous=(quote["id"], revision))
    assert quote["number"].endswith("-R11") and len(quote["number"]) == 21
