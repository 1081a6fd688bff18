"""Search under large quotes: how long GET /v1/estimate takes, and what ten at once cost.

`python benchmarks/search.py [--quotes 50] [--panels 4] [--lines 1000] [--size 100]` makes one large quote
through the API (DOMAIN §8 with `--panels` panels of `--lines` extra lines each, long names) over SQLite
and a file store in a temporary directory, copies its row to `--quotes` quotes in SQL (search reads
only the quotes table), then measures, in process through the ASGI app:
- one GET /v1/estimate?size=SIZE, three times (ms, answer bytes);
- ten at once from ten threads (each one's ms and status, the slowest);
- the growth of the process's peak RSS over the searches (MB).
Bounded: it makes one quote and runs 13 searches; the temporary directory is removed at the end.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench_requests import large_request  # benchmarks/ is the script's own folder
from fastapi.testclient import TestClient
from sqlalchemy import text


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quotes", type=int, default=50)
    parser.add_argument("--panels", type=int, default=2)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()

    from kis_estimator import bootstrap
    from kis_estimator.api.app import create_app
    from kis_estimator.db.keys import ApiKeyRepository
    from kis_estimator.settings import Settings

    with tempfile.TemporaryDirectory(prefix="kis-search-") as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=f"sqlite:///{tmp}/kis.db",
            storage_url=f"file://{tmp}/blobs",
            kis_doc_recalc=False,
            max_body_bytes=64 * 1024 * 1024,
        )
        container = bootstrap.build(settings)
        container.prepare_embedded()
        with container.sessions.begin() as session:
            key = ApiKeyRepository(session).create("bench", "admin")[1]
        auth = {"Authorization": f"Bearer {key}"}
        with TestClient(create_app(container)) as client:
            started = time.perf_counter()
            made = client.post("/v1/estimate", json=large_request(args.panels, args.lines), headers=auth)
            assert made.status_code == 201, made.text
            print(f"one large quote: {time.perf_counter() - started:.1f} s to create")
            quote_id = made.json()["id"]
            with container.sessions.begin() as session:
                columns = [
                    row[1]
                    for row in session.execute(text("PRAGMA table_info(quotes)"))
                    if row[1] not in ("id", "number")
                ]
                listed = ", ".join(columns)
                for i in range(args.quotes - 1):
                    session.execute(
                        text(
                            f"INSERT INTO quotes (id, number, {listed}) SELECT :id, :number, {listed} FROM quotes WHERE id = :src"
                        ),
                        {"id": str(uuid.uuid4()), "number": f"EST-20990101-{i:04d}", "src": quote_id},
                    )
                sizes = session.execute(
                    text("SELECT length(request) + length(document) FROM quotes LIMIT 1")
                ).scalar_one()
            print(f"{args.quotes} quotes of {sizes / 1e6:.1f} MB of request and document JSON each")

            def search() -> tuple[float, int, int]:
                began = time.perf_counter()
                response = client.get("/v1/estimate", params={"size": args.size}, headers=auth)
                return (time.perf_counter() - began) * 1000, response.status_code, len(response.content)

            rss_before = peak_rss_mb()
            for _ in range(3):
                ms, status, length = search()
                print(f"GET /v1/estimate?size={args.size}: {ms:.0f} ms, {status}, {length} bytes")
            with ThreadPoolExecutor(10) as pool:
                results = list(pool.map(lambda _: search(), range(10)))
            statuses = sorted({status for _, status, _ in results})
            print(f"ten at once: slowest {max(ms for ms, _, _ in results):.0f} ms, statuses {statuses}")
            print(f"peak RSS grew by {peak_rss_mb() - rss_before:.0f} MB during the searches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
