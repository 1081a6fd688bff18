"""Helpers of the integration tests: the environment of a `kis` subprocess, and a local HTTP sink that
stands in for a collector (OTLP, Sentry) by recording what it is sent."""

from __future__ import annotations

import gzip
import os
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TELEMETRY_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "SENTRY_DSN")


def subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment with a private database and store, no LibreOffice lint and no telemetry."""
    env = {k: v for k, v in os.environ.items() if k not in TELEMETRY_VARIABLES}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/kis.db",
        STORAGE_URL=f"file://{tmp_path}/blobs",
        KIS_DOC_RECALC="0",
        PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),  # this checkout, not an installed copy
        **extra,
    )
    return env


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Sink:
    url: str
    received: list[Received] = field(default_factory=list)


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


@pytest.fixture
def sink() -> Iterator[Sink]:
    """An HTTP server on a free local port that answers 200 to every POST and keeps its body."""
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            body = _decoded(body, self.headers.get("Content-Encoding", ""))
            received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Sink(f"http://127.0.0.1:{server.server_address[1]}", received)
    server.shutdown()
    server.server_close()
