# PMO: `make run` serves the app with a worker and beat on the embedded services; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
export DJANGO_SETTINGS_MODULE ?= pmo.settings.local

.PHONY: run install install-dev translations migrate seed test lint typecheck pytest clean stop-services

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
		{ echo "PMO needs Python 3.11 or newer: run e.g. make PYTHON=python3.11 run"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP) translations

install-dev: $(DEVSTAMP) translations

translations: $(STAMP)
	$(VENV)/bin/pybabel compile -d locale -D django --statistics

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runstack

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(VENV)/bin/mypy .

pytest: install-dev
	DJANGO_SETTINGS_MODULE=pmo.settings.test $(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache

# The role journeys in Chromium on the demo data (tests/test_journeys_*.py), in English and Chinese: they copy the
# README's screenshots to docs/screenshots/ and print the login-to-landing timings of each role.
.PHONY: screenshots
screenshots: install-dev
	rm -f test-artifacts/journeys/timings.txt
	PMO_SCREENSHOTS_DIR=docs/screenshots DJANGO_SETTINGS_MODULE=pmo.settings.test $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS) tests/test_journeys_*.py
	@cat test-artifacts/journeys/timings.txt

# The benchmark (docs/performance.md): generated data of a tier (S, M or L) in a database of its own, served by
# gunicorn; prints latency and query figures against the targets and writes them as JSON.
TIER     ?= M
BENCH_DB ?= pmo_bench_$(shell echo $(TIER) | tr A-Z a-z)
.PHONY: bench
bench: install-dev
	PMO_DB_NAME=$(BENCH_DB) $(PY) manage.py ensure_database
	PMO_DB_NAME=$(BENCH_DB) $(PY) manage.py migrate --noinput
	PMO_DB_NAME=$(BENCH_DB) $(PY) manage.py seed_scale --tier $(TIER)
	PMO_DB_NAME=$(BENCH_DB) $(PY) manage.py bench $(BENCH_ARGS)

# A load test of mixed traffic by role (loadtest/locustfile.py, docs/loadtest.md) against an app that is already
# serving, e.g. `make run` in another terminal. Fails when any request fails.
.PHONY: loadtest
LOADTEST_HOST ?= http://127.0.0.1:8000
LOADTEST_USERS ?= 20
LOADTEST_TIME ?= 3m
loadtest: install-dev
	$(VENV)/bin/locust -f loadtest/locustfile.py --headless --host $(LOADTEST_HOST) -u $(LOADTEST_USERS) -r 5 \
		-t $(LOADTEST_TIME) --only-summary --csv test-artifacts/loadtest --exit-code-on-error 1
