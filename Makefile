# Every target creates .venv and installs the pinned dependencies (requirements.lock) on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.lock | cut -d' ' -f1)
ARGS ?=
ONLY ?=

.PHONY: demo test test-fast bench lint format schema migrate clean-data

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --upgrade pip
	@$(VENV)/bin/pip install --quiet -r requirements.lock
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## Start the platform with the demo province on http://localhost:8000 (Ctrl-C stops it).
demo: $(STAMP)
	$(PY) manage.py demo

## Run the whole test suite (ARGS="tests/tenants -x" to narrow it). CI runs this one.
test: $(STAMP)
	JIXIAO_FAST_PASSWORD_HASHER=1 $(PY) -m pytest $(ARGS)

## The suite without the tests marked slow (over 20 s) or browser: the edit-test loop.
test-fast: $(STAMP)
	JIXIAO_FAST_PASSWORD_HASHER=1 $(PY) -m pytest -m "not slow and not browser" $(ARGS)

## Run the benchmarks under bench/ (ONLY=provisioning for one); figures go to bench/results/.
bench: $(STAMP)
	$(PY) -m bench $(ONLY)

## ruff (lint and format) and mypy (pyproject.toml [tool.mypy]); CI runs this before the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Regenerate graphql_schema/public.graphql, tenant.graphql and docs/access.md from the code.
schema: $(STAMP)
	$(PY) manage.py export_graphql_schema

## Apply migrations to the public schema and every unit, then refresh the schema blueprint.
migrate: $(STAMP)
	$(PY) manage.py migrate_schemas --executor=multiprocessing
	$(PY) manage.py prepare_blueprint

## Forget the embedded database, Redis and files (the next `make demo` starts afresh).
clean-data:
	rm -rf .data
