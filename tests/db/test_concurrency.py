"""Two processes saving 50 quotes each at the same time: unique numbers, nothing lost."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.db.models import EvidenceBlobRow, QuoteRow

PER_PROCESS = 50


def _save_many(url: str, blob_root: str, count: int, start: Any) -> list[str]:
    from kis_estimator.catalog_io import load_catalog, load_rulebook
    from kis_estimator.pipeline import DocumentOptions
    from kis_estimator.services.saving import SaveContext, save_estimate
    from kis_estimator.storage import open_blob_store
    from tests.factories import DOMAIN_S8

    context = SaveContext(
        catalog=load_catalog(),
        rules=load_rulebook(),
        store=open_blob_store(f"file://{blob_root}", signing_secret="s"),
        sessions=session_factory(make_engine(url)),
        options=DocumentOptions(),
    )
    context.store.init()
    start.wait()
    numbers = []
    for _ in range(count):
        with context.sessions.begin() as session:
            numbers.append(save_estimate(context, DOMAIN_S8, session=session)["number"])
    return numbers


def test_two_processes_save_fifty_quotes_each(db_url: str, tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager:
        start = manager.Barrier(2)
        with spawn.Pool(2) as pool:
            results = [
                pool.apply_async(_save_many, (db_url, str(tmp_path / "blobs"), PER_PROCESS, start))
                for _ in range(2)
            ]
            numbers = [n for r in results for n in r.get(timeout=600)]
    assert len(numbers) == 2 * PER_PROCESS
    assert len(set(numbers)) == 2 * PER_PROCESS
    sequences = sorted(int(n[-4:]) for n in numbers)
    assert sequences == list(range(1, 2 * PER_PROCESS + 1))  # no gaps either: no save failed
    sessions = session_factory(make_engine(db_url))
    with sessions() as session:
        assert session.execute(select(func.count()).select_from(QuoteRow)).scalar_one() == 2 * PER_PROCESS
        stored = {row[0] for row in session.execute(select(QuoteRow.number))}
        assert stored == set(numbers)
        assert (
            session.execute(select(func.count(func.distinct(EvidenceBlobRow.quote_id)))).scalar_one() == 100
        )
