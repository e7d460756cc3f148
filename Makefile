# dasv-reporting: `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its test tools

demo: $(STAMP) ## Sample inbox -> embedded SQLite warehouse -> 2025-26 Q3 measures
	$(BIN)/dasv demo

test: $(STAMP) ## The whole test suite (PostgreSQL too when DASV_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest

PREFECT_PORT ?= 4200
PREFECT_ENV := PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api PREFECT_SERVER_ANALYTICS_ENABLED=false DASV_PROJECT_DIR=$(CURDIR)

prefect-server: $(STAMP) ## Start a local Prefect server (UI on http://127.0.0.1:4200)
	$(PREFECT_ENV) $(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT)

prefect-deploy: $(STAMP) ## Create the work pool and the three deployments on the running server
	$(PREFECT_ENV) $(BIN)/prefect server status --wait --timeout 60
	$(PREFECT_ENV) $(BIN)/prefect work-pool inspect dasv-process >/dev/null 2>&1 || $(PREFECT_ENV) $(BIN)/prefect work-pool create dasv-process --type process
	$(PREFECT_ENV) $(BIN)/prefect --no-prompt deploy --all

prefect-worker: $(STAMP) ## Start a process worker for the dasv-process pool (from this folder)
	$(PREFECT_ENV) $(BIN)/prefect worker start --pool dasv-process

stress: $(STAMP) ## The fault and fuzz suites at full size (50 kill trials per database, 20x fuzz cases)
	DASV_STRESS=20 $(BIN)/python -m pytest tests/hostile -s

bench: $(STAMP) ## National-scale benchmarks (not part of make test): writes bench/results.json
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	psql -h 127.0.0.1 -U postgres -d postgres -qc "drop database if exists dasv_bench" -c "create database dasv_bench" \
	  && export DASV_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/dasv_bench; \
	  $(BIN)/python bench/run.py

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean: ## Remove the virtualenv, demo output and caches
	rm -rf $(VENV) var out .pytest_cache .hypothesis .ruff_cache *.egg-info

.PHONY: help install demo test lint clean prefect-server prefect-deploy prefect-worker stress bench
