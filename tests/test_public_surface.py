"""The package root's public surface: every name in `__all__` resolves, loads only when first used, and
the documented two-step use works through it alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kis_estimator
from tests.factories import DOMAIN_S8


def test_every_public_name_resolves_to_its_home() -> None:
    assert set(kis_estimator.__all__) == {"__version__", *kis_estimator._HOME_OF}
    for name in kis_estimator.__all__:
        value = getattr(kis_estimator, name)
        if name != "__version__":
            assert getattr(sys.modules[kis_estimator._HOME_OF[name]], name) is value


def test_importing_the_package_loads_neither_the_engine_nor_the_renderers() -> None:
    code = (
        "import sys, kis_estimator; "
        "print(sorted(m for m in sys.modules if m.startswith('kis_estimator.') or m == 'ortools'))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['kis_estimator._version']"


def test_the_two_steps_through_the_root() -> None:
    from kis_estimator import (
        DocumentOptions,
        QuoteIdentity,
        compute_estimate,
        load_catalog,
        load_rulebook,
        produce,
    )

    estimate = compute_estimate(DOMAIN_S8, load_catalog(), load_rulebook(), with_documents=True)
    result = produce(
        estimate, QuoteIdentity("q-1", "EST-20260101-0001", "2026-01-01T09:00:00+09:00"), DocumentOptions()
    )

    assert result.quote["number"] == "EST-20260101-0001"
    assert result.quote["totals"]["total"] > 0
    assert set(result.documents) == {"quote.xlsx", "quote.pdf", "layout.svg", "layout.dxf"}


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        kis_estimator.no_such_name  # noqa: B018
