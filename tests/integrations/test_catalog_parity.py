"""One "catalog in use" for every edge (issue 13 #4): with a price book active that changes a price,
`kis estimate` (without --save), POST /v1/estimate and the MCP server's tools price the §8 request with
that book, give the same total, and name the book (price_book_id and catalog_sha256)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from mcp.client.session import ClientSession

from tests.api.conftest import make_api, make_settings
from tests.integrations.conftest import subprocess_env
from tests.integrations.test_mcp import DOMAIN_S8, KIS, call, over_stdio

SHIPPED_TOTAL = 1_831_170  # the §8 request on the shipped catalog (subtotal 1,664,700)
NEW_MAIN_PRICE = 171_000  # ABN-204, the main breaker, is 154,000 in the shipped catalog
# By hand: subtotal 1,664,700 + (171,000 - 154,000) = 1,681,700; VAT 10 % = 168,170; total 1,849,870.
CHANGED_TOTAL = 1_849_870


def main_line(quote: dict[str, Any]) -> dict[str, Any]:
    return next(line for line in quote["panels"][0]["lines"] if line["model"] == "ABN-204")


def test_cli_api_and_mcp_price_with_the_active_book(tmp_path: Path) -> None:
    api = make_api(make_settings(tmp_path))  # the same DATABASE_URL and STORAGE_URL as subprocess_env
    with api.client:
        staged = api.client.post(
            "/v1/catalog/items",
            json={
                "kind": "breaker",
                "rows": [{"model": "ABN-204", "price_krw": NEW_MAIN_PRICE}],
                "activate": True,
            },
            headers=api.auth("admin"),
        )
        assert staged.status_code == 201 and staged.json()["active"] is True, staged.text
        book = staged.json()
        created = api.client.post("/v1/estimate", json=DOMAIN_S8, headers=api.auth())
    assert created.status_code == 201, created.text
    by_api = created.json()

    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(DOMAIN_S8, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [KIS, "estimate", str(request_file), "--json", "--no-recalc", "--out", str(tmp_path / "out")],
        env=subprocess_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    by_cli = json.loads(done.stdout)

    async def scenario(session: ClientSession) -> dict[str, Any]:
        return {
            "create": await call(session, "create_estimate", DOMAIN_S8),
            "size": await call(session, "size_enclosure", DOMAIN_S8),
            "lookup": await call(session, "lookup_catalog", {"kind": "breakers", "q": "ABN-204"}),
        }

    mcp = over_stdio(tmp_path, scenario)
    assert not any(is_error for is_error, _ in mcp.values()), mcp
    by_mcp = mcp["create"][1]

    quotes = {"cli": by_cli, "api": by_api, "mcp": by_mcp}
    assert {edge: q["totals"]["total"] for edge, q in quotes.items()} == dict.fromkeys(quotes, CHANGED_TOTAL)
    assert {edge: main_line(q)["unit_price"] for edge, q in quotes.items()} == dict.fromkeys(
        quotes, NEW_MAIN_PRICE
    )
    named = {edge: (q["price_book_id"], q["catalog_sha256"]) for edge, q in quotes.items()}
    assert named == dict.fromkeys(quotes, (book["id"], book["sha256"]))
    assert (mcp["size"][1]["price_book_id"], mcp["size"][1]["catalog_sha256"]) == (book["id"], book["sha256"])
    lookup = mcp["lookup"][1]
    assert lookup["priceBookId"] == book["id"] and lookup["items"][0]["price_krw"] == NEW_MAIN_PRICE
    assert CHANGED_TOTAL != SHIPPED_TOTAL


def test_without_a_book_every_edge_prices_with_the_configured_catalog(tmp_path: Path) -> None:
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(DOMAIN_S8, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(  # a new folder: no database yet, and none is created
        [KIS, "estimate", str(request_file), "--json", "--no-recalc", "--out", str(tmp_path / "out")],
        env=subprocess_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    quote = json.loads(done.stdout)
    assert quote["totals"]["total"] == SHIPPED_TOTAL and quote["price_book_id"] is None
    assert not (tmp_path / "kis.db").exists()
