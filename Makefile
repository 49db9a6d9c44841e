# Claimledger — the commands a newcomer needs. `make run` and `make test` set everything up.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run setup test test-fast lint format check clean soak bench

help:
	@echo "make run    set up (venv, database, seed data, demo accounts) and serve http://$(HOST):$(PORT)"
	@echo "make test   set up and run the test suite (SQLite unless DATABASE_URL is set)"
	@echo "make lint   ruff and makemigrations --check"

# The virtual environment is rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@bash scripts/ensure-venv.sh $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

setup: install
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py createcachetable
	DEBUG=1 $(PY) manage.py import_sources seeds/
	DEBUG=1 $(PY) manage.py load_demo_data
	DEBUG=1 $(PY) manage.py create_demo_accounts

run: setup
	@echo "Serving on http://$(HOST):$(PORT)/admin/ and http://$(HOST):$(PORT)/api/v1/ — Ctrl-C stops."
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) var/ staticfiles/ .pytest_cache .ruff_cache

# The 1M-claim benchmark (PostgreSQL, wrk, Datasette): generates the corpus once, writes BENCHMARKS.md.
# Takes about half an hour the first time; not part of `make test` or CI.
BENCH_ARGS ?=
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# A two-minute soak at 32 clients against gunicorn on PostgreSQL (SOAK_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432); the test suite runs a 15-second version.
soak: install
	$(PY) scripts/soak.py --seconds 120 --clients 32
