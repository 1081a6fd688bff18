"""The rulebook: every factor, price and table of DOMAIN §4–7 as validated, versioned data."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kis_estimator.engine.catalog import canonical_json
from kis_estimator.engine.errors import DataError, DataProblem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _HasUpto(Protocol):
    @property
    def upto(self) -> float: ...


BandT = TypeVar("BandT", bound=_HasUpto)


def band(rows: Sequence[BandT], key: float) -> BandT:
    """The first row whose `upto` is at least `key`; the last row beyond the table."""
    for row in rows:
        if key <= row.upto:
            return row
    return rows[-1]


class IntBand(_Strict):
    upto: float
    value: int


class FloatBand(_Strict):
    upto: float
    value: float


class TextBand(_Strict):
    upto: float
    value: str


def _ascending(rows: Sequence[_HasUpto]) -> bool:
    return len(rows) > 0 and all(a.upto < b.upto for a, b in pairwise(rows))


class _Banded(_Strict):
    @model_validator(mode="after")
    def _bands_ascend(self) -> _Banded:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, tuple) and value and hasattr(value[0], "upto") and not _ascending(value):
                raise ValueError(f"{name}: bands must be non-empty with strictly ascending 'upto'")
        return self


class Limits(_Strict):
    max_line_qty: int = Field(gt=0)
    max_branch_breakers_per_panel: int = Field(gt=0)
    max_panels_per_request: int = Field(gt=0)


class BreakerRules(_Strict):
    small_family_frame_af: int
    small_family_row_pitch_mm: int = Field(gt=0)
    small_family_trip_min_a: int
    small_family_trip_max_a: int
    two_pole_only_frames_af: tuple[int, ...]
    three_four_pole_only_from_af: int


class WidthBand(_Strict):
    upto: float
    value: int
    small_only: int
    wide: int
    wide_when: Literal["branch_count", "large_branches", "never"]


class MainOnlyLarge(_Strict):
    upto: float
    cable_space_mm: int
    width_mm: int
    depth_mm: int


class SeriesRule(_Strict):
    location: str
    material: str
    thickness_mm: float | None = None
    series: str


class EnclosureRules(_Banded):
    pitch_between_main_and_rows_mm: int
    top_margin_mm: tuple[IntBand, ...]
    bottom_margin_mm: tuple[IntBand, ...]
    contactor_space_mm: int
    contactors_per_space: int = Field(gt=0)
    contactors_without_space: int
    meter_space_mm: int
    meters_per_space: int = Field(gt=0)
    width_mm: tuple[WidthBand, ...]
    wide_from_branch_count: int
    wide_from_large_branches: int
    large_branch_frames_af: tuple[int, ...]
    min_width_margin_mm: int
    depth_base_mm: int
    depth_with_devices_mm: int
    depth_devices_from_main_at: int
    depth_by_main_frame_mm: tuple[IntBand, ...]
    main_only_small_mm: tuple[int, int, int]
    main_only_small_below_af: int
    main_only_large: tuple[MainOnlyLarge, ...]
    main_only_large_clearance_mm: int
    fit_warn_below: float = Field(gt=0, le=1)
    series: tuple[SeriesRule, ...]
    default_thickness_mm: dict[str, float]


class CustomEnclosureRules(_Banded):
    round_to_mm: int = Field(gt=0)
    area_divisor_mm2: int = Field(gt=0)
    markup: float = Field(gt=0)
    outdoor_extra_per_pyeong: int
    material_factor: dict[str, float]
    surface_rate: tuple[IntBand, ...]
    flush_rate: tuple[IntBand, ...]
    flush_step_mm: int = Field(gt=0)
    flush_step_rate: int


class PhaseRules(_Strict):
    balance_pass_max_pct: float
    kec_limit_pct: float
    solver_time_limit_s: float = Field(gt=0)


class CriticRules(_Strict):
    busbar_corridor_mm: int
    side_clearance_mm: int


class ThermalRules(_Banded):
    delta_t_k: float = Field(gt=0)
    busbar_wiring_extra: float = Field(ge=0)
    k_painted_steel: float = Field(gt=0)
    k_stainless: float = Field(gt=0)
    rdf: tuple[FloatBand, ...]
    loss_per_pole_w: tuple[FloatBand, ...]


class BundleItem(_Strict):
    model: str
    qty: int = Field(gt=0)


class SpdBreaker(_Strict):
    type: str
    poles: int
    trip_at: int


class SpdCable(_Strict):
    model: str
    unit_price: int


class AssemblyBand(_Strict):
    upto: float
    base_h_mm: int
    base: int
    step: int
    main_only: int


class BomRules(_Banded):
    suscover_per_pyeong: int
    base_height_mm: int
    base_per_pyeong: int
    pole_bracket: int
    contactor_bundle: tuple[BundleItem, ...]
    timer_bundle: tuple[BundleItem, ...]
    pbl_model: str
    pbl_per_contactor: int
    spd_breaker: SpdBreaker
    spd_cable: SpdCable
    default_spd_model: str
    et_breakers_per_piece: int = Field(gt=0)
    et_price: tuple[IntBand, ...]
    nt_price: int
    card_holder_price: int
    name_plate_spec: str
    name_plate_price: int
    busbar_price_per_kg: int
    busbar_spec: tuple[TextBand, ...]
    main_busbar_k: tuple[FloatBand, ...]
    branch_busbar_k: tuple[FloatBand, ...]
    coating_price: tuple[IntBand, ...]
    p_cover_acrylic_per_pyeong: int
    p_cover_acrylic_min: int
    p_cover_steel_per_pyeong: int
    breaker_support_from_af: int
    breaker_support_extra_rows: int
    breaker_support_price: int
    elb_support_price: int
    insulator_qty: int
    insulator_price: tuple[IntBand, ...]
    consumables_base: int
    consumables_from_h_mm: int
    consumables_per_100mm: int
    consumables_per_device: int
    consumables_max: int
    assembly: tuple[AssemblyBand, ...]


class Rulebook(_Strict):
    version: str = Field(min_length=1)
    currency: str
    vat_rate: float = Field(ge=0, lt=1)
    limits: Limits
    breakers: BreakerRules
    enclosure: EnclosureRules
    custom_enclosure: CustomEnclosureRules
    phases: PhaseRules
    critic: CriticRules
    thermal: ThermalRules
    bom: BomRules
    sha256: str = ""


def build_rulebook(data: Mapping[str, Any]) -> Rulebook:
    """Validate rulebook data (as decoded from TOML); raise DataError naming every bad field."""
    try:
        parsed = Rulebook.model_validate({k: v for k, v in data.items() if k != "sha256"})
    except ValidationError as exc:
        problems = [
            DataProblem("RULEBOOK_FIELD", err["msg"], field=".".join(str(p) for p in err["loc"]) or "(root)")
            for err in exc.errors()
        ]
        raise DataError("rulebook", problems) from exc
    digest = hashlib.sha256(canonical_json(parsed.model_dump(mode="json", exclude={"sha256"}))).hexdigest()
    return parsed.model_copy(update={"sha256": digest})
