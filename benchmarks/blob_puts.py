"""The CPU and wall time of writing one create's blobs to the filesystem store: the 14 files of the
DOMAIN §8 quote's evidence pack (their real keys and bytes), written as the save wrote them before (one
`put` a blob, eight side by side on a thread pool: every file and its directory fsynced) and as it does
now (`put_many`: the files fsynced side by side, each directory once). The two ways alternate, each
round on a new quote id, so both see the same disk and load.

`python benchmarks/blob_puts.py [ROUNDS]` (from the repository root; default 60). Prints the p50 of
each way in ms of CPU (`time.process_time`, every thread of the process) and of wall time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from bench_requests import DOMAIN_S8

from kis_estimator.catalog_io import load_catalog, load_rulebook
from kis_estimator.pipeline import DocumentOptions, QuoteIdentity, compute_estimate, produce
from kis_estimator.services.saving import evidence_key
from kis_estimator.storage import FileSystemBlobStore, NewBlob

Blobs = list[NewBlob]


def one_create(files: dict[str, bytes], digests: dict[str, str]) -> Blobs:
    quote_id = str(uuid.uuid4())
    return [NewBlob(evidence_key(quote_id, path, digests[path]), data) for path, data in files.items()]


def main(rounds: int) -> int:
    catalog, rules = load_catalog(None), load_rulebook(None)
    estimate = compute_estimate(DOMAIN_S8, catalog, rules, with_documents=True)
    identity = QuoteIdentity(
        str(uuid.uuid4()), f"EST-{date.today():%Y%m%d}-0001", "2026-01-01T00:00:00+09:00"
    )
    evidence = produce(estimate, identity, DocumentOptions()).evidence
    assert evidence is not None
    pool = ThreadPoolExecutor(max_workers=8)
    with tempfile.TemporaryDirectory() as tmp:
        store = FileSystemBlobStore(Path(tmp), "benchmark-signing-secret")
        store.init()

        def one_by_one(blobs: Blobs) -> None:
            for _ in pool.map(lambda b: store.put(b.key, b.data, sha256=b.sha256), blobs):
                pass

        ways: dict[str, Callable[[Blobs], None]] = {
            "put each (before)": one_by_one,
            "put_many": store.put_many,
        }
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        wall: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(rounds):
            for name, write in ways.items():
                blobs = one_create(evidence.files, evidence.digests)
                started, clock = time.process_time(), time.perf_counter()
                write(blobs)
                cpu[name].append((time.process_time() - started) * 1000)
                wall[name].append((time.perf_counter() - clock) * 1000)
    print(f"{len(evidence.files)} blobs of one DOMAIN §8 create, p50 of {rounds} rounds (ms)")
    for name in ways:
        print(
            f"  {name:<18}  CPU {statistics.median(cpu[name]):6.2f}   wall {statistics.median(wall[name]):6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 60))
