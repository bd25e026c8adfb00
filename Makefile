# Development tasks. On a fresh machine `make run` and `make test` are all it takes:
# the virtualenv is created and the dependencies installed on first use, and again
# whenever pyproject.toml changes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Development settings need DEBUG=true; production refuses to start without its secrets.
MANAGE := DEBUG=true $(BIN)/python manage.py
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="tests/screening -x"`.
PYTEST_ARGS ?=
# The project's packages, lowest layer first (docs/architecture.md).
APPS := clinic audit screening reports webhooks notifications api dashboard

.PHONY: help install run test check migrations-check lint bench

help:
	@echo "make run               set up, migrate, load demo data, serve http://127.0.0.1:8000 (with a report worker when Redis answers)"
	@echo "make test              set up, system checks, migrations check, the test suite with coverage"
	@echo "make lint              ruff check, ruff format --check, mypy, import contracts, bandit"
	@echo "make bench             run every bench/bench_*.py"
	@echo "make migrations-check  fail when a model change has no migration"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than pyproject.toml once its dependencies are installed.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(INSTALLED)

# Local state: the SQLite database, collected static files and media (STATIC_ROOT, MEDIA_ROOT).
var:
	mkdir -p var/static var/media

run: install | var
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	DEBUG=true $(BIN)/python manage.py serve_with_worker 127.0.0.1:8000

check: install | var
	$(MANAGE) check

migrations-check: install | var
	$(MANAGE) makemigrations --check --dry-run

# DATABASE_URL and REDIS_URL are taken from the environment when set (CI sets both);
# otherwise the tests run on in-memory SQLite and the local Redis. The suite runs serially:
# on two cores pytest-xdist measured slower (each worker migrates its own database) and
# the tests that start workers or servers are simpler to keep apart without it.
# Coverage measures the sources of [tool.coverage.run] in pyproject.toml and prints the total;
# `.venv/bin/coverage report` (or `html`) afterwards shows it per file.
test: check migrations-check
	@started=$$(date +%s); status=0; \
	$(BIN)/coverage run -m pytest $(PYTEST_ARGS) || status=$$?; \
	echo "make test: pytest finished in $$(( $$(date +%s) - started )) s (exit $$status)"; \
	echo "make test: coverage $$($(BIN)/coverage report --format=total)% of the lines of [tool.coverage.run] source"; \
	exit $$status

# bandit fails on a finding of medium or high severity; an accepted one has `# nosec` and why.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy $(APPS)
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit --quiet --recursive --severity-level medium $(APPS)

bench: install | var
	@shopt -s nullglob; benches=(bench/bench_*.py); \
	if (( $${#benches[@]} == 0 )); then echo "no benchmarks in bench/"; exit 0; fi; \
	failed=0; for bench in "$${benches[@]}"; do \
		echo "== $$bench"; \
		DEBUG=true PYTHONPATH=. $(BIN)/python "$$bench" || failed=1; \
	done; exit $$failed
