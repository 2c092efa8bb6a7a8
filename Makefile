# Two entry points: `make demo` (build the mesh on the embedded engine) and `make test` (everything CI runs).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MESH := $(BIN)/mesh
DEMO_SCALE ?= 1
CI_SCALE ?= 0.02
export DBT_PROFILES_DIR := $(CURDIR)/profiles
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install demo data test lint lint-python lint-sql test-dbt test-python test-spark clean

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

data: install
	$(PY) scripts/generate_data.py --scale $(DEMO_SCALE) --seed 42

demo: data
	$(MESH) build
	@echo
	@echo "Products are in data/warehouse/<domain>.duckdb (catalog = domain, schema = layer)."
	@echo "Try:  $(MESH) query \"select * from orders.gold.fct_orders limit 5\""

lint: lint-python lint-sql

lint-python: install
	$(BIN)/ruff check governance tests scripts
	$(BIN)/ruff format --check governance tests scripts
	$(BIN)/mypy

# sqlfluff's dbt templater compiles one dbt project per run, so each project is linted from its own
# folder (where dbt-loom finds its config), in dependency order, after `dbt parse` wrote its manifest.
lint-sql: install
	@for dir in $$($(PY) -c "from governance.project import Projects; print(*(p.path for p in Projects.discover().select(None)))"); do \
		echo "sqlfluff: $$dir"; \
		(cd $$dir && $(CURDIR)/$(BIN)/dbt parse --quiet && \
			$(CURDIR)/$(BIN)/sqlfluff lint models $$([ "$$dir" = "$(CURDIR)" ] && echo macros) --processes 2) || exit 1; \
	done

test-dbt: install
	$(PY) scripts/generate_data.py --scale $(CI_SCALE) --seed 7
	$(MESH) build

test-python: install
	$(BIN)/pytest

test: lint test-dbt test-python

clean:
	rm -rf data domains/*/target target .mesh

# The Databricks SQL dialect in CI: the mesh built by dbt-spark on a local Spark session (target spark;
# fresh warehouse and metastore under data/spark), then the Spark-marked tests (engine parity, dialect).
test-spark: install
	$(PY) scripts/generate_data.py --scale $(CI_SCALE) --seed 7
	rm -rf "$${MESH_DATA_DIR:-data}/spark"
	$(MESH) build --target spark
	$(BIN)/pytest -m spark
