"""Readable test data: the DOMAIN §8 request and a fixed quote identity."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

from kis_estimator.pipeline import QuoteIdentity

ROOT = Path(__file__).resolve().parent.parent
# The shop's source catalog CSVs, shipped with the package; the JSON data files are their conversion.
SHOP_CATALOG = Path(str(resources.files("kis_estimator").joinpath("data", "catalog", "source")))
IDENTITY = QuoteIdentity(
    quote_id="11111111-2222-3333-4444-555555555555",
    number="EST-20261122-0001",
    created_at="2026-11-22T10:00:00+09:00",
)

DOMAIN_S8: dict[str, Any] = {
    "customer": {"name": "동양기전", "contact": "김과장"},
    "project": "신축공장 동력설비",
    "brand": "LS",
    "panels": [
        {
            "name": "LP-1",
            "enclosure": {"location": "OUTDOOR", "material": "SUS201"},
            "main": {"type": "MCCB", "poles": 4, "trip_at": 200},
            "branches": [
                {"type": "ELCB", "poles": 4, "trip_at": 100, "qty": 2},
                {"type": "ELCB", "poles": 4, "trip_at": 50, "qty": 4},
                {"type": "ELCB", "poles": 2, "trip_at": 20, "qty": 12},
            ],
        }
    ],
}


def make_request(**panel_overrides: Any) -> dict[str, Any]:
    """The DOMAIN §8 request with the first panel's fields replaced."""
    request = copy.deepcopy(DOMAIN_S8)
    request["panels"][0].update(panel_overrides)
    return request


def requires_tool(found: bool, name: str) -> Any:
    """Skip on a developer box that lacks a system tool, but never in CI, where scripts/system-deps.sh
    installs it."""
    import os

    import pytest

    return pytest.mark.skipif(
        not found and not os.environ.get("CI"), reason=f"{name} is installed by scripts/system-deps.sh"
    )
