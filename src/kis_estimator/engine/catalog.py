"""The shop's catalog as typed values: breakers, stock enclosures and accessories.

`build_catalog` validates plain rows (as decoded from the package's JSON data files) and names every
problem by file, row and field; it computes the catalog's SHA-256 over a canonical form, so the same
facts give the same hash whatever file formatting they came in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any, TypeVar

from kis_estimator.engine.errors import DataError, DataProblem

BRANDS = ("LS", "SANGDO")
BREAKER_TYPES = ("MCCB", "ELCB")
GRADES = ("ECONOMY", "STANDARD", "BOTH")
FRAMES_AF = (30, 50, 60, 100, 125, 200, 225, 250, 400, 600, 800)
MATERIALS = ("STEEL", "SUS201", "SUS304")
LOCATIONS = ("INDOOR", "OUTDOOR")
ACCESSORY_KINDS = ("MAGNET", "TIMER", "PBL", "SPD", "METER", "PART")


@dataclass(frozen=True)
class Range:
    """A catalog figure that may be a range `a|b`; quotes use the higher value (DOMAIN §3)."""

    low: float
    high: float

    @property
    def is_range(self) -> bool:
        return self.low != self.high


@dataclass(frozen=True)
class Breaker:
    brand: str
    type: str
    series: str
    model: str
    grade: str
    poles: int
    frame_af: int
    compact: bool
    w_mm: int | None
    h_mm: int | None
    d_mm: int | None
    trip_ratings_a: tuple[int, ...]
    price_krw: Range | None
    icu_ka: Range | None

    @property
    def is_small_family(self) -> bool:
        """The 30AF small breakers (SIB-32, SIE-32, BS-32, 32GRHS) stacked at 40 mm per row."""
        return self.frame_af == 30

    @property
    def has_dimensions(self) -> bool:
        return self.w_mm is not None and self.h_mm is not None and self.d_mm is not None


@dataclass(frozen=True)
class Enclosure:
    series: str
    model: str
    material: str
    thickness_mm: float
    location: str
    w_mm: int
    h_mm: int
    d_mm: int
    price_krw: int


@dataclass(frozen=True)
class Accessory:
    kind: str
    model: str
    line_name: str
    spec: str
    unit: str
    price_krw: int | None
    w_mm: int | None
    h_mm: int | None
    d_mm: int | None
    note: str


@dataclass(frozen=True)
class Catalog:
    """The catalog's items, and its lookups. The lookups go through indexes built once, on first use,
    so that a price book of tens of thousands of rows costs a create a dictionary access, not a scan;
    every lookup answers in the catalog's order, as a scan would."""

    breakers: tuple[Breaker, ...]
    enclosures: tuple[Enclosure, ...]
    accessories: tuple[Accessory, ...]
    sha256: str

    def breaker_by_model(self, model: str) -> Breaker | None:
        return self._breakers_by_model.get(_model_key(model))

    def breakers_rated(self, brand: str, type: str, poles: int, trip_at: int) -> tuple[Breaker, ...]:
        """The breakers of a brand, type and pole count whose ratings include `trip_at`."""
        return self._breakers_by_rating.get((brand, type, poles, trip_at), ())

    def accessory_by_model(self, model: str) -> Accessory | None:
        return self._accessories_by_model.get(_model_key(model))

    def accessories_of_kind(self, kind: str) -> tuple[Accessory, ...]:
        return self._accessories_by_kind.get(kind, ())

    def enclosures_of_series(self, series: str) -> tuple[Enclosure, ...]:
        return self._enclosures_by_series.get(series, ())

    @cached_property
    def _breakers_by_model(self) -> dict[str, Breaker]:
        return _first_by_model(self.breakers)

    @cached_property
    def _accessories_by_model(self) -> dict[str, Accessory]:
        return _first_by_model(self.accessories)

    @cached_property
    def _breakers_by_rating(self) -> dict[tuple[str, str, int, int], tuple[Breaker, ...]]:
        index: dict[tuple[str, str, int, int], list[Breaker]] = {}
        for b in self.breakers:
            for rating in dict.fromkeys(b.trip_ratings_a):
                index.setdefault((b.brand, b.type, b.poles, rating), []).append(b)
        return {key: tuple(found) for key, found in index.items()}

    @cached_property
    def _accessories_by_kind(self) -> dict[str, tuple[Accessory, ...]]:
        index: dict[str, list[Accessory]] = {}
        for a in self.accessories:
            index.setdefault(a.kind, []).append(a)
        return {kind: tuple(found) for kind, found in index.items()}

    @cached_property
    def _enclosures_by_series(self) -> dict[str, tuple[Enclosure, ...]]:
        index: dict[str, list[Enclosure]] = {}
        for e in self.enclosures:
            index.setdefault(e.series, []).append(e)
        return {series: tuple(found) for series, found in index.items()}


_Item = TypeVar("_Item", Breaker, Accessory)


def _first_by_model(items: Sequence[_Item]) -> dict[str, _Item]:
    index: dict[str, _Item] = {}
    for item in items:
        index.setdefault(_model_key(item.model), item)  # the first of a model wins, as in a scan
    return index


def _model_key(model: str) -> str:
    return model.strip().upper().replace(" ", "")


class _RowReader:
    """Reads typed fields from one row and records every problem with its row and field."""

    def __init__(self, source: str, index: int, row: Mapping[str, Any], problems: list[DataProblem]) -> None:
        self.source = source
        self.row_number = index + 1
        self.row = row
        self.problems = problems

    def _fail(self, field: str, code: str, why: str, **params: str) -> None:
        self.problems.append(DataProblem(code, why, self.source, self.row_number, field, params))

    def text(self, field: str, *, choices: Sequence[str] | None = None, optional: bool = False) -> str:
        value = self.row.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if not optional:
                self._fail(field, "REQUIRED", "is required")
            return ""
        if not isinstance(value, str):
            self._fail(field, "NOT_TEXT", f"must be text, got {value!r}")
            return ""
        if choices is not None and value not in choices:
            shown = ", ".join(choices)
            self._fail(field, "NOT_A_CHOICE", f"must be one of {shown}, got {value!r}", choices=shown)
        return value

    def integer(self, field: str, *, optional: bool = False, minimum: int = 0) -> int | None:
        value = self.row.get(field)
        if value is None:
            if not optional:
                self._fail(field, "REQUIRED", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(field, "NOT_INTEGER", f"must be a whole number, got {value!r}")
            return None
        if value < minimum:
            self._fail(
                field, "BELOW_MINIMUM", f"must be at least {minimum}, got {value}", minimum=str(minimum)
            )
            return None
        return value

    def number(self, field: str) -> float:
        value = self.row.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self._fail(field, "NOT_POSITIVE", f"must be a positive number, got {value!r}")
            return 0.0
        return float(value)

    def range(self, field: str, *, optional: bool = False) -> Range | None:
        value = self.row.get(field)
        if value is None:
            if not optional:
                self._fail(field, "REQUIRED", "is required")
            return None
        values = value if isinstance(value, list) else [value]
        if not values or any(isinstance(v, bool) or not isinstance(v, int | float) or v <= 0 for v in values):
            self._fail(
                field, "NOT_POSITIVE", f"must be a positive number or a list [low, high], got {value!r}"
            )
            return None
        return Range(low=float(min(values)), high=float(max(values)))


def _breaker(reader: _RowReader) -> Breaker:
    ratings = reader.row.get("trip_ratings_a")
    if not isinstance(ratings, list) or not ratings or not all(isinstance(r, int) and r > 0 for r in ratings):
        reader._fail(
            "trip_ratings_a",
            "NOT_RATINGS",
            f"must be a non-empty list of positive whole numbers, got {ratings!r}",
        )
        ratings = []
    frame = reader.integer("frame_af") or 0
    if frame and frame not in FRAMES_AF:
        reader._fail(
            "frame_af", "NOT_A_CHOICE", f"must be one of {FRAMES_AF}, got {frame}", choices=str(FRAMES_AF)
        )
    poles = reader.integer("poles") or 0
    if poles and poles not in (2, 3, 4):
        reader._fail("poles", "NOT_POLES", f"must be 2, 3 or 4, got {poles}")
    compact = reader.row.get("compact")
    if not isinstance(compact, bool):
        reader._fail("compact", "NOT_FLAG", f"must be true or false, got {compact!r}")
    return Breaker(
        brand=reader.text("brand", choices=BRANDS),
        type=reader.text("type", choices=BREAKER_TYPES),
        series=reader.text("series"),
        model=reader.text("model"),
        grade=reader.text("grade", choices=GRADES),
        poles=poles,
        frame_af=frame,
        compact=bool(compact),
        w_mm=reader.integer("w_mm", optional=True, minimum=1),
        h_mm=reader.integer("h_mm", optional=True, minimum=1),
        d_mm=reader.integer("d_mm", optional=True, minimum=1),
        trip_ratings_a=tuple(sorted(ratings)),
        price_krw=reader.range("price_krw", optional=True),
        icu_ka=reader.range("icu_ka", optional=True),
    )


def _enclosure(reader: _RowReader) -> Enclosure:
    return Enclosure(
        series=reader.text("series"),
        model=reader.text("model"),
        material=reader.text("material", choices=MATERIALS),
        thickness_mm=reader.number("thickness_mm"),
        location=reader.text("location", choices=LOCATIONS),
        w_mm=reader.integer("w_mm", minimum=1) or 0,
        h_mm=reader.integer("h_mm", minimum=1) or 0,
        d_mm=reader.integer("d_mm", minimum=1) or 0,
        price_krw=reader.integer("price_krw", minimum=1) or 0,
    )


def _accessory(reader: _RowReader) -> Accessory:
    return Accessory(
        kind=reader.text("kind", choices=ACCESSORY_KINDS),
        model=reader.text("model"),
        line_name=reader.text("line_name"),
        spec=reader.text("spec"),
        unit=reader.text("unit"),
        price_krw=reader.integer("price_krw", optional=True, minimum=1),
        w_mm=reader.integer("w_mm", optional=True, minimum=1),
        h_mm=reader.integer("h_mm", optional=True, minimum=1),
        d_mm=reader.integer("d_mm", optional=True, minimum=1),
        note=reader.text("note", optional=True),
    )


def _read_rows(source: str, rows: Any, problems: list[DataProblem], make: Any) -> list[Any]:
    if not isinstance(rows, list):
        problems.append(DataProblem("NOT_A_LIST", "must be a list of rows", source))
        return []
    items = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(DataProblem("NOT_AN_OBJECT", "must be an object", source, index + 1))
            continue
        items.append(make(_RowReader(source, index, row, problems)))
    return items


def _check_unique_models(source: str, models: Sequence[str], problems: list[DataProblem]) -> None:
    seen: set[str] = set()
    for index, model in enumerate(models):
        key = _model_key(model)
        if key in seen:
            problems.append(
                DataProblem("DUPLICATE_MODEL", f"duplicate model {model!r}", source, index + 1, "model")
            )
        seen.add(key)


def build_catalog(
    breakers: Sequence[Mapping[str, Any]],
    enclosures: Sequence[Mapping[str, Any]],
    accessories: Sequence[Mapping[str, Any]],
) -> Catalog:
    """Validate catalog rows and return the Catalog; raise DataError naming every bad row and field."""
    problems: list[DataProblem] = []
    breaker_items: list[Breaker] = _read_rows("breakers", breakers, problems, _breaker)
    enclosure_items: list[Enclosure] = _read_rows("enclosures", enclosures, problems, _enclosure)
    accessory_items: list[Accessory] = _read_rows("accessories", accessories, problems, _accessory)
    _check_unique_models("breakers", [b.model for b in breaker_items], problems)
    _check_unique_models("enclosures", [e.model for e in enclosure_items], problems)
    _check_unique_models("accessories", [a.model for a in accessory_items], problems)
    if problems:
        raise DataError("catalog", problems)
    canonical = canonical_json(
        {
            "breakers": [asdict(b) for b in breaker_items],
            "enclosures": [asdict(e) for e in enclosure_items],
            "accessories": [asdict(a) for a in accessory_items],
        }
    )
    return Catalog(
        breakers=tuple(breaker_items),
        enclosures=tuple(enclosure_items),
        accessories=tuple(accessory_items),
        sha256=hashlib.sha256(canonical).hexdigest(),
    )


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the one byte form used for hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
