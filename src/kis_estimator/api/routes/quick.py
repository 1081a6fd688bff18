"""빠른 입력: `POST /v1/requests/parse`, Korean shorthand → the request JSON and its findings
(services/quick_entry.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from kis_estimator.api.auth import Estimator
from kis_estimator.api.deps import container_of
from kis_estimator.api.errors import ApiError
from kis_estimator.api.schemas import ERRORS
from kis_estimator.engine.errors import DataError
from kis_estimator.services.catalog_in_use import catalog_in_use
from kis_estimator.services.quick_entry import MAX_TEXT_CHARS, QuickEntryRefused, parse_quick_entry

router = APIRouter(prefix="/v1/requests", tags=["request sheets"], responses=ERRORS)


class ShorthandText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description=f"빠른 입력, 한 줄 또는 여러 줄 (최대 {MAX_TEXT_CHARS:,}자; docs/shorthand.md) / "
        f"Korean shorthand, one line or several (at most {MAX_TEXT_CHARS:,} characters)",
        examples=["LS 옥외 SUS 메인 4P 200A 분기 ELB 4P 100A 2개 ELB 2P 20A 12개"],
    )


class ParsedShorthand(BaseModel):
    request: dict[str, Any] = Field(description="견적 요청 (고객 제외) / The request JSON, without customer")
    findings: list[dict[str, Any]] = Field(
        description="낱말마다 code, severity, message (무엇을 정했는지), word, start, end / "
        "one per word: what it set, and where (code-point offsets)"
    )


@router.post(
    "/parse",
    summary="빠른 입력 해석 / Read Korean shorthand into a request",
    response_model=ParsedShorthand,
)
def parse_shorthand(request: Request, body: ShorthandText, _: Estimator) -> dict[str, Any]:
    """Read shorthand such as `LS 메인 4P 75A ELB 2P 20A 12개` into the request JSON (no customer) and
    one finding per word. A word it cannot place is a 422 (SHORTHAND_UNKNOWN_WORD, …) whose `meta`
    holds the word, its `start` and `end`, a `suggestion` and every problem under `errors`; a phrase
    giving an invalid request gets the request's own code (POLES_MISMATCH, REQ_MORE_INFO, …) placed
    on its words the same way. Over the length limit: 413 SHORTHAND_TOO_LONG. Nothing is saved."""
    container = container_of(request)
    try:
        catalog = catalog_in_use(container).catalog
        return parse_quick_entry(body.text, catalog, container.rules).as_dict()
    except QuickEntryRefused as exc:
        raise ApiError(
            exc.status, exc.code, exc.message, hint=exc.hint, path=exc.path, extra=exc.meta
        ) from None
    except DataError as exc:
        raise ApiError(
            422,
            "PRICE_BOOK_CORRUPT",
            f"활성 가격표가 손상되었습니다 / The active price book is corrupt: {exc}",
            hint="가격표를 다시 가져와 활성화하세요 / Import and activate the price book again.",
        ) from None
