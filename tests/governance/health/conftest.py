"""Fixtures of the health tests: `backend` (each store: DuckDB file, PostgreSQL table) and `warehouse`."""

from tests.governance.health.stores import backend, warehouse  # noqa: F401  (fixtures)
