"""Resolving requested accessories (contactors, timers, PBL, SPD, meters, parts) in the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from kis_estimator.engine.adjustments import LinePrice, choose_unit_price
from kis_estimator.engine.catalog import Accessory, Catalog
from kis_estimator.engine.errors import RequestProblem
from kis_estimator.engine.request import AccessoryLine, UnitPrice
from kis_estimator.engine.rulebook import Rulebook


@dataclass(frozen=True)
class ResolvedAccessory:
    path: str
    item: Accessory
    qty: int
    with_pbl: bool
    unit_price: int
    adjustment: LinePrice | None = None  # the estimator's unit price instead of the catalog's


def _models_of(catalog: Catalog, kind: str) -> str:
    return ", ".join(a.model for a in catalog.accessories_of_kind(kind))


def _find_item(
    line: AccessoryLine, path: str, catalog: Catalog, rules: Rulebook
) -> Accessory | RequestProblem:
    if line.model is None:
        items = catalog.accessories_of_kind(line.kind)
        if line.kind == "SPD":
            default = catalog.accessory_by_model(rules.bom.default_spd_model)
            if default is not None:
                return default
        if len(items) == 1:
            return items[0]
        return RequestProblem(
            "REQ_MORE_INFO",
            f"{line.kind} 부속자재의 모델이 필요합니다",
            f"The {line.kind} accessory needs a model",
            f"{path}.model",
            f"모델을 지정해 주세요: {_models_of(catalog, line.kind)} / Name a model: {_models_of(catalog, line.kind)}.",
        )
    item = catalog.accessory_by_model(line.model)
    if item is None:
        return RequestProblem(
            "NEED_KNOWLEDGE_UPDATE",
            f"카탈로그에 부속자재 {line.model}이(가) 없습니다",
            f"Accessory {line.model} is not in the catalog",
            f"{path}.model",
            f"{line.kind} 모델 중에서 고르거나({_models_of(catalog, line.kind)}) 카탈로그에 추가해 주세요 / "
            f"Choose one of {_models_of(catalog, line.kind)}, or add it to the catalog.",
        )
    if item.kind != line.kind:
        return RequestProblem(
            "ACCESSORY_CONFLICT",
            f"{line.model}은(는) {item.kind} 품목입니다. 요청 종류는 {line.kind}입니다",
            f"{line.model} is a {item.kind} item, but the line says {line.kind}",
            f"{path}.kind",
            f"kind를 {item.kind}(으)로 고치거나 {line.kind} 모델을 지정해 주세요 / "
            f"Set kind to {item.kind}, or name a {line.kind} model.",
        )
    return item


def resolve_accessory(
    line: AccessoryLine, path: str, catalog: Catalog, rules: Rulebook
) -> ResolvedAccessory | RequestProblem:
    """Bind an accessory line to its catalog item and price, or return the gate problem."""
    if line.with_pbl and line.kind != "MAGNET":
        return RequestProblem(
            "ACCESSORY_CONFLICT",
            "PBL 추가(with_pbl)는 전자접촉기(MAGNET)에만 쓸 수 있습니다",
            "with_pbl applies to contactors (MAGNET) only",
            f"{path}.with_pbl",
            "with_pbl을 빼거나 PBL을 별도 줄(kind PBL)로 넣어 주세요 / "
            "Remove with_pbl, or add the PBL as its own line (kind PBL).",
        )
    item = _find_item(line, path, catalog, rules)
    if isinstance(item, RequestProblem):
        return item
    if isinstance(line.unit_price, UnitPrice):
        chosen = choose_unit_price(line.unit_price, item.price_krw, item.model, path)
        if isinstance(chosen, RequestProblem):
            return chosen
        return ResolvedAccessory(
            path, item, line.qty, line.with_pbl, chosen.unit_price, adjustment=chosen.adjustment
        )
    price = line.unit_price if line.unit_price is not None else item.price_krw
    if price is None:
        return RequestProblem(
            "NEED_KNOWLEDGE_UPDATE",
            f"카탈로그에 {item.model}의 가격이 없습니다",
            f"The catalog has no price for {item.model}",
            f"{path}.unit_price",
            f"{item.model}의 단가(unit_price, 원)를 보내 주세요. 예: 45000 / "
            f"Send unit_price for {item.model} in KRW, e.g. 45000.",
        )
    return ResolvedAccessory(path=path, item=item, qty=line.qty, with_pbl=line.with_pbl, unit_price=price)
