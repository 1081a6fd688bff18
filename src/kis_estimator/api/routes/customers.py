"""Customers (거래처) and the supplier's profile (공급자) with its seal (직인). The use cases are
services/customers.py, services/customer_import.py and services/profile.py.

Roles: anyone signed in reads; an estimator creates, edits, imports and deletes customers; only an
admin edits the supplier's profile and its seal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from kis_estimator.api.auth import Admin, Estimator, Viewer
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError
from kis_estimator.api.routes.catalog_common import read_upload
from kis_estimator.api.schemas import CONFLICT, ERRORS, NOT_FOUND, ErrorEnvelope
from kis_estimator.db.models import CustomerRow, QuoteRow, SupplierProfileRow
from kis_estimator.services import customer_import as importing
from kis_estimator.services import customers as service
from kis_estimator.services import profile as profiles
from kis_estimator.services.customers import CustomerError
from kis_estimator.services.profile import ProfileError

router = APIRouter(tags=["customers"], responses=ERRORS)
customers = APIRouter(prefix="/v1/customers")
profile = APIRouter(prefix="/v1/profile")


class CustomerBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "동양기전",
                    "business_number": "123-45-67891",
                    "contact": "김과장",
                    "discount_percent": 5,
                }
            ]
        },
    )
    name: str = Field(max_length=1000, description="상호 (필수, 유일) / Name (required, unique)")
    business_number: str | None = Field(
        default=None, max_length=40, description="사업자등록번호 (검증 숫자 확인) / Checked business number"
    )
    representative: str = Field(default="", max_length=1000, description="대표")
    contact: str = Field(default="", max_length=1000, description="담당자 / Contact person")
    phone: str = Field(default="", max_length=1000)
    email: str = Field(default="", max_length=1000)
    address: str = Field(default="", max_length=1000)
    discount_percent: Decimal | None = Field(
        default=None, description="기본 할인율 % (0 이상 100 미만) / Default discount, 0 to below 100"
    )
    payment_terms: str = Field(default="", max_length=1000, description="결제조건 / Payment terms")
    validity_days: int | None = Field(default=None, description="견적 유효기간 일수 / Validity in days")


class CustomerRecord(BaseModel):
    id: str
    name: str
    business_number: str | None = Field(examples=["123-45-67891"])
    representative: str
    contact: str
    phone: str
    email: str
    address: str
    discount_percent: float | None
    payment_terms: str
    validity_days: int | None
    created_at: str
    updated_at: str
    href: str


class CustomerQuote(BaseModel):
    id: str
    number: str
    status: str
    revision: int
    project: str | None
    date: str
    total: int
    href: str


class CustomerRecordDetail(CustomerRecord):
    quotes: list[CustomerQuote] = Field(
        description="상호가 같은 견적, 최신순 (200건까지) / Quotes made out to this name, newest first"
    )


class CustomerRecordPage(BaseModel):
    items: list[CustomerRecord]
    total: int
    page: int
    size: int


class ImportFinding(BaseModel):
    row: int | None = Field(description="엑셀 행 번호 (머리글 = 1) / Spreadsheet row, header = 1")
    path: str
    code: str
    message: str


class ImportReport(BaseModel):
    created: int
    updated: int
    skipped: int
    findings: list[ImportFinding]


class ProfileBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "케이아이에스 전기", "business_number": "220-81-62517", "business_type": "제조업"}
            ]
        },
    )
    name: str = Field(max_length=1000, description="상호")
    business_number: str = Field(max_length=40, description="사업자등록번호")
    representative: str = Field(default="", max_length=1000, description="대표")
    address: str = Field(default="", max_length=1000, description="주소")
    business_type: str = Field(default="", max_length=1000, description="업태")
    business_item: str = Field(default="", max_length=1000, description="종목")
    phone: str = Field(default="", max_length=1000, description="전화")
    fax: str = Field(default="", max_length=1000, description="팩스")
    contact: str = Field(default="", max_length=1000, description="담당자")
    email: str = Field(default="", max_length=1000)


class Seal(BaseModel):
    sha256: str
    href: str


class SupplierProfile(BaseModel):
    name: str
    business_number: str
    representative: str
    address: str
    business_type: str
    business_item: str
    phone: str
    fax: str
    contact: str
    email: str
    seal: Seal | None
    updated_by: str
    updated_at: str


def iso(at: datetime) -> str:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()


def _customer(row: CustomerRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "business_number": service.formatted(row.business_number),
        "representative": row.representative,
        "contact": row.contact,
        "phone": row.phone,
        "email": row.email,
        "address": row.address,
        "discount_percent": None if row.discount_percent is None else float(row.discount_percent),
        "payment_terms": row.payment_terms,
        "validity_days": row.validity_days,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "href": f"/v1/customers/{row.id}",
    }


def _quote(row: QuoteRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "status": row.status,
        "revision": row.revision,
        "project": row.project,
        "date": row.quote_date.isoformat(),
        "total": row.total,
        "href": f"/v1/estimate/{row.id}",
    }


def _profile(row: SupplierProfileRow) -> dict[str, Any]:
    return {
        **{name: getattr(row, name) for name in profiles.FIELDS},
        "business_number": service.formatted(row.business_number),
        "seal": {"sha256": row.seal_sha256, "href": "/v1/profile/seal"} if row.seal_key else None,
        "updated_by": row.updated_by,
        "updated_at": iso(row.updated_at),
    }


def refusal(exc: CustomerError | ProfileError) -> ApiError:
    """The API's answer to a refused customer or profile use case."""
    if isinstance(exc, service.Invalid):
        return ApiError(422, "CUSTOMER_INVALID", exc.message, hint=exc.hint, path=exc.path)
    if isinstance(exc, service.CustomerNotFound):
        return ApiError(
            404,
            "CUSTOMER_NOT_FOUND",
            f"거래처가 없습니다 / No customer {exc.customer_id[:64]}",
            hint="거래처 목록에서 찾아 주세요 (GET /v1/customers?q=) / Search with GET /v1/customers?q=.",
            path="id",
        )
    if isinstance(exc, service.Taken):
        what = "상호" if exc.path == "name" else "사업자등록번호"
        return ApiError(
            409,
            "CUSTOMER_TAKEN",
            f"같은 {what}의 거래처가 이미 있습니다: {exc.value} / A customer with this {exc.path} exists",
            hint="있는 거래처를 고쳐 쓰세요 / Edit the existing customer instead.",
            path=exc.path,
            extra={"customerId": exc.other_id},
        )
    if isinstance(exc, importing.Unreadable):
        return ApiError(422, "IMPORT_UNREADABLE", exc.message, hint=exc.hint, path="file")
    if isinstance(exc, importing.TooManyRows):
        return ApiError(
            413,
            "IMPORT_TOO_MANY_ROWS",
            f"거래처 목록은 {exc.limit:,}줄까지입니다 / At most {exc.limit:,} rows per import",
            hint="나눠서 올리거나 관리자에게 CUSTOMER_IMPORT_MAX_ROWS를 늘려 달라고 하세요 / "
            "Split the list, or ask an administrator to raise CUSTOMER_IMPORT_MAX_ROWS.",
            path="file",
            extra={"limitRows": exc.limit},
        )
    if isinstance(exc, profiles.ProfileMissing):
        return ApiError(
            404,
            "PROFILE_NOT_FOUND",
            "회사 정보(공급자)가 아직 없습니다 / No supplier profile yet",
            hint="먼저 PUT /v1/profile로 회사 정보를 저장해 주세요 / Save the profile first (PUT /v1/profile).",
            path="",
        )
    if isinstance(exc, profiles.SealTooLarge):
        return ApiError(
            413,
            "SEAL_TOO_LARGE",
            f"직인 이미지가 너무 큽니다 ({exc.size:,} > {exc.limit:,}바이트) / "
            f"The seal image is too large ({exc.size:,} > {exc.limit:,} bytes)",
            hint="더 작은 PNG/JPEG로 저장해 주세요 (관리자: SEAL_MAX_BYTES) / Save a smaller PNG or JPEG.",
            path="file",
            extra={"limitBytes": exc.limit},
        )
    assert isinstance(exc, profiles.SealUnreadable)
    return ApiError(
        422,
        "SEAL_INVALID",
        exc.why,
        hint="직인을 PNG 또는 JPEG로 저장해 올려 주세요 / Upload the seal as a PNG or JPEG image.",
        path="file",
    )


# ---------------------------------------------------------------------------------------- customers


@customers.post(
    "",
    status_code=201,
    summary="거래처 등록 / Create a customer",
    response_model=CustomerRecord,
    responses=CONFLICT,
)
def create_customer(request: Request, _: Estimator, body: CustomerBody) -> dict[str, Any]:
    """A customer with its default terms; the business number must pass its check digit (422)."""
    try:
        with container_of(request).sessions.begin() as session:
            return _customer(service.create_customer(session, body.model_dump()))
    except CustomerError as exc:
        raise refusal(exc) from None


@customers.get("", summary="거래처 찾기 / Search customers", response_model=CustomerRecordPage)
def list_customers(
    request: Request,
    _: Viewer,
    q: Annotated[str, Query(max_length=200, description="상호·담당자·사업자번호의 일부")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Customers whose name, contact or business number holds `q` (all when empty), by name: the
    form's autocomplete asks with `size=10`."""
    with container_of(request).reads() as session:
        rows, total = service.search_customers(session, q, page, size)
        return {"items": [_customer(row) for row in rows], "total": total, "page": page, "size": size}


@customers.post(
    "/import",
    summary="거래처 목록 가져오기 / Import customers from CSV or xlsx",
    response_model=ImportReport,
)
def import_customers(
    request: Request,
    _: Estimator,
    file: Annotated[UploadFile, File(description="첫 줄이 머리글(상호, 사업자등록번호 …)인 .csv 또는 .xlsx")],
) -> dict[str, Any]:
    """Create a customer per row, or update the one with the same 상호. A row with a problem is skipped
    and named under `findings` (its spreadsheet row, the column and why); the others are saved."""
    container = container_of(request)
    data = read_upload(file, container.settings.max_upload_bytes, "FILE_TOO_LARGE")
    max_rows = container.settings.customer_import_max_rows
    try:
        with container.sessions.begin() as session:
            return importing.import_customers(session, file.filename or "", data, max_rows).as_dict()
    except CustomerError as exc:
        raise refusal(exc) from None


@customers.get(
    "/{customer_id}",
    summary="거래처와 그 견적 / A customer with its quotes",
    response_model=CustomerRecordDetail,
    responses=NOT_FOUND,
)
def get_customer(request: Request, _: Viewer, customer_id: str) -> dict[str, Any]:
    try:
        with container_of(request).reads() as session:
            row = service.get_customer(session, customer_id)
            quotes = service.customer_quotes(session, row)
            return {**_customer(row), "quotes": [_quote(quote) for quote in quotes]}
    except CustomerError as exc:
        raise refusal(exc) from None


@customers.put(
    "/{customer_id}",
    summary="거래처 고치기 / Update a customer",
    response_model=CustomerRecord,
    responses={**NOT_FOUND, **CONFLICT},
)
def update_customer(request: Request, _: Estimator, customer_id: str, body: CustomerBody) -> dict[str, Any]:
    """Replace the customer's fields (its quotes keep the name they were made out to)."""
    try:
        with container_of(request).sessions.begin() as session:
            return _customer(service.update_customer(session, customer_id, body.model_dump()))
    except CustomerError as exc:
        raise refusal(exc) from None


@customers.delete(
    "/{customer_id}", status_code=204, summary="거래처 지우기 / Delete a customer", responses=NOT_FOUND
)
def delete_customer(request: Request, _: Estimator, customer_id: str) -> Response:
    """The record goes; its quotes stay as they are."""
    try:
        with container_of(request).sessions.begin() as session:
            service.delete_customer(session, customer_id)
    except CustomerError as exc:
        raise refusal(exc) from None
    return Response(status_code=204)


# ------------------------------------------------------------------------------------------ profile


@profile.get(
    "",
    summary="회사 정보 (공급자) / The supplier profile",
    response_model=SupplierProfile,
    responses=NOT_FOUND,
)
def get_profile(request: Request, _: Viewer) -> dict[str, Any]:
    with container_of(request).reads() as session:
        row = profiles.get_profile(session)
        if row is None:
            raise refusal(profiles.ProfileMissing())
        return _profile(row)


@profile.put("", summary="회사 정보 저장 / Save the supplier profile", response_model=SupplierProfile)
def put_profile(request: Request, principal: Admin, body: ProfileBody) -> dict[str, Any]:
    """The supplier block of every quote created from now on (the workbook's cover sheet and the PDF's
    first page); quotes made before keep the documents they were made with."""
    try:
        with container_of(request).sessions.begin() as session:
            return _profile(profiles.put_profile(session, body.model_dump(), principal.subject))
    except CustomerError as exc:
        raise refusal(exc) from None


@profile.put(
    "/seal",
    summary="직인 올리기 / Upload the seal image",
    response_model=SupplierProfile,
    responses={
        **NOT_FOUND,
        413: {"model": ErrorEnvelope, "description": "SEAL_MAX_BYTES 초과 / Over SEAL_MAX_BYTES"},
    },
)
def put_seal(
    request: Request,
    principal: Admin,
    file: Annotated[UploadFile, File(description="PNG 또는 JPEG (SEAL_MAX_BYTES까지)")],
) -> dict[str, Any]:
    """The seal (직인), checked by its bytes (PNG or JPEG, decodable, at most 4096 px a side) and kept
    re-encoded as a PNG of at most 240 px in blob storage."""
    container = container_of(request)
    limit = container.settings.seal_max_bytes
    data = file.file.read(limit + 1)
    try:
        with container.sessions.begin() as session:
            return _profile(profiles.put_seal(session, container.store, data, limit, principal.subject))
    except ProfileError as exc:
        raise refusal(exc) from None


@profile.get(
    "/seal",
    summary="직인 이미지 / The seal image",
    responses={200: {"content": {"image/png": {}}}, **NOT_FOUND},
    response_class=Response,
)
def get_seal(request: Request, _: Viewer) -> Response:
    container = container_of(request)
    with container.reads() as session:
        row = profiles.get_profile(session)
    seal = profiles.seal_bytes(container.store, row) if row is not None else None
    if seal is None:
        raise ApiError(
            404,
            "SEAL_NOT_FOUND",
            "직인 이미지가 없습니다 / No seal image",
            hint="회사 정보 화면에서 직인을 올려 주세요 (PUT /v1/profile/seal) / Upload one with PUT /v1/profile/seal.",
            path="",
        )
    headers = {"Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"}
    return Response(seal, media_type="image/png", headers=headers)


@profile.delete(
    "/seal", summary="직인 지우기 / Remove the seal", response_model=SupplierProfile, responses=NOT_FOUND
)
def delete_seal(request: Request, principal: Admin) -> dict[str, Any]:
    try:
        with container_of(request).sessions.begin() as session:
            return _profile(profiles.delete_seal(session, principal.subject))
    except ProfileError as exc:
        raise refusal(exc) from None


router.include_router(customers)
router.include_router(profile)
