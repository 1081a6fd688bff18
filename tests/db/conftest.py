"""The save context the repository tests share: the shipped catalog, an in-memory store, `db_url`'s database."""

from __future__ import annotations

import pytest

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.pipeline import DocumentOptions
from kis_estimator.services.saving import SaveContext
from kis_estimator.storage import InMemoryBlobStore

SECRET = "test-secret"


@pytest.fixture
def context(db_url: str) -> SaveContext:
    return SaveContext(
        catalog=load_catalog(),
        rules=load_rulebook(),
        store=InMemoryBlobStore(signing_secret=SECRET),
        sessions=session_factory(make_engine(db_url)),
        options=DocumentOptions(evidence_secret=SECRET),
    )
