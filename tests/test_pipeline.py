"""The pipeline's two steps (compute without identity, then produce under one), each request parsed
once and each produced file hashed once, and the save taking its number between the steps."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.db.engine import make_engine, session_factory
from kis_estimator.db.migrate import upgrade
from kis_estimator.engine import request as request_module
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import (
    DocumentOptions,
    QuoteIdentity,
    compute_estimate,
    produce,
    run_pipeline,
)
from kis_estimator.services.saving import SaveContext, save_estimate
from kis_estimator.storage import InMemoryBlobStore
from tests.factories import DOMAIN_S8, IDENTITY, make_request

OTHER = QuoteIdentity(
    "99999999-8888-7777-6666-555555555555", "EST-20270101-0042", "2027-01-01T08:30:00+09:00"
)
IDENTITY_KEYS = {"id", "number", "date", "created_at"}


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many times bytes with each SHA-256 were hashed (every `hashlib.sha256` call counts)."""
    real = hashlib.sha256
    seen: Counter[str] = Counter()

    def counting(data: bytes = b"", **kwargs: Any) -> Any:
        if data:
            seen[real(data).hexdigest()] += 1
        return real(data, **kwargs)

    monkeypatch.setattr(hashlib, "sha256", counting)
    yield seen


def test_one_estimate_gives_the_same_quote_under_any_identity(catalog: Catalog, rules: Rulebook) -> None:
    estimate = compute_estimate(DOMAIN_S8, catalog, rules, with_documents=True)

    first = produce(estimate, IDENTITY, DocumentOptions())
    second = produce(estimate, OTHER, DocumentOptions())

    assert (second.quote["id"], second.quote["number"], second.quote["date"]) == (
        OTHER.quote_id,
        OTHER.number,
        "2027-01-01",
    )
    same = {k: v for k, v in first.quote.items() if k not in IDENTITY_KEYS | {"evidence"}}
    assert same == {k: v for k, v in second.quote.items() if k not in IDENTITY_KEYS | {"evidence"}}
    assert len(first.quote["gates"]) == len(second.quote["gates"])  # the lint gates are not appended twice
    assert first.quote["evidence"]["calculation_sha256"] == second.quote["evidence"]["calculation_sha256"]


def test_the_two_steps_give_what_run_pipeline_gives(catalog: Catalog, rules: Rulebook) -> None:
    estimate = compute_estimate(DOMAIN_S8, catalog, rules, with_documents=True)

    stepped = produce(estimate, IDENTITY, DocumentOptions())
    whole = run_pipeline(DOMAIN_S8, catalog, rules, IDENTITY, documents=DocumentOptions())

    assert stepped.quote == whole.quote | {"evidence": stepped.quote["evidence"]}
    assert stepped.documents == whole.documents
    assert stepped.evidence is not None and whole.evidence is not None
    assert stepped.evidence.sha256 == whole.evidence.sha256


def test_every_file_is_hashed_once_and_its_digest_travels_with_the_pack(
    catalog: Catalog, rules: Rulebook, hashed: Counter[str]
) -> None:
    result = run_pipeline(DOMAIN_S8, catalog, rules, IDENTITY, documents=DocumentOptions(evidence_secret="s"))

    assert result.evidence is not None
    files = result.evidence.files
    digests = {path: hashlib.new("sha256", data).hexdigest() for path, data in files.items()}  # uncounted
    assert result.evidence.digests == digests
    assert {path: hashed[digests[path]] for path in files} == {path: 1 for path in files}


def test_a_save_parses_the_request_once_and_hashes_each_blob_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hashed: Counter[str]
) -> None:
    url = f"sqlite:///{tmp_path}/kis.db"
    upgrade(url)
    store = InMemoryBlobStore(signing_secret="s")
    context = SaveContext(
        load_catalog(), load_rulebook(), store, session_factory(make_engine(url)), DocumentOptions()
    )
    parses = Counter[str]()
    real_validate = request_module.EstimateRequest.model_validate

    def counting_validate(data: Any, **kwargs: Any) -> Any:
        parses["parse"] += 1
        return real_validate(data, **kwargs)

    monkeypatch.setattr(request_module.EstimateRequest, "model_validate", counting_validate)

    with context.sessions.begin() as session:
        quote = save_estimate(context, DOMAIN_S8, session=session)

    assert parses["parse"] == 1
    keys = list(store.list(f"quote/{quote['id']}/"))
    assert len(keys) == len(quote["evidence"]["files"]) + 3  # metrics, manifest and SHA256SUMS besides
    digests = {key: hashlib.new("sha256", store.get(key)).hexdigest() for key in keys}  # uncounted
    assert {key: hashed[digest] for key, digest in digests.items()} == {key: 1 for key in keys}


def test_a_refused_request_takes_no_number(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/kis.db"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    context = SaveContext(
        load_catalog(), load_rulebook(), InMemoryBlobStore("s"), sessions, DocumentOptions()
    )
    begun: list[Session] = []

    def record(session: Session, *_: Any) -> None:
        begun.append(session)

    event.listen(Session, "after_begin", record)
    try:
        with pytest.raises(RequestRejected):
            save_estimate(
                context, make_request(main={"type": "MCCB", "poles": 4, "trip_at": 9999}), session=sessions()
            )
    finally:
        event.remove(Session, "after_begin", record)
    assert begun == []
