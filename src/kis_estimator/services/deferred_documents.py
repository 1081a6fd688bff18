"""Deferred documents: rendered on their first download instead of at create.

A renderer with a `Source` in the documents registry (the PDF, the DXF) is not rendered when a quote is saved:
its source (a file of the evidence pack, e.g. `drawing/layout.json`) is, and the manifest declares the
document under `deferred` with the files it is rendered from. The first download renders it from the
stored source (checked against the source's recorded SHA-256), writes the blob under a
content-addressed key and records it once (a conditional insert: the first writer's rows stay), as a
document row and as an evidence row at its declared pack path (so `kis storage verify`, gc, the
evidence listing and zip see it like any stored file); every later download serves the stored blob,
checked against the recorded SHA-256.

Rendering is bounded: one render per document per quote in a process (a lock per document, the row
read again under it), so concurrent first downloads render at most once per process and record once.
Verification (`check_deferred`) re-renders every declared document from the verified pack and compares
it with the recorded hash and the stored blob; a document not rendered yet is "derivable".

Refusals: 404 DOCUMENT_NOT_FOUND, BLOB_MISSING; 409 BLOB_CHANGED (a stored file or its record was
altered).
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from kis_estimator.bootstrap import Container
from kis_estimator.db.repository import QuoteRepository, StoredBlob
from kis_estimator.db.storage_usage import StorageUsageRepository
from kis_estimator.documents import RENDERERS, Renderer
from kis_estimator.evidence import Verification, sha256_hex
from kis_estimator.services.documents import Blob, StoredQuote, document_of, read_blob
from kis_estimator.services.failures import Refused
from kis_estimator.services.saving import QUOTE_PREFIX
from kis_estimator.storage import BlobNotFound, BlobStore

_LOCKS = tuple(threading.Lock() for _ in range(64))


def _lock(quote_id: str, kind: str) -> threading.Lock:
    return _LOCKS[zlib.crc32(f"{quote_id}/{kind}".encode()) % len(_LOCKS)]


def _changed(stored: StoredQuote, name: str, path: str) -> Refused:
    return Refused(
        409,
        "BLOB_CHANGED",
        f"저장된 파일이 기록된 해시와 다릅니다 / The stored file does not match its recorded SHA-256: {name}",
        hint=f"관리자에게 `kis evidence verify {stored.number}` 실행을 요청하세요 / "
        f"Ask an admin to run `kis evidence verify {stored.number}`.",
        path=path,
    )


def _checked(store: BlobStore, stored: StoredQuote, blob: Blob, path: str) -> bytes:
    data = read_blob(store, blob, path)
    if sha256_hex(data) != blob.sha256:
        raise _changed(stored, blob.filename or blob.name, path)
    return data


def document_bytes(
    container: Container, stored: StoredQuote, kind: str, path: str, *, caller: str | None = None
) -> tuple[Blob, bytes]:
    """A saved quote's document `kind` and its bytes. A deferred one is checked against its recorded
    SHA-256, or rendered, stored and recorded on this first download (its bytes counted against
    `caller`'s storage budget, see docs/decisions.md)."""
    renderer = RENDERERS.get(kind)
    blob = stored.documents.get(kind)
    if renderer is None or renderer.source is None:
        blob = document_of(stored, kind, path)
        return blob, read_blob(container.store, blob, path)
    if blob is not None:
        return blob, _checked(container.store, stored, blob, path)
    with _lock(stored.id, kind):
        with container.reads() as session:
            row = QuoteRepository(session).document(stored.id, kind)
            if row is not None:  # recorded meanwhile (by this process or another)
                blob = Blob(kind, row.storage_key, row.sha256, row.size_bytes, row.filename, row.media_type)
        if blob is not None:
            return blob, _checked(container.store, stored, blob, path)
        return _render_first(container, stored, renderer, path, caller)


def with_documents(
    container: Container, stored: StoredQuote, kinds: tuple[str, ...], path: str, *, caller: str | None = None
) -> StoredQuote:
    """`stored` with every deferred document among `kinds` rendered and recorded (for the edges that
    list or bundle documents: the evidence listing and zip, the export links)."""
    documents, evidence = dict(stored.documents), {blob.name: blob for blob in stored.evidence}
    for kind in kinds:
        renderer = RENDERERS.get(kind)
        if renderer is not None and renderer.source is not None and kind not in documents:
            blob, _ = document_bytes(container, stored, kind, path, caller=caller)
            documents[kind] = blob
            evidence.setdefault(renderer.path, Blob(renderer.path, blob.key, blob.sha256, blob.size))
    return replace(stored, documents=documents, evidence=sorted(evidence.values(), key=lambda b: b.name))


def _render_first(
    container: Container, stored: StoredQuote, renderer: Renderer, path: str, caller: str | None
) -> tuple[Blob, bytes]:
    assert renderer.source is not None
    source = next((b for b in stored.evidence if b.name == renderer.source.path), None)
    if source is None:  # a quote saved before its kind was deferred, or a damaged record
        document_of(stored, renderer.kind, path)  # raises DOCUMENT_NOT_FOUND
    assert source is not None
    data = renderer.source.render(_checked(container.store, stored, source, path))
    digest = sha256_hex(data)
    # Content-addressed, so that a second writer never overwrites a recorded blob with other bytes.
    key = f"{QUOTE_PREFIX}{stored.id}/{renderer.folder}/{digest}{PurePosixPath(renderer.filename).suffix}"
    container.store.put(key, data, renderer.media_type, sha256=digest)
    blob = StoredBlob(path=renderer.path, key=key, sha256=digest, size=len(data))
    with container.sessions.begin() as session:
        repository = QuoteRepository(session)
        if repository.record_deferred(stored.id, renderer.kind, renderer.filename, renderer.media_type, blob):
            limit = container.settings.storage_budget_bytes_per_caller
            if caller is not None and limit > 0:
                StorageUsageRepository(session).add(caller, time.time(), len(data))
        row = repository.document(stored.id, renderer.kind)
        assert row is not None
        recorded = Blob(
            renderer.kind, row.storage_key, row.sha256, row.size_bytes, row.filename, row.media_type
        )
    if recorded.sha256 != digest:  # another writer recorded other bytes: the record or the source changed
        raise _changed(stored, renderer.filename, path)
    return recorded, data


@dataclass(frozen=True)
class Recorded:
    """What the database recorded of a deferred document: its SHA-256 and storage key."""

    sha256: str
    key: str


def check_deferred(
    manifest: Mapping[str, object],
    read: Callable[[str], bytes],
    recorded: Mapping[str, Recorded],
    store: BlobStore | None,
    result: Verification,
) -> None:
    """Re-render every document the manifest declares deferred from its inputs (`read(path)`: a pack
    file, verified already) and compare with the hash recorded for its kind (`recorded`) and, with a
    `store`, the stored blob. Not rendered yet: listed as derivable. Adds to `result`."""
    declared = manifest.get("deferred") or {}
    if not isinstance(declared, Mapping):
        result.problems.append("manifest.json: deferred is not a mapping")
        return
    for path, entry in sorted(declared.items()):
        renderer = RENDERERS.get(str(entry.get("kind"))) if isinstance(entry, Mapping) else None
        if renderer is None or renderer.source is None or renderer.path != path:
            result.problems.append(f"{path}: no deferred renderer for it")
            continue
        inputs = [renderer.source.path]
        if entry.get("inputs") != inputs or any(p in result.changed or p in result.missing for p in inputs):
            result.problems.append(f"{path}: cannot be re-rendered, its inputs {inputs} are not intact")
            continue
        digest = sha256_hex(renderer.source.render(read(renderer.source.path)))
        row = recorded.get(renderer.kind)
        if row is None:
            result.derivable.append(path)
            continue
        if row.sha256 != digest:
            made_by, here = entry.get("renderer"), renderer.source.library_version
            versions = "" if made_by == here else f" (declared {made_by}, re-rendered with {here})"
            result.changed.append(path)
            result.problems.append(f"{path}: recorded SHA-256 {row.sha256} ≠ re-rendered {digest}{versions}")
            continue
        if store is None:
            continue
        try:
            stored = store.get(row.key)
        except BlobNotFound:
            if path not in result.missing:
                result.missing.append(path)
            continue
        if sha256_hex(stored) != row.sha256 and path not in result.changed:
            result.changed.append(path)
