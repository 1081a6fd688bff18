"""The catalog's indexed lookups answer exactly what a scan of its items answers, in the same order."""

from __future__ import annotations

import dataclasses

from kis_estimator.engine.catalog import Catalog


def test_indexed_lookups_agree_with_a_scan(catalog: Catalog) -> None:
    for brand, type_, poles, trip_at in {
        (b.brand, b.type, b.poles, rating) for b in catalog.breakers for rating in b.trip_ratings_a
    }:
        scan = tuple(
            b
            for b in catalog.breakers
            if (b.brand, b.type, b.poles) == (brand, type_, poles) and trip_at in b.trip_ratings_a
        )
        assert catalog.breakers_rated(brand, type_, poles, trip_at) == scan
    assert catalog.breakers_rated("LS", "MCCB", 4, 7) == ()
    for series in {e.series for e in catalog.enclosures}:
        assert catalog.enclosures_of_series(series) == tuple(
            e for e in catalog.enclosures if e.series == series
        )
    for kind in {a.kind for a in catalog.accessories}:
        assert catalog.accessories_of_kind(kind) == tuple(a for a in catalog.accessories if a.kind == kind)
    found = catalog.breaker_by_model(" abn-204 ")
    assert found is not None and found is next(b for b in catalog.breakers if b.model == "ABN-204")


def test_a_model_lookup_finds_the_first_of_a_model_as_a_scan_would(catalog: Catalog) -> None:
    first = catalog.breakers[0]
    twin = dataclasses.replace(first, price_krw=None)
    doubled = dataclasses.replace(catalog, breakers=(first, twin, *catalog.breakers[1:]))
    assert doubled.breaker_by_model(first.model.lower()) is first
    assert doubled.breaker_by_model("NO-SUCH-MODEL") is None
    assert doubled == dataclasses.replace(doubled)  # the indexes are not part of the value
