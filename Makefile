# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# `make test` first installs the system tools the tests need (scripts/system-deps.sh: apt-get as root,
# otherwise it names what is missing and how to install it).
.PHONY: run test sysdeps install lint typecheck importlint security pytest regression bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/kis serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/kis_estimator

importlint: $(STAMP)
	$(BIN)/lint-imports

sysdeps:
	PYTHON=$(PYTHON) bash scripts/system-deps.sh

pytest: $(STAMP)
	$(BIN)/pytest

regression: $(STAMP)
	$(BIN)/kis regression run

# bandit over the package; pip-audit over .venv (fails on a known vulnerability, reports and passes when
# the advisory database cannot be reached: scripts/audit.sh)
security: $(STAMP)
	$(BIN)/bandit -c pyproject.toml -r src -q
	BIN=$(BIN) bash scripts/audit.sh

test: sysdeps lint typecheck importlint security pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
