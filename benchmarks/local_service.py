"""A `kis serve` of the benchmarks' own: SQLite and a file store in a temporary directory, documents'
LibreOffice recalculation off (KIS_DOC_RECALC=0), and a key of the role asked for."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers start and stop `kis serve`
from tests.live import LiveServer, create_api_key  # noqa: E402

STARTUP_TIMEOUT_S = 60.0


@contextmanager
def local_service(
    *, workers: int = 1, role: str = "admin", name: str = "benchmark"
) -> Iterator[tuple[LiveServer, str]]:
    """`kis serve --workers W`; yields the running server and a key of `role`, and stops the server."""
    with tempfile.TemporaryDirectory(prefix=f"kis-{name}-") as tmp:
        home = Path(tmp)
        env = {
            "DATABASE_URL": f"sqlite:///{home}/kis.db",
            "STORAGE_URL": f"file://{home}/blobs",
            "KIS_DOC_RECALC": "0",
            "APP_ENV": "development",
        }
        key = create_api_key(env, role, "benchmark", cwd=home)
        server = LiveServer(env, mode="serve", workers=workers, name=name, cwd=home)
        server.start(timeout_s=STARTUP_TIMEOUT_S)
        try:
            yield server, key
        finally:
            server.stop()
