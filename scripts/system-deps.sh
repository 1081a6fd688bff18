#!/usr/bin/env bash
# The system tools the tests need, in one place (`make test` runs this first, and so does .ci/run).
# Installs the missing ones with apt-get when it can (root on a Debian/Ubuntu machine); otherwise names
# them with the command to install them and exits 1. Exits 0 at once when everything is there.
set -euo pipefail
PYTHON="${PYTHON:-python3}"

missing=()  # "tool (package)" for the message
packages=()
want() {  # want PACKAGE TOOL-DESCRIPTION: record a missing tool and the package that brings it
  packages+=("$1")
  missing+=("$2 ($1)")
}

# The Makefile's virtual environment (Debian splits venv/ensurepip out of python3).
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || want python3-venv "$PYTHON -m venv"
command -v git >/dev/null 2>&1 || want git git
# The workbook's recalculation lint and PDF rasterising in the document tests.
command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 \
  || want libreoffice-calc-nogui soffice
command -v pdftoppm >/dev/null 2>&1 || want poppler-utils pdftoppm
command -v sha256sum >/dev/null 2>&1 || want coreutils sha256sum
# PostgreSQL server binaries for the throwaway test servers, and pg_dump/pg_restore for backups.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
  || want postgresql initdb
command -v pg_dump >/dev/null 2>&1 || want postgresql-client pg_dump
# The web UI's browser tests drive Debian's Chromium (browsers downloaded by test tools do not run here).
[ -x /usr/bin/chromium ] || want chromium /usr/bin/chromium
[ -d /usr/share/fonts/opentype/noto ] || want fonts-noto-cjk "Noto CJK fonts (Hangul in screenshots)"

if [ "${#packages[@]}" -eq 0 ]; then
  echo "system tools: all present"
  exit 0
fi

if [ "${EUID}" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  echo "system tools: installed"
  exit 0
fi

{
  echo "missing system tools the tests need:"
  printf '  - %s\n' "${missing[@]}"
  if command -v apt-get >/dev/null 2>&1; then
    echo "install them with:"
  else
    echo "install them with your system's package manager; on Debian/Ubuntu:"
  fi
  echo "  sudo apt-get install -y --no-install-recommends ${packages[*]}"
} >&2
exit 1
