"""The request model (DOMAIN §2, ARCHITECTURE "Request JSON"): what the customer wants quoted.

Unknown fields are refused everywhere. Fields whose absence is a business problem (the main breaker,
a branch's poles, AT or quantity) are required here and reported as REQ_MORE_INFO by `parse_request`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    ValidationError,
    field_serializer,
    model_serializer,
)

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


class _OptionalExtras(_Strict):
    """A model whose later optional fields are left out of its dump when not given, so the request
    echoed in a quote (and its evidence) is the same as before those fields existed."""

    omitted_when_none: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        for name in self.omitted_when_none:
            if data.get(name) is None:
                data.pop(name, None)
        return data


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


Price = Annotated[int, Field(ge=0, le=1_000_000_000)]


class UnitPrice(_Strict):
    """The estimator's unit price for a line (DOMAIN §14): a catalog price range's `low` or `high` end,
    a value inside the range, or any other price with a `reason` (an override; the list price stays)."""

    value: Price | Literal["low", "high"]
    reason: ShortText | None = None


class BreakerSpec(_OptionalExtras):
    omitted_when_none = ("unit_price",)

    type: BreakerType | None = None
    poles: int
    trip_at: int
    frame_af: int | None = None
    model: Model | None = None
    grade: Grade | None = None
    brand: CatalogBrand | None = None
    unit_price: UnitPrice | None = None


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
    unit_price: Price | UnitPrice | None = None


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


class Discount(_Strict):
    """A discount on the whole quote (할인/NEGO), after the subtotal and before VAT: a percentage or an
    amount in KRW, exactly one of them, leaving a supply of at least 1 KRW (DOMAIN §14)."""

    # The bounds are checked by the gate (DOMAIN §14), whose answer carries a hint; shown here for clients.
    percent: (
        Annotated[
            float,
            Field(allow_inf_nan=False, json_schema_extra={"exclusiveMinimum": 0, "exclusiveMaximum": 100}),
        ]
        | None
    ) = None
    amount: Annotated[int, Field(json_schema_extra={"minimum": 1})] | None = None
    reason: ShortText | None = None

    @field_serializer("percent")
    def _whole_percent(self, percent: float | None) -> float | int | None:
        """5 stays 5 in the echoed request (not 5.0)."""
        return int(percent) if percent is not None and percent.is_integer() else percent


class EstimateRequest(_OptionalExtras):
    omitted_when_none = ("discount",)

    customer: Customer
    project: ShortText | None = None
    brand: Brand
    mixed_reason: ShortText | None = None
    panels: list[PanelRequest] = Field(min_length=1, max_length=1000)
    options: Options = Options()
    discount: Discount | None = None


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


# The member tags pydantic puts in an error's location inside a union (`int`, `UnitPrice`, …)
_UNION_TAG = re.compile(r"^(int|float|str|bool|constrained-\w+|literal\[.*\]|[A-Z]\w*)$")
_UNIT_PRICE_HINT = (
    'unit_price는 원 단위 숫자이거나 {"value": 60000 | "low" | "high", "reason": "협상가"} 입니다 / '
    'unit_price is a number of KRW or {"value": 60000 | "low" | "high", "reason": "..."}.'
)


def _problem_from_pydantic(error: Any) -> RequestProblem:
    code, message_ko, message_en = _PROBLEM_BY_ERROR_TYPE.get(error["type"], _INVALID)
    location = tuple(p for p in error["loc"] if not (isinstance(p, str) and _UNION_TAG.match(p)))
    path = dotted_path(location)
    field = str(location[-1]) if location else "request"
    if code == "REQ_MORE_INFO":
        hint = f"'{field}' 값을 보내 주세요 / Send '{field}'."
    elif code == "REQ_UNKNOWN_FIELD":
        hint = f"'{field}' 항목을 빼고 보내 주세요 / Remove '{field}'; see the request schema."
    elif "unit_price" in location:
        hint = _UNIT_PRICE_HINT
    else:
        hint = f"{error['msg']}"
    return RequestProblem(
        code=code,
        message_ko=f"{message_ko}: {path or 'request'}",
        message_en=f"{message_en}: {path or 'request'}",
        path=path,
        hint=hint,
    )


def _one_per_path(problems: list[RequestProblem]) -> list[RequestProblem]:
    """A value refused by every member of a union is one problem, not one per member."""
    first: dict[tuple[str, str], RequestProblem] = {}
    for problem in problems:
        first.setdefault((problem.code, problem.path), problem)
    return list(first.values())


def parse_request(data: Any) -> EstimateRequest:
    """Validate raw request data; raise RequestRejected with one problem per schema error."""
    try:
        return EstimateRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestRejected(_one_per_path([_problem_from_pydantic(err) for err in exc.errors()])) from None
