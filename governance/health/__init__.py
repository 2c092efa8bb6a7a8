"""Product health across the mesh: signals read from engine metadata and dbt artifacts (never a table
scan), an append-only history, robust anomaly detection, causes traced across domains, and one
notification per root cause to its owner.

    signals.py    one observation per product per run (freshness, row count, tests, schema)
    store.py      the history: embedded DuckDB `<data>/health/health.duckdb`, append-only, pruned by age
    settings.py   health.yml (mesh.yml `files.health`): which store, retention
    backends.py   opening the configured store; warehouse.py: the PostgreSQL-table store
    anomalies.py  median/MAD over a window, weekday seasonality where the history has it
    causes.py     each product's status and reasons; upstream causes and root causes across domains
    notify.py     one message per owning group, never more than one per root cause
    record.py     what `mesh build` runs after building: `dbt source freshness`, then one observation each
    published.py  what `mesh publish` records (copying or verifying a Trino build): Iceberg snapshots
    unity.py      Databricks domains' freshness from Unity Catalog LAST_ALTERED (`mesh sync`, `--refresh`)
"""
