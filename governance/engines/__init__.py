"""Query engines behind `mesh query`: embedded DuckDB (default), Trino and Databricks SQL."""
