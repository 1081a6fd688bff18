"""Resolving requested breakers in the maker's catalog (DOMAIN §3)."""

from __future__ import annotations

from dataclasses import dataclass

from kis_estimator.engine.adjustments import LinePrice, choose_unit_price
from kis_estimator.engine.catalog import FRAMES_AF, Breaker, Catalog
from kis_estimator.engine.errors import RequestProblem
from kis_estimator.engine.request import BranchLine, BreakerSpec
from kis_estimator.engine.rulebook import Rulebook


@dataclass(frozen=True)
class ResolvedBreaker:
    """A requested breaker bound to its catalog model, with the quoted price and the evidence notes."""

    role: str  # "main" | "branch"
    path: str
    breaker: Breaker
    trip_at: int
    qty: int
    load_a: float | None
    circuit: str | None
    unit_price: int
    icu_ka: float
    notes: tuple[str, ...]
    is_spd: bool = False
    adjustment: LinePrice | None = None  # the estimator's unit price instead of the rulebook's

    @property
    def width_mm(self) -> int:
        return self.breaker.w_mm or 0

    @property
    def height_mm(self) -> int:
        return self.breaker.h_mm or 0

    @property
    def load_for_phases(self) -> float:
        if self.is_spd:
            return 0.0
        return self.load_a if self.load_a is not None else float(self.trip_at)


def _problem(code: str, ko: str, en: str, path: str, hint: str) -> RequestProblem:
    return RequestProblem(code=code, message_ko=ko, message_en=en, path=path, hint=hint)


def _fmt_ka(value: float) -> str:
    return f"{value:g}"


def _grade_rank(breaker: Breaker, wanted: str | None) -> int:
    """Without STANDARD asked, ECONOMY and BOTH come first; asked, the candidates are all STANDARD/BOTH."""
    return 0 if wanted == "STANDARD" or breaker.grade in ("ECONOMY", "BOTH") else 1


def _of_grade(breaker: Breaker, wanted: str | None) -> bool:
    """Asked STANDARD only STANDARD or BOTH qualify; ECONOMY (asked or default) is a preference."""
    return wanted != "STANDARD" or breaker.grade in ("STANDARD", "BOTH")


def _pick(candidates: list[Breaker], wanted_grade: str | None) -> Breaker:
    def key(b: Breaker) -> tuple[int, int, bool, float, str]:
        price = b.price_krw.high if b.price_krw else float("inf")
        return (_grade_rank(b, wanted_grade), b.frame_af, b.compact, price, b.model)

    return min(candidates, key=key)


def _check_explicit_model(
    spec: BreakerSpec, breaker: Breaker, request_brand: str, path: str
) -> RequestProblem | None:
    if spec.type is not None and spec.type != breaker.type:
        return _problem(
            "DEVICE_TYPE_MISMATCH",
            f"모델 {breaker.model}은(는) {breaker.type}입니다. 요청한 종류는 {spec.type}입니다",
            f"Model {breaker.model} is an {breaker.type}, but the request says {spec.type}",
            f"{path}.model",
            f"{spec.type} 모델을 지정하거나 type을 {breaker.type}(으)로 고쳐 주세요 / "
            f"Name an {spec.type} model, or set type to {breaker.type}.",
        )
    wanted_brand = spec.brand or (request_brand if request_brand != "MIXED" else None)
    if wanted_brand is not None and breaker.brand != wanted_brand:
        return _problem(
            "BRAND_CONFLICT",
            f"모델 {breaker.model}은(는) {breaker.brand} 제품입니다. 요청 브랜드는 {wanted_brand}입니다",
            f"Model {breaker.model} is made by {breaker.brand}, but the brand is {wanted_brand}",
            f"{path}.model",
            f"{wanted_brand} 모델을 쓰거나 brand를 MIXED로 하고 mixed_reason을 적어 주세요 / "
            f"Use a {wanted_brand} model, or set brand to MIXED with a mixed_reason.",
        )
    if spec.poles != breaker.poles:
        return _problem(
            "POLES_MISMATCH",
            f"모델 {breaker.model}은(는) {breaker.poles}P입니다. 요청은 {spec.poles}P입니다",
            f"Model {breaker.model} has {breaker.poles} poles, the request asks for {spec.poles}",
            f"{path}.poles",
            f"poles를 {breaker.poles}(으)로 하거나 {spec.poles}P 모델을 지정해 주세요 / "
            f"Set poles to {breaker.poles}, or name a {spec.poles}P model.",
        )
    if spec.trip_at not in breaker.trip_ratings_a:
        ratings = ", ".join(str(r) for r in breaker.trip_ratings_a)
        return _problem(
            "NEED_KNOWLEDGE_UPDATE",
            f"모델 {breaker.model}에 {spec.trip_at}AT 정격이 카탈로그에 없습니다",
            f"The catalog has no {spec.trip_at} AT rating for model {breaker.model}",
            f"{path}.trip_at",
            f"카탈로그의 정격 중에서 고르거나({ratings}) 카탈로그에 정격을 추가해 주세요 / "
            f"Choose one of {ratings} A, or add the rating to the catalog.",
        )
    if spec.frame_af is not None and spec.frame_af != breaker.frame_af:
        return _problem(
            "REQ_INVALID",
            f"모델 {breaker.model}의 프레임은 {breaker.frame_af}AF입니다",
            f"Model {breaker.model} has a {breaker.frame_af} AF frame, not {spec.frame_af} AF",
            f"{path}.frame_af",
            f"frame_af를 빼거나 {breaker.frame_af}(으)로 고쳐 주세요 / "
            f"Omit frame_af, or set it to {breaker.frame_af}.",
        )
    if spec.grade is not None and breaker.grade not in (spec.grade, "BOTH"):
        return _problem(
            "REQ_INVALID",
            f"모델 {breaker.model}은(는) {breaker.grade} 등급입니다. 요청한 등급은 {spec.grade}입니다",
            f"Model {breaker.model} is of grade {breaker.grade}, but the request asks for {spec.grade}",
            f"{path}.grade",
            f"grade를 빼거나 {spec.grade} 모델을 지정해 주세요 / Omit grade, or name a {spec.grade} model.",
        )
    return None


def _check_poles_for_frame(spec: BreakerSpec, rules: Rulebook, path: str) -> RequestProblem | None:
    if spec.poles not in (2, 3, 4):
        return _problem(
            "POLES_MISMATCH",
            f"극수 {spec.poles}P는 지원하지 않습니다",
            f"{spec.poles} poles is not supported",
            f"{path}.poles",
            "극수는 2, 3, 4 중 하나입니다 / Poles must be 2, 3 or 4.",
        )
    frame = spec.frame_af
    if frame is None:
        return None if spec.model is not None else _check_poles_for_rating(spec, rules, path)
    if frame not in FRAMES_AF:
        frames = ", ".join(str(f) for f in FRAMES_AF)
        return _problem(
            "REQ_INVALID",
            f"{frame}AF 프레임은 없습니다",
            f"There is no {frame} AF frame",
            f"{path}.frame_af",
            f"프레임은 {frames} 중 하나입니다 / Frames are {frames}.",
        )
    rules_b = rules.breakers
    if frame in rules_b.two_pole_only_frames_af and spec.poles != 2:
        return _problem(
            "POLES_MISMATCH",
            f"{frame}AF 프레임은 2P만 있습니다",
            f"The {frame} AF frame exists in 2 poles only",
            f"{path}.poles",
            "poles를 2로 하거나 더 큰 프레임을 지정해 주세요 / Set poles to 2, or choose a larger frame.",
        )
    if frame >= rules_b.three_four_pole_only_from_af and spec.poles == 2:
        return _problem(
            "POLES_MISMATCH",
            f"{frame}AF 프레임은 3P/4P만 있습니다",
            f"The {frame} AF frame exists in 3 and 4 poles only",
            f"{path}.poles",
            "poles를 3 또는 4로 해 주세요 / Set poles to 3 or 4.",
        )
    return None


def _check_poles_for_rating(spec: BreakerSpec, rules: Rulebook, path: str) -> RequestProblem | None:
    """A 2P breaker whose AT only a 3P/4P-only frame carries (400AF and up): no such breaker exists."""
    from_af = rules.breakers.three_four_pole_only_from_af
    smallest_frame = min((f for f in FRAMES_AF if f >= spec.trip_at), default=None)
    if spec.poles != 2 or (smallest_frame is not None and smallest_frame < from_af):
        return None
    return _problem(
        "POLES_MISMATCH",
        f"2P {spec.trip_at}AT 차단기는 없습니다: {from_af}AF 이상 프레임은 3P/4P만 있습니다",
        f"There is no 2P {spec.trip_at} AT breaker: frames of {from_af} AF and up exist in 3 and 4 poles only",
        f"{path}.poles",
        "poles를 3 또는 4로 해 주세요 / Set poles to 3 or 4.",
    )


def _check_breaker_brand(spec: BreakerSpec, request_brand: str, path: str) -> RequestProblem | None:
    if spec.brand is None or request_brand in ("MIXED", spec.brand):
        return None
    return _problem(
        "BRAND_CONFLICT",
        f"차단기 브랜드 {spec.brand}이(가) 요청 브랜드 {request_brand}와(과) 다릅니다",
        f"The breaker's brand {spec.brand} differs from the request's brand {request_brand}",
        f"{path}.brand",
        "brand를 빼거나 요청 brand를 MIXED로 하고 mixed_reason을 적어 주세요 / "
        "Omit brand, or set the request's brand to MIXED with a mixed_reason.",
    )


def _missing_data_problem(breaker: Breaker, path: str) -> RequestProblem | None:
    if not breaker.has_dimensions:
        return _problem(
            "NEED_KNOWLEDGE_UPDATE",
            f"카탈로그에 {breaker.model}의 치수가 없습니다",
            f"The catalog has no dimensions for {breaker.model}",
            path,
            f"{breaker.model}의 W,H,D를 mm로 알려 주세요. 예: 210,275,103 / "
            f"Send W,H,D of {breaker.model} in mm, e.g. 210,275,103.",
        )
    if breaker.price_krw is None:
        return _problem(
            "NEED_KNOWLEDGE_UPDATE",
            f"카탈로그에 {breaker.model}의 가격이 없습니다",
            f"The catalog has no price for {breaker.model}",
            path,
            f"{breaker.model}의 단가를 원 단위로 알려 주세요. 예: 35000 / "
            f"Send the unit price of {breaker.model} in KRW, e.g. 35000.",
        )
    return None


def _candidates(spec: BreakerSpec, brand: str, breaker_type: str, catalog: Catalog) -> list[Breaker]:
    """Same brand, type and poles, carrying the AT (and of the given frame): any grade."""
    return [
        b
        for b in catalog.breakers_rated(brand, breaker_type, spec.poles, spec.trip_at)
        if spec.frame_af is None or b.frame_af == spec.frame_af
    ]


def _preferred(found: list[Breaker], spec: BreakerSpec, rules: Rulebook, role: str) -> list[Breaker]:
    """The small 30AF family for 2P 15..30 A branches; for a main, frames above it when any carry the AT."""
    small = rules.breakers.small_family_frame_af
    if spec.frame_af is not None:
        return found
    small_range = (
        rules.breakers.small_family_trip_min_a <= spec.trip_at <= rules.breakers.small_family_trip_max_a
    )
    if role == "branch" and spec.poles == 2 and small_range and any(b.frame_af == small for b in found):
        return [b for b in found if b.frame_af == small]
    if role == "main":
        return [b for b in found if b.frame_af != small] or found
    return found


def _choose(
    spec: BreakerSpec, brand: str, breaker_type: str, catalog: Catalog, rules: Rulebook, role: str, path: str
) -> tuple[Breaker, list[str]] | RequestProblem:
    """The catalog model for a breaker without an explicit model, with its evidence notes (DOMAIN §3)."""
    frame = f" {spec.frame_af}AF" if spec.frame_af else ""
    wanted = f"{brand} {breaker_type} {spec.poles}P{frame} {spec.trip_at}AT"
    found = _candidates(spec, brand, breaker_type, catalog)
    if not found:
        return _problem(
            "NEED_KNOWLEDGE_UPDATE",
            f"카탈로그에 맞는 차단기가 없습니다: {wanted}",
            f"No catalog breaker fits {wanted}",
            path,
            "정격(AT)이나 극수를 확인하거나 이 차단기를 카탈로그에 추가해 주세요 / "
            "Check the AT and poles, or add this breaker to the catalog.",
        )
    qualified = [b for b in found if _of_grade(b, spec.grade)]
    if not qualified:
        economy = _pick(_preferred(found, spec, rules, role), None)
        return _problem(
            "NEED_KNOWLEDGE_UPDATE",
            f"카탈로그에 표준형(STANDARD) 차단기가 없습니다: {wanted}",
            f"No STANDARD-grade catalog breaker fits {wanted}",
            f"{path}.grade",
            f"grade를 빼면 경제형 {economy.model}(으)로 견적합니다. 표준형이 필요하면 카탈로그에 추가해 주세요 / "
            f"Omit grade to quote the ECONOMY model {economy.model}, or add a STANDARD model to the catalog.",
        )
    chosen = _pick(_preferred(qualified, spec, rules, role), spec.grade)
    notes: list[str] = []
    if spec.grade != "STANDARD" and chosen.grade == "STANDARD":
        notes.append(
            f"no ECONOMY model for {breaker_type} {spec.poles}P {spec.trip_at}AT: STANDARD {chosen.model}"
        )
    if role == "main" and spec.frame_af is None and chosen.is_small_family:
        notes.append(
            f"only the {chosen.frame_af}AF family carries {spec.poles}P {spec.trip_at}AT: main {chosen.model}"
        )
    return chosen, notes


def resolve_breaker(
    spec: BreakerSpec, *, role: str, path: str, request_brand: str, catalog: Catalog, rules: Rulebook
) -> ResolvedBreaker | RequestProblem:
    """Bind one requested breaker to a catalog model, or return the gate problem that prevents it."""
    problem = _check_poles_for_frame(spec, rules, path) or _check_breaker_brand(spec, request_brand, path)
    if problem:
        return problem
    notes: list[str] = []
    if spec.model is not None:
        explicit = catalog.breaker_by_model(spec.model)
        if explicit is None:
            return _problem(
                "NEED_KNOWLEDGE_UPDATE",
                f"카탈로그에 모델 {spec.model}이(가) 없습니다",
                f"Model {spec.model} is not in the catalog",
                f"{path}.model",
                "모델명을 확인하거나 카탈로그에 추가해 주세요(브랜드, 종류, 극수, AF, 정격, W,H,D, 단가) / "
                "Check the model name, or add it to the catalog (brand, type, poles, AF, ratings, W,H,D, price).",
            )
        problem = _check_explicit_model(spec, explicit, request_brand, path)
        if problem:
            return problem
        chosen = explicit
    else:
        brand = spec.brand or request_brand
        if brand == "MIXED":
            return _problem(
                "REQ_MORE_INFO",
                "브랜드 MIXED에서는 차단기마다 brand 또는 model이 필요합니다",
                "With brand MIXED every breaker needs its own brand or model",
                f"{path}.brand",
                "brand에 LS 또는 SANGDO를 적어 주세요 / Set brand to LS or SANGDO.",
            )
        choice = _choose(spec, brand, spec.type or "MCCB", catalog, rules, role, path)
        if isinstance(choice, RequestProblem):
            return choice
        chosen, notes = choice
    missing = _missing_data_problem(chosen, path)
    if missing:
        return missing
    assert chosen.price_krw is not None
    price = choose_unit_price(spec.unit_price, chosen.price_krw, chosen.model, path)
    if isinstance(price, RequestProblem):
        return price
    if chosen.price_krw.is_range:
        at = "the higher" if price.adjustment is None else f"{price.unit_price} (estimator's choice)"
        notes.append(
            f"{chosen.model} price range {chosen.price_krw.low:.0f}|{chosen.price_krw.high:.0f}: quoted at {at}"
        )
    icu = chosen.icu_ka.high if chosen.icu_ka else 0.0
    if chosen.icu_ka and chosen.icu_ka.is_range:
        notes.append(
            f"{chosen.model} kA range {_fmt_ka(chosen.icu_ka.low)}|{_fmt_ka(icu)}: quoted at the higher"
        )
    branch = spec if isinstance(spec, BranchLine) else None
    return ResolvedBreaker(
        role=role,
        path=path,
        breaker=chosen,
        trip_at=spec.trip_at,
        qty=branch.qty if branch else 1,
        load_a=branch.load_a if branch else None,
        circuit=branch.circuit if branch else None,
        unit_price=price.unit_price,
        icu_ka=icu,
        notes=tuple(notes),
        adjustment=price.adjustment,
    )


def breaker_spec_text(resolved: ResolvedBreaker) -> str:
    """The BOM spec of a breaker line: "{poles}P {AF}AF {AT}AT {kA}kA"."""
    b = resolved.breaker
    return f"{b.poles}P {b.frame_af}AF {resolved.trip_at}AT {_fmt_ka(resolved.icu_ka)}kA"
