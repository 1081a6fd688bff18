"""A retry storm on one idempotent create: one large create and COPIES duplicates with its key.

`python benchmarks/idempotency_storm.py [--copies 60] [--panels 2] [--lines 1000]` runs, in process through the ASGI
app over SQLite and a file store in a temporary directory: an unkeyed large create alone (DOMAIN §8 with
`--panels` panels of `--lines` extra lines: the baseline), then the same create with an Idempotency-Key and, 0.3 s later,
`--copies` duplicates of it, and GET /healthz while they wait. It prints the original's time, the
copies' statuses, the worker threads in use while they wait, /healthz's time and the write and read
transactions begun during the storm. In process, every request shares one interpreter lock with the
pipeline: the times are noisy; the threads and transactions are the figures to compare.
Bounded: two creates and the copies; the temporary directory is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from typing import Any

import anyio.to_thread
import httpx
from bench_requests import large_request  # benchmarks/ is the script's own folder
from sqlalchemy import Connection, event


async def storm(copies: int, panels: int, lines: int) -> None:
    from kis_estimator import bootstrap
    from kis_estimator.api.app import create_app
    from kis_estimator.db.keys import ApiKeyRepository
    from kis_estimator.settings import Settings

    with tempfile.TemporaryDirectory(prefix="kis-storm-") as tmp:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=f"sqlite:///{tmp}/kis.db",
            storage_url=f"file://{tmp}/blobs",
            kis_doc_recalc=False,
            rate_limit_per_minute=0,
            max_body_bytes=64 * 1024 * 1024,
        )
        container = bootstrap.build(settings)
        container.prepare_embedded()
        with container.sessions.begin() as session:
            key = ApiKeyRepository(session).create("bench", "admin")[1]
        auth = {"Authorization": f"Bearer {key}"}
        body = large_request(panels, lines)
        transport = httpx.ASGITransport(app=create_app(container))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=300) as client:
            began = time.perf_counter()
            alone = await client.post("/v1/estimate", json=body, headers=auth)
            assert alone.status_code == 201, alone.text
            print(f"the create alone: {time.perf_counter() - began:.1f} s")

            begun: Counter[str] = Counter()

            def count(connection: Connection) -> None:
                reads_only = connection.get_execution_options().get("kis_reads_only")
                begun["read" if reads_only else "write"] += 1

            event.listen(container.engine, "begin", count)
            keyed = {**auth, "Idempotency-Key": "storm"}

            async def timed(request: Any) -> tuple[float, httpx.Response]:
                started = time.perf_counter()
                response = await request
                return time.perf_counter() - started, response

            original = asyncio.create_task(timed(client.post("/v1/estimate", json=body, headers=keyed)))
            await asyncio.sleep(0.3)
            duplicates = [
                asyncio.create_task(timed(client.post("/v1/estimate", json=body, headers=keyed)))
                for _ in range(copies)
            ]
            threads: list[int] = []  # worker threads in use, every 50 ms while copies are open

            async def sample() -> None:
                limiter = anyio.to_thread.current_default_thread_limiter()
                while not all(d.done() for d in duplicates):
                    threads.append(int(limiter.borrowed_tokens))
                    await asyncio.sleep(0.05)

            sampler = asyncio.create_task(sample())
            await asyncio.sleep(0.5)
            health_s, health = await timed(client.get("/healthz"))
            seconds, first = await original
            answers = await asyncio.gather(*duplicates)
            await sampler
            event.remove(container.engine, "begin", count)
            statuses = Counter(
                f"{r.status_code} {r.json().get('code', 'replayed' if r.status_code == 201 else '')}".strip()
                for _, r in answers
            )
            print(f"the original with {copies} copies: {seconds:.1f} s ({first.status_code})")
            print(f"copies: {dict(statuses)}; slowest {max(s for s, _ in answers):.1f} s")
            print(f"worker threads in use: median {statistics.median(threads):.0f}, most {max(threads)}")
            print(f"GET /healthz during the storm: {health_s * 1000:.0f} ms ({health.status_code})")
            print(f"transactions begun during the storm: {dict(begun)}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=60)
    parser.add_argument("--panels", type=int, default=2)
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(storm(args.copies, args.panels, args.lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
