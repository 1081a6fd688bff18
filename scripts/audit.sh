#!/usr/bin/env bash
# Dependency audit for `make security`: pip-audit over the installed environment (.venv).
#
# Fails (exit 1) on a known vulnerability, or when pip-audit itself breaks for a reason other than the
# network. Passes (exit 0) with the line "advisory database unreachable: audit not done" when the
# advisory database cannot be asked: pip-audit timed out (AUDIT_TIMEOUT_S, default 120 s), failed with
# a connection error, or could look up none of the dependencies (a mirror or an offline machine).
# Told apart by pip-audit's JSON report, not by its exit code alone (1 means "vulnerable" and "error"
# alike): a vulnerability is a dependency with a non-empty "vulns" list in the report.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-.venv/bin}"
TIMEOUT_S="${AUDIT_TIMEOUT_S:-120}"
report="$(mktemp)"
errors="$(mktemp)"
trap 'rm -f "$report" "$errors"' EXIT

timeout "$TIMEOUT_S" "$BIN/pip-audit" --progress-spinner off --skip-editable \
  --format json --output "$report" 2>"$errors"
status=$?

exec "$BIN/python" - "$report" "$errors" "$status" "$TIMEOUT_S" <<'PY'
import json
import re
import sys

report_path, errors_path, status, timeout_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
try:
    with open(report_path, encoding="utf-8") as handle:
        dependencies = json.load(handle).get("dependencies", [])
except (OSError, ValueError):
    dependencies = []
with open(errors_path, encoding="utf-8", errors="replace") as handle:
    errors = handle.read()

UNREACHABLE = "advisory database unreachable: audit not done"
NETWORK = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|Max retries|NameResolution|Temporary failure in name"
    r"|Name or service not known|Network is unreachable|Connection refused|SSLError|ProxyError|timed out",
    re.IGNORECASE,
)

vulnerable = [d for d in dependencies if d.get("vulns")]
if vulnerable:
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            print(f"VULNERABLE {dependency['name']} {dependency.get('version', '?')}: {vuln['id']} (fixed in: {fixes})")
    print(f"pip-audit: {len(vulnerable)} vulnerable dependencies")
    sys.exit(1)
if status == 124:
    print(f"{UNREACHABLE} (pip-audit gave no answer within {timeout_s} s)")
    sys.exit(0)
if status != 0:
    tail = errors.strip().splitlines()[-1:] or ["no message"]
    if NETWORK.search(errors):
        print(f"{UNREACHABLE} ({tail[0][:200]})")
        sys.exit(0)
    print(f"pip-audit failed (exit {status}): {tail[0][:300]}")
    sys.exit(1)
audited = [d for d in dependencies if not d.get("skip_reason")]
skipped = len(dependencies) - len(audited)
if not audited:
    print(f"{UNREACHABLE} (none of the {skipped} dependencies could be looked up)")
    sys.exit(0)
print(f"pip-audit: no known vulnerabilities in {len(audited)} dependencies ({skipped} not found, not audited)")
PY
