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

.PHONY: install demo test test-prod-local smoke lint format serve ui dagster-home clean prod-local prod-local-stop

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

# Everything, the production-topology test included (it skips only without PostgreSQL).
test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Only the production topology test (PostgreSQL, moto S3, mlflow server, daemon; ~7 min): README.
test-prod-local: install
	$(BIN)/python -m pytest -m prod_topology $(PYTEST_ARGS)

# The whole graph through Dagster's CLI on a small synthetic snapshot, in a throw-away state
# folder: what CI runs after the tests, exactly as a person would type it.
SMOKE_HOME ?= $(CURDIR)/.creditrisk-smoke
# Big enough that the blocking train-test AUC gap check has margin (3,000 applicants: 0.139 vs 0.15).
SMOKE_APPLICANTS ?= 6000
SMOKE_ENV = CREDITRISK_HOME="$(SMOKE_HOME)" DAGSTER_HOME="$(SMOKE_HOME)/dagster"
smoke: install
	rm -rf "$(SMOKE_HOME)"
	$(MAKE) --no-print-directory dagster-home $(SMOKE_ENV)
	$(SMOKE_ENV) $(BIN)/python -m creditrisk_assets.cli add-snapshot $(SNAPSHOT)
	$(SMOKE_ENV) CREDITRISK_SYNTHETIC_APPLICANTS=$(SMOKE_APPLICANTS) \
	  $(BIN)/dagster job execute -m creditrisk_assets.definitions -j all_assets \
	  --tags '{"dagster/partition": "$(SNAPSHOT)"}'
	rm -rf "$(SMOKE_HOME)"

demo: install dagster-home
	$(BIN)/python -m creditrisk_assets.cli demo --snapshot $(SNAPSHOT) --applicants $(APPLICANTS)

ui: install dagster-home
	$(BIN)/dagster dev

serve: install
	$(BIN)/python -m creditrisk_assets.serving.launch --host 127.0.0.1 --port 8000

# The production topology on this machine, with real services (PostgreSQL on 127.0.0.1:5432, moto
# S3, mlflow server, code server, daemon, webserver, API); its state goes to .prod-local/.
PROD_LOCAL_ARGS ?=
prod-local: install
	$(BIN)/python deploy/prod_local.py start $(PROD_LOCAL_ARGS)

prod-local-stop:
	$(BIN)/python deploy/prod_local.py stop

clean:
	rm -rf .creditrisk
