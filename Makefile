# Two entry points: `make demo` (build the mesh on the embedded engine) and `make test` (everything CI runs,
# with every service it needs started and stopped by itself). `make check` is the inner loop (under a minute).
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
# Python's bytecode cache (__pycache__/, ignored by git) is written even where the environment turns it off:
# every test process, dbt interpreter and `mesh` command imports the same project modules, and each pytest
# process compiles and rewrites every test module again without it (a full collection: 12-14 s against
# 7 s; docs/benchmarks.md).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install demo data test check lint lint-python lint-sql test-dbt test-python test-spark clean pr-ci trino trino-stop test-trino

# uv (pinned in constraints.txt) installs the pinned set in about 50 s on a fresh machine, pip in about 80 s
# (docs/benchmarks.md); --compile-bytecode writes the .pyc files pip writes, so no first import compiles them.
# Where uv cannot install (its own index settings, not pip's), pip does, and says so.
$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt uv
	$(BIN)/uv pip install -q --compile-bytecode --python $(PY) -c constraints.txt -e '.[dev]' || { \
		echo "make install: uv could not install the pinned set (above); installing it with pip instead" >&2; \
		$(BIN)/pip install -q -c constraints.txt -e '.[dev]'; }
	touch $@

install: $(VENV)/.installed

# --as-of now: the synthetic data has just arrived, so the demo's products are fresh against their SLAs.
data: install
	$(PY) scripts/generate_data.py --scale $(DEMO_SCALE) --seed 42 --as-of now

# Logistics products (published to the Iceberg catalog) joined with an orders product (DuckDB); plain SQL
# (no GROUP BY ALL), so it runs unchanged on Trino too.
DEMO_QUERY := select c.carrier_name, o.channel, count(*) as shipments, round(avg(s.transit_hours), 1) as avg_transit_hours, round(sum(o.order_total), 2) as order_value from logistics.gold.fct_shipments as s join orders.gold.fct_orders as o using (order_id) join logistics.gold.dim_carriers as c using (carrier_id) group by c.carrier_name, o.channel order by shipments desc, c.carrier_name, o.channel limit 8

demo: data
	$(MESH) build
	$(MESH) check
	$(MESH) publish
	@echo
	@echo "Products: data/warehouse/<domain>.duckdb (catalog = domain, schema = layer);"
	@echo "logistics (platform: external) also in the Iceberg catalog data/iceberg/catalog.db."
	@echo "Example query across domains:"
	@echo '  $(MESH) query "$(DEMO_QUERY)"'
	@$(MESH) query "$(DEMO_QUERY)"
	@echo
	@url=$$($(MESH) docs) && echo "Mesh catalog (static site, opens offline): $$url"
	@echo
	@echo "Product health (mesh health; exit 1 only means a product is degraded):"
	@$(MESH) health || [ $$? -eq 1 ]

lint: lint-python lint-sql

lint-python: install
	$(BIN)/ruff check governance tests scripts dbt_mesh
	$(BIN)/ruff format --check governance tests scripts dbt_mesh
	$(BIN)/mypy

# Needs the mesh built (`make test-dbt` or `make demo`): the templater opens each project's DuckDB
# connection, which attaches the upstream domains' database files.
# sqlfluff's dbt templater compiles one dbt project per run, so each project is linted from its own
# folder (where dbt-loom finds its config), in dependency order; `dbt parse` writes a project's manifest
# when no build has (the templater itself writes only dbt's partial-parse file, so a running build's
# readers of target/manifest.json are not disturbed).
lint-sql: install
	@for dir in $$($(PY) -c "from governance.project import Projects; print(*(p.path for p in Projects.discover().select(None)))"); do \
		echo "sqlfluff: $$dir"; \
		(cd $$dir && { [ -f target/manifest.json ] || $(CURDIR)/$(BIN)/dbt parse --quiet; } && \
			$(CURDIR)/$(BIN)/sqlfluff lint models $$([ "$$dir" = "$(CURDIR)" ] && echo macros) --processes 2) || exit 1; \
	done

test-dbt: install
	$(PY) scripts/generate_data.py --scale $(CI_SCALE) --seed 7
	$(MESH) build

test-python: install
	$(BIN)/pytest -m "not spark and not trino"

# A real Trino 476 (scripts/ci/trino.sh) under the generated access rules, then the Trino tests; stopped
# afterwards whatever they return. Needs the mesh built (test-dbt) and PostgreSQL (scripts/ci/postgres.sh).
# The client's deadline is raised for the tests: a loaded 2-core runner can keep a JVM busy past the
# 20 s default, which bounds how long an analyst waits for an unreachable Trino, not how long a query runs.
# The Databricks domains reach it through the local stand-in for Unity Catalog's Iceberg REST endpoint
# (scripts/ci/iceberg_rest.sh: Apache Iceberg's REST catalog servers behind a gateway), started first.
test-trino: install
	bash scripts/ci/iceberg_rest.sh start
	bash scripts/ci/trino.sh start || { bash scripts/ci/iceberg_rest.sh stop; exit 1; }
	MESH_TRINO_TIMEOUT=$${MESH_TRINO_TIMEOUT:-120} $(BIN)/pytest -m trino; status=$$?; bash scripts/ci/trino.sh stop; bash scripts/ci/iceberg_rest.sh stop; exit $$status

# Local Trino over every product: PostgreSQL catalog, `mesh publish`, the Databricks domains' stand-in REST
# catalogs (scripts/ci/iceberg_rest.sh), then Trino on 127.0.0.1.
TRINO_CATALOG_URI ?= postgresql+psycopg://mesh:mesh@127.0.0.1:55432/iceberg
trino: install
	bash scripts/ci/postgres.sh
	@ls domains/*/target/manifest.json >/dev/null 2>&1 || { $(MAKE) data && $(MESH) build; }
	MESH_CATALOG_URI=$(TRINO_CATALOG_URI) $(MESH) publish
	bash scripts/ci/iceberg_rest.sh start
	MESH_CATALOG_URI=$(TRINO_CATALOG_URI) bash scripts/ci/trino.sh start

trino-stop:
	bash scripts/ci/trino.sh stop
	bash scripts/ci/iceberg_rest.sh stop

# Every lane (scripts/ci/test.sh): starts PostgreSQL, Chromium and Trino itself, fails on any skipped test
# outside the Databricks `live` ones, prints one line per lane with its time. The Spark lane builds in a
# throw-away copy, so the working tree's target/ manifests stay DuckDB's.
test: install
	bash scripts/ci/test.sh

# The inner loop before every commit: lint, types and the unit lane (no dbt build, no server) on both cores.
check: lint-python
	MESH_TEST_LANE=unit $(BIN)/pytest -n 2 --dist loadscope -q

clean:
	rm -rf data domains/*/target target .mesh

# The Databricks SQL dialect in CI: the mesh built by dbt-spark on a local Spark session (target spark;
# fresh warehouse and metastore under data/spark), then the Spark-marked tests (engine parity, dialect).
test-spark: install
	$(PY) scripts/generate_data.py --scale $(CI_SCALE) --seed 7
	rm -rf "$${MESH_DATA_DIR:-data}/spark"
	$(MESH) build --target spark
	$(BIN)/pytest -m spark

# Pull-request CI locally: the steps .github/workflows/pull-request.yml runs (scripts/ci/pr.sh), against
# PR_BASE (default main) built at CI_SCALE as production: checks -> SARIF, slim build, summary.
pr-ci: install
	CI_SCALE=$(CI_SCALE) bash scripts/ci/pr.sh
