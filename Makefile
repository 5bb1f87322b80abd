# creditrisk_assets — the two commands a person needs: `make demo` and `make test`.
# Both bootstrap .venv from pyproject.toml + requirements.lock on a machine with Python 3.11.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export CREDITRISK_HOME ?= $(CURDIR)/.creditrisk
export DAGSTER_HOME ?= $(CREDITRISK_HOME)/dagster

SNAPSHOT ?= 2026-11-01
APPLICANTS ?= 20000
PYTEST_ARGS ?=

.PHONY: install demo test lint format serve ui dagster-home clean bench

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==26.3
	$(BIN)/python -m pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

dagster-home:
	@mkdir -p "$(DAGSTER_HOME)"
	@cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: install dagster-home
	$(BIN)/python -m creditrisk_assets.cli demo --snapshot $(SNAPSHOT) --applicants $(APPLICANTS)

ui: install dagster-home
	$(BIN)/dagster dev

serve: install
	$(BIN)/uvicorn --factory creditrisk_assets.serving.app:create_app --host 127.0.0.1 --port 8000

clean:
	rm -rf .creditrisk
