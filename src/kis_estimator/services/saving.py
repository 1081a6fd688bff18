"""Use cases over the engine, documents, storage and database. Services never commit: the unit of work
they are given is committed (or rolled back) once by the caller.

Saving a quote: the number is allocated in its own short transaction, where the storage budget is
checked too (a failed save leaves a gap, never a duplicate); the blobs are written to storage under
content-addressed keys in one `put_many` (durable when it returns); then every row goes in one
transaction. A failure before that commit leaves no quote row and no orphan rows; the blobs it wrote are
found by `kis storage gc`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from kis_estimator.db.engine import undoable
from kis_estimator.db.repository import QuoteRepository, StoredBlob, allocate_number, revision_number
from kis_estimator.db.users import name_of
from kis_estimator.documents import RENDERERS
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.model import Quote
from kis_estimator.engine.request import parse_request
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import (
    DocumentOptions,
    PipelineResult,
    ProgressListener,
    QuoteIdentity,
    compute_estimate,
    produce,
)
from kis_estimator.services.storage_budget import StorageBudget
from kis_estimator.storage import BlobStore, NewBlob

QUOTE_PREFIX = "quote/"


def evidence_key(quote_id: str, path: str, digest: str) -> str:
    """Storage key of one evidence file: documents by name, everything else content-addressed by stage."""
    pure = PurePosixPath(path)
    if pure.parts[0] == "documents":
        return f"{QUOTE_PREFIX}{quote_id}/documents/{pure.name}"
    stage = pure.stem if pure.parts[0] == "stages" else (pure.parts[0] if len(pure.parts) > 1 else "evidence")
    return f"{QUOTE_PREFIX}{quote_id}/{stage}/{digest}{pure.suffix}"


def quote_id_of_key(key: str) -> str | None:
    parts = key.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == QUOTE_PREFIX.rstrip("/") else None


@dataclass(frozen=True)
class SaveContext:
    catalog: Catalog
    rules: Rulebook
    store: BlobStore
    sessions: sessionmaker[Session]
    options: DocumentOptions
    timezone: str = "Asia/Seoul"
    price_book_id: int | None = None


def _now(timezone: str) -> datetime:
    return datetime.now(ZoneInfo(timezone))


def _write_blobs(
    store: BlobStore, result: PipelineResult
) -> tuple[list[StoredBlob], list[tuple[str, str, str, StoredBlob]]]:
    assert result.evidence is not None
    quote_id = result.quote["id"]
    evidence = []
    for path, data in sorted(result.evidence.files.items()):
        digest = result.evidence.digests[path]
        evidence.append(
            StoredBlob(path=path, key=evidence_key(quote_id, path, digest), sha256=digest, size=len(data))
        )
    files = result.evidence.files
    store.put_many([NewBlob(b.key, files[b.path], _media_type(b.path), b.sha256) for b in evidence])
    by_path = {b.path: b for b in evidence}
    documents = []
    for renderer in RENDERERS.values():
        if renderer.source is None:  # a deferred document gets its row on its first download
            blob = by_path[renderer.path]
            documents.append((renderer.kind, renderer.filename, renderer.media_type, blob))
    return evidence, documents


def _media_type(path: str) -> str:
    for renderer in RENDERERS.values():
        if path.endswith(renderer.filename):
            return renderer.media_type
    return "application/json" if path.endswith(".json") else "text/plain; charset=utf-8"


def _revision_number(session: Session, previous: tuple[str, int]) -> str | None:
    """A revision keeps its chain's root number and counts: EST-…-0002 → EST-…-0002-R1, -R2. No daily
    number is spent on it (None only when the revised quote is gone: it gets a number of its own)."""
    root = QuoteRepository(session).root_of(previous[0])
    return revision_number(root.number, previous[1] + 1) if root is not None else None


def save_estimate(
    context: SaveContext,
    raw_request: Any,
    *,
    session: Session,
    previous: tuple[str, int] | None = None,
    on_progress: ProgressListener | None = None,
    quote_id: str | None = None,
    after_blobs: Callable[[], None] | None = None,
    budget: StorageBudget | None = None,
    actor: str | None = None,
) -> Quote:
    """Estimate, render, store the blobs and stage every row in `session` (the caller commits).

    Raises RequestRejected (nothing written) for a bad request, StorageError when storage fails,
    StorageBudgetExceeded (nothing written) when the blobs would go over the caller's `budget`.
    `actor`: who asks (the API caller's subject), recorded with the quote's price adjustments.
    """
    request = parse_request(raw_request)  # refuse a malformed request before any work
    estimate = compute_estimate(
        raw_request,
        context.catalog,
        context.rules,
        with_documents=True,
        on_progress=on_progress,
        price_book_id=context.price_book_id,
        request=request,
    )
    moment = _now(context.timezone)  # the engine accepted the request: now it spends a number
    with context.sessions.begin() as numbering:  # short: the quote's own transaction starts late
        undoable(numbering)  # the quote's commit makes it durable (see db.engine.undoable)
        if budget is not None:  # a spent budget refuses before the documents (and spends no number)
            budget.check(numbering)
        number = _revision_number(numbering, previous) if previous is not None else None
        if number is None:
            number = allocate_number(numbering, moment.date())
    identity = QuoteIdentity(quote_id or str(uuid.uuid4()), number, moment.isoformat(timespec="seconds"))
    result = produce(estimate, identity, replace(context.options, actor=actor, render_deferred=False))
    if previous is not None:
        result.quote["previous_id"], result.quote["revision"] = previous[0], previous[1] + 1
    if budget is not None:
        assert result.evidence is not None
        budget.reserve(sum(len(data) for data in result.evidence.files.values()))
    evidence, documents = _write_blobs(context.store, result)
    if after_blobs is not None:
        after_blobs()
    if actor is not None:  # 작성자, read in the quote's transaction (its first statement takes the lock)
        result.quote["author"] = name_of(session, actor)
    repository = QuoteRepository(session)
    rules = context.rules
    repository.remember_rulebook(
        rules.sha256, rules.version, lambda: rules.model_dump(mode="json", exclude={"sha256"})
    )
    repository.add(
        result.quote,
        documents=documents,
        evidence=evidence,
        previous_id=previous[0] if previous else None,
        revision=previous[1] + 1 if previous else 1,
        price_book_id=context.price_book_id,
    )
    return result.quote
