"""On SQLite every commit is durable (synchronous=FULL) except the bookkeeping a power cut may undo
(`db.engine.undoable`: NORMAL), and a connection goes back to FULL for the next transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from kis_estimator.db.engine import make_engine, session_factory, undoable

FULL, NORMAL = 2, 1


def _synchronous(session: Session) -> int:
    return int(session.execute(text("PRAGMA synchronous")).scalar_one())


def test_only_undoable_transactions_skip_the_fsync(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kis.db'}", pool_size=1, max_overflow=0)  # one connection
    sessions = session_factory(engine)
    with sessions.begin() as session:
        assert _synchronous(session) == FULL
    with sessions.begin() as session:
        undoable(session)
        assert _synchronous(session) == NORMAL
    with sessions.begin() as session:  # the same pooled connection, durable again
        assert _synchronous(session) == FULL
    with session_factory(engine, reads_only=True)() as session:
        assert _synchronous(session) == FULL
