"""Documents and evidence: downloads, the evidence pack (listing, verification, zip), export links, and
the signed blob URLs that the filesystem and memory stores hand out (S3 presigns its own)."""

from __future__ import annotations

import io
import json
import mimetypes
import re
import time
import zipfile
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal, cast, get_args
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from kis_estimator.api.auth import Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError
from kis_estimator.api.links import absolute
from kis_estimator.api.schemas import ERRORS, NOT_FOUND
from kis_estimator.bootstrap import Container
from kis_estimator.documents import RENDERERS
from kis_estimator.evidence import MANIFEST, sha256_hex
from kis_estimator.services.deferred_documents import document_bytes, with_documents
from kis_estimator.services.documents import Blob, StoredQuote, document_of, read_blob, stored_quote
from kis_estimator.services.evidence import verify_saved_evidence
from kis_estimator.storage import BlobNotFound, ServesSignedUrls

router = APIRouter(tags=["documents"], responses=ERRORS)

StoredKind = Literal["xlsx", "pdf", "svg", "dxf"]  # the rendered documents kept in storage
DocumentKind = Literal["xlsx", "pdf", "svg", "dxf", "json"]  # json: the quote itself
STORED_KINDS: tuple[StoredKind, ...] = get_args(StoredKind)
assert set(STORED_KINDS) == set(RENDERERS)

# The Korean download name of each kind: `{stem}_{customer}_{project}_{quote number}.{extension}`.
_KOREAN_STEMS = {
    "xlsx": "견적서",
    "pdf": "견적서",
    "svg": "도면",
    "dxf": "도면",
    "json": "견적",
    "zip": "증빙",
}
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]")
# Out of a download name: whitespace, dots, path and Windows-reserved characters, controls, bidi marks.
_UNSAFE_NAME = re.compile(r'[\s./\\:*?"<>|\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_NAME_PART_MAX = 40
_EPOCH_1980 = (1980, 1, 1, 0, 0, 0)  # the earliest zip timestamp: the same pack gives the same zip
_JSON = "application/json"
_ZIP = "application/zip"
_BLOB_CACHE = "private, max-age=60"
_DOCUMENT_CACHE = "private, no-cache"  # revalidate with the ETag
_NO_STORE = "no-store"  # answers carrying signed links: a link is an authorisation, never cached


def _binary(*media_types: str) -> dict[str, Any]:
    return {media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}


_DOCUMENT_TYPES = [r.media_type for r in RENDERERS.values()]
_MEDIA_BY_SUFFIX = {PurePosixPath(r.filename).suffix: r.media_type for r in RENDERERS.values()} | {
    ".json": _JSON
}
# Blobs are served from the API's own origin: never sniffed, and an SVG opened directly runs no script.
_SAFE_SERVING = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}


class SignedFile(BaseModel):
    path: str = Field(examples=["stages/pricing.json"])
    sha256: str
    size: int
    url: str
    expiresAt: str


class SignedDocument(BaseModel):
    kind: StoredKind
    filename: str = Field(examples=["견적서_EST-20261122-0001.xlsx"])
    mediaType: str
    sha256: str
    size: int
    url: str
    expiresAt: str


class EvidenceListing(BaseModel):
    quoteId: str
    number: str
    sha256: str | None = Field(description="견적의 증빙 해시 / The quote's evidence hash")
    signature: str | None
    manifest: dict[str, Any] | None = Field(
        description="manifest.json; 저장본이 없거나 읽을 수 없으면 null / null when missing or unreadable"
    )
    files: list[SignedFile]
    documents: list[SignedDocument]


class EvidenceReport(BaseModel):
    quoteId: str
    ok: bool
    evidence_sha256: str | None = Field(description="다시 계산한 해시 / Recomputed from the stored files")
    expected_sha256: str | None = Field(description="견적에 기록된 해시 / Recorded on the quote")
    changed: list[str]
    missing: list[str]
    extra: list[str]
    problems: list[str]
    signature_checked: bool
    derivable: list[str] = Field(
        description="첫 내려받기 때 만들 문서 (다시 만들어 확인함) / Documents rendered on first download, "
        "not rendered yet: re-rendered from the verified pack"
    )


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quoteId: str = Field(min_length=1, max_length=64)
    kinds: list[StoredKind] = Field(default_factory=lambda: list(STORED_KINDS), min_length=1)

    @field_validator("kinds")
    @classmethod
    def _unique(cls, kinds: list[str]) -> list[str]:
        if len(set(kinds)) != len(kinds):
            raise ValueError("kinds must not repeat")
        return kinds


class ExportResult(BaseModel):
    quoteId: str
    documents: list[SignedDocument]


def _expiry(url: str, ttl_s: int, signed_at: float) -> str:
    """expiresAt (ISO 8601, UTC): the URL's own `expires` when it has one, else signing time + TTL."""
    given = parse_qs(urlsplit(url).query).get("expires", [""])[0]
    expires = int(given) if given.isdigit() else int(signed_at) + ttl_s
    return datetime.fromtimestamp(expires, UTC).isoformat()


def _signed(request: Request, container: Container, key: str) -> tuple[str, str]:
    ttl_s = container.settings.signed_url_ttl_s
    signed_at = time.time()
    url = absolute(request, container.store.signed_url(key, ttl_s))
    return url, _expiry(url, ttl_s, signed_at)


def _name_part(text: str | None) -> str:
    """A customer or project name as a file name holds it: no spaces, dots, path or reserved
    characters, at most 40 characters."""
    return _UNSAFE_NAME.sub("", text or "")[:_NAME_PART_MAX]


def _korean_name(kind: str, stored: StoredQuote, extension: str) -> str:
    """`{stem}_{customer}_{project}_{number}.{extension}`, the empty parts left out:
    견적서_동양기전_신축공장_EST-20261203-0001.pdf."""
    parts = (_KOREAN_STEMS[kind], _name_part(stored.customer), _name_part(stored.project), stored.number)
    return "_".join(part for part in parts if part) + f".{extension}"


def _signed_document(
    request: Request, container: Container, stored: StoredQuote, blob: Blob
) -> SignedDocument:
    url, expires_at = _signed(request, container, blob.key)
    extension = PurePosixPath(blob.filename).suffix.lstrip(".")
    return SignedDocument(
        kind=cast(StoredKind, blob.name),
        filename=_korean_name(blob.name, stored, extension),
        mediaType=blob.media_type,
        sha256=blob.sha256,
        size=blob.size,
        url=url,
        expiresAt=expires_at,
    )


def _attachment(ascii_name: str, name: str) -> str:
    """Content-Disposition with an ASCII fallback and the real (Korean) name per RFC 6266 / 5987."""
    fallback = _UNSAFE_ASCII.sub("_", ascii_name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    candidates = [part.strip().removeprefix("W/") for part in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def _media_type_of(key: str) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    known = _MEDIA_BY_SUFFIX.get(suffix) or mimetypes.guess_type(f"blob{suffix}")[0]
    return known or "application/octet-stream"


@router.get(
    "/v1/estimate/{quote_id}/evidence",
    summary="증빙 목록 / Evidence pack: manifest and signed links",
    response_model=EvidenceListing,
    responses=NOT_FOUND,
)
def evidence_listing(
    request: Request, response: Response, principal: Viewer, quote_id: str
) -> EvidenceListing:
    """The manifest, the quote's evidence hash and signature, and a signed download link for every
    evidence file and document (valid for SIGNED_URL_TTL_S seconds; a document rendered on first
    download, the PDF and the DXF, is rendered first). Never cached (no-store)."""
    response.headers["Cache-Control"] = _NO_STORE
    container = container_of(request)
    stored = stored_quote(container, quote_id)
    stored = with_documents(container, stored, STORED_KINDS, "id", caller=principal.subject)
    manifest: dict[str, Any] | None = None
    manifest_blob = next((blob for blob in stored.evidence if blob.name == MANIFEST), None)
    if manifest_blob is not None:
        try:
            parsed = json.loads(container.store.get(manifest_blob.key))
            manifest = parsed if isinstance(parsed, dict) else None
        except (BlobNotFound, ValueError):
            manifest = None  # /evidence/verify says what is wrong
    files = []
    for blob in stored.evidence:
        url, expires_at = _signed(request, container, blob.key)
        files.append(
            SignedFile(path=blob.name, sha256=blob.sha256, size=blob.size, url=url, expiresAt=expires_at)
        )
    documents = [
        _signed_document(request, container, stored, stored.documents[kind])
        for kind in STORED_KINDS
        if kind in stored.documents
    ]
    return EvidenceListing(
        quoteId=stored.id,
        number=stored.number,
        sha256=stored.evidence_sha256,
        signature=stored.signature,
        manifest=manifest,
        files=files,
        documents=documents,
    )


@router.get(
    "/v1/estimate/{quote_id}/evidence/verify",
    summary="증빙 검증 / Verify the stored evidence pack",
    response_model=EvidenceReport,
    responses=NOT_FOUND,
)
def verify_evidence(request: Request, _: Viewer, quote_id: str) -> EvidenceReport:
    """Re-hash every stored evidence file against the manifest and the quote's evidence hash (and the
    signature when EVIDENCE_SECRET is set). 200 either way: `ok` and the lists say what is wrong."""
    saved = verify_saved_evidence(container_of(request), quote_id, path="id", search="GET /v1/estimate")
    result = saved.verification
    return EvidenceReport(
        quoteId=saved.quote_id,
        ok=result.ok,
        evidence_sha256=result.evidence_sha256,
        expected_sha256=saved.expected_sha256,
        changed=result.changed,
        missing=result.missing,
        extra=result.extra,
        problems=result.problems,
        signature_checked=result.signature_checked,
        derivable=result.derivable,
    )


@router.get(
    "/v1/estimate/{quote_id}/documents/{kind}",
    summary="문서 내려받기 / Download a document",
    response_class=Response,
    responses={
        200: {"content": {**_binary(*_DOCUMENT_TYPES), _JSON: {"schema": {"type": "object"}}}},
        304: {"description": "변경 없음 / Not modified"},
        **NOT_FOUND,
    },
)
def download_document(
    request: Request,
    principal: Viewer,
    quote_id: str,
    kind: DocumentKind,
    if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
) -> Response:
    """The stored xlsx, pdf, svg or dxf, or the quote JSON, as an attachment named in Korean. The ETag
    is the SHA-256 of the bytes; send it back in If-None-Match to get a 304. The PDF and the DXF
    are rendered on their first download, then stored and their SHA-256 recorded; 409 BLOB_CHANGED
    when such a stored document, or what it is rendered from, no longer matches its record."""
    container = container_of(request)
    stored = stored_quote(container, quote_id)
    if kind == "json":
        data = (json.dumps(stored.document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        media_type, filename = _JSON, "quote.json"
    else:
        blob, data = document_bytes(container, stored, kind, "kind", caller=principal.subject)
        media_type, filename = blob.media_type, blob.filename
    etag = f'"{sha256_hex(data)}"'
    headers = {"ETag": etag, "Cache-Control": _DOCUMENT_CACHE}
    if _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    extension = PurePosixPath(filename).suffix.lstrip(".")
    disposition = _attachment(f"{stored.number}-{filename}", _korean_name(kind, stored, extension))
    headers |= {"Content-Disposition": disposition, **_SAFE_SERVING}
    return Response(data, media_type=media_type, headers=headers)


@router.get(
    "/v1/estimate/{quote_id}/evidence.zip",
    summary="증빙 압축 파일 / The evidence pack as a zip",
    response_class=Response,
    responses={200: {"content": _binary(_ZIP)}, **NOT_FOUND},
)
def evidence_zip(request: Request, principal: Viewer, quote_id: str) -> Response:
    """Every stored evidence file at its pack path (manifest.json and SHA256SUMS included), so that
    `sha256sum -c SHA256SUMS` runs in the unpacked folder; the documents the manifest declares
    deferred (the PDF, the DXF) are rendered first and bundled at their declared paths."""
    container = container_of(request)
    stored = stored_quote(container, quote_id)
    stored = with_documents(container, stored, STORED_KINDS, "id", caller=principal.subject)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for blob in stored.evidence:
            member = zipfile.ZipInfo(blob.name, date_time=_EPOCH_1980)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, read_blob(container.store, blob, ""))
    disposition = _attachment(f"{stored.number}-evidence.zip", _korean_name("zip", stored, "zip"))
    headers = {"Content-Disposition": disposition, "Cache-Control": _DOCUMENT_CACHE}
    return Response(buffer.getvalue(), media_type=_ZIP, headers=headers)


@router.post(
    "/v1/documents/export",
    summary="문서 링크 발급 / Signed links to a quote's documents",
    response_model=ExportResult,
    responses=NOT_FOUND,
)
def export_documents(
    request: Request, response: Response, principal: Viewer, body: ExportRequest
) -> ExportResult:
    """A signed, expiring download link for each requested stored document (all four by default; the
    PDF and the DXF are rendered first when they have not been downloaded yet). Never cached (no-store)."""
    response.headers["Cache-Control"] = _NO_STORE
    container = container_of(request)
    stored = stored_quote(container, body.quoteId, path="quoteId")
    kinds = tuple(body.kinds)
    stored = with_documents(container, stored, kinds, "kinds", caller=principal.subject)
    documents = [
        _signed_document(request, container, stored, document_of(stored, kind, "kinds"))
        for kind in body.kinds
    ]
    return ExportResult(quoteId=stored.id, documents=documents)


@router.get(
    "/v1/blobs/{key:path}",
    summary="서명된 파일 링크 / Fetch a blob by its signed URL (no API key)",
    response_class=Response,
    responses={
        200: {
            "content": {
                **_binary(*sorted({*_DOCUMENT_TYPES, "application/octet-stream", "text/plain"})),
                _JSON: {"schema": {}},
            }
        },
        **NOT_FOUND,
    },
)
def signed_blob(
    request: Request,
    key: str,
    expires: Annotated[str, Query(max_length=12, description="만료 시각 (Unix 초) / Expiry, Unix seconds")],
    sig: Annotated[str, Query(max_length=64, description="HMAC-SHA256 서명 / Signature")],
) -> Response:
    """The blob a filesystem or memory store signed: the signature is the authorisation, so no API key
    is needed. 403 SIGNED_URL_INVALID when the link was changed, has expired, or claims a lifetime
    longer than SIGNED_URL_MAX_LIFETIME_S."""
    container = container_of(request)
    store, max_lifetime_s = container.store, container.settings.signed_url_max_lifetime()
    if not (
        isinstance(store, ServesSignedUrls)
        and store.verify_signed_url(key, expires, sig, max_lifetime_s=max_lifetime_s)
    ):
        raise ApiError(
            403,
            "SIGNED_URL_INVALID",
            "링크가 올바르지 않거나 만료되었습니다 / The link is invalid or has expired",
            hint="새 링크를 받으세요 (GET /v1/estimate/{id}/evidence 또는 POST /v1/documents/export) / "
            "Ask for a new link (GET /v1/estimate/{id}/evidence or POST /v1/documents/export).",
            path="sig",
        )
    data = read_blob(container.store, Blob(PurePosixPath(key).name, key, "", 0), "key")
    headers = {"Cache-Control": _BLOB_CACHE, **_SAFE_SERVING}
    return Response(data, media_type=_media_type_of(key), headers=headers)
