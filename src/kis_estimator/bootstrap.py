"""The one composition root: builds the collaborators from settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.settings import Settings

__all__ = ["Container", "Settings", "build", "default_container"]


@dataclass(frozen=True)
class Container:
    settings: Settings
    catalog: Catalog
    rules: Rulebook


def build(settings: Settings | None = None) -> Container:
    """Load the catalog and rulebook the settings point at (the package defaults when unset)."""
    settings = settings or Settings()
    return Container(
        settings=settings,
        catalog=load_catalog(settings.kis_catalog),
        rules=load_rulebook(settings.kis_rulebook),
    )


@lru_cache(maxsize=1)
def default_container() -> Container:
    return build()
