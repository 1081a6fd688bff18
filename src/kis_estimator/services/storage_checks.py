"""Storage against the database: re-hash every blob, find orphans, verify a stored evidence pack (its
deferred documents re-rendered and compared with their records)."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from kis_estimator.db.repository import QuoteRepository
from kis_estimator.documents import RENDERERS
from kis_estimator.evidence import MANIFEST, Verification, sha256_hex, verify_pack
from kis_estimator.services.deferred_documents import Recorded, check_deferred
from kis_estimator.services.saving import QUOTE_PREFIX
from kis_estimator.storage import BlobNotFound, BlobStore


@dataclass
class BlobReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed)


def verify_blobs(session: Session, store: BlobStore) -> BlobReport:
    """Re-hash every blob the database knows and compare with its recorded SHA-256."""
    report = BlobReport()
    for _, key, digest in sorted(set(QuoteRepository(session).all_blob_rows())):
        report.checked += 1
        try:
            data = store.get(key)
        except BlobNotFound:
            report.missing.append(key)
            continue
        if sha256_hex(data) != digest:
            report.changed.append(key)
    return report


def find_orphans(session: Session, store: BlobStore) -> list[str]:
    """Blobs under quote/ that no database row refers to (left by saves that failed before commit)."""
    referenced = {key for _, key, _ in QuoteRepository(session).all_blob_rows()}
    return [key for key in store.list(QUOTE_PREFIX) if key not in referenced]


# A save writes its blobs before its transaction commits: an orphan younger than this may belong to a
# save still running, so it is listed but not deleted.
GC_MIN_AGE_S = 3600.0


def collect_garbage(
    session: Session,
    store: BlobStore,
    *,
    delete: bool,
    min_age_s: float = GC_MIN_AGE_S,
    now: float | None = None,
) -> tuple[list[str], list[str]]:
    """The orphan blobs, as (old enough to delete, too young); with `delete`, remove the old ones."""
    now = time.time() if now is None else now
    old: list[str] = []
    young: list[str] = []
    for key in find_orphans(session, store):
        try:
            age = now - store.modified_at(key)
        except BlobNotFound:  # deleted meanwhile
            continue
        (old if age >= min_age_s else young).append(key)
    if delete:
        for key in old:
            store.delete(key)
    return old, young


def verify_quote_evidence(
    session: Session, store: BlobStore, quote_id: str, secret: str | Sequence[str] | None = None
) -> Verification:
    """Fetch a quote's evidence pack from storage and verify it against the quote's evidence hash.

    The signature is checked with `secret` (or any of several, current first) when the quote was saved
    signed; a quote saved before a secret was configured is checked by its hashes alone.
    """
    row = QuoteRepository(session).get_full(quote_id)
    if row is None:
        raise KeyError(quote_id)
    if row.signature is None:
        secret = None
    with tempfile.TemporaryDirectory(prefix="kis-verify-") as work:
        root = Path(work)
        missing, changed = [], []
        for blob in row.evidence:
            try:
                data = store.get(blob.storage_key)
            except BlobNotFound:
                missing.append(blob.path)
                continue
            if sha256_hex(data) != blob.sha256:  # the database's record is the authority
                changed.append(blob.path)
            target = root / PurePosixPath(blob.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        result = verify_pack(root, expected_sha256=row.evidence_sha256, secret=secret)
        if missing or changed:
            # What the pack says of itself rests on files now known to be altered: name exactly the
            # blobs that differ from their rows, keep the pack's problems (hash, signature) as well.
            result.changed, result.missing, result.extra = sorted(changed), sorted(missing), []
        recorded = {
            d.kind: Recorded(d.sha256, d.storage_key)
            for d in row.documents
            if d.kind in RENDERERS and RENDERERS[d.kind].source is not None
        }
        verify_deferred_in(root, recorded, store, result)
        return result


def verify_deferred_in(
    root: Path, recorded: dict[str, Recorded], store: BlobStore | None, result: Verification
) -> None:
    """The deferred documents the pack in `root` declares, re-rendered from its files (see
    `deferred_documents.check_deferred`); nothing to do when its manifest is missing or unreadable."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # verify_pack named it
    if isinstance(manifest, dict):
        check_deferred(
            manifest, lambda path: (root / PurePosixPath(path)).read_bytes(), recorded, store, result
        )
