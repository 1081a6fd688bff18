"""Input gates of DOMAIN §2 that need no catalog lookup: limits, location, poles and ratings.

Catalog-dependent gates (NEED_KNOWLEDGE_UPDATE, DEVICE_TYPE_MISMATCH, BRAND_CONFLICT, accessory
conflicts) are raised while resolving breakers and accessories.
"""

from __future__ import annotations

from kis_estimator.engine.adjustments import discount_shape_problems
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestProblem
from kis_estimator.engine.request import EstimateRequest, PanelRequest
from kis_estimator.engine.rulebook import Rulebook


def _limit(path: str, what_ko: str, what_en: str, value: int, low: int, high: int) -> RequestProblem | None:
    if low <= value <= high:
        return None
    return RequestProblem(
        "REQ_LIMIT_EXCEEDED",
        f"{what_ko} {value}은(는) 허용 범위 {low}..{high}를 벗어났습니다",
        f"{what_en} {value} is outside the allowed {low}..{high}",
        path,
        f"{low}에서 {high} 사이로 보내 주세요. 더 필요하면 요청을 나눠 주세요 / "
        f"Send {low} to {high}; split larger requests.",
    )


def _panel_limits(panel: PanelRequest, path: str, rules: Rulebook) -> list[RequestProblem]:
    max_qty = rules.limits.max_line_qty
    checks = [_limit(f"{path}.quantity", "면 수량", "Panel quantity", panel.quantity, 1, max_qty)]
    checks += [
        _limit(f"{path}.branches.{i}.qty", "분기 수량", "Branch quantity", b.qty, 1, max_qty)
        for i, b in enumerate(panel.branches)
    ]
    checks += [
        _limit(f"{path}.accessories.{i}.qty", "부속자재 수량", "Accessory quantity", a.qty, 1, max_qty)
        for i, a in enumerate(panel.accessories)
    ]
    problems = [p for p in checks if p is not None]
    breakers = sum(max(b.qty, 0) for b in panel.branches)
    breakers += sum(max(a.qty, 0) for a in panel.accessories if a.kind == "SPD")
    limit = rules.limits.max_branch_breakers_per_panel
    if not problems and breakers > limit:
        problems.append(
            RequestProblem(
                "REQ_LIMIT_EXCEEDED",
                f"분기 차단기 {breakers}개는 한 분전반의 한도 {limit}개를 넘습니다",
                f"{breakers} branch breakers exceed the limit of {limit} per panel",
                f"{path}.branches",
                f"분전반을 나눠 주세요(한 면에 {limit}개까지) / Split the panel; at most {limit} per panel.",
            )
        )
    return problems


def _location_problem(panel: PanelRequest, path: str) -> RequestProblem | None:
    spec = panel.enclosure
    if spec.mount == "POLE" and spec.location == "INDOOR":
        ko, en, hint = (
            "전주부착은 옥외에서만 가능합니다",
            "Pole mounting is for outdoor panels only",
            "location을 OUTDOOR로 하거나 mount를 SURFACE로 해 주세요 / Set location to OUTDOOR, or mount to SURFACE.",
        )
    elif spec.mount == "FLUSH" and spec.location == "OUTDOOR":
        ko, en, hint = (
            "매입형은 옥내에서만 가능합니다",
            "Flush mounting is for indoor panels only",
            "location을 INDOOR로 하거나 mount를 SURFACE로 해 주세요 / Set location to INDOOR, or mount to SURFACE.",
        )
    else:
        return None
    return RequestProblem("LOCATION_MISMATCH", ko, en, f"{path}.enclosure.mount", hint)


def _enclosure_problems(panel: PanelRequest, path: str, catalog: Catalog) -> list[RequestProblem]:
    spec = panel.enclosure
    problems = []
    if spec.series is not None and not catalog.enclosures_of_series(spec.series):
        known = ", ".join(sorted({e.series for e in catalog.enclosures}))
        problems.append(
            RequestProblem(
                "REQ_INVALID",
                f"외함 시리즈 {spec.series}이(가) 카탈로그에 없습니다",
                f"Enclosure series {spec.series} is not in the catalog",
                f"{path}.enclosure.series",
                f"시리즈를 빼거나 다음 중에서 고르세요: {known} / Omit series, or choose one of {known}.",
            )
        )
    if spec.size_mm is not None and any(not 100 <= v <= 3000 for v in spec.size_mm):
        problems.append(
            RequestProblem(
                "REQ_INVALID",
                "외함 치수는 100~3000 mm 사이여야 합니다",
                "Enclosure dimensions must be 100 to 3000 mm",
                f"{path}.enclosure.size_mm",
                "W,H,D를 mm로 보내 주세요. 예: [700, 1200, 200] / Send W,H,D in mm, e.g. [700, 1200, 200].",
            )
        )
    return problems


def _breaker_problems(panel: PanelRequest, path: str) -> list[RequestProblem]:
    problems = []
    main = panel.main
    if main.trip_at <= 0:
        problems.append(_positive_rating(f"{path}.main.trip_at"))
    for i, branch in enumerate(panel.branches):
        bpath = f"{path}.branches.{i}"
        if branch.trip_at <= 0:
            problems.append(_positive_rating(f"{bpath}.trip_at"))
        elif main.trip_at > 0 and branch.trip_at > main.trip_at:
            problems.append(
                RequestProblem(
                    "BRANCH_AF_EXCEEDS_MAIN",
                    f"분기 {branch.trip_at}AT가 메인 {main.trip_at}AT보다 큽니다",
                    f"The branch trip rating {branch.trip_at} AT exceeds the main's {main.trip_at} AT",
                    f"{bpath}.trip_at",
                    f"분기 정격을 {main.trip_at}AT 이하로 하거나 메인을 키워 주세요 / "
                    f"Use at most {main.trip_at} AT for branches, or a larger main.",
                )
            )
        if main.poles == 2 and branch.poles in (3, 4):
            problems.append(
                RequestProblem(
                    "POLES_MISMATCH",
                    f"2P 메인(단상) 아래에 {branch.poles}P 분기를 둘 수 없습니다",
                    f"A {branch.poles}P branch cannot sit under a 2P (single-phase) main",
                    f"{bpath}.poles",
                    "분기를 2P로 하거나 메인을 3P/4P로 해 주세요 / Make the branch 2P, or the main 3P/4P.",
                )
            )
    return problems


def _spd_problems(panel: PanelRequest, path: str, rules: Rulebook) -> list[RequestProblem]:
    """An SPD brings a 4P breaker: it needs a three-phase main rated at least as high."""
    spd = rules.bom.spd_breaker
    problems = []
    for i, accessory in enumerate(panel.accessories):
        if accessory.kind != "SPD":
            continue
        apath = f"{path}.accessories.{i}.kind"
        if panel.main.poles == 2:
            problems.append(
                RequestProblem(
                    "POLES_MISMATCH",
                    f"SPD는 {spd.poles}P {spd.trip_at}AT 차단기가 필요해 2P(단상) 메인 아래 둘 수 없습니다",
                    f"An SPD brings a {spd.poles}P {spd.trip_at}AT breaker, which cannot sit under a 2P main",
                    apath,
                    "메인을 3P/4P로 하거나 SPD를 빼 주세요 / Use a 3P/4P main, or remove the SPD.",
                )
            )
        elif panel.main.trip_at < spd.trip_at:
            problems.append(
                RequestProblem(
                    "BRANCH_AF_EXCEEDS_MAIN",
                    f"SPD 차단기 {spd.trip_at}AT가 메인 {panel.main.trip_at}AT보다 큽니다",
                    f"The SPD's {spd.trip_at} AT breaker exceeds the main's {panel.main.trip_at} AT",
                    apath,
                    f"메인을 {spd.trip_at}AT 이상으로 하거나 SPD를 빼 주세요 / "
                    f"Use a main of at least {spd.trip_at} AT, or remove the SPD.",
                )
            )
    return problems


def _positive_rating(path: str) -> RequestProblem:
    return RequestProblem(
        "REQ_INVALID",
        "정격(AT)은 0보다 커야 합니다",
        "The trip rating (AT) must be positive",
        path,
        "카탈로그 정격 중 하나를 보내 주세요. 예: 20, 30, 50, 100 / Send a catalog rating, e.g. 20, 30, 50, 100.",
    )


def check_request(request: EstimateRequest, catalog: Catalog, rules: Rulebook) -> list[RequestProblem]:
    """Every catalog-independent problem of the request, in request order."""
    problems: list[RequestProblem] = []
    if request.brand == "MIXED" and not request.mixed_reason:
        problems.append(
            RequestProblem(
                "REQ_MORE_INFO",
                "브랜드 혼용(MIXED)에는 사유가 필요합니다",
                "Mixing brands (MIXED) needs a reason",
                "mixed_reason",
                "mixed_reason에 혼용 사유를 적어 주세요 / Say why brands are mixed in mixed_reason.",
            )
        )
    panel_limit = _limit(
        "panels", "분전반 수", "Number of panels", len(request.panels), 1, rules.limits.max_panels_per_request
    )
    if panel_limit:
        return [*problems, panel_limit]
    for index, panel in enumerate(request.panels):
        path = f"panels.{index}"
        problems += _panel_limits(panel, path, rules)
        location = _location_problem(panel, path)
        if location:
            problems.append(location)
        problems += _enclosure_problems(panel, path, catalog)
        problems += _breaker_problems(panel, path)
        problems += _spd_problems(panel, path, rules)
    return problems + discount_shape_problems(request.discount)
