"""The goldset: hand-worked cases compared with what the engine computes.

A case's `expect` lists only what was worked out by hand; everything listed must match.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from kis_estimator.engine.catalog import Catalog
from kis_estimator.engine.errors import RequestRejected
from kis_estimator.engine.rulebook import Rulebook
from kis_estimator.pipeline import QuoteIdentity, run_pipeline

GOLDSET_IDENTITY = QuoteIdentity(
    quote_id="00000000-0000-0000-0000-000000000000",
    number="EST-20260101-0001",
    created_at="2026-01-01T09:00:00+09:00",
)


@dataclass
class CaseResult:
    case_id: str
    description: str
    mismatches: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.mismatches


def load_cases(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


def _compare(where: str, expected: Any, actual: Any, out: list[str]) -> None:
    if isinstance(expected, float) and isinstance(actual, int | float):
        if round(float(actual), 3) != round(expected, 3):
            out.append(f"{where}: expected {expected}, got {actual}")
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _compare(f"{where}[{i}]", e, a, out)
    elif expected != actual:
        out.append(f"{where}: expected {expected!r}, got {actual!r}")


def _match_line(expected: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any] | None:
    same = [
        ln
        for ln in lines
        if ln["name"] == expected.get("name") and ln["spec"] == expected.get("spec", ln["spec"])
    ]
    for key in ("unit_price", "note"):  # e.g. the main's line and an identical branch line
        if len(same) > 1 and key in expected:
            same = [ln for ln in same if ln[key] == expected[key]]
    return same[0] if same else None


def _check_lines(where: str, expect: dict[str, Any], panel: dict[str, Any], out: list[str]) -> None:
    lines = panel["lines"]
    for i, exp_line in enumerate(expect.get("lines", [])):
        actual = _match_line(exp_line, lines)
        label = f"{where}.lines[{exp_line.get('name')!r} {exp_line.get('spec', '')!r}]"
        if actual is None:
            out.append(f"{label}: missing")
            continue
        for key, value in exp_line.items():
            _compare(f"{label}.{key}", value, actual.get(key), out)
        if expect.get("lines_complete") and lines.index(actual) != i:
            out.append(f"{label}: at position {lines.index(actual) + 1}, expected {i + 1}")
    if expect.get("lines_complete") and len(lines) != len(expect.get("lines", [])):
        names = [f"{ln['name']} {ln['spec']}".strip() for ln in lines]
        out.append(f"{where}.lines: expected {len(expect['lines'])} lines, got {len(lines)}: {names}")


def _check_breakers(
    where: str, expected: list[dict[str, Any]], panel: dict[str, Any], out: list[str]
) -> None:
    for exp in expected:
        found = [b for b in panel["breakers"] if all(b.get(k) == v for k, v in exp.items() if k != "model")]
        models = [b["model"] for b in found]
        if exp.get("model") not in models:
            out.append(f"{where}.breakers: expected {exp}, candidates {models}")


def _check_panel(where: str, expect: dict[str, Any], panel: dict[str, Any], out: list[str]) -> None:
    for key, value in expect.get("enclosure", {}).items():
        _compare(f"{where}.enclosure.{key}", value, panel["enclosure"].get(key), out)
    _check_breakers(where, expect.get("breakers", []), panel, out)
    _check_lines(where, expect, panel, out)
    if "subtotal" in expect:
        _compare(f"{where}.subtotal", expect["subtotal"], panel["subtotal"], out)
    if "phase_counts" in expect:
        _compare(f"{where}.phase_counts", expect["phase_counts"], panel["phases"]["counts"], out)
    if "imbalance_pct" in expect:
        _compare(f"{where}.imbalance_pct", expect["imbalance_pct"], panel["phases"]["imbalance_pct"], out)


def _worst_gate_status(quote: Mapping[str, Any], gate_id: str) -> str | None:
    order = {"pass": 0, "warn": 1, "fail": 2}
    statuses = [g["status"] for g in quote["gates"] if g["id"] == gate_id]
    return max(statuses, key=order.__getitem__) if statuses else None


def check_quote(expect: dict[str, Any], quote: Mapping[str, Any]) -> list[str]:
    """Every difference between a case's expectations and the engine's quote."""
    out: list[str] = []
    for i, panel_expect in enumerate(expect.get("panels", [])):
        if i >= len(quote["panels"]):
            out.append(f"panels[{i}]: missing")
            continue
        _check_panel(f"panels[{i}]", panel_expect, quote["panels"][i], out)
    for key, value in expect.get("totals", {}).items():
        _compare(f"totals.{key}", value, quote["totals"].get(key), out)
    for gate_id, status in expect.get("gates", {}).items():
        _compare(f"gates.{gate_id}", status, _worst_gate_status(quote, gate_id), out)
    return out


def run_case(case: dict[str, Any], catalog: Catalog, rules: Rulebook) -> CaseResult:
    result = CaseResult(case["id"], case.get("description", ""))
    expect = case["expect"]
    try:
        quote = run_pipeline(case["request"], catalog, rules, GOLDSET_IDENTITY).quote
    except RequestRejected as exc:
        if "error" not in expect:
            result.mismatches.append(
                f"rejected: {exc.first.code} at {exc.first.path}: {exc.first.message_en}"
            )
            return result
        for key, value in expect["error"].items():
            _compare(f"error.{key}", value, getattr(exc.first, key), result.mismatches)
        return result
    if "error" in expect:
        result.mismatches.append(f"expected error {expect['error']}, got a quote")
        return result
    result.mismatches.extend(check_quote(expect, quote))
    return result


def run_goldset(directory: Path, catalog: Catalog, rules: Rulebook) -> list[CaseResult]:
    return [run_case(case, catalog, rules) for case in load_cases(directory)]


def print_report(console: Console, results: list[CaseResult]) -> None:
    table = Table(title="Goldset", header_style="bold")
    table.add_column("case")
    table.add_column("result")
    table.add_column("details")
    for r in results:
        status = "[green]✔[/green]" if r.passed else "[red]✖[/red]"
        table.add_row(r.case_id, status, "\n".join(r.mismatches[:6]) or r.description)
    console.print(table)
    passed = sum(r.passed for r in results)
    console.print(f"[bold]{passed}/{len(results)}[/bold] cases pass")
