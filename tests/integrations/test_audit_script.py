"""scripts/audit.sh tells a vulnerable dependency (fail) from an advisory database it cannot reach (report
and pass). pip-audit is replaced by a stand-in that answers as pip-audit does in each situation (its JSON
report, stderr and exit code), since the real advisory database cannot be made to answer on demand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integrations.conftest import REPO

UNREACHABLE = "advisory database unreachable: audit not done"
AUDITED = {"name": "jinja2", "version": "2.4.1", "vulns": []}
SKIPPED = {"name": "kis-mirror-only", "skip_reason": "Dependency not found on PyPI and could not be audited"}
VULNERABLE = {
    "name": "jinja2",
    "version": "2.4.1",
    "vulns": [{"id": "PYSEC-2014-8", "fix_versions": ["2.7.2"], "aliases": [], "description": "…"}],
}


def stand_in(
    tmp_path: Path, *, report: list[dict[str, object]] | None, stderr: str, code: int, sleep: float = 0
) -> Path:
    """A bin directory whose `pip-audit` writes `report` to --output, `stderr`, and exits with `code`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    body = {"dependencies": report} if report is not None else None
    script = bin_dir / "pip-audit"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys, time\n"
        f"time.sleep({sleep})\n"
        f"body = {json.dumps(body)!r}\n"
        "if body != 'null':\n"
        "    open(sys.argv[sys.argv.index('--output') + 1], 'w').write(body)\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({code})\n"
    )
    script.chmod(0o755)
    return bin_dir


def audit(bin_dir: Path, timeout_s: int = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BIN": str(bin_dir), "AUDIT_TIMEOUT_S": str(timeout_s)}
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "audit.sh")], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_known_vulnerability_fails_and_is_named(tmp_path: Path) -> None:
    done = audit(
        stand_in(tmp_path, report=[VULNERABLE, SKIPPED], stderr="Found 1 known vulnerability", code=1)
    )
    assert done.returncode == 1
    assert "VULNERABLE jinja2 2.4.1: PYSEC-2014-8 (fixed in: 2.7.2)" in done.stdout


@pytest.mark.parametrize(
    ("report", "stderr", "code"),
    [
        (None, "requests.exceptions.ConnectionError: Max retries exceeded with url: /pypi/jinja2/json", 1),
        ([SKIPPED, SKIPPED], "", 0),  # a mirror or offline machine: nothing could be looked up
    ],
    ids=["connection-error", "nothing-looked-up"],
)
def test_an_unreachable_advisory_database_is_reported_and_passes(
    tmp_path: Path, report: list[dict[str, object]] | None, stderr: str, code: int
) -> None:
    done = audit(stand_in(tmp_path, report=report, stderr=stderr, code=code))
    assert done.returncode == 0
    assert done.stdout.startswith(UNREACHABLE)


def test_an_audit_that_hangs_is_cut_off_and_reported(tmp_path: Path) -> None:
    done = audit(stand_in(tmp_path, report=None, stderr="", code=0, sleep=20), timeout_s=1)
    assert done.returncode == 0
    assert done.stdout.strip() == f"{UNREACHABLE} (pip-audit gave no answer within 1 s)"


def test_a_clean_audit_passes_and_a_broken_pip_audit_fails(tmp_path: Path) -> None:
    clean = audit(stand_in(tmp_path / "clean", report=[AUDITED, SKIPPED], stderr="", code=0))
    assert clean.returncode == 0
    assert (
        clean.stdout.strip()
        == "pip-audit: no known vulnerabilities in 1 dependencies (1 not found, not audited)"
    )
    broken = audit(stand_in(tmp_path / "broken", report=None, stderr="error: unrecognized arguments", code=2))
    assert broken.returncode == 1 and "pip-audit failed (exit 2)" in broken.stdout
