# dasv-reporting: `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/$$(PREFECT_PORT)/$(PREFECT_PORT)/g; s/$$(PREFECT_HOST)/$(PREFECT_HOST)/g; s/$$(PORTAL_PORT)/$(PORTAL_PORT)/g; s|$$(DEMO_DIR)|$(DEMO_DIR)|g; s|$$(LATE_DIR)|$(LATE_DIR)|g' \
	  | awk 'BEGIN {FS = ":.*## "}; {printf "  %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its test tools

# The demo's folder, and the one set of settings that `make demo`, `make prefect-worker` (without
# DASV_PSEUDONYM_KEY) and `make portal` share: one warehouse, inbox, outputs and publication store.
DEMO_DIR ?= var/demo
PORTAL_PORT ?= 8400
PORTAL_URL = http://127.0.0.1:$(PORTAL_PORT)
DEMO_ENV = DASV_DEMO=1 DASV_DATABASE_URL=sqlite:///$(abspath $(DEMO_DIR))/warehouse.db \
  DASV_INBOX=$(abspath $(DEMO_DIR))/inbox DASV_OUT=$(abspath $(DEMO_DIR))/out \
  DASV_PUBLISH_DIR=$(abspath $(DEMO_DIR))/publish DASV_PORTAL_URL=$${DASV_PORTAL_URL:-$(PORTAL_URL)}

demo: $(STAMP) ## Sample inbox -> embedded SQLite warehouse -> 2025-26 Q1-Q3 rendered and published, in $(DEMO_DIR)
	$(BIN)/dasv demo --out $(DEMO_DIR)

ADOPT := var/adopt
ADOPT_ENV := DASV_CONFIG=$(ADOPT)/wyvernshire.yaml DASV_DATABASE_URL=sqlite:///$(CURDIR)/$(ADOPT)/warehouse.db \
  DASV_PUBLISH_DIR=$(ADOPT)/publish DASV_PSEUDONYM_KEY=adopt-example-key-not-for-real-data

adopt-example: $(STAMP) ## A made-up second partnership from its YAML to a published quarter (var/adopt; docs/adopting.md)
	rm -rf $(ADOPT) && $(BIN)/python -m dasv.sample.adopt $(ADOPT)
	$(ADOPT_ENV) $(BIN)/dasv config check
	$(ADOPT_ENV) $(BIN)/dasv run --quarter "2025-26 Q3" --inbox $(ADOPT)/inbox --out $(ADOPT)/out

FIRST := var/adopt-first-year
FIRST_ENV := DASV_CONFIG=$(FIRST)/ravensholm.yaml DASV_DATABASE_URL=sqlite:///$(CURDIR)/$(FIRST)/warehouse.db \
  DASV_PUBLISH_DIR=$(FIRST)/publish DASV_PSEUDONYM_KEY=adopt-example-key-not-for-real-data

adopt-first-year: $(STAMP) ## A made-up partnership in its first year (exports from April 2025) to a published quarter (var/adopt-first-year)
	rm -rf $(FIRST) && $(BIN)/python -m dasv.sample.first_year $(FIRST)
	$(FIRST_ENV) $(BIN)/dasv config check
	$(FIRST_ENV) $(BIN)/dasv run --quarter "2025-26 Q3" --inbox $(FIRST)/inbox --out $(FIRST)/out

AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js

$(AXE):
	@command -v npm >/dev/null || { echo "npm not found: the accessibility tests need axe-core from npm" >&2; exit 1; }
	mkdir -p $(VENV)/npm && npm install --prefix $(VENV)/npm --silent --no-audit --no-fund axe-core@4

browser: $(AXE) ## Test browser: Debian's chromium (installed if missing and we may) and axe-core
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium is not installed: browser tests will be skipped (apt-get install chromium)"

# Test processes (pytest-xdist): a module's tests stay together in one (its fixtures are built once).
# Three on a two-core machine: much of the suite waits on servers, browsers and child processes
# (the whole suite took 11:13 on three against 13:16 on two, the same machine and commit).
TEST_WORKERS ?= 3
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

test: $(STAMP) browser ## The whole test suite on $(TEST_WORKERS) processes (PostgreSQL too when DASV_TEST_POSTGRES_URL is set)
	$(PYTEST)

test-fast: $(STAMP) ## The inner loop: every test but those marked slow (tests/conftest.py), in about three minutes
	$(PYTEST) -m "not slow"

.PHONY: test-fast lint-imports types

portal: $(STAMP) ## The CSP portal on the demo's warehouse and publications (after make demo): http://127.0.0.1:$(PORTAL_PORT)
	$(DEMO_ENV) $(BIN)/dasv portal serve --port $(PORTAL_PORT)

PREFECT_PORT ?= 4200
PREFECT_HOST ?= 127.0.0.1
# Prefect's own folder (its SQLite database, settings profile, results): this clone's, not ~/.prefect,
# which anyone else on the machine may share. Set it to keep the server's runs elsewhere.
PREFECT_HOME ?= $(CURDIR)/var/prefect-home
# Basic auth: set PREFECT_SERVER_API_AUTH_STRING=user:password for the server (required beyond
# loopback); the deploy and worker targets pass the same string to their client.
PREFECT_ENV := PREFECT_HOME=$(PREFECT_HOME) PREFECT_API_URL=http://$(PREFECT_HOST):$(PREFECT_PORT)/api \
  PREFECT_UI_URL=http://$(PREFECT_HOST):$(PREFECT_PORT) PREFECT_SERVER_ANALYTICS_ENABLED=false \
  PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED=true PREFECT_API_AUTH_STRING="$${PREFECT_API_AUTH_STRING:-$${PREFECT_SERVER_API_AUTH_STRING:-}}" \
  DASV_PROJECT_DIR=$(CURDIR)
# Without DASV_PSEUDONYM_KEY the worker runs on the demo ($(DEMO_ENV), above) with the demo's key.

# The server's own database: SQLite under PREFECT_HOME unless PREFECT_API_DATABASE_CONNECTION_URL (or
# PREFECT_SERVER_DATABASE_CONNECTION_URL) is postgresql+asyncpg://user@host:5432/db (production).
PREFECT_DB_URL = $${PREFECT_API_DATABASE_CONNECTION_URL:-$${PREFECT_SERVER_DATABASE_CONNECTION_URL:-}}

prefect-server: $(STAMP) ## Start a Prefect server (UI on http://$(PREFECT_HOST):$(PREFECT_PORT)), CSRF protection on; PostgreSQL if PREFECT_API_DATABASE_CONNECTION_URL
	@case "$(PREFECT_HOST)" in 127.0.0.1|localhost|::1) ;; *) [ -n "$${PREFECT_SERVER_API_AUTH_STRING:-}" ] || \
	  { echo "PREFECT_HOST=$(PREFECT_HOST) is beyond loopback: set PREFECT_SERVER_API_AUTH_STRING=user:password first" >&2; exit 2; } ;; esac
	@url="$(PREFECT_DB_URL)"; case "$$url" in \
	  "") echo "Prefect server database: SQLite under $(PREFECT_HOME) (one operator on a laptop; PostgreSQL for production, see docs/operations.md)";; \
	  postgresql+asyncpg://*) echo "Prefect server database: PostgreSQL at $${url##*@}";; \
	  postgresql://*|postgres://*) echo "PREFECT_API_DATABASE_CONNECTION_URL must start postgresql+asyncpg:// (Prefect's async driver), not $${url%%://*}://" >&2; exit 2;; \
	  *) echo "Prefect server database: $${url%%://*}";; esac
	$(PREFECT_ENV) $(BIN)/prefect server start --host $(PREFECT_HOST) --port $(PREFECT_PORT)

# The failure e-mails are sent by the server (flows/alerts.py): from the deployment YAML's delivery
# section and DASV_SMTP_HOST/DASV_SMTP_PORT here (no SMTP server on the demo unless DASV_SMTP_HOST is set).
DEMO_IF_NO_KEY = $$([ -n "$${DASV_PSEUDONYM_KEY:-}" ] || echo DASV_DEMO=1)

prefect-deploy: $(STAMP) ## Create the work pool, the deployments and the failure-alert automations on the running server
	$(PREFECT_ENV) $(BIN)/prefect server status --wait --timeout 60
	$(PREFECT_ENV) $(BIN)/prefect work-pool inspect dasv-process >/dev/null 2>&1 || $(PREFECT_ENV) $(BIN)/prefect work-pool create dasv-process --type process
	$(PREFECT_ENV) $(BIN)/prefect --no-prompt deploy --all
	$(PREFECT_ENV) env $(DEMO_IF_NO_KEY) $(BIN)/python -m dasv.flows.alerts
	@echo "Start a worker with make prefect-worker (not the prefect worker start suggested above: docs/operations.md, \"Stopping a worker\")."

# Poll for runs every half second (default 10 s): a run pressed in the UI is taken within half a
# second (two light queries a second to the server). The virtualenv first on PATH: each run's
# command, dasv-flow-run (a warm start), lives there. Each run sends a heartbeat every 30 s (the
# shortest Prefect allows): a run that stops sending them is marked Crashed by the dasv-run-lost
# automation and e-mailed (flows/alerts.py).
WORKER_ENV := PREFECT_WORKER_QUERY_SECONDS=$${PREFECT_WORKER_QUERY_SECONDS:-0.5} \
  PREFECT_WORKER_PREFETCH_SECONDS=$${PREFECT_WORKER_PREFETCH_SECONDS:-10} \
  PREFECT_FLOWS_HEARTBEAT_FREQUENCY=$${PREFECT_FLOWS_HEARTBEAT_FREQUENCY:-30} PATH="$(CURDIR)/$(BIN):$$PATH"

prefect-worker: $(STAMP) ## Start a process worker (the demo in $(DEMO_DIR) unless DASV_PSEUDONYM_KEY is set); Ctrl-C stops it within 10 s
	@if [ -z "$${DASV_PSEUDONYM_KEY:-}" ]; then \
	  echo "DASV_PSEUDONYM_KEY is not set: this worker uses the demo in $(DEMO_DIR) (made-up people) and the demo's key."; \
	  echo "For real data set DASV_PSEUDONYM_KEY (and DASV_DATABASE_URL, DASV_INBOX, DASV_OUT) and start it again."; \
	  $(PREFECT_ENV) $(WORKER_ENV) $(DEMO_ENV) $(BIN)/python -m dasv.flows.worker --pool dasv-process; \
	else \
	  $(PREFECT_ENV) $(WORKER_ENV) $(BIN)/python -m dasv.flows.worker --pool dasv-process; \
	fi

# The exports-due walkthrough (docs/operations.md, "Exports due"): a fresh warehouse in $(LATE_DIR) loaded from
# the sample inbox without the police export of 2025-26 Q3, which is held back in $(LATE_DIR)/held-back.
LATE_DIR ?= var/late
LATE_POLICE := police/Police DA counts Oct-Dec 2025.xlsx

exports-due-example: $(STAMP) ## Late-export scenario in $(LATE_DIR): 2025-26 Q3 without its police months (docs/operations.md "Exports due")
	rm -rf $(LATE_DIR) && mkdir -p $(LATE_DIR)/held-back
	$(BIN)/dasv sample-data --out $(LATE_DIR)/inbox >/dev/null
	mv "$(LATE_DIR)/inbox/$(LATE_POLICE)" $(LATE_DIR)/held-back/
	$(MAKE) --no-print-directory DEMO_DIR=$(LATE_DIR) _late-load
	@echo "Now: make prefect-worker DEMO_DIR=$(LATE_DIR), and run the check for 2025-26 Q3 (docs/operations.md, \"Exports due\")."

_late-load:
	$(DEMO_ENV) $(BIN)/dasv load $(DEMO_DIR)/inbox

stress: $(STAMP) ## The fault and fuzz suites at full size (50 kill trials per database, 20x fuzz cases)
	DASV_STRESS=20 $(BIN)/python -m pytest tests/hostile -s

bench: $(STAMP) ## National-scale benchmarks (not part of make test): writes bench/results.json
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	psql -h 127.0.0.1 -U postgres -d postgres -qc "drop database if exists dasv_bench" -c "create database dasv_bench" \
	  && export DASV_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/dasv_bench; \
	  $(BIN)/python bench/run.py

lint: $(STAMP) ## ruff lint and format check (ruff pinned in pyproject's dev extra)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-imports: $(STAMP) ## The layers of the house: no import back up, no circle ([tool.importlinter] in pyproject.toml)
	$(BIN)/lint-imports --no-cache

types: $(STAMP) ## mypy on the core modules ([tool.mypy] in pyproject.toml lists them)
	$(BIN)/mypy

clean: ## Remove the virtualenv, demo output and caches
	rm -rf $(VENV) var out .pytest_cache .hypothesis .ruff_cache *.egg-info

.PHONY: help install demo adopt-example adopt-first-year portal test browser lint clean prefect-server prefect-deploy \
  prefect-worker stress bench exports-due-example _late-load
