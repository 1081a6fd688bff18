"""docs/runbook.md works as written: every `sh tested` block runs, in order, against PostgreSQL and S3.

The blocks run with `bash -euo pipefail` in one working directory (a block may use the files an
earlier one wrote), with the environment the runbook promises: DATABASE_URL, STORAGE_URL,
S3_ENDPOINT_URL, AWS_*, EVIDENCE_SECRET, APP_ENV=production, KIS_URL, and `kis` on PATH. The service
(`kis serve`) starts where the runbook starts it: after the first-start block, before the first
block that talks to KIS_URL. The troubleshooting table must name every error code and gate the
source can produce, and docs/operations.md must point to the runbook.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live import LiveServer, kis_executable, service_env
from tests.ops.conftest import ops_stack

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = REPO_ROOT / "docs" / "runbook.md"
SOURCE = REPO_ROOT / "src" / "kis_estimator"
TESTED_BLOCK = re.compile(r"^```sh tested\n(.*?)^```$", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{2,4} (.+)$", re.MULTILINE)
# What the runbook must show with a command that really runs.
MUST_RUN = (
    "kis db upgrade",
    "kis db current",
    "kis db check",
    "kis db sql",
    "kis db downgrade",
    "kis storage init",
    "kis storage verify",
    "kis storage gc",
    "kis evidence verify",
    "kis db backup",
    "kis db restore",
    "kis keys create",
    "kis keys revoke",
    "kis smoke",
    "kis release evidence",
    "sha256sum -c",
    "/readyz",
    "/metrics",
)
# Upper-case strings of the source with an underscore that are not error codes.
NOT_CODES = {"CONTENT_TYPE_LATEST", "GATE_RESULT"}
ONE_WORD_CODES = {"FORBIDDEN", "INTERNAL"}  # envelope codes the underscore pattern cannot see
CODE_FAMILIES = ("FILE_", "COLUMN_", "VALUE_", "SHEET_")  # covered by one row each (`FILE_*`, …)


@dataclass(frozen=True)
class Block:
    number: int
    heading: str
    script: str


def runbook_blocks(text: str) -> list[Block]:
    blocks = []
    for number, match in enumerate(TESTED_BLOCK.finditer(text), start=1):
        headings = HEADING.findall(text, 0, match.start())
        blocks.append(Block(number, headings[-1] if headings else "(top)", match.group(1)))
    return blocks


def error_codes() -> set[str]:
    """The envelope codes of the API and the engine's request gates, read from the source."""
    files = [*SOURCE.joinpath("api").rglob("*.py"), *SOURCE.joinpath("engine").rglob("*.py")]
    found = {
        match
        for path in files
        for match in re.findall(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"', path.read_text(encoding="utf-8"))
    }
    return (found - NOT_CODES) | ONE_WORD_CODES


def gate_ids() -> set[str]:
    critic = SOURCE.joinpath("engine", "critic.py").read_text(encoding="utf-8")
    lint = SOURCE.joinpath("documents", "lint.py").read_text(encoding="utf-8")
    return set(re.findall(r'(?:_gate\(\s*|Gate\()"([a-z_]+)"', critic)) | set(
        re.findall(r'"(doc_[a-z_]+)"', lint)
    )


def run_block(block: Block, env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, (
        f"runbook block {block.number} (under “{block.heading}”) exited with {done.returncode}\n"
        f"--- block ---\n{block.script}--- stdout ---\n{done.stdout[-4000:]}\n"
        f"--- stderr ---\n{done.stderr[-4000:]}"
    )


def test_every_tested_block_of_the_runbook_runs_in_order(tmp_path: Path) -> None:
    blocks = runbook_blocks(RUNBOOK.read_text(encoding="utf-8"))
    scripts = "\n".join(block.script for block in blocks)
    missing = [command for command in MUST_RUN if command not in scripts]
    assert not missing, f"the runbook's tested blocks do not run: {missing}"
    with ops_stack("kis-ops-runbook", migrate=False) as stack:
        env = service_env(stack.env)
        env["PATH"] = f"{Path(kis_executable()).parent}{os.pathsep}{env.get('PATH', '')}"
        server = LiveServer(stack.env, mode="serve", name="runbook")
        try:
            for block in blocks:
                if "KIS_URL" in block.script and not server.running:
                    server.start(timeout_s=40)
                    env["KIS_URL"] = server.url
                run_block(block, env, tmp_path)
        finally:
            server.close()
    keys = sorted(tmp_path.glob("*.key"))
    assert [path.name for path in keys] == ["admin.key", "estimator-2026-12.key", "estimator.key"]
    for path in keys:
        assert path.read_text(encoding="utf-8").startswith("kis_"), f"{path.name} does not hold a key"
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"


@pytest.mark.parametrize("kind", ["error codes", "gates"])
def test_the_troubleshooting_tables_name_every_code_and_gate(kind: str) -> None:
    text = RUNBOOK.read_text(encoding="utf-8")
    expected = error_codes() if kind == "error codes" else gate_ids()
    assert len(expected) >= (30 if kind == "error codes" else 10), sorted(expected)
    families = tuple(family for family in CODE_FAMILIES if f"`{family}*`" in text)
    missing = sorted(
        name for name in expected if f"`{name}`" not in text and not name.startswith(families or ("\0",))
    )
    assert not missing, f"docs/runbook.md does not explain these {kind}: {missing}"


def test_operations_points_to_the_runbook() -> None:
    operations = (REPO_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "(runbook.md)" in operations, "docs/operations.md does not link to runbook.md"
