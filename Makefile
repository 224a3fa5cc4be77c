# servgap: two commands on a fresh machine with Python 3.11: `make demo`, `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint types contracts pytest venv clean bench fuzz

# front-end packages (htmx, ECharts) pinned by frontend/package-lock.json, copied into the
# package's static files when missing; nothing is loaded from a CDN at run time
VENDOR := src/servgap/web/static/vendor/htmx.min.js

$(VENDOR):
	@if command -v npm >/dev/null 2>&1; then \
	  cd frontend && npm ci --no-audit --no-fund --ignore-scripts --silent && npm run --silent build; \
	else echo "npm not found: the web pages' vendor files (htmx, ECharts) are not built; install Node.js and run make again"; fi

$(STAMP): pyproject.toml | $(VENDOR)
	@$(PYTHON) -c "import sys; assert sys.version_info >= (3, 11)" 2>/dev/null || { echo "servgap needs Python 3.11 or newer (make PYTHON=/path/to/python3.11 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/servgap demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

check: lint types contracts

pytest: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

test: check pytest

# random search with a fixed budget (profile `fuzz` in tests/conftest.py: 2,000 examples a
# test); `make test` runs the same tests derandomized with a small budget
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
