"""The stored documents and evidence of a saved quote, for the edges that hand them out: what the database
holds about them (read in one short session), one document by kind, a blob's bytes. Refusals: 404
QUOTE_NOT_FOUND, DOCUMENT_NOT_FOUND, BLOB_MISSING."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kis_estimator.bootstrap import Container
from kis_estimator.db.repository import QuoteRepository
from kis_estimator.services import quotes
from kis_estimator.services.failures import Refused
from kis_estimator.storage import BlobNotFound, BlobStore


@dataclass(frozen=True)
class Blob:
    name: str  # the evidence pack path, or the document kind
    key: str
    sha256: str
    size: int
    filename: str = ""
    media_type: str = ""


@dataclass(frozen=True)
class StoredQuote:
    """What the database holds about one quote, read in one short session."""

    id: str
    number: str
    customer: str
    project: str | None
    evidence_sha256: str | None
    signature: str | None
    document: dict[str, Any]
    documents: dict[str, Blob]  # by kind
    evidence: list[Blob]  # by pack path


def _load(container: Container, quote_id: str) -> StoredQuote | None:
    with container.reads() as session:
        row = QuoteRepository(session).get_full(quote_id)
        if row is None:
            return None
        return StoredQuote(
            id=row.id,
            number=row.number,
            customer=row.customer_name,
            project=row.project,
            evidence_sha256=row.evidence_sha256,
            signature=row.signature,
            document=row.document,
            documents={
                d.kind: Blob(d.kind, d.storage_key, d.sha256, d.size_bytes, d.filename, d.media_type)
                for d in row.documents
            },
            evidence=sorted(
                (Blob(e.path, e.storage_key, e.sha256, e.size_bytes) for e in row.evidence),
                key=lambda blob: blob.name,
            ),
        )


def stored_quote(container: Container, quote_id: str, path: str = "id") -> StoredQuote:
    stored = _load(container, quote_id)
    if stored is None:
        raise quotes.not_found(quote_id, path=path)
    return stored


def document_of(stored: StoredQuote, kind: str, path: str) -> Blob:
    blob = stored.documents.get(kind)
    if blob is None:
        raise Refused(
            404,
            "DOCUMENT_NOT_FOUND",
            f"견적 {stored.number}에 {kind} 문서가 없습니다 / Quote {stored.number} has no {kind} document",
            hint="견적을 개정하면 문서가 다시 만들어집니다 / Revise the quote to render its documents again.",
            path=path,
        )
    return blob


def read_blob(store: BlobStore, blob: Blob, path: str) -> bytes:
    try:
        return store.get(blob.key)
    except BlobNotFound:
        raise Refused(
            404,
            "BLOB_MISSING",
            f"저장된 파일이 없습니다 / The stored file is missing: {blob.name}",
            hint="관리자에게 `kis storage verify` 실행을 요청하세요 / Ask an admin to run `kis storage verify`.",
            path=path,
        ) from None
