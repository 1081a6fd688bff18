"""The shipped catalog and rulebook: built from the shop's CSVs, validated, hashed, replaceable."""

from __future__ import annotations

import json
import shutil
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from kis_estimator.catalog_io import convert_csv_dir, load_catalog, load_rulebook
from kis_estimator.engine.catalog import build_catalog
from kis_estimator.engine.errors import DataError
from kis_estimator.engine.rulebook import build_rulebook
from tests.factories import SHOP_CATALOG

PACKAGE_CATALOG = Path(str(resources.files("kis_estimator").joinpath("data", "catalog")))
PACKAGE_RULEBOOK = Path(str(resources.files("kis_estimator").joinpath("data", "rulebook.toml")))


def test_shipped_catalog_equals_the_conversion_of_the_shop_csv() -> None:
    converted = convert_csv_dir(SHOP_CATALOG)
    assert sorted(converted) == ["accessories.json", "breakers.json", "enclosures.json"]
    for name, data in converted.items():
        assert (PACKAGE_CATALOG / name).read_bytes() == data, f"{name} is stale: rebuild it (README)"


def test_catalog_counts_gaps_and_ranges() -> None:
    catalog = load_catalog()
    assert (len(catalog.breakers), len(catalog.enclosures), len(catalog.accessories)) == (105, 141, 25)
    abn62 = catalog.breaker_by_model("ABN-62")
    assert abn62 is not None and not abn62.has_dimensions
    sbs204 = catalog.breaker_by_model("SBS-204")
    assert sbs204 is not None and sbs204.price_krw is not None
    assert (sbs204.price_krw.low, sbs204.price_krw.high) == (53_000, 78_000)
    meter = catalog.accessory_by_model("METER-1P")
    assert meter is not None and meter.price_krw is None
    assert len(catalog.sha256) == 64


def test_catalog_hash_ignores_formatting_but_not_facts(tmp_path: Path) -> None:
    rows = {
        n: json.loads((PACKAGE_CATALOG / f"{n}.json").read_text())
        for n in ("breakers", "enclosures", "accessories")
    }
    base = build_catalog(rows["breakers"], rows["enclosures"], rows["accessories"])
    assert base.sha256 == load_catalog().sha256
    rows["enclosures"][0]["price_krw"] += 1
    changed = build_catalog(rows["breakers"], rows["enclosures"], rows["accessories"])
    assert changed.sha256 != base.sha256


def test_bad_catalog_rows_are_named_by_row_and_field() -> None:
    good = json.loads((PACKAGE_CATALOG / "breakers.json").read_text())
    bad = [dict(good[0], poles=5), dict(good[1], trip_ratings_a=[]), dict(good[2], brand="ACME")]
    with pytest.raises(DataError) as caught:
        build_catalog(bad, [], [])
    problems = [str(problem) for problem in caught.value.problems]
    assert "breakers row 1, field 'poles': must be 2, 3 or 4, got 5" in problems
    poles = caught.value.problems[0]
    assert (poles.code, poles.source, poles.row, poles.field) == ("NOT_POLES", "breakers", 1, "poles")
    assert any(p.startswith("breakers row 2, field 'trip_ratings_a'") for p in problems)
    assert any(p.startswith("breakers row 3, field 'brand'") for p in problems)


def test_rulebook_is_versioned_and_validated() -> None:
    rules = load_rulebook()
    assert rules.version == "2026.1"
    assert rules.vat_rate == 0.10
    data = tomllib.loads(PACKAGE_RULEBOOK.read_text(encoding="utf-8"))
    data["vat_rate"] = 1.5
    data["bom"]["et_price"] = [{"upto": 400, "value": 1}, {"upto": 250, "value": 2}]
    del data["thermal"]["delta_t_k"]
    with pytest.raises(DataError) as caught:
        build_rulebook(data)
    text = "\n".join(str(problem) for problem in caught.value.problems)
    assert "field vat_rate" in text
    assert "field thermal.delta_t_k" in text
    assert "et_price" in text


def test_an_installation_can_point_at_its_own_files(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE_CATALOG, tmp_path / "catalog")
    enclosures = json.loads((tmp_path / "catalog" / "enclosures.json").read_text())
    for row in enclosures:
        row["price_krw"] *= 2
    (tmp_path / "catalog" / "enclosures.json").write_text(json.dumps(enclosures), encoding="utf-8")
    rulebook = PACKAGE_RULEBOOK.read_text(encoding="utf-8").replace(
        'version = "2026.1"', 'version = "shop-7"'
    )
    (tmp_path / "rules.toml").write_text(rulebook, encoding="utf-8")
    catalog = load_catalog(tmp_path / "catalog")
    assert catalog.sha256 != load_catalog().sha256
    assert catalog.enclosures[0].price_krw == 2 * load_catalog().enclosures[0].price_krw
    assert load_rulebook(tmp_path / "rules.toml").version == "shop-7"
