"""Verifying a saved quote's evidence: its pack fetched from storage, re-hashed against its manifest and
the evidence hash saved with the quote, and its signature checked with every configured secret."""

from __future__ import annotations

from dataclasses import dataclass

from kis_estimator.bootstrap import Container
from kis_estimator.db.repository import QuoteRepository
from kis_estimator.evidence import Verification
from kis_estimator.services import quotes
from kis_estimator.services.storage_checks import verify_quote_evidence


@dataclass(frozen=True)
class SavedEvidence:
    quote_id: str
    number: str
    expected_sha256: str | None
    verification: Verification


def verify_saved_evidence(container: Container, reference: str, *, path: str, search: str) -> SavedEvidence:
    """Verify the evidence of the quote named by id or number (404 QUOTE_NOT_FOUND when none is)."""
    with container.reads() as session:
        row = quotes.find(QuoteRepository(session), reference)
        if row is None:
            raise quotes.not_found(reference, path=path, search=search)
        secrets = container.settings.evidence_secrets()
        verification = verify_quote_evidence(session, container.store, row.id, secret=secrets)
        return SavedEvidence(row.id, row.number, row.evidence_sha256, verification)
