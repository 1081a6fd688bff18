"""`kis smoke URL` against a real deployment: `kis serve` over PostgreSQL and an S3 server.

The smoke test runs as the operator runs it, a subprocess with `--api-key`. It passes against the
healthy service (every step ✅, the smoke quote closed afterwards), names the envelope's code and hint
when the service refuses it, and fails on readiness, naming the database, once PostgreSQL is stopped.
Stopping the database ends the module's stack, so that test comes last.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.live import LiveServer, create_api_key, free_port, kis_executable, service_env
from tests.ops.conftest import Stack, ops_stack

MIN_STEPS = 20  # healthz, readyz, create, read, listing, 4 documents, ≥ 12 evidence files, …
STEP_MARKS = ("✅", "❌")


@dataclass
class Deployment:
    stack: Stack
    server: LiveServer
    key: str


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with ops_stack("kis-ops-smoke", migrate=True) as stack:
        key = create_api_key(stack.env, "estimator", "ops smoke")
        server = LiveServer(stack.env, mode="serve", name="smoke")
        try:
            server.start(timeout_s=40)
            yield Deployment(stack, server, key)
        finally:
            server.close()


def smoke(url: str, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [kis_executable(), "smoke", url, "--api-key", key],
        env=service_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def step_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(STEP_MARKS)]


def shown(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"


def test_smoke_passes_against_postgres_and_s3(deployment: Deployment) -> None:
    done = smoke(deployment.server.url, deployment.key)
    assert done.returncode == 0, shown(done)
    lines = step_lines(done.stdout)
    assert len(lines) >= MIN_STEPS, shown(done)
    assert all(line.startswith("✅") for line in lines), shown(done)
    assert all(" ms  " in line for line in lines), f"a step line without its time:\n{done.stdout}"
    for step in (
        "GET /healthz",
        "GET /readyz",
        "POST /v1/estimate",
        "document xlsx (signed URL)",
        "document pdf (signed URL)",
        "evidence manifest.json (signed URL)",
        "evidence stages/pricing.json (signed URL)",
        "manifest and SHA256SUMS cover the pack",
        "GET /v1/estimate/{id}/evidence/verify",
        "closed",
    ):
        assert any(step in line for line in lines), f"no step {step!r}:\n{done.stdout}"
    assert "smoke passed" in done.stdout
    for secret in (deployment.key, *deployment.stack.secrets):
        assert secret not in done.stdout + done.stderr, "kis smoke printed a credential"
    with deployment.server.client() as client:
        found = client.get(
            "/v1/estimate",
            params={"customer": "deployment smoke test", "status": "closed"},
            headers={"Authorization": f"Bearer {deployment.key}"},
        )
    assert found.status_code == 200 and found.json()["total"] >= 1, f"no closed smoke quote: {found.text}"


def test_smoke_shows_the_envelope_when_the_key_is_refused(deployment: Deployment) -> None:
    wrong_key = "kis_not-a-key-0123456789abcdef"
    done = smoke(deployment.server.url, wrong_key)
    assert done.returncode == 1, shown(done)
    create = next(line for line in step_lines(done.stdout) if "POST /v1/estimate" in line)
    assert create.startswith("❌") and "HTTP 401" in create, shown(done)
    assert "code: AUTH_REQUIRED" in done.stdout and "hint: " in done.stdout, shown(done)
    assert wrong_key not in done.stdout + done.stderr, "kis smoke printed the API key"


def test_smoke_fails_when_nothing_answers() -> None:
    done = smoke(f"http://127.0.0.1:{free_port()}", "kis_unused")
    assert done.returncode == 1, shown(done)
    lines = step_lines(done.stdout)
    assert len(lines) == 1 and lines[0].startswith("❌ GET /healthz"), shown(done)
    assert "ConnectError" in lines[0] and "does not answer" in done.stdout, shown(done)


def test_smoke_fails_on_readiness_naming_the_database_once_it_stops(deployment: Deployment) -> None:
    deployment.stack.stop_database()
    done = smoke(deployment.server.url, deployment.key)
    assert done.returncode == 1, shown(done)
    lines = step_lines(done.stdout)
    assert lines[0].startswith("✅ GET /healthz"), shown(done)
    readiness = lines[1]
    assert readiness.startswith("❌ GET /readyz"), shown(done)
    assert "HTTP 503" in readiness and "database not ready" in readiness, shown(done)
    assert "database (db): error: OperationalError" in done.stdout, shown(done)
    assert "storage" not in readiness, f"storage reported failing as well:\n{done.stdout}"
    assert "code: DB_UNAVAILABLE" in done.stdout, shown(done)
    assert "smoke FAILED" in done.stdout
    assert deployment.key not in done.stdout + done.stderr, "kis smoke printed the API key"
