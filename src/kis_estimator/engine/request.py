"""The request model (DOMAIN §2, ARCHITECTURE "Request JSON"): what the customer wants quoted.

Unknown fields are refused everywhere. Fields whose absence is a business problem (the main breaker,
a branch's poles, AT or quantity) are required here and reported as REQ_MORE_INFO by `parse_request`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kis_estimator.engine.errors import RequestProblem, RequestRejected

Brand = Literal["LS", "SANGDO", "MIXED"]
CatalogBrand = Literal["LS", "SANGDO"]
BreakerType = Literal["MCCB", "ELCB"]
Grade = Literal["ECONOMY", "STANDARD"]
Location = Literal["INDOOR", "OUTDOOR"]
Mount = Literal["SURFACE", "FLUSH", "FREESTANDING", "POLE"]
Material = Literal["STEEL", "SUS201", "SUS304"]
EnclosureKind = Literal["STOCK", "CUSTOM"]
AccessoryKind = Literal["MAGNET", "TIMER", "PBL", "SPD", "METER", "PART"]
PCover = Literal["ACRYLIC", "STEEL"]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Model = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Strict):
    name: Name
    contact: ShortText | None = None
    phone: ShortText | None = None
    email: ShortText | None = None


class EnclosureSpec(_Strict):
    location: Location = "INDOOR"
    mount: Mount = "SURFACE"
    material: Material = "STEEL"
    thickness_mm: float | None = Field(default=None, gt=0, le=10)
    kind: EnclosureKind = "STOCK"
    series: Model | None = None
    size_mm: tuple[int, int, int] | None = None


class BreakerSpec(_Strict):
    type: BreakerType | None = None
    poles: int
    trip_at: int
    frame_af: int | None = None
    model: Model | None = None
    grade: Grade | None = None
    brand: CatalogBrand | None = None


class MainBreaker(BreakerSpec):
    pass


class BranchLine(BreakerSpec):
    qty: int
    load_a: float | None = Field(default=None, ge=0, le=10000)
    circuit: ShortText | None = None


class AccessoryLine(_Strict):
    kind: AccessoryKind
    model: Model | None = None
    qty: int = 1
    with_pbl: bool = False
    unit_price: int | None = Field(default=None, ge=0, le=1_000_000_000)


class ExtraLine(_Strict):
    name: Name
    spec: ShortText = ""
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)] = "EA"
    qty: float = Field(gt=0, le=100_000)
    unit_price: int = Field(ge=0, le=1_000_000_000)


class PanelRequest(_Strict):
    name: Name = "분전반"
    quantity: int = 1
    enclosure: EnclosureSpec = EnclosureSpec()
    main: MainBreaker
    branches: list[BranchLine] = Field(default_factory=list, max_length=1000)
    accessories: list[AccessoryLine] = Field(default_factory=list, max_length=1000)
    extra_lines: list[ExtraLine] = Field(default_factory=list, max_length=1000)


class Options(_Strict):
    p_cover: PCover = "ACRYLIC"


class EstimateRequest(_Strict):
    customer: Customer
    project: ShortText | None = None
    brand: Brand
    mixed_reason: ShortText | None = None
    panels: list[PanelRequest] = Field(min_length=1, max_length=1000)
    options: Options = Options()


_MISSING = ("REQ_MORE_INFO", "필수 항목이 없습니다", "A required field is missing")
_UNKNOWN = ("REQ_UNKNOWN_FIELD", "알 수 없는 항목입니다", "Unknown field")
_TOO_LONG = ("REQ_LIMIT_EXCEEDED", "허용 길이를 넘었습니다", "The value is longer than allowed")
_INVALID = ("REQ_INVALID", "값의 형식이 올바르지 않습니다", "The value has the wrong type or format")

_PROBLEM_BY_ERROR_TYPE = {
    "missing": _MISSING,
    "extra_forbidden": _UNKNOWN,
    "string_too_long": _TOO_LONG,
    "too_long": _TOO_LONG,
}


def dotted_path(location: tuple[int | str, ...]) -> str:
    """`("panels", 0, "main")` → `"panels.0.main"`; the root is `""`."""
    return ".".join(str(part) for part in location)


def _problem_from_pydantic(error: Any) -> RequestProblem:
    code, message_ko, message_en = _PROBLEM_BY_ERROR_TYPE.get(error["type"], _INVALID)
    path = dotted_path(tuple(error["loc"]))
    field = str(error["loc"][-1]) if error["loc"] else "request"
    if code == "REQ_MORE_INFO":
        hint = f"'{field}' 값을 보내 주세요 / Send '{field}'."
    elif code == "REQ_UNKNOWN_FIELD":
        hint = f"'{field}' 항목을 빼고 보내 주세요 / Remove '{field}'; see the request schema."
    else:
        hint = f"{error['msg']}"
    return RequestProblem(
        code=code,
        message_ko=f"{message_ko}: {path or 'request'}",
        message_en=f"{message_en}: {path or 'request'}",
        path=path,
        hint=hint,
    )


def parse_request(data: Any) -> EstimateRequest:
    """Validate raw request data; raise RequestRejected with one problem per schema error."""
    try:
        return EstimateRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestRejected([_problem_from_pydantic(err) for err in exc.errors()]) from None
