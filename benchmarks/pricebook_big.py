"""A large valid price book against the running service: how long its import takes, how long a GET
waits while it runs, and what it does to the latency of a create afterwards.

`python benchmarks/pricebook_big.py [--rows N] [--creates C] [--max-rows M]` starts its own `kis serve`
over SQLite and a file store in a temporary directory (KIS_DOC_RECALC=0, rate limit raised so that it
measures the book and not the limiter, PRICE_BOOK_MAX_ROWS=M, default N so that the book is accepted),
then:
1. times C creates of the DOMAIN §8 request with the shipped catalog (the baseline);
2. imports and activates a book of N rows (the shipped catalog's rows plus synthetic ones, about a third
   of each kind) while one client reads a quote (GET /v1/estimate/{id}) back to back: the import's
   time, and the GETs' count, failures, median and longest wait while the import ran;
3. times C creates again, now priced with the big book.
Every request has a timeout, so a run is bounded (a few minutes at most).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' service helpers start and stop `kis serve`
from tests.live import LiveServer, create_api_key  # noqa: E402

from kis_estimator.catalog_io import load_catalog  # noqa: E402
from kis_estimator.pricebooks import catalog_rows, render_price_book  # noqa: E402

DOMAIN_S8: dict[str, Any] = json.loads(
    (ROOT / "examples" / "domain-s8-outdoor-sus.json").read_text(encoding="utf-8")
)
TIMEOUT_S = 120.0
FRAMES = (50, 100, 125, 225, 250, 400)
RATINGS = ((15, 20, 30), (30, 40, 50), (60, 75, 100), (100, 125), (150, 175, 200, 225), (250, 300))


def big_book(rows: int) -> bytes:
    """The shipped catalog plus synthetic rows up to `rows` in all, a third of each kind, as a ZIP. The
    synthetic breakers cost more than every shipped one, so the quotes choose the same models."""
    book = catalog_rows(load_catalog())
    per_kind = rows // 3
    for i in range(per_kind - len(book["breakers"])):
        frame, ratings = FRAMES[i % len(FRAMES)], RATINGS[i % len(RATINGS)]
        book["breakers"].append(
            {"brand": ("LS", "SANGDO")[i % 2], "type": ("MCCB", "ELCB")[i // 2 % 2], "series": "SYN",
             "model": f"SYN-B-{i:06d}", "grade": "STANDARD", "poles": 2 + i // 4 % 3, "frame_af": frame,
             "compact": False, "w_mm": 90, "h_mm": 155, "d_mm": 60, "trip_ratings_a": list(ratings),
             "price_krw": 9_000_000 + i, "icu_ka": 25.0}
        )  # fmt: skip
    for i in range(per_kind - len(book["enclosures"])):
        book["enclosures"].append(
            {"series": "SYN", "model": f"SYN-E-{i:06d}", "material": "STEEL", "thickness_mm": 1.6,
             "location": "INDOOR", "w_mm": 400 + i % 50 * 10, "h_mm": 500 + i % 70 * 10, "d_mm": 150,
             "price_krw": 9_000_000 + i}
        )  # fmt: skip
    for i in range(rows - 2 * per_kind - len(book["accessories"])):
        book["accessories"].append(
            {"kind": "PART", "model": f"SYN-A-{i:06d}", "line_name": "부품", "spec": f"규격 {i}",
             "unit": "EA", "price_krw": 1000 + i, "w_mm": None, "h_mm": None, "d_mm": None, "note": None}
        )  # fmt: skip
    return render_price_book(book, "zip")


def time_creates(http: httpx.Client, count: int) -> tuple[list[float], str]:
    """The latency of `count` creates, and the id of the last quote."""
    timings, quote_id = [], ""
    for _ in range(count):
        started = time.perf_counter()
        response = http.post("/v1/estimate", json=DOMAIN_S8)
        timings.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise SystemExit(f"create failed: {response.status_code} {response.text[:300]}")
        quote_id = response.json()["id"]
    return timings, quote_id


def import_with_reader(
    http: httpx.Client, url: str, headers: dict[str, str], data: bytes, quote_id: str
) -> dict[str, Any]:
    """Import (and activate) the book while another client GETs a quote back to back."""
    done = threading.Event()
    waits: list[tuple[int, float]] = []  # (status, seconds) of the GETs answered while the import ran

    def reader() -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT_S) as client:
            while not done.is_set():
                started = time.perf_counter()
                status = client.get(f"/v1/estimate/{quote_id}").status_code
                if not done.is_set():
                    waits.append((status, time.perf_counter() - started))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.2)
    started = time.perf_counter()
    response = http.post(
        "/v1/catalog/import",
        files={"file": ("big-book.zip", data, "application/zip")},
        data={"label": "big book", "activate": "true"},
    )
    import_s = time.perf_counter() - started
    done.set()
    thread.join(TIMEOUT_S)
    return {"status": response.status_code, "body": response.text[:300], "import_s": import_s, "waits": waits}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--creates", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=None, help="PRICE_BOOK_MAX_ROWS (default: --rows)")
    args = parser.parse_args()
    data = big_book(args.rows)
    print(f"book: {args.rows:,} rows, {len(data):,} bytes zipped")
    with tempfile.TemporaryDirectory(prefix="kis-bench-") as tmp:
        home = Path(tmp)
        env = {
            "DATABASE_URL": f"sqlite:///{home}/kis.db",
            "STORAGE_URL": f"file://{home}/blobs",
            "KIS_DOC_RECALC": "0",
            "RATE_LIMIT_PER_MINUTE": "100000",
            "PRICE_BOOK_MAX_ROWS": str(args.max_rows or args.rows),
        }
        key = create_api_key(env, "admin", "benchmark", cwd=home)
        server = LiveServer(env, mode="serve", name="pricebook-big", cwd=home)
        server.start(timeout_s=60)
        headers = {"Authorization": f"Bearer {key}"}
        try:
            with httpx.Client(base_url=server.url, headers=headers, timeout=TIMEOUT_S) as http:
                time_creates(http, 2)  # warm-up: imports, fonts
                before, quote_id = time_creates(http, args.creates)
                result = import_with_reader(http, server.url, headers, data, quote_id)
                print(f"import: HTTP {result['status']} in {result['import_s']:.2f} s")
                if result["status"] not in (200, 201):
                    print(f"  refused: {result['body']}")
                    return 1
                waits = [seconds for _, seconds in result["waits"]]
                failed = [status for status, _ in result["waits"] if status != 200]
                if waits:
                    print(
                        f"GET /v1/estimate/{{id}} during the import: {len(waits)} answered "
                        f"({len(failed)} not 200: {sorted(set(failed))}), "
                        f"median {statistics.median(waits):.3f} s, longest {max(waits):.3f} s"
                    )
                else:
                    print("GET /v1/estimate/{id} during the import: none answered before it ended")
                after, _ = time_creates(http, args.creates)
        finally:
            server.stop()
    print(f"create, shipped catalog: median {statistics.median(before):.3f} s, max {max(before):.3f} s")
    print(f"create, big book active: median {statistics.median(after):.3f} s, max {max(after):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
