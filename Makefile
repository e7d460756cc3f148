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

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean: ## Remove the virtualenv, demo output and caches
	rm -rf $(VENV) var out .pytest_cache .hypothesis .ruff_cache *.egg-info

.PHONY: help install demo test lint clean
