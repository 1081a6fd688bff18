"""A readable terminal summary of a quote: enclosure, phases, lines, totals and gates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

_STATUS = {
    "pass": "[green]✔ pass[/green]",
    "warn": "[yellow]▲ warn[/yellow]",
    "fail": "[red]✖ fail[/red]",
}


def _size(values: list[int]) -> str:
    return "×".join(str(v) for v in values)


def _qty(value: float) -> str:
    return f"{value:g}"


def _panel(console: Console, panel: dict[str, Any]) -> None:
    enc = panel["enclosure"]
    kind = "기성함 stock" if enc["stock"] else "주문제작 custom"
    console.print(
        f"\n[bold]{panel['name']}[/bold] × {panel['quantity']}  "
        f"외함 {enc['model']} {_size(enc['size_mm'])} ({kind}, {enc['price']:,}원)  "
        f"필요 {_size(enc['required_mm'])}  적합도 {enc['fit_score']:.3f}"
    )
    ph = panel["phases"]
    if ph["supply"] == "3P4W":
        console.print(
            f"상 R {ph['R']:g} A · S {ph['S']:g} A · T {ph['T']:g} A  "
            f"(개수 {'/'.join(str(c) for c in ph['counts'])}, 불평형 {ph['imbalance_pct']}%, "
            f"설비불평형률 {ph['kec_unbalance_pct']}%, {'최적 증명' if ph['optimal'] else '최적 미증명'})"
        )
    else:
        console.print("상 단상 2선식 (평형 해당 없음)")
    table = Table(show_lines=False, header_style="bold")
    for column, justify in (
        ("번호", "right"),
        ("품명", "left"),
        ("규격", "left"),
        ("단위", "center"),
        ("수량", "right"),
        ("단가", "right"),
        ("금액", "right"),
        ("비고", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for line in panel["lines"]:
        table.add_row(
            str(line["no"]),
            line["name"],
            line["spec"],
            line["unit"],
            _qty(line["qty"]),
            f"{line['unit_price']:,}",
            f"{line['amount']:,}",
            line["note"],
        )
    table.add_row("", "[bold]소계[/bold]", "", "", "", "", f"[bold]{panel['subtotal']:,}[/bold]", "")
    console.print(table)


def render_summary(console: Console, quote: Mapping[str, Any]) -> None:
    """Print the quote the way an estimator reads it."""
    customer = quote["customer"]["name"]
    project = quote.get("project") or ""
    console.print(f"[bold]{quote['number']}[/bold]  {quote['date']}  {customer}  {project}")
    for panel in quote["panels"]:
        _panel(console, panel)
    totals = quote["totals"]
    discount = (
        f"할인 -{totals['discount']:,}원  공급가액 {totals['supply']:,}원  " if "discount" in totals else ""
    )
    console.print(
        f"\n합계 {totals['subtotal']:,}원  {discount}부가세 {totals['vat']:,}원  "
        f"[bold]총액 {totals['total']:,}원[/bold]  ({totals['amount_in_words']})"
    )
    gates = Table(title="검증 gates", header_style="bold")
    for column in ("패널", "gate", "상태", "값", "한도", "설명"):
        gates.add_column(column)
    for gate in quote["gates"]:
        gates.add_row(
            "문서" if gate["panel"] is None else str(gate["panel"] + 1),
            gate["id"],
            _STATUS.get(gate["status"], gate["status"]),
            str(gate["value"]),
            str(gate["limit"]),
            gate["message"],
        )
    console.print(gates)
