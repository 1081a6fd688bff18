"""The supplier's profile (공급자): one record an admin edits, with the seal (직인) image kept in blob
storage; a quote created while a profile exists shows it on the workbook's cover sheet and the PDF's
first page (issue 17).

The profile is an explicit input of the documents: `supplier(session, store)` snapshots it at create
(fields and seal bytes) into the document options; the documents are rendered once and stored, and the
evidence pack's supplier.json records the snapshot (the seal by its SHA-256 and storage key). Without a
profile the documents are those of the settings' company, byte for byte.

Services never commit: each function works in the session it is given, committed once by its caller.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kis_estimator.db.customers import ProfileRepository
from kis_estimator.db.models import SupplierProfileRow
from kis_estimator.documents.model import Company
from kis_estimator.documents.printable import unprintable_problems
from kis_estimator.services.customers import Invalid, business_number, formatted, text_value
from kis_estimator.storage import BlobNotFound, BlobStore

SEAL_MAX_PIXELS = 4096  # width or height of an uploaded seal; larger is no seal but a photo
SEAL_STORED_PIXELS = 240  # the seal is re-encoded as a PNG within this square
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"

# field → (max length, Korean label, required)
FIELDS: dict[str, tuple[int, str, bool]] = {
    "name": (200, "상호", True),
    "representative": (100, "대표", False),
    "address": (300, "주소", False),
    "business_type": (100, "업태", False),
    "business_item": (100, "종목", False),
    "phone": (40, "전화", False),
    "fax": (40, "팩스", False),
    "contact": (100, "담당자", False),
    "email": (200, "이메일", False),
}


class ProfileError(Exception):
    """A refusal of a profile use case; the edge renders it with its status."""


class ProfileMissing(ProfileError):
    pass


class SealTooLarge(ProfileError):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(size)
        self.size, self.limit = size, limit


class SealUnreadable(ProfileError):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def checked_profile(raw: dict[str, Any]) -> dict[str, Any]:
    fields = {
        name: text_value(raw.get(name), name, limit, label, required=required)
        for name, (limit, label, required) in FIELDS.items()
    }
    fields["business_number"] = business_number(raw.get("business_number"), "business_number")
    for problem in unprintable_problems(fields):  # the PDF's font must print every field (no emoji)
        raise Invalid(problem.path, f"{problem.message_ko} / {problem.message_en}", problem.hint)
    return fields


def get_profile(session: Session) -> SupplierProfileRow | None:
    return ProfileRepository(session).get()


def put_profile(session: Session, raw: dict[str, Any], by: str) -> SupplierProfileRow:
    return ProfileRepository(session).put(checked_profile(raw), by)


def normalized_seal(data: bytes, limit: int) -> bytes:
    """The seal as a PNG within SEAL_STORED_PIXELS square: the upload must be a PNG or JPEG (by its
    bytes, not its name) of at most `limit` bytes and SEAL_MAX_PIXELS a side. Re-encoding drops any
    metadata and anything else the file carried, and gives the documents one kind of image."""
    if len(data) > limit:
        raise SealTooLarge(len(data), limit)
    if not data.startswith((_PNG, _JPEG)):
        raise SealUnreadable("PNG 또는 JPEG 이미지가 아닙니다 / Not a PNG or JPEG image")
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ("PNG", "JPEG"):
                    raise SealUnreadable("PNG 또는 JPEG 이미지가 아닙니다 / Not a PNG or JPEG image")
                if max(image.size) > SEAL_MAX_PIXELS:
                    raise SealUnreadable(
                        f"이미지가 너무 큽니다 (한 변 {SEAL_MAX_PIXELS}px 이하) / "
                        f"The image is over {SEAL_MAX_PIXELS} pixels a side"
                    )
                image.load()
                rgba = image.convert("RGBA")
    except SealUnreadable:
        raise
    except Exception:  # Pillow raises many kinds on a damaged file: all of it means "cannot read"
        raise SealUnreadable("이미지를 읽을 수 없습니다 (손상된 파일) / The image is damaged") from None
    rgba.thumbnail((SEAL_STORED_PIXELS, SEAL_STORED_PIXELS))
    out = io.BytesIO()
    rgba.save(out, format="PNG", optimize=True)
    return out.getvalue()


def put_seal(session: Session, store: BlobStore, data: bytes, limit: int, by: str) -> SupplierProfileRow:
    """Store the seal (normalized) under its hash and point the profile at it; the profile must exist."""
    repo = ProfileRepository(session)
    row = repo.get(for_update=True)
    if row is None:
        raise ProfileMissing()
    png = normalized_seal(data, limit)
    digest = hashlib.sha256(png).hexdigest()
    key = f"profile/seal-{digest}.png"
    store.put(key, png, "image/png")
    return repo.put({"seal_key": key, "seal_sha256": digest, "seal_media_type": "image/png"}, by)


def delete_seal(session: Session, by: str) -> SupplierProfileRow:
    repo = ProfileRepository(session)
    if repo.get(for_update=True) is None:
        raise ProfileMissing()
    return repo.put({"seal_key": None, "seal_sha256": None, "seal_media_type": None}, by)


def seal_bytes(store: BlobStore, row: SupplierProfileRow) -> bytes | None:
    return store.get(row.seal_key) if row.seal_key else None


@dataclass(frozen=True)
class Supplier:
    company: Company
    snapshot: dict[str, Any]  # what the evidence's supplier.json records


def as_dict(row: SupplierProfileRow) -> dict[str, Any]:
    return {
        **{name: getattr(row, name) for name in FIELDS},
        "business_number": formatted(row.business_number),
        "seal": {"sha256": row.seal_sha256, "key": row.seal_key} if row.seal_key else None,
    }


def supplier(session: Session, store: BlobStore) -> Supplier | None:
    """The profile as the documents' company, with its seal; None when no admin has set one."""
    row = get_profile(session)
    if row is None:
        return None
    snapshot = as_dict(row)
    try:
        seal = seal_bytes(store, row) or b""
    except BlobNotFound:  # the blob was removed behind the database's back: the documents go without
        seal, snapshot["seal"] = b"", None
    kind = " / ".join(text for text in (row.business_type, row.business_item) if text)
    company = Company(
        name=row.name,
        representative=row.representative,
        business_number=formatted(row.business_number) or "",
        address=row.address,
        phone=row.phone,
        email=row.email,
        business_kind=kind,
        fax=row.fax,
        contact=row.contact,
        seal=seal,
    )
    return Supplier(company, snapshot)


__all__ = ["Invalid", "Supplier", "supplier"]
