"""Shared fixtures: the shipped catalog and rulebook, and a request factory with readable defaults."""

from __future__ import annotations

from typing import Any

import pytest

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import run_pipeline
from tests.factories import IDENTITY


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def rules() -> Rulebook:
    return load_rulebook()


@pytest.fixture(scope="session")
def quote_of(catalog: Catalog, rules: Rulebook) -> Any:
    def run(raw: dict[str, Any]) -> dict[str, Any]:
        return run_pipeline(raw, catalog, rules, IDENTITY).quote

    return run
